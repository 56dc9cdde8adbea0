"""Rank, similarity and nearest vocabulary rows for many encodings at once, exactly.

One fp32 matrix product of all encodings (plus the position rows in use) against the normalised
vocabulary gives both variants:
    raw:         cos(h, w)     = (h . ŵ) / |h|
    positional:  cos(h, w + p) = (|w| (h . ŵ) + h . p) / (|h| |w + p|),
                 |w + p|^2     = |w|^2 + 2 |w| (ŵ . p) + |p|^2
so no per-position index is needed. fp32 can misorder rows whose similarities differ by less than
its rounding error, so every comparison that falls within `TIE_WINDOW` of a decision (the token's own
similarity for the rank, the k-th similarity for the neighbours) is settled in float64, and every
reported similarity is computed in float64. The results equal a float64 brute force.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from indexer.vocabulary_index import VocabularyIndex

#: Bound on |fp32 cosine - exact cosine| for hidden sizes up to a few thousand (worst case d * 2^-24).
TIE_WINDOW = 2e-4
#: Extra fp32 candidates fetched beyond k before the float64 re-sort.
TOPK_MARGIN = 16
#: Queries scored per block, to bound the size of the queries x vocabulary score matrix.
QUERY_BLOCK = 256
#: (query, row) pairs recomputed in float64 per block, to bound memory.
PAIR_BLOCK = 8192


@dataclass
class VariantScores:
    """Scores of one variant for Q queries: rank/similarity of each query's own row, top-k rows."""

    rank: np.ndarray  # (Q,) int64, -1 where the own row has zero norm
    similarity: np.ndarray  # (Q,) float64, nan where the own row has zero norm
    neighbour_ids: np.ndarray  # (Q, k) int64 vocabulary ids, most similar first
    neighbour_similarity: np.ndarray  # (Q, k) float64


class VocabularyScorer:
    """Scores encodings against the vocabulary, with and without each query's position embedding."""

    def __init__(
        self, index: VocabularyIndex, word_embeddings: torch.Tensor, position_embeddings: torch.Tensor
    ):
        self.unit_rows = torch.from_numpy(index.vectors)  # (n, d) fp32, shares FAISS's memory
        self.row_ids = torch.from_numpy(index.row_ids)  # (n,) vocabulary id of each row
        self.words = word_embeddings.detach().float()  # (V, d)
        self.positions = position_embeddings.detach().float()  # (P, d)
        self.row_norms = self.words[self.row_ids].double().norm(dim=1).float()  # (n,)
        self.column_of_id = torch.full((self.words.shape[0],), -1, dtype=torch.int64)
        self.column_of_id[self.row_ids] = torch.arange(len(self.row_ids))

    @property
    def num_rows(self) -> int:
        return len(self.row_ids)

    def score(
        self, queries: torch.Tensor, own_ids: torch.Tensor, position_ids: torch.Tensor, top_k: int
    ) -> dict[str, VariantScores]:
        """Both variants for every query; `position_ids` picks each query's position row."""
        queries = queries.detach().float()
        top_k = min(top_k, self.num_rows)
        blocks = {"raw": [], "positional": []}
        for start in range(0, len(queries), QUERY_BLOCK):
            stop = start + QUERY_BLOCK
            for variant, scores in self._score_block(
                queries[start:stop], own_ids[start:stop], position_ids[start:stop], top_k
            ).items():
                blocks[variant].append(scores)
        return {variant: _concatenate(found) for variant, found in blocks.items()}

    def _score_block(
        self, queries: torch.Tensor, own_ids: torch.Tensor, position_ids: torch.Tensor, top_k: int
    ) -> dict[str, VariantScores]:
        used_positions, position_slot = torch.unique(position_ids, return_inverse=True)
        position_rows = self.positions[used_positions]
        products = torch.cat([queries, position_rows]) @ self.unit_rows.T
        query_dot_unit = products[: len(queries)]  # h . ŵ
        position_dot_unit = products[len(queries) :]  # p . ŵ
        query_norms = queries.double().norm(dim=1).float()
        own_columns = self.column_of_id[own_ids]

        # Raw: |h| cos(h, w) = h . ŵ, so ordering and thresholds work on the products directly.
        raw = self._rank_and_neighbours(
            query_dot_unit, query_norms, own_columns, top_k, queries, position_rows=None, position_slot=None
        )
        # Positional: |h| cos(h, w + p) = (|w| h.ŵ + h.p) / |w + p|.
        inverse_shifted_norms = (
            self.row_norms.square()
            + 2 * self.row_norms * position_dot_unit
            + position_rows.square().sum(1)[:, None]
        ).rsqrt()
        query_dot_position = (queries * position_rows[position_slot]).sum(1)
        shifted = torch.addcmul(query_dot_position[:, None], query_dot_unit, self.row_norms[None, :])
        shifted.mul_(inverse_shifted_norms[position_slot])
        positional = self._rank_and_neighbours(
            shifted, query_norms, own_columns, top_k, queries, position_rows, position_slot
        )
        return {"raw": raw, "positional": positional}

    def _rank_and_neighbours(
        self,
        scaled_scores: torch.Tensor,
        query_norms: torch.Tensor,
        own_columns: torch.Tensor,
        top_k: int,
        queries: torch.Tensor,
        position_rows: torch.Tensor | None,
        position_slot: torch.Tensor | None,
    ) -> VariantScores:
        """Exact ranks and top-k from fp32 scores scaled by |h|, settling near-ties in float64."""
        num_queries = len(queries)
        window = (TIE_WINDOW * query_norms)[:, None]
        has_own = own_columns >= 0
        safe_own = own_columns.clamp(min=0)
        own_scaled = scaled_scores.gather(1, safe_own[:, None])
        clearly_above = (scaled_scores > own_scaled + window).sum(1)
        near_query, near_column = torch.nonzero((scaled_scores - own_scaled).abs_() <= window, as_tuple=True)
        exact = _ExactCosine(self, queries, position_rows, position_slot)
        own_exact = exact(torch.arange(num_queries), safe_own)
        near_exact = exact(near_query, near_column)
        near_above = torch.zeros(num_queries, dtype=torch.int64).index_add_(
            0, near_query, (near_exact > own_exact[near_query]).long()
        )
        rank = torch.where(has_own, clearly_above + near_above, -1)
        similarity = torch.where(has_own, own_exact, torch.nan)

        neighbour_ids, neighbour_similarity = self._top_k(scaled_scores, query_norms, window, top_k, exact)
        return VariantScores(
            rank.numpy(), similarity.numpy(), neighbour_ids.numpy(), neighbour_similarity.numpy()
        )

    def _top_k(
        self,
        scaled_scores: torch.Tensor,
        query_norms: torch.Tensor,
        window: torch.Tensor,
        top_k: int,
        exact: _ExactCosine,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """The k most similar rows per query, ordered by float64 similarity, ties by ascending id."""
        num_queries = len(scaled_scores)
        fetch = min(top_k + TOPK_MARGIN, self.num_rows)
        candidate_scores, candidate_columns = scaled_scores.topk(fetch, dim=1)
        query_of_pair = torch.arange(num_queries).repeat_interleave(fetch)
        candidate_exact = exact(query_of_pair, candidate_columns.flatten()).view(num_queries, fetch)
        kth_exact = candidate_exact.topk(top_k, dim=1).values[:, -1]
        threshold = (kth_exact * query_norms - window[:, 0]).float()
        # A row outside the fp32 candidates could still belong in the top k only if the last candidate
        # is itself within rounding error of the k-th exact similarity: widen those queries.
        incomplete = (candidate_scores[:, -1] >= threshold) & (fetch < self.num_rows)
        neighbour_ids, neighbour_similarity = _best_first(
            self.row_ids[candidate_columns], candidate_exact, top_k
        )
        for query in torch.nonzero(incomplete).flatten().tolist():
            columns = torch.nonzero(scaled_scores[query] >= threshold[query]).flatten()
            values = exact(torch.full_like(columns, query), columns)
            widened_ids, widened_similarity = _best_first(self.row_ids[columns][None], values[None], top_k)
            neighbour_ids[query], neighbour_similarity[query] = widened_ids[0], widened_similarity[0]
        return neighbour_ids, neighbour_similarity


def _concatenate(blocks: list[VariantScores]) -> VariantScores:
    """Join per-block scores in query order."""
    return VariantScores(*(np.concatenate([getattr(b, name) for b in blocks]) for name in vars(blocks[0])))


def _best_first(ids: torch.Tensor, similarity: torch.Tensor, top_k: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Per row, the k entries of highest similarity, ties broken by ascending id."""
    by_id = ids.argsort(dim=1)
    ids, similarity = ids.gather(1, by_id), similarity.gather(1, by_id)
    order = torch.sort(-similarity, dim=1, stable=True).indices[:, :top_k]
    return ids.gather(1, order), similarity.gather(1, order)


class _ExactCosine:
    """float64 cosine between chosen (query, vocabulary column) pairs, straight from the weights."""

    def __init__(
        self,
        scorer: VocabularyScorer,
        queries: torch.Tensor,
        position_rows: torch.Tensor | None,
        position_slot: torch.Tensor | None,
    ) -> None:
        self.scorer = scorer
        self.queries = queries.double()
        self.position_rows = None if position_rows is None else position_rows.double()
        self.position_slot = position_slot

    def __call__(self, query_index: torch.Tensor, columns: torch.Tensor) -> torch.Tensor:
        return torch.cat(
            [
                self._pairs(query_index[start : start + PAIR_BLOCK], columns[start : start + PAIR_BLOCK])
                for start in range(0, len(columns), PAIR_BLOCK)
            ]
            or [torch.empty(0, dtype=torch.float64)]
        )

    def _pairs(self, query_index: torch.Tensor, columns: torch.Tensor) -> torch.Tensor:
        rows = self.scorer.words[self.scorer.row_ids[columns]].double()
        if self.position_rows is not None:
            rows += self.position_rows[self.position_slot[query_index]]
        queries = self.queries[query_index]
        return (queries * rows).sum(1) / (queries.norm(dim=1) * rows.norm(dim=1))
