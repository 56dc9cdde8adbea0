"""How each variant forms its scores: the fp32 scores a decision is made on (larger = nearer), the rounding
window around them, and the float64 value that settles it. `RawScores` compares with the vocabulary rows as
they are; `PositionalScores` with every row plus the query's position row, derived from the raw variant's
scores (for cosine, |h| cos(h, w) = h . ŵ, the product itself):

    |h| cos(h, w + p) = (|w| (h . ŵ) + h . p) / |w + p|,    |w + p|^2 = |w|^2 + 2 |w| (ŵ . p) + |p|^2

so no per-position index is needed; 1 / |w + p| is tabled per position row on first use. These classes
compare by cosine; `euclidean_scores` holds their Euclidean counterparts.

The windows bound one fp32 score's error, in fp32 roundings (u = 2^-24) of |h|, in any summation order:
- raw: h . ŵ is a d-term dot product with stored unit rows, off by at most (d + 1) u |h|;
- positional, with W = (|w| + |p|) / |w + p|: the numerator |w| (h . ŵ) + h . p is off by at most
  (d + 4) u |h| (|w| + |p|) (the two dot products, the stored |w|, a product and a sum), so by
  (d + 4) u |h| W once divided by |w + p|; 1 / |w + p| comes from |w|^2 + |p|^2 + 2 |w| (ŵ . p) with ŵ . p
  another dot product, off relatively by at most ((d + 9) / 4) u W^2 (the relative error of the sum of
  squares, (d + 1) / 2 + 4 roundings times W^2 since 2 |w| |p| <= (|w| + |p|)^2 / 2, halved by the square
  root, plus the root's own two); as |numerator| / |w + p| <= |h|, that adds ((d + 9) / 4) u |h| W^2, and
  the last product one more rounding: (d + 4) W + ((d + 9) / 4) W^2 + 3 in all, W taken as its maximum
  over the vocabulary for each position row.
Each window is the plan's `window_safety` times that bound.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from bisect import bisect_right
from dataclasses import dataclass, field

import torch

from journeys.indexer.reference_rows import POSITIONAL, RAW

#: fp32's unit roundoff: one rounding is off by at most this much, relatively.
FP32_ROUNDING = 2.0**-24


@dataclass
class ScoringPlan:
    """Quantities shared by every chunk of one scoring call. Queries are sorted by group (one position row
    and one own token per group), so a group's queries are a contiguous run."""

    queries: torch.Tensor  # (Q, d) fp32, sorted by group
    own_columns: torch.Tensor  # (Q,) index column of each query's own row (0 where it has none)
    has_own: torch.Tensor  # (Q,) False where a query's own row has zero norm (and so no column)
    group_starts: list[int]  # first query of each group, then Q
    group_of_query: torch.Tensor  # (Q,)
    group_positions: torch.Tensor | None  # (G,) position row of each group; None without a position table
    unit_rows: torch.Tensor  # (n, d) fp32, the normalised vocabulary rows
    window_safety: float  # each window is this many times the worst-case error of one score
    queries64: torch.Tensor = field(init=False)
    query_norms64: torch.Tensor = field(init=False)
    raw_windows: torch.Tensor = field(init=False)  # (Q,) rounding window on |h|-scaled raw scores

    def __post_init__(self) -> None:
        self.queries64 = self.queries.double()
        self.query_norms64 = self.queries64.norm(dim=1)
        self.raw_windows = self.window(self.queries.shape[1] + 1)

    def window(self, roundings: torch.Tensor | float, size: torch.Tensor | None = None) -> torch.Tensor:
        """(Q,) fp32 window of scores off by at most `roundings` fp32 roundings (per query, or one number)
        of `size` (per query; default |h|), with the safety margin."""
        size = self.query_norms64 if size is None else size
        return (self.window_safety * FP32_ROUNDING * roundings * size).float()

    def dot_unit(self, start: int, stop: int, out: torch.Tensor | None = None) -> torch.Tensor:
        """(stop - start, n) h . ŵ for queries start..stop - 1: their raw |h|-scaled scores. Taken a chunk of
        queries at a time, so no (Q, n) matrix is ever held."""
        return torch.matmul(self.queries[start:stop], self.unit_rows.T, out=out)

    def groups_in(self, start: int, stop: int) -> list[tuple[int, int, int]]:
        """(group, first, stop) runs of queries start..stop - 1 that share one group."""
        first_group = bisect_right(self.group_starts, start) - 1
        runs = []
        for group in range(first_group, len(self.group_starts) - 1):
            first, end = self.group_starts[group], self.group_starts[group + 1]
            if first >= stop:
                break
            runs.append((group, max(first, start), min(end, stop)))
        return runs


class ReferenceScores(ABC):
    """One variant's arithmetic over a plan, comparing by cosine; `euclidean_scores` overrides the parts
    that differ for the Euclidean distance."""

    name: str
    metric = "cosine"
    plan: ScoringPlan

    @abstractmethod
    def windows(self) -> torch.Tensor:
        """(Q,) the rounding window of each query's fp32 scores."""

    @abstractmethod
    def scores(self, start: int, stop: int, previous: torch.Tensor) -> torch.Tensor:
        """(stop - start, n) fp32 scores of queries start..stop - 1 against every row, from `previous`: their
        `plan.dot_unit(start, stop)` for the raw variant, the raw variant's scores for the positional one
        (so the raw variant is scored first). It may be overwritten."""

    @abstractmethod
    def compared_norms(
        self, queries: torch.Tensor, columns: torch.Tensor, rows64: torch.Tensor, scratch: torch.Tensor
    ) -> torch.Tensor:
        """float64 norms of the rows as this variant compares them, for (query, column) pairs whose
        vocabulary rows are `rows64`; `scratch` is a buffer of the same shape the variant may overwrite."""

    @abstractmethod
    def dot_offsets(self, queries: torch.Tensor) -> torch.Tensor | float:
        """What this variant adds to h . w for each query (h . p, or nothing), in float64."""

    def exact(
        self, queries: torch.Tensor, columns: torch.Tensor, rows64: torch.Tensor, scratch: torch.Tensor
    ) -> torch.Tensor:
        """float64 nearness (larger = nearer) of (query, column) pairs whose vocabulary rows are `rows64`:
        here the cosine. `rows64` and `scratch` (a buffer of their shape) may be overwritten."""
        dots = torch.index_select(self.plan.queries64, 0, queries, out=scratch).mul_(rows64).sum(1)
        norms = self.compared_norms(queries, columns, rows64, scratch)
        return (dots + self.dot_offsets(queries)) / (self.plan.query_norms64[queries] * norms)

    def reported(self, nearness: torch.Tensor) -> torch.Tensor:
        """The metric's value of each float64 nearness: the cosine itself."""
        return nearness

    def scaled(self, nearness: torch.Tensor) -> torch.Tensor:
        """(Q,) each query's float64 nearness on the scale of its fp32 scores: |h| cos."""
        return nearness * self.plan.query_norms64

    def zero_row_nearness(self, queries: torch.Tensor) -> torch.Tensor | None:
        """float64 nearness of an all-zero own row to each of `queries`, or None where the metric gives it no
        value (a zero row has no direction, so no cosine)."""
        return None


class RawScores(ReferenceScores):
    """The vocabulary rows as they are."""

    name = RAW

    def __init__(self, plan: ScoringPlan, row_norms64: torch.Tensor) -> None:
        self.plan = plan
        self.row_norms64 = row_norms64

    def windows(self) -> torch.Tensor:
        return self.plan.raw_windows

    def scores(self, start: int, stop: int, previous: torch.Tensor) -> torch.Tensor:
        return previous

    def compared_norms(
        self, queries: torch.Tensor, columns: torch.Tensor, rows64: torch.Tensor, scratch: torch.Tensor
    ) -> torch.Tensor:
        return self.row_norms64[columns]

    def dot_offsets(self, queries: torch.Tensor) -> torch.Tensor | float:
        return 0.0


class PositionTables:
    """Per position row p, on first use: 1 / |w + p| for every vocabulary row and max (|w| + |p|) / |w + p|,
    which the window grows with (cosine), or w . p for every row (Euclidean). Computed once per position (not
    per query), and only for positions and metrics in use, so long position tables cost nothing until their
    rows are reached."""

    def __init__(self, positions: torch.Tensor, unit_rows: torch.Tensor, row_norms: torch.Tensor) -> None:
        self.positions = positions
        self.unit_rows = unit_rows
        self.row_norms = row_norms
        self._inverse: dict[int, torch.Tensor] = {}
        self._widening: dict[int, float] = {}
        self._row_dots: dict[int, torch.Tensor] = {}
        self._lock = threading.Lock()

    def __call__(self, position_ids: list[int]) -> tuple[list[torch.Tensor], torch.Tensor]:
        """(n,) 1 / |w + p| (the tables themselves, not copies) and (len,) widening of each position row
        asked for."""
        with self._lock:
            missing = [p for p in dict.fromkeys(position_ids) if p not in self._inverse]
            if missing:
                self._add(missing)
            return (
                [self._inverse[p] for p in position_ids],
                torch.tensor([self._widening[p] for p in position_ids], device=self.positions.device),
            )

    def row_dots(self, position_ids: list[int]) -> list[torch.Tensor]:
        """(n,) fp32 w . p = |w| (ŵ . p) for every vocabulary row, per position row asked for (the tables
        themselves, not copies)."""
        with self._lock:
            missing = [p for p in dict.fromkeys(position_ids) if p not in self._row_dots]
            if missing:
                products = (self.positions[missing] @ self.unit_rows.T).mul_(self.row_norms)
                for index, position in enumerate(missing):
                    self._row_dots[position] = products[index]
            return [self._row_dots[p] for p in position_ids]

    def _add(self, position_ids: list[int]) -> None:
        rows = self.positions[position_ids]
        norms = rows.norm(dim=1)[:, None]
        squared = (self.row_norms.square() + norms.square()).addcmul_(
            rows @ self.unit_rows.T, 2 * self.row_norms
        )
        inverse = squared.rsqrt_()
        widening = torch.add(self.row_norms, norms).mul_(inverse).amax(1)
        for index, position in enumerate(position_ids):
            self._inverse[position] = inverse[index]
            self._widening[position] = float(widening[index])


class PositionalScores(ReferenceScores):
    """Every vocabulary row plus the query's position row."""

    name = POSITIONAL

    def __init__(
        self,
        plan: ScoringPlan,
        positions: torch.Tensor,
        tables: PositionTables,
        row_norms: torch.Tensor,
        row_norms64: torch.Tensor,
    ) -> None:
        if plan.group_positions is None:
            raise ValueError("the positional variant needs each query's position row")
        self.plan = plan
        self.row_norms = row_norms
        self.row_norms64 = row_norms64
        used, self.slot_of_group = torch.unique(plan.group_positions, return_inverse=True)
        self.slots = self.slot_of_group.tolist()  # read per chunk: a list, so no device round trip each time
        position_of_query = plan.group_positions[plan.group_of_query]
        self.query_dot_position = (plan.queries * positions[position_of_query]).sum(1)
        self.position_rows64 = positions[plan.group_positions].double()  # (G, d)
        self.position_squares64 = self.position_rows64.square().sum(1)  # (G,)
        self.query_dot_position64 = (plan.queries64 * self.position_rows64[plan.group_of_query]).sum(1)
        self.tables, self._windows = self._tabled(tables, used.tolist())

    def _tabled(self, tables: PositionTables, used: list[int]) -> tuple[list[torch.Tensor], torch.Tensor]:
        """The per-position tables the scores use, one per used position row, and (Q,) the windows."""
        inverse_norms, widening = tables(used)
        width = self.plan.queries.shape[1]
        spread = widening[self.slot_of_group[self.plan.group_of_query]].double()  # W of each query's row
        return inverse_norms, self.plan.window((width + 4) * spread + (width + 9) / 4 * spread.square() + 3)

    def windows(self) -> torch.Tensor:
        return self._windows

    def scores(self, start: int, stop: int, previous: torch.Tensor) -> torch.Tensor:
        shifted = torch.addcmul(
            self.query_dot_position[start:stop, None], previous, self.row_norms, out=previous
        )
        for group, first, end in self.plan.groups_in(start, stop):
            shifted[first - start : end - start].mul_(self.tables[self.slots[group]])
        return shifted

    def compared_norms(
        self, queries: torch.Tensor, columns: torch.Tensor, rows64: torch.Tensor, scratch: torch.Tensor
    ) -> torch.Tensor:
        groups = self.plan.group_of_query[queries]
        positions = torch.index_select(self.position_rows64, 0, groups, out=scratch)
        row_dot_position = positions.mul_(rows64).sum(1)
        squared = self.row_norms64[columns].square() + 2 * row_dot_position + self.position_squares64[groups]
        return squared.sqrt()

    def dot_offsets(self, queries: torch.Tensor) -> torch.Tensor | float:
        return self.query_dot_position64[queries]
