"""The variants compared by Euclidean (L2) distance, smallest first. They rank by the score

    s(w) = h . w - |w|^2 / 2,    so that    |h - w|^2 = |h|^2 - 2 s(w)

is larger for nearer rows, taken from the same fp32 product h . ŵ as cosine: s = |w| (h . ŵ) - |w|^2 / 2.
The positional variant compares with w + p, derived from the raw variant's scores:

    s(w + p) = s(w) + (h . p - |p|^2 / 2) - w . p,

with w . p = |w| (ŵ . p) tabled per position row on first use (as cosine tables 1 / |w + p|).

The window: h . ŵ in fp32 is off by at most (d + 1) 2^-24 |h| (a d-term dot product, plus the rounding of
each stored unit row), |w| and |w|^2 / 2 are stored rounded, and each further product or sum rounds once;
h . p and w . p are d-term dot products too. Summed, one score is off by less than
(d + 8) 2^-24 R (|h| + R), where R bounds the norm of the rows compared (max |w|, or max |w| + |p|), so
a comparison of a score with a float64 value is decided in fp32 only outside WINDOW_SAFETY times that
(one side, with margin). Every close call, and every reported distance, is settled in float64 as the norm
of h - w (or h - w - p) itself, never by the cancellation above.
"""

from __future__ import annotations

import torch

from journeys.indexer.reference_scores import PositionalScores, PositionTables, RawScores, ScoringPlan

#: Roundings beyond the d of a dot product that one Euclidean score can carry (see the module docstring).
EXTRA_ROUNDINGS = 8


def euclidean_windows(plan: ScoringPlan, reach: torch.Tensor | float) -> torch.Tensor:
    """(Q,) fp32 windows of Euclidean scores, for rows whose norms are at most `reach` (per query or one)."""
    roundings = plan.queries.shape[1] + EXTRA_ROUNDINGS
    return plan.window(roundings, reach * (plan.query_norms64 + reach))


class ByDistance:
    """What the Euclidean variants share: their float64 nearness is minus the distance."""

    metric = "euclidean"
    plan: ScoringPlan

    def reported(self, nearness: torch.Tensor) -> torch.Tensor:
        """The distance."""
        return -nearness

    def scaled(self, nearness: torch.Tensor) -> torch.Tensor:
        """The score s = (|h|^2 - distance^2) / 2 of each query's float64 nearness."""
        return (self.plan.query_norms64.square() - nearness.square()) / 2


class EuclideanRawScores(ByDistance, RawScores):
    """The vocabulary rows as they are, by distance."""

    def __init__(
        self,
        plan: ScoringPlan,
        row_norms: torch.Tensor,
        row_norms64: torch.Tensor,
        negative_half_squares: torch.Tensor,
    ) -> None:
        super().__init__(plan, row_norms64)
        self.row_norms = row_norms
        self.negative_half_squares = negative_half_squares
        self._windows = euclidean_windows(plan, float(row_norms64.max()))

    def windows(self) -> torch.Tensor:
        return self._windows

    def scores(self, start: int, stop: int, previous: torch.Tensor) -> torch.Tensor:
        return torch.addcmul(self.negative_half_squares, previous, self.row_norms, out=previous)

    def exact(
        self, queries: torch.Tensor, columns: torch.Tensor, rows64: torch.Tensor, scratch: torch.Tensor
    ) -> torch.Tensor:
        """Minus the float64 distance |w - h|."""
        rows64.sub_(torch.index_select(self.plan.queries64, 0, queries, out=scratch))
        return torch.linalg.vector_norm(rows64, dim=1).neg_()

    def zero_row_nearness(self, queries: torch.Tensor) -> torch.Tensor:
        return -self.plan.query_norms64[queries]


class EuclideanPositionalScores(ByDistance, PositionalScores):
    """Every vocabulary row plus the query's position row, by distance."""

    def _tabled(self, tables: PositionTables, used: list[int]) -> tuple[list[torch.Tensor], torch.Tensor]:
        plan = self.plan
        # The score of an all-zero row, h . p - |p|^2 / 2, which every row's score shifts by.
        half_squares = (self.position_squares64 / 2).float()[plan.group_of_query]
        self.query_offsets = self.query_dot_position - half_squares
        position_norms = self.position_squares64.sqrt()[plan.group_of_query]
        return tables.row_dots(used), euclidean_windows(plan, float(self.row_norms64.max()) + position_norms)

    def scores(self, start: int, stop: int, previous: torch.Tensor) -> torch.Tensor:
        shifted = previous.add_(self.query_offsets[start:stop, None])
        for group, first, end in self.plan.groups_in(start, stop):
            shifted[first - start : end - start].sub_(self.tables[self.slots[group]])
        return shifted

    def exact(
        self, queries: torch.Tensor, columns: torch.Tensor, rows64: torch.Tensor, scratch: torch.Tensor
    ) -> torch.Tensor:
        """Minus the float64 distance |w + p - h|."""
        groups = self.plan.group_of_query[queries]
        rows64.add_(torch.index_select(self.position_rows64, 0, groups, out=scratch))
        rows64.sub_(torch.index_select(self.plan.queries64, 0, queries, out=scratch))
        return torch.linalg.vector_norm(rows64, dim=1).neg_()

    def zero_row_nearness(self, queries: torch.Tensor) -> torch.Tensor:
        positions = self.position_rows64[self.plan.group_of_query[queries]]
        return -torch.linalg.vector_norm(self.plan.queries64[queries] - positions, dim=1)
