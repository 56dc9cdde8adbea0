"""How each variant forms its scores: the fp32 |h|-scaled scores a decision is made on, the rounding window
around them, and the float64 cosine that settles it. `RawScores` compares with the vocabulary rows as they
are; `PositionalScores` with every row plus the query's position row, derived from the same products:

    |h| cos(h, w + p) = (|w| (h . ŵ) + h . p) / |w + p|,    |w + p|^2 = |w|^2 + 2 |w| (ŵ . p) + |p|^2

so no per-position index is needed; 1 / |w + p| is tabled per position row on first use.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from bisect import bisect_right
from dataclasses import dataclass, field

import torch

from journeys.indexer.reference_rows import POSITIONAL, RAW


@dataclass
class ScoringPlan:
    """Quantities shared by every chunk of one scoring call. Queries are sorted by group (one position row
    and one own token per group), so a group's queries are a contiguous run."""

    queries: torch.Tensor  # (Q, d) fp32, sorted by group
    own_columns: torch.Tensor  # (Q,) index column of each query's own row (0 where it has none)
    group_starts: list[int]  # first query of each group, then Q
    group_of_query: torch.Tensor  # (Q,)
    group_positions: torch.Tensor | None  # (G,) position row of each group; None without a position table
    unit_rows: torch.Tensor  # (n, d) fp32, the normalised vocabulary rows
    relative_window: float  # the rounding window of a score, relative to |h|
    queries64: torch.Tensor = field(init=False)
    query_norms64: torch.Tensor = field(init=False)
    raw_windows: torch.Tensor = field(init=False)  # (Q,) rounding window on |h|-scaled raw scores

    def __post_init__(self) -> None:
        self.queries64 = self.queries.double()
        self.query_norms64 = self.queries64.norm(dim=1)
        self.raw_windows = self.relative_window * self.query_norms64.float()

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
    """One variant's arithmetic over a plan."""

    name: str

    @abstractmethod
    def windows(self) -> torch.Tensor:
        """(Q,) the rounding window of each query's fp32 scores."""

    @abstractmethod
    def scores(self, start: int, stop: int, dot_unit: torch.Tensor) -> torch.Tensor:
        """(stop - start, n) fp32 |h|-scaled scores of queries start..stop - 1 against every row, from their
        `plan.dot_unit(start, stop)`, which they may overwrite (so the raw variant, which returns it as it
        is, is scored first)."""

    @abstractmethod
    def compared_norms(
        self, queries: torch.Tensor, columns: torch.Tensor, rows64: torch.Tensor, scratch: torch.Tensor
    ) -> torch.Tensor:
        """float64 norms of the rows as this variant compares them, for (query, column) pairs whose
        vocabulary rows are `rows64`; `scratch` is a buffer of the same shape the variant may overwrite."""

    @abstractmethod
    def dot_offsets(self, queries: torch.Tensor) -> torch.Tensor | float:
        """What this variant adds to h . w for each query (h . p, or nothing), in float64."""


class RawScores(ReferenceScores):
    """The vocabulary rows as they are."""

    name = RAW

    def __init__(self, plan: ScoringPlan, row_norms64: torch.Tensor) -> None:
        self.plan = plan
        self.row_norms64 = row_norms64

    def windows(self) -> torch.Tensor:
        return self.plan.raw_windows

    def scores(self, start: int, stop: int, dot_unit: torch.Tensor) -> torch.Tensor:
        return dot_unit

    def compared_norms(
        self, queries: torch.Tensor, columns: torch.Tensor, rows64: torch.Tensor, scratch: torch.Tensor
    ) -> torch.Tensor:
        return self.row_norms64[columns]

    def dot_offsets(self, queries: torch.Tensor) -> torch.Tensor | float:
        return 0.0


class PositionTables:
    """Per position row p, on first use: 1 / |w + p| for every vocabulary row, and the window widening
    max (|w| + |p|) / |w + p|. Computed once per position (not per query), and only for positions in use,
    so long position tables cost nothing until their rows are reached."""

    def __init__(self, positions: torch.Tensor, unit_rows: torch.Tensor, row_norms: torch.Tensor) -> None:
        self.positions = positions
        self.unit_rows = unit_rows
        self.row_norms = row_norms
        self._inverse: dict[int, torch.Tensor] = {}
        self._widening: dict[int, float] = {}
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
                torch.tensor([self._widening[p] for p in position_ids]),
            )

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
        self.inverse_norms, widening = tables(used.tolist())
        position_of_query = plan.group_positions[plan.group_of_query]
        self.query_dot_position = (plan.queries * positions[position_of_query]).sum(1)
        self._windows = plan.raw_windows * widening[self.slot_of_group[plan.group_of_query]]
        self.position_rows64 = positions[plan.group_positions].double()  # (G, d)
        self.position_squares64 = self.position_rows64.square().sum(1)  # (G,)
        self.query_dot_position64 = (plan.queries64 * self.position_rows64[plan.group_of_query]).sum(1)

    def windows(self) -> torch.Tensor:
        return self._windows

    def scores(self, start: int, stop: int, dot_unit: torch.Tensor) -> torch.Tensor:
        shifted = torch.addcmul(
            self.query_dot_position[start:stop, None], dot_unit, self.row_norms, out=dot_unit
        )
        for group, first, end in self.plan.groups_in(start, stop):
            shifted[first - start : end - start].mul_(self.inverse_norms[int(self.slot_of_group[group])])
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
