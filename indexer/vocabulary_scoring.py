"""Rank, similarity and nearest vocabulary rows for many encodings at once, exactly.

One fp32 matrix product of all encodings (plus the position rows in use) against the normalised
vocabulary gives both variants, scaled by |h| (which changes no ordering):
    raw:         |h| cos(h, w)     = h . ŵ
    positional:  |h| cos(h, w + p) = (|w| (h . ŵ) + h . p) / |w + p|,
                 |w + p|^2         = |w|^2 + 2 |w| (ŵ . p) + |p|^2
so no per-position index is needed. fp32 can misorder rows whose similarities differ by less than its
rounding error, so every decision that falls within a rounding window (the token's own similarity for
the rank, the k-th similarity for the neighbours) is settled in float64, and every reported similarity
is computed in float64: the results equal a float64 brute force. The window is the worst-case error
bound of a d-term fp32 dot product (d * 2^-24 relative), doubled for the two sides of a comparison
with margin, and widened for the positional formula by max (|w| + |p|) / |w + p|.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from indexer.vocabulary_index import VocabularyIndex

#: Window = WINDOW_SAFETY * d * 2^-24 * |h| (times the positional widening), on |h|-scaled scores.
WINDOW_SAFETY = 2.5
#: Extra fp32 candidates fetched beyond k before the float64 re-sort.
TOPK_MARGIN = 4
#: Queries whose score rows are processed together: small enough to stay in cache across passes.
QUERY_CHUNK = 16


@dataclass
class VariantScores:
    """Scores of one variant for Q queries: rank/similarity of each query's own row, top-k rows."""

    rank: np.ndarray  # (Q,) int64, -1 where the own row has zero norm
    similarity: np.ndarray  # (Q,) float64, nan where the own row has zero norm
    neighbour_ids: np.ndarray  # (Q, k) int64 vocabulary ids, most similar first
    neighbour_similarity: np.ndarray  # (Q, k) float64


@dataclass
class _Plan:
    """Quantities shared by every chunk of one `score` call."""

    queries: torch.Tensor  # (Q, d) fp32
    slot: torch.Tensor  # (Q,) index into position_rows
    position_rows: torch.Tensor  # (u, d) the position rows in use
    query_dot_unit: torch.Tensor  # (Q, n) h . ŵ, the raw |h|-scaled scores
    query_dot_position: torch.Tensor  # (Q,) h . p
    inverse_shifted_norms: torch.Tensor  # (u, n) 1 / |w + p|
    raw_windows: torch.Tensor  # (Q,) rounding window on |h|-scaled raw scores
    positional_windows: torch.Tensor  # (Q,) the same, widened for the positional formula


class _Decisions:
    """What the fp32 pass leaves for float64 to settle, for one variant."""

    def __init__(self, num_queries: int, fetch: int) -> None:
        self.clearly_above = torch.zeros(num_queries, dtype=torch.int64)
        self.near_query: list[torch.Tensor] = []
        self.near_column: list[torch.Tensor] = []
        self.candidate_scores = torch.empty((num_queries, fetch))
        self.candidate_columns = torch.empty((num_queries, fetch), dtype=torch.int64)

    def add(
        self, query_index: torch.Tensor, scores: torch.Tensor, own: torch.Tensor, window: torch.Tensor
    ) -> None:
        """One chunk of |h|-scaled scores: rows clearly above own, rows too close to call, top rows."""
        fetch = self.candidate_scores.shape[1]
        top_scores, top_columns = scores.topk(fetch, dim=1)
        self.candidate_scores[query_index] = top_scores
        self.candidate_columns[query_index] = top_columns
        upper, lower = own + window, own - window
        # Where the last candidate is already below the window, every row that matters is a candidate,
        # so no further pass over the whole vocabulary is needed for that query.
        from_candidates = (top_scores[:, -1:] < lower).flatten() | (fetch == scores.shape[1])
        keep = torch.nonzero(from_candidates).flatten()
        self._count_candidates(
            query_index[keep], top_scores[keep], top_columns[keep], upper[keep], lower[keep]
        )
        rest = torch.nonzero(~from_candidates).flatten()
        if len(rest):
            self._count_all(query_index[rest], scores[rest], upper[rest], lower[rest])

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
        """The same over every vocabulary row: two counting passes, and the window's rows only where
        more than the own row falls inside it."""
        clearly_above = (scores > upper).sum(1)
        within = (scores >= lower).sum(1) - clearly_above
        self.clearly_above[query_index] = clearly_above
        close_calls = torch.nonzero(within > 1).flatten()
        if len(close_calls):
            rows = scores[close_calls]
            query, column = torch.nonzero(
                (rows >= lower[close_calls]) & (rows <= upper[close_calls]), as_tuple=True
            )
            self.near_query.append(query_index[close_calls[query]])
            self.near_column.append(column)


class VocabularyScorer:
    """Scores encodings against the vocabulary, with and without each query's position embedding."""

    def __init__(
        self, index: VocabularyIndex, word_embeddings: torch.Tensor, position_embeddings: torch.Tensor
    ) -> None:
        self.index = index  # keeps FAISS's memory alive: unit_rows is a view of it
        self.unit_rows = torch.from_numpy(index.vectors)  # (n, d) fp32
        self.row_ids = torch.from_numpy(index.row_ids)  # (n,) vocabulary id of each row
        self.words = word_embeddings.detach().float()  # (V, d)
        self.positions = position_embeddings.detach().float()  # (P, d)
        self.row_norms = self.words[self.row_ids].double().norm(dim=1).float()  # (n,)
        self.column_of_id = torch.full((self.words.shape[0],), -1, dtype=torch.int64)
        self.column_of_id[self.row_ids] = torch.arange(len(self.row_ids))
        self.relative_window = WINDOW_SAFETY * self.words.shape[1] * 2.0**-24

    @property
    def num_rows(self) -> int:
        return len(self.row_ids)

    def score(
        self, queries: torch.Tensor, own_ids: torch.Tensor, position_ids: torch.Tensor, top_k: int
    ) -> dict[str, VariantScores]:
        """Both variants for every query; `position_ids` picks each query's position row."""
        plan = self._plan(queries.detach().float(), position_ids)
        top_k = min(top_k, self.num_rows)
        fetch = min(top_k + TOPK_MARGIN, self.num_rows)
        own_columns = self.column_of_id[own_ids].clamp(min=0)
        raw, positional = _Decisions(len(own_ids), fetch), _Decisions(len(own_ids), fetch)
        for slot_index in range(len(plan.position_rows)):
            for chunk in torch.nonzero(plan.slot == slot_index).flatten().split(QUERY_CHUNK):
                own = own_columns[chunk, None]
                scores = plan.query_dot_unit[chunk]
                raw.add(chunk, scores, scores.gather(1, own), plan.raw_windows[chunk, None])
                shifted = self._positional_scores(plan, chunk, slot_index)
                positional.add(chunk, shifted, shifted.gather(1, own), plan.positional_windows[chunk, None])

        has_own = self.column_of_id[own_ids] >= 0
        return {
            "raw": self._settle(plan, raw, own_columns, has_own, top_k, positional=False),
            "positional": self._settle(plan, positional, own_columns, has_own, top_k, positional=True),
        }

    def _plan(self, queries: torch.Tensor, position_ids: torch.Tensor) -> _Plan:
        """One matrix product for all queries and position rows, and what both variants derive from it."""
        used_positions, slot = torch.unique(position_ids, return_inverse=True)
        position_rows = self.positions[used_positions]
        products = torch.cat([queries, position_rows]) @ self.unit_rows.T
        position_dot_unit = products[len(queries) :]
        position_norms = position_rows.norm(dim=1)
        squared = (
            self.row_norms.square()
            + 2 * self.row_norms * position_dot_unit
            + position_norms.square()[:, None]
        )
        inverse_shifted_norms = squared.rsqrt()
        widening = ((self.row_norms + position_norms[:, None]) * inverse_shifted_norms).amax(1)
        raw_windows = self.relative_window * queries.double().norm(dim=1).float()
        return _Plan(
            queries=queries,
            slot=slot,
            position_rows=position_rows,
            query_dot_unit=products[: len(queries)],
            query_dot_position=(queries * position_rows[slot]).sum(1),
            inverse_shifted_norms=inverse_shifted_norms,
            raw_windows=raw_windows,
            positional_windows=raw_windows * widening[slot],
        )

    def _positional_scores(self, plan: _Plan, chunk: torch.Tensor, slot_index: int) -> torch.Tensor:
        """|h| cos(h, w + p) for queries that share one position row."""
        shifted = torch.addcmul(
            plan.query_dot_position[chunk, None], plan.query_dot_unit[chunk], self.row_norms
        )
        return shifted.mul_(plan.inverse_shifted_norms[slot_index])

    def _settle(
        self,
        plan: _Plan,
        decisions: _Decisions,
        own_columns: torch.Tensor,
        has_own: torch.Tensor,
        top_k: int,
        positional: bool,
    ) -> VariantScores:
        """Turn the fp32 pass into exact ranks and neighbours by recomputing the close calls in float64."""
        exact = _ExactCosine(self, plan, positional)
        num_queries = len(own_columns)
        own_exact = exact(torch.arange(num_queries), own_columns)
        rank = decisions.clearly_above.clone()
        if decisions.near_query:
            near_query, near_column = torch.cat(decisions.near_query), torch.cat(decisions.near_column)
            others = near_column != own_columns[near_query]
            near_query, near_column = near_query[others], near_column[others]
            above = (exact(near_query, near_column) > own_exact[near_query]).long()
            rank.index_add_(0, near_query, above)
        rank = torch.where(has_own, rank, -1)
        similarity = torch.where(has_own, own_exact, torch.nan)
        ids, similarities = self._top_k(plan, decisions, exact, top_k, positional)
        return VariantScores(rank.numpy(), similarity.numpy(), ids.numpy(), similarities.numpy())

    def _top_k(
        self, plan: _Plan, decisions: _Decisions, exact: _ExactCosine, top_k: int, positional: bool
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """The k most similar rows per query, ordered by float64 similarity, ties by ascending id."""
        num_queries, fetch = decisions.candidate_columns.shape
        query_of_pair = torch.arange(num_queries).repeat_interleave(fetch)
        columns = decisions.candidate_columns
        candidate_exact = exact(query_of_pair, columns.flatten()).view(num_queries, fetch)
        ids, similarities = _best_first(self.row_ids[columns], candidate_exact, top_k)
        # A row outside the fp32 candidates could still belong in the top k only if the last candidate is
        # itself within the rounding window of the k-th exact similarity: rescore those queries in full.
        windows = plan.positional_windows if positional else plan.raw_windows
        threshold = (similarities[:, -1] * exact.query_norms - windows).float()
        incomplete = (decisions.candidate_scores[:, -1] >= threshold) & (fetch < self.num_rows)
        for query in torch.nonzero(incomplete).flatten().tolist():
            chunk = torch.tensor([query])
            scores = (
                self._positional_scores(plan, chunk, int(plan.slot[query]))
                if positional
                else plan.query_dot_unit[chunk]
            )
            contenders = torch.nonzero(scores[0] >= threshold[query]).flatten()
            values = exact(torch.full_like(contenders, query), contenders)
            found_ids, found_similarities = _best_first(self.row_ids[contenders][None], values[None], top_k)
            ids[query], similarities[query] = found_ids[0], found_similarities[0]
        return ids, similarities


def _best_first(ids: torch.Tensor, similarity: torch.Tensor, top_k: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Per row, the k entries of highest similarity, ties broken by ascending id."""
    by_id = ids.argsort(dim=1)
    ids, similarity = ids.gather(1, by_id), similarity.gather(1, by_id)
    order = torch.sort(-similarity, dim=1, stable=True).indices[:, :top_k]
    return ids.gather(1, order), similarity.gather(1, order)


class _ExactCosine:
    """float64 cosine between chosen (query, vocabulary column) pairs, straight from the weights.

    Pairs are grouped by position row: within a group each distinct vocabulary row is read from the
    large matrix once, since a token's layers share most candidates. Each pair's value is a row-wise
    reduction, so it does not depend on which other pairs are computed with it.
    """

    def __init__(self, scorer: VocabularyScorer, plan: _Plan, positional: bool) -> None:
        self.scorer = scorer
        self.queries = plan.queries.double()
        self.query_norms = self.queries.norm(dim=1)
        self.position_rows = plan.position_rows.double() if positional else None
        self.slot = plan.slot

    def __call__(self, query_index: torch.Tensor, columns: torch.Tensor) -> torch.Tensor:
        result = torch.empty(len(columns), dtype=torch.float64)
        pair_slots = self.slot[query_index]
        for slot_index in torch.unique(pair_slots).tolist():
            pairs = torch.nonzero(pair_slots == slot_index).flatten()
            distinct_columns, column_of_pair = torch.unique(columns[pairs], return_inverse=True)
            rows = self.scorer.words[self.scorer.row_ids[distinct_columns]].double()
            if self.position_rows is not None:
                rows += self.position_rows[slot_index]
            dots = (self.queries[query_index[pairs]] * rows[column_of_pair]).sum(1)
            result[pairs] = dots / (self.query_norms[query_index[pairs]] * rows.norm(dim=1)[column_of_pair])
        return result
