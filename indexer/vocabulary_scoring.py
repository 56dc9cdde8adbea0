"""Rank, similarity (or distance) and nearest reference rows for many encodings at once, exactly.

One fp32 matrix product of all encodings against the normalised vocabulary gives every variant's scores
in either metric, cosine scaled by |h| (which changes no ordering); `reference_scores` and
`euclidean_scores` say how each variant derives its own. It is taken a chunk of queries at a time into one
reused buffer, so no (queries x vocabulary) matrix is held. fp32 can misorder rows whose scores differ by
less than its rounding error. Each query's own row is valued in float64 first, and every decision compares
an fp32 score with a float64 value (the own row's, for the rank; the k-th neighbour's, for the top k): a
row whose score falls within the rounding window of that value is settled in float64, and every reported
similarity or distance is computed in float64, so the results equal a float64 brute force. The window is
the worst-case error bound of one score, with margin: for the raw cosine, a d-term fp32 dot product of h
with a stored unit row, (d + 1) * 2^-24 |h|; `reference_scores` derives the positional one and
`euclidean_scores` the Euclidean ones. Every one bounds IEEE fp32 arithmetic in any summation order,
so they hold on any device. Everything runs on the scorer's device (the model's: see
`precision.scoring_device`); only the results come to the CPU, once, as numpy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from journeys.indexer.euclidean_scores import EuclideanPositionalScores, EuclideanRawScores
from journeys.indexer.precision import ieee_float32_products
from journeys.indexer.reference_scores import (
    PositionalScores,
    PositionTables,
    RawScores,
    ReferenceScores,
    ScoringPlan,
)
from journeys.indexer.vocabulary_index import VocabularyIndex, block_rows

#: Each window is WINDOW_SAFETY times one fp32 score's worst-case error (each fp32 score is compared with a
#: float64 value): (d + 1) * 2^-24 * |h| for the raw cosine, on |h|-scaled scores.
WINDOW_SAFETY = 1.25
#: Extra fp32 candidates fetched beyond k before the float64 re-sort.
TOPK_MARGIN = 4
#: Queries whose scores one matrix product takes: d / QUERY_CHUNK_DIVISOR of them, so that the product's
#: buffer is 1/8 of the table, within QUERY_CHUNK_RANGE. Every product makes a pass over the whole table:
#: 64 queries a pass took 1.5x (Qwen3-0.6B's shape) and 1.8x (Llama-3.1-8B's) the time of one product of
#: all queries here, 256 queries 1.15x and 1.13x.
QUERY_CHUNK_DIVISOR = 8
QUERY_CHUNK_RANGE = (64, 256)
#: Bytes of one float64 buffer of the (query, vocabulary row) pairs settled together: small enough that
#: the buffers stay in cache between the steps that fill and read them.
PAIR_BUFFER_BYTES = 2**22
#: Blocks each score row is cut into for the top-k search (see `top_candidates`).
TOPK_BLOCKS = 256


@dataclass
class VariantScores:
    """Scores of one variant for Q queries: rank/value of each query's own row, top-k rows. The values are
    the metric's: cosine similarities, or Euclidean distances."""

    rank: np.ndarray  # (Q,) int64, -1 where the own row has zero norm and the metric is cosine
    similarity: np.ndarray  # (Q,) float64, nan where the rank is -1
    neighbour_ids: np.ndarray  # (Q, k) int64 vocabulary ids, nearest first
    neighbour_similarity: np.ndarray  # (Q, k) float64

    @classmethod
    def on_cpu(cls, order: torch.Tensor, *tensors: torch.Tensor) -> VariantScores:
        """Scores computed (on any device) for queries taken in `order`, as numpy in the callers' order."""
        restore = torch.argsort(order)
        return cls(*(tensor[restore].cpu().numpy() for tensor in tensors))


class _Decisions:
    """What the fp32 pass leaves for float64 to settle, for one variant, given the float64 nearness of each
    query's own row (`own`) and which queries have a rank (`ranked`)."""

    def __init__(
        self, reference: ReferenceScores, own: torch.Tensor, ranked: torch.Tensor, top_k: int, fetch: int
    ) -> None:
        self.reference = reference
        self.own, self.ranked = own, ranked
        self.top_k = top_k
        self.lower, self.upper = _outside_window(reference, own)
        num_queries = len(own)
        device = reference.plan.queries.device
        self.pair_queries = torch.empty(0, dtype=torch.int64, device=device)
        self.pair_columns = torch.empty(0, dtype=torch.int64, device=device)
        self.pair_sizes: list[int] = []
        self.clearly_above = torch.zeros(num_queries, dtype=torch.int64, device=device)
        self.near_query: list[torch.Tensor] = [torch.empty(0, dtype=torch.int64, device=device)]
        self.near_column: list[torch.Tensor] = [torch.empty(0, dtype=torch.int64, device=device)]
        self.contender_query: list[torch.Tensor] = [torch.empty(0, dtype=torch.int64, device=device)]
        self.contender_column: list[torch.Tensor] = [torch.empty(0, dtype=torch.int64, device=device)]
        self.candidate_columns = torch.empty((num_queries, fetch), dtype=torch.int64, device=device)

    def float64_pairs(self, plan: ScoringPlan) -> tuple[torch.Tensor, torch.Tensor]:
        """(query, column) pairs float64 must settle, as queries and columns, in three parts (whose sizes
        are kept): every query's top candidates, the contenders of queries whose top k may reach past
        them, and the close calls (own rows left out)."""
        own_columns = plan.own_columns
        num_queries, fetch = self.candidate_columns.shape
        near_query, near_column = torch.cat(self.near_query), torch.cat(self.near_column)
        others = (near_column != own_columns[near_query]) | ~plan.has_own[near_query]
        near_query, near_column = near_query[others], near_column[others]
        contender_query, contender_column = torch.cat(self.contender_query), torch.cat(self.contender_column)
        everyone = torch.arange(num_queries, device=own_columns.device)
        self.pair_queries = torch.cat([everyone.repeat_interleave(fetch), contender_query, near_query])
        self.pair_sizes = [num_queries * fetch, len(contender_query), len(near_query)]
        self.pair_columns = torch.cat([self.candidate_columns.flatten(), contender_column, near_column])
        return self.pair_queries, self.pair_columns

    def add(self, start: int, scores: torch.Tensor) -> None:
        """One chunk of scores (queries start, start + 1, ...): top rows, rows that may yet belong to the top
        k, rows clearly above own, rows too close to call."""
        fetch = self.candidate_columns.shape[1]
        top_scores, top_columns = top_candidates(scores, fetch)
        query_index = torch.arange(start, start + len(scores), device=scores.device)
        self.candidate_columns[start : start + len(scores)] = top_columns
        if fetch < scores.shape[1]:
            self._add_contenders(query_index, scores, top_scores)
        upper, lower = self.upper[start : start + len(scores)], self.lower[start : start + len(scores)]
        # Where the last candidate is already below the window, every row that matters is a candidate,
        # so no further pass over the whole vocabulary is needed for that query.
        from_candidates = (top_scores[:, -1:] < lower).flatten() | (fetch == scores.shape[1])
        if bool(from_candidates.all()):
            self._count_candidates(query_index, top_scores, top_columns, upper, lower)
            return
        rest = torch.nonzero(~from_candidates).flatten()
        if len(rest) < len(scores):
            keep = torch.nonzero(from_candidates).flatten()
            self._count_candidates(
                query_index[keep], top_scores[keep], top_columns[keep], upper[keep], lower[keep]
            )
            query_index, scores, upper, lower = query_index[rest], scores[rest], upper[rest], lower[rest]
        self._count_all(query_index, scores, upper, lower)

    def _add_contenders(
        self, query_index: torch.Tensor, scores: torch.Tensor, top_scores: torch.Tensor
    ) -> None:
        """Every row that may belong to the top k of a query whose top k may reach past its candidates. The
        k-th candidate's exact nearness is at least its score less the window, and so is the exact k-th
        nearness: a row scoring below that less another window is surely outside the top k."""
        windows = self.reference.windows()[query_index].double()
        floor = _float32_towards(top_scores[:, self.top_k - 1].double() - 2 * windows, -torch.inf)
        wide = torch.nonzero(top_scores[:, -1] >= floor).flatten()
        if len(wide):
            query, column = torch.nonzero(scores[wide] >= floor[wide, None], as_tuple=True)
            self.contender_query.append(query_index[wide][query])
            self.contender_column.append(column)

    def _count_candidates(
        self,
        query_index: torch.Tensor,
        scores: torch.Tensor,
        columns: torch.Tensor,
        upper: torch.Tensor,
        lower: torch.Tensor,
    ) -> None:
        """Rows clearly above own and rows within the window, read off the top candidates alone."""
        self.clearly_above[query_index] = (scores > upper).sum(1)
        query, position = torch.nonzero((scores >= lower) & (scores <= upper), as_tuple=True)
        self.near_query.append(query_index[query])
        self.near_column.append(columns[query, position])

    def _count_all(
        self, query_index: torch.Tensor, scores: torch.Tensor, upper: torch.Tensor, lower: torch.Tensor
    ) -> None:
        """The same over every vocabulary row, in two passes: one counts the rows not below the window,
        the other finds those within it (whose number then tells how many lie clearly above)."""
        not_below = torch.ge(scores, lower, out=padded_mask(*scores.shape, device=scores.device))
        query, column = torch.nonzero((scores <= upper).logical_and_(not_below), as_tuple=True)
        within = torch.bincount(query, minlength=len(scores))
        self.clearly_above[query_index] = count_true(not_below) - within
        self.near_query.append(query_index[query])
        self.near_column.append(column)


class VocabularyScorer:
    """Scores encodings against the vocabulary rows and, where the model has a position table, against every
    row plus the query's position row, on `device` (the CPU by default): every table it holds lives there."""

    def __init__(
        self,
        index: VocabularyIndex,
        words: torch.Tensor,
        positions: torch.Tensor | None,
        device: torch.device | None = None,
    ) -> None:
        self.device = torch.device("cpu") if device is None else device
        self.index = index  # keeps FAISS's memory alive: on the CPU, unit_rows is a view of it
        # (n, d) fp32: FAISS's own storage on the CPU (no copy), a copy of it on any other device.
        self.unit_rows = torch.from_numpy(index.vectors).to(self.device)
        self.row_ids = torch.from_numpy(index.row_ids).to(self.device)  # (n,) vocabulary id of each row
        # (V, d) as given, not copied where it already is on `device`: the model's own embedding weight where
        # the family has no projection, in its dtype (bf16 and fp16 rows widen exactly when settled).
        self.words = words.detach().to(self.device)
        self.positions = None if positions is None else positions.detach().to(self.device, torch.float32)
        self.row_norms64 = float64_norms(self.words, self.row_ids)  # (n,)
        self.row_norms = self.row_norms64.float()
        self.negative_half_squares = (self.row_norms64.square() / -2).float()  # the Euclidean scores' term
        self.column_of_id = torch.full((self.words.shape[0],), -1, dtype=torch.int64, device=self.device)
        self.column_of_id[self.row_ids] = torch.arange(len(self.row_ids), device=self.device)
        self.position_tables = (
            None if self.positions is None else PositionTables(self.positions, self.unit_rows, self.row_norms)
        )

    @property
    def num_rows(self) -> int:
        return len(self.row_ids)

    def score(
        self,
        queries: torch.Tensor,
        own_ids: torch.Tensor,
        position_ids: torch.Tensor | None,
        top_k: int,
        metric: str = "cosine",
    ) -> dict[str, VariantScores]:
        """Every variant for every query by `metric` ("cosine" or "euclidean"); `position_ids` picks each
        query's position row (None without a position table: the raw variant only). Queries and ids on
        another device are taken to the scorer's."""
        if position_ids is not None:
            position_ids = position_ids.to(self.device)
        queries = queries.detach().to(self.device, torch.float32)
        with ieee_float32_products():
            return self._score(queries, own_ids.to(self.device), position_ids, top_k, metric)

    def _score(
        self,
        queries: torch.Tensor,
        own_ids: torch.Tensor,
        position_ids: torch.Tensor | None,
        top_k: int,
        metric: str,
    ) -> dict[str, VariantScores]:
        plan, order = self._plan(queries, own_ids, position_ids)
        references = self._references(plan, metric)
        top_k = min(top_k, self.num_rows)
        fetch = min(top_k + TOPK_MARGIN, self.num_rows)
        exact = _ExactValues(self, plan)
        decided = [_Decisions(reference, *exact.own(reference), top_k, fetch) for reference in references]
        chunk = query_chunk(self.words.shape[1])
        product = torch.empty((min(chunk, len(own_ids)), self.num_rows), device=self.device)
        for start in range(0, len(own_ids), chunk):
            stop = min(start + chunk, len(own_ids))
            scores = plan.dot_unit(start, stop, out=product[: stop - start])
            for decisions in decided:  # the raw variant first: the positional one derives from its scores
                scores = decisions.reference.scores(start, stop, scores)
                decisions.add(start, scores)

        values = exact({decisions.reference: decisions.float64_pairs(plan) for decisions in decided})
        settling = _Settling(self.row_ids, top_k)
        return {
            decisions.reference.name: settling(decisions, values[decisions.reference.name], order)
            for decisions in decided
        }

    def _plan(
        self, queries: torch.Tensor, own_ids: torch.Tensor, position_ids: torch.Tensor | None
    ) -> tuple[ScoringPlan, torch.Tensor]:
        """One matrix product for all queries, sorted into groups that share a position row and an own token
        (a token's layers, whose candidates mostly coincide), and the order that sorted them."""
        key = own_ids if position_ids is None else position_ids * len(self.words) + own_ids
        order = torch.argsort(key, stable=True)
        queries, own_ids = queries[order], own_ids[order]
        _, group_of_query, counts = torch.unique_consecutive(
            key[order], return_inverse=True, return_counts=True
        )
        group_starts = [0, *torch.cumsum(counts, 0).tolist()]
        group_positions = None
        if position_ids is not None and self.positions is not None:
            group_positions = position_ids[order][group_starts[:-1]]
        own_columns = self.column_of_id[own_ids]
        plan = ScoringPlan(
            queries=queries,
            own_columns=own_columns.clamp(min=0),
            has_own=own_columns >= 0,
            group_starts=group_starts,
            group_of_query=group_of_query,
            group_positions=group_positions,
            unit_rows=self.unit_rows,
            window_safety=WINDOW_SAFETY,
        )
        return plan, order

    def _references(self, plan: ScoringPlan, metric: str) -> list[ReferenceScores]:
        """The variants this scorer offers, bound to one plan and comparing by `metric`."""
        euclidean = metric == "euclidean"
        references: list[ReferenceScores] = [
            EuclideanRawScores(plan, self.row_norms, self.row_norms64, self.negative_half_squares)
            if euclidean
            else RawScores(plan, self.row_norms64)
        ]
        if self.position_tables is not None and plan.group_positions is not None:
            positional = EuclideanPositionalScores if euclidean else PositionalScores
            references.append(
                positional(plan, self.positions, self.position_tables, self.row_norms, self.row_norms64)
            )
        return references


@dataclass
class _Settling:
    """Exact ranks and neighbours from one variant's fp32 decisions and the float64 nearness of their pairs
    (larger = nearer: the cosine, or minus the distance)."""

    row_ids: torch.Tensor  # (n,) vocabulary id of each column
    top_k: int

    def __call__(self, decisions: _Decisions, values: torch.Tensor, order: torch.Tensor) -> VariantScores:
        """The variant's scores, in the callers' query order (`order` sorted the queries for scoring)."""
        reference, own_exact, ranked = decisions.reference, decisions.own, decisions.ranked
        num_queries, fetch = decisions.candidate_columns.shape
        candidate_exact, contender_exact, near_exact = values.split(decisions.pair_sizes)
        _, contender_query, near_query = decisions.pair_queries.split(decisions.pair_sizes)
        rank = decisions.clearly_above.index_add(0, near_query, (near_exact > own_exact[near_query]).long())
        rank = torch.where(ranked, rank, -1)
        own_value = torch.where(ranked, reference.reported(own_exact), torch.nan)
        ids, nearness = _best_first(
            self.row_ids[decisions.candidate_columns], candidate_exact.view(num_queries, fetch), self.top_k
        )
        if len(contender_query):  # queries whose top k may reach past their candidates: from the contenders
            contender_ids = self.row_ids[decisions.pair_columns.split(decisions.pair_sizes)[1]]
            wide, wide_ids, wide_nearness = _best_per_query(
                contender_query, contender_ids, contender_exact, self.top_k
            )
            ids[wide], nearness[wide] = wide_ids, wide_nearness
        return VariantScores.on_cpu(order, rank, own_value, ids, reference.reported(nearness))


def _outside_window(reference: ReferenceScores, own: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(Q, 1) fp32 bounds below and above which a score is surely farther or nearer than each query's own
    row: its float64 nearness on the scores' scale, less and plus the window, rounded outwards."""
    centre, window = reference.scaled(own), reference.windows().double()
    lower = _float32_towards(centre - window, -torch.inf)
    upper = _float32_towards(centre + window, torch.inf)
    return lower[:, None], upper[:, None]


def _float32_towards(values: torch.Tensor, direction: float) -> torch.Tensor:
    """float64 `values` in fp32, rounded one step further towards `direction` (-inf or inf): never past them
    the other way."""
    rounded = values.float()
    return torch.nextafter(rounded, torch.full_like(rounded, direction))


def _best_per_query(
    queries: torch.Tensor, ids: torch.Tensor, nearness: torch.Tensor, top_k: int
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The queries met in `queries` (sorted, each at least k times) and, per query, the k of its pairs of
    highest nearness, ties broken by ascending id: (queries, ids, nearness)."""
    found, counts = torch.unique_consecutive(queries, return_counts=True)
    row = torch.arange(len(found), device=queries.device).repeat_interleave(counts)
    slot = torch.arange(len(queries), device=queries.device) - (torch.cumsum(counts, 0) - counts)[row]
    width = int(counts.max())
    padded_ids = torch.full((len(found), width), torch.iinfo(torch.int64).max, device=queries.device)
    padded = torch.full((len(found), width), -torch.inf, dtype=torch.float64, device=queries.device)
    padded_ids[row, slot], padded[row, slot] = ids, nearness
    return found, *_best_first(padded_ids, padded, top_k)


def query_chunk(width: int) -> int:
    """How many queries of `width` one matrix product takes (see QUERY_CHUNK_DIVISOR)."""
    smallest, largest = QUERY_CHUNK_RANGE
    return min(max(width // QUERY_CHUNK_DIVISOR, smallest), largest)


def top_candidates(scores: torch.Tensor, fetch: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The `fetch` largest scores of each row, largest first, with their columns; equal in value to
    `scores.topk(fetch)` (columns may differ among equal scores).

    The row is cut into TOPK_BLOCKS blocks: the top scores all lie in the `fetch` blocks with the largest
    maxima (plus the tail the blocks leave), so only those are searched. One cheap max pass replaces most of
    topk's work on long rows.
    """
    rows, num_columns = scores.shape
    width = num_columns // TOPK_BLOCKS
    if width < 2 or fetch > TOPK_BLOCKS:
        return scores.topk(fetch, dim=1)
    covered = TOPK_BLOCKS * width
    block_maxima = scores[:, :covered].view(rows, TOPK_BLOCKS, width).amax(2)
    best_blocks = block_maxima.topk(fetch, dim=1).indices
    device = scores.device
    columns = (best_blocks[:, :, None] * width + torch.arange(width, device=device)).flatten(1)
    columns = torch.cat([columns, torch.arange(covered, num_columns, device=device).expand(rows, -1)], 1)
    top_scores, at = scores.gather(1, columns).topk(fetch, dim=1)
    return top_scores, columns.gather(1, at)


def padded_mask(rows: int, columns: int, device: torch.device | None = None) -> torch.Tensor:
    """A (rows, columns) boolean matrix of False on `device` whose rows lie in memory padded to a multiple of
    8 bytes, so that `count_true` can read them eight entries at a time."""
    return torch.zeros((rows, -(-columns // 8) * 8), dtype=torch.bool, device=device)[:, :columns]


def count_true(mask: torch.Tensor) -> torch.Tensor:
    """(rows,) int64: how many entries of each row of a `padded_mask` are true. Eight entries are read at a
    time as one int64 word, whose bytes (each 0 or 1) are its base-256 digits: the word is congruent modulo
    255 to the sum of its bytes, which is at most 8. Several times faster than `mask.sum(1)`, which widens
    every byte on its own; the padding is never set, so it adds nothing."""
    padded = mask.as_strided((len(mask), mask.stride(0)), (mask.stride(0), 1))
    return padded.view(torch.int64).remainder(255).sum(1)


def float64_norms(words: torch.Tensor, row_ids: torch.Tensor) -> torch.Tensor:
    """(n,) float64 norms of the rows `row_ids` of `words`, a block of rows at a time in buffers reused from
    block to block, so no float64 copy of the vocabulary ever exists."""
    device = words.device
    norms = torch.empty(len(row_ids), dtype=torch.float64, device=device)
    block = block_rows(words.shape[1])
    size = min(block, len(row_ids))
    stored = torch.empty((size, words.shape[1]), dtype=words.dtype, device=device)
    rows64 = torch.empty((size, words.shape[1]), dtype=torch.float64, device=device)
    for start in range(0, len(row_ids), block):
        stop = min(start + block, len(row_ids))
        used = stop - start
        rows64[:used].copy_(torch.index_select(words, 0, row_ids[start:stop], out=stored[:used]))
        torch.linalg.vector_norm(rows64[:used], dim=1, out=norms[start:stop])
    return norms


def _best_first(ids: torch.Tensor, nearness: torch.Tensor, top_k: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Per row, the k entries of highest nearness, ties broken by ascending id."""
    by_id = ids.argsort(dim=1)
    ids, nearness = ids.gather(1, by_id), nearness.gather(1, by_id)
    order = torch.sort(-nearness, dim=1, stable=True).indices[:, :top_k]
    return ids.gather(1, order), nearness.gather(1, order)


class _ExactValues:
    """float64 nearness (cosine, or minus the distance) between chosen (query, vocabulary column) pairs,
    straight from the weights.

    Only the pairs asked for are computed, a chunk at a time (PAIR_BUFFER_BYTES of float64 rows): their
    vocabulary rows are gathered into buffers reused from chunk to chunk (fresh large tensors cost a page
    fault per page), widened to float64 and compared with each pair's own query by the variant's `exact`.
    A product of a group's queries with every row any of them needs would do far more work wherever a
    token's layers share few candidates (a model whose tokens sit among the bulk of the vocabulary needs
    hundreds of rows per query, nearly all distinct).
    """

    def __init__(self, scorer: VocabularyScorer, plan: ScoringPlan) -> None:
        self.scorer = scorer
        self.plan = plan

    def own(self, reference: ReferenceScores) -> tuple[torch.Tensor, torch.Tensor]:
        """(Q,) float64 nearness of each query's own row by `reference`, and (Q,) whether it has a rank: not
        where the own row is all zeros and the metric gives such a row no value (cosine)."""
        plan = self.plan
        everyone = torch.arange(len(plan.own_columns), device=plan.own_columns.device)
        own = self._values(reference, everyone, plan.own_columns)
        zero_own = torch.nonzero(~plan.has_own).flatten()
        zero_row = reference.zero_row_nearness(zero_own)
        if zero_row is None:
            return own, plan.has_own
        return own.index_copy(0, zero_own, zero_row), torch.ones_like(plan.has_own)

    def __call__(
        self, pairs: dict[ReferenceScores, tuple[torch.Tensor, torch.Tensor]]
    ) -> dict[str, torch.Tensor]:
        """Per variant, the nearness of each (query, column) pair given for it."""
        return {reference.name: self._values(reference, *chosen) for reference, chosen in pairs.items()}

    def _values(
        self, reference: ReferenceScores, queries: torch.Tensor, columns: torch.Tensor
    ) -> torch.Tensor:
        words = self.scorer.words
        values = torch.empty(len(columns), dtype=torch.float64, device=words.device)
        pairs_per_chunk = max(1, PAIR_BUFFER_BYTES // (8 * words.shape[1]))
        size = min(pairs_per_chunk, len(columns))
        stored = torch.empty((size, words.shape[1]), dtype=words.dtype, device=words.device)
        rows64 = torch.empty((size, words.shape[1]), dtype=torch.float64, device=words.device)
        scratch = torch.empty_like(rows64)
        ids = self.scorer.row_ids[columns]
        for start in range(0, len(columns), pairs_per_chunk):
            stop = min(start + pairs_per_chunk, len(columns))
            used = stop - start
            rows = rows64[:used].copy_(torch.index_select(words, 0, ids[start:stop], out=stored[:used]))
            chunk = queries[start:stop], columns[start:stop]
            values[start:stop] = reference.exact(*chunk, rows, scratch[:used])
        return values
