"""Rank, similarity and nearest vocabulary rows for many encodings at once, exactly.

One fp32 matrix product of all encodings against the normalised vocabulary gives both variants, scaled
by |h| (which changes no ordering):
    raw:         |h| cos(h, w)     = h . ŵ
    positional:  |h| cos(h, w + p) = (|w| (h . ŵ) + h . p) / |w + p|,
                 |w + p|^2         = |w|^2 + 2 |w| (ŵ . p) + |p|^2
so no per-position index is needed: 1 / |w + p| is tabled once per position at load. fp32 can
misorder rows whose similarities differ by less than its rounding error, so every decision that falls
within a rounding window (the token's own similarity for the rank, the k-th similarity for the
neighbours) is settled in float64, and every reported similarity is computed in float64: the results
equal a float64 brute force. The window is the worst-case error bound of a d-term fp32 dot product
(d * 2^-24 relative), doubled for the two sides of a comparison with margin, and widened for the
positional formula by max (|w| + |p|) / |w + p|.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import torch

from indexer.vocabulary_index import VocabularyIndex

#: Window = WINDOW_SAFETY * d * 2^-24 * |h| (times the positional widening), on |h|-scaled scores.
WINDOW_SAFETY = 2.5
#: Extra fp32 candidates fetched beyond k before the float64 re-sort.
TOPK_MARGIN = 4
#: Queries whose score rows are processed together: few enough to stay in cache across passes, many
#: enough that per-chunk overhead stays small.
QUERY_CHUNK = 64
#: Blocks each score row is cut into for the top-k search (see `top_candidates`).
TOPK_BLOCKS = 256


@dataclass
class VariantScores:
    """Scores of one variant for Q queries: rank/similarity of each query's own row, top-k rows."""

    rank: np.ndarray  # (Q,) int64, -1 where the own row has zero norm
    similarity: np.ndarray  # (Q,) float64, nan where the own row has zero norm
    neighbour_ids: np.ndarray  # (Q, k) int64 vocabulary ids, most similar first
    neighbour_similarity: np.ndarray  # (Q, k) float64

    def unsorted(self, order: torch.Tensor) -> VariantScores:
        """These scores, computed for queries taken in `order`, put back in the callers' order."""
        restore = torch.argsort(order).numpy()
        return VariantScores(*(array[restore] for array in vars(self).values()))


@dataclass
class _Plan:
    """Quantities shared by every chunk of one `score` call. Queries are sorted by position row, so the
    queries of one row are a contiguous run."""

    queries: torch.Tensor  # (Q, d) fp32, sorted by slot
    slot: torch.Tensor  # (Q,) index into position_rows
    slot_starts: list[int]  # first query of each slot, then Q
    position_rows: torch.Tensor  # (u, d) the position rows in use
    query_dot_unit: torch.Tensor  # (Q, n) h . ŵ, the raw |h|-scaled scores
    query_dot_position: torch.Tensor  # (Q,) h . p
    inverse_shifted_norms: torch.Tensor  # (u, n) 1 / |w + p|
    raw_windows: torch.Tensor  # (Q,) rounding window on |h|-scaled raw scores
    positional_windows: torch.Tensor  # (Q,) the same, widened for the positional formula

    def slot_segments(self, start: int, stop: int) -> list[tuple[int, int, int]]:
        """(slot, first, stop) runs of queries start..stop - 1 that share one position row."""
        return [
            (slot_index, max(first, start), min(end, stop))
            for slot_index, (first, end) in enumerate(pairwise(self.slot_starts))
            if first < stop and end > start
        ]


class _Decisions:
    """What the fp32 pass leaves for float64 to settle, for one variant."""

    def __init__(self, num_queries: int, fetch: int) -> None:
        self.clearly_above = torch.zeros(num_queries, dtype=torch.int64)
        self.near_query: list[torch.Tensor] = []
        self.near_column: list[torch.Tensor] = []
        self.candidate_scores = torch.empty((num_queries, fetch))
        self.candidate_columns = torch.empty((num_queries, fetch), dtype=torch.int64)

    def float64_pairs(self, own_columns: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, list[int]]:
        """(query, column) pairs float64 must settle, as queries, columns and the sizes of their three
        parts: every query's own row, its top candidates, and the close calls (own rows left out)."""
        num_queries, fetch = self.candidate_columns.shape
        near_query, near_column = torch.cat(self.near_query), torch.cat(self.near_column)
        others = near_column != own_columns[near_query]
        near_query, near_column = near_query[others], near_column[others]
        everyone = torch.arange(num_queries)
        return (
            torch.cat([everyone, everyone.repeat_interleave(fetch), near_query]),
            torch.cat([own_columns, self.candidate_columns.flatten(), near_column]),
            [num_queries, num_queries * fetch, len(near_query)],
        )

    def add(self, start: int, scores: torch.Tensor, own: torch.Tensor, window: torch.Tensor) -> None:
        """One chunk of |h|-scaled scores (queries start, start + 1, ...): rows clearly above own, rows
        too close to call, top rows."""
        fetch = self.candidate_scores.shape[1]
        top_scores, top_columns = top_candidates(scores, fetch)
        query_index = torch.arange(start, start + len(scores))
        self.candidate_scores[start : start + len(scores)] = top_scores
        self.candidate_columns[start : start + len(scores)] = top_columns
        upper, lower = own + window, own - window
        # Where the last candidate is already below the window, every row that matters is a candidate,
        # so no further pass over the whole vocabulary is needed for that query.
        from_candidates = (top_scores[:, -1:] < lower).flatten() | (fetch == scores.shape[1])
        if bool(from_candidates.all()):
            self._count_candidates(query_index, top_scores, top_columns, upper, lower)
            return
        keep = torch.nonzero(from_candidates).flatten()
        self._count_candidates(
            query_index[keep], top_scores[keep], top_columns[keep], upper[keep], lower[keep]
        )
        rest = torch.nonzero(~from_candidates).flatten()
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
        clearly_above = (scores > upper).sum(1, dtype=torch.int32)  # int32 sums run twice as fast
        not_below = scores >= lower
        within = not_below.sum(1, dtype=torch.int32) - clearly_above
        self.clearly_above[query_index] = clearly_above.long()
        close_calls = torch.nonzero(within > 1).flatten()
        if len(close_calls):
            if len(close_calls) < len(scores):
                scores, upper, not_below = scores[close_calls], upper[close_calls], not_below[close_calls]
            query, column = torch.nonzero(not_below & (scores <= upper), as_tuple=True)
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
        self.row_norms64 = self.words[self.row_ids].double().norm(dim=1)  # (n,)
        self.row_norms = self.row_norms64.float()
        self.column_of_id = torch.full((self.words.shape[0],), -1, dtype=torch.int64)
        self.column_of_id[self.row_ids] = torch.arange(len(self.row_ids))
        self.relative_window = WINDOW_SAFETY * self.words.shape[1] * 2.0**-24
        self.inverse_shifted_norms, self.position_widening = self._position_tables()

    def _position_tables(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Per position row p: 1 / |w + p| for every vocabulary row (P, n), and the window widening
        max (|w| + |p|) / |w + p| (P,). Computed once at load (roberta-base: 103 MB) so that a query pays
        only for its own product: |w + p|^2 = |w|^2 + 2 |w| (ŵ . p) + |p|^2."""
        inverse = torch.empty((len(self.positions), self.num_rows))
        widening = torch.empty(len(self.positions))
        squared_row_norms, doubled_row_norms = self.row_norms.square(), 2 * self.row_norms
        for block in torch.arange(len(self.positions)).split(QUERY_CHUNK):
            rows = self.positions[block]
            norms = rows.norm(dim=1)[:, None]
            squared = torch.addcmul(
                squared_row_norms + norms.square(), rows @ self.unit_rows.T, doubled_row_norms
            )
            inverse[block] = squared.rsqrt_()
            widening[block] = ((self.row_norms + norms) * inverse[block]).amax(1)
        return inverse, widening

    @property
    def num_rows(self) -> int:
        return len(self.row_ids)

    def score(
        self, queries: torch.Tensor, own_ids: torch.Tensor, position_ids: torch.Tensor, top_k: int
    ) -> dict[str, VariantScores]:
        """Both variants for every query; `position_ids` picks each query's position row."""
        order = torch.argsort(position_ids, stable=True)
        plan = self._plan(queries.detach().float()[order], position_ids[order])
        own_ids = own_ids[order]
        top_k = min(top_k, self.num_rows)
        fetch = min(top_k + TOPK_MARGIN, self.num_rows)
        own_columns = self.column_of_id[own_ids].clamp(min=0)
        raw, positional = _Decisions(len(own_ids), fetch), _Decisions(len(own_ids), fetch)
        buffer = torch.empty((QUERY_CHUNK, self.num_rows))
        for start in range(0, len(own_ids), QUERY_CHUNK):
            stop = min(start + QUERY_CHUNK, len(own_ids))
            own = own_columns[start:stop, None]
            scores = plan.query_dot_unit[start:stop]
            raw.add(start, scores, scores.gather(1, own), plan.raw_windows[start:stop, None])
            shifted = self._positional_scores(plan, start, stop, buffer[: stop - start])
            positional.add(start, shifted, shifted.gather(1, own), plan.positional_windows[start:stop, None])

        decided = {"raw": raw, "positional": positional}
        pairs = {variant: decisions.float64_pairs(own_columns) for variant, decisions in decided.items()}
        exact = _ExactCosine(self, plan)
        values = exact({variant: (queries, columns) for variant, (queries, columns, _) in pairs.items()})
        has_own = self.column_of_id[own_ids] >= 0
        return {
            variant: self._settle(
                plan, variant, decided[variant], exact, pairs[variant], values[variant], has_own, top_k
            ).unsorted(order)
            for variant in decided
        }

    def _plan(self, queries: torch.Tensor, position_ids: torch.Tensor) -> _Plan:
        """One matrix product for all queries, and what both variants derive from it."""
        used_positions, slot, counts = torch.unique(position_ids, return_inverse=True, return_counts=True)
        position_rows = self.positions[used_positions]
        raw_windows = self.relative_window * queries.double().norm(dim=1).float()
        return _Plan(
            queries=queries,
            slot=slot,
            slot_starts=[0, *torch.cumsum(counts, 0).tolist()],
            position_rows=position_rows,
            query_dot_unit=queries @ self.unit_rows.T,
            query_dot_position=(queries * position_rows[slot]).sum(1),
            inverse_shifted_norms=self.inverse_shifted_norms[used_positions],
            raw_windows=raw_windows,
            positional_windows=raw_windows * self.position_widening[used_positions][slot],
        )

    def _positional_scores(
        self, plan: _Plan, start: int, stop: int, out: torch.Tensor | None = None
    ) -> torch.Tensor:
        """|h| cos(h, w + p) for queries start..stop - 1."""
        shifted = torch.addcmul(
            plan.query_dot_position[start:stop, None],
            plan.query_dot_unit[start:stop],
            self.row_norms,
            out=out,
        )
        for slot_index, first, end in plan.slot_segments(start, stop):
            shifted[first - start : end - start].mul_(plan.inverse_shifted_norms[slot_index])
        return shifted

    def _settle(
        self,
        plan: _Plan,
        variant: str,
        decisions: _Decisions,
        exact: _ExactCosine,
        pairs: tuple[torch.Tensor, torch.Tensor, list[int]],
        values: torch.Tensor,
        has_own: torch.Tensor,
        top_k: int,
    ) -> VariantScores:
        """Exact ranks and neighbours from the fp32 decisions and the float64 values of their pairs."""
        query_index, _, sizes = pairs
        num_queries, fetch = decisions.candidate_columns.shape
        own_exact, candidate_exact, near_exact = values.split(sizes)
        near_query = query_index[sizes[0] + sizes[1] :]
        rank = decisions.clearly_above.index_add(0, near_query, (near_exact > own_exact[near_query]).long())
        rank = torch.where(has_own, rank, -1)
        similarity = torch.where(has_own, own_exact, torch.nan)
        ids, similarities = _best_first(
            self.row_ids[decisions.candidate_columns], candidate_exact.view(num_queries, fetch), top_k
        )
        self._complete_top_k(plan, variant, decisions, exact, ids, similarities)
        return VariantScores(rank.numpy(), similarity.numpy(), ids.numpy(), similarities.numpy())

    def _complete_top_k(
        self,
        plan: _Plan,
        variant: str,
        decisions: _Decisions,
        exact: _ExactCosine,
        ids: torch.Tensor,
        similarities: torch.Tensor,
    ) -> None:
        """Redo, over every row, the top k of queries where a row outside the fp32 candidates could still
        belong: those whose last candidate lies within the rounding window of the k-th exact similarity."""
        top_k = ids.shape[1]
        positional = variant == "positional"
        windows = plan.positional_windows if positional else plan.raw_windows
        threshold = (similarities[:, -1] * exact.query_norms - windows).float()
        fetch = decisions.candidate_scores.shape[1]
        incomplete = (decisions.candidate_scores[:, -1] >= threshold) & (fetch < self.num_rows)
        for query in torch.nonzero(incomplete).flatten().tolist():
            scores = (
                self._positional_scores(plan, query, query + 1)
                if positional
                else plan.query_dot_unit[query : query + 1]
            )
            contenders = torch.nonzero(scores[0] >= threshold[query]).flatten()
            values = exact({variant: (torch.full_like(contenders, query), contenders)})[variant]
            found_ids, found_similarities = _best_first(self.row_ids[contenders][None], values[None], top_k)
            ids[query], similarities[query] = found_ids[0], found_similarities[0]


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
    columns = (best_blocks[:, :, None] * width + torch.arange(width)).flatten(1)
    columns = torch.cat([columns, torch.arange(covered, num_columns).expand(rows, -1)], 1)
    top_scores, at = scores.gather(1, columns).topk(fetch, dim=1)
    return top_scores, columns.gather(1, at)


def _best_first(ids: torch.Tensor, similarity: torch.Tensor, top_k: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Per row, the k entries of highest similarity, ties broken by ascending id."""
    by_id = ids.argsort(dim=1)
    ids, similarity = ids.gather(1, by_id), similarity.gather(1, by_id)
    order = torch.sort(-similarity, dim=1, stable=True).indices[:, :top_k]
    return ids.gather(1, order), similarity.gather(1, order)


class _ExactCosine:
    """float64 cosine between chosen (query, vocabulary column) pairs, straight from the weights.

    Pairs are grouped by position row: within a group each distinct vocabulary row is read from the
    large matrix once for both variants (a token's layers share most candidates), and one float64 matrix
    product of the group's queries against those rows gives every pair's dot product. A BLAS product's
    last bits can depend on its shape, so a pair's value is reproducible for the same batch of queries,
    not across batches: the engine scores each text on its own.
    """

    def __init__(self, scorer: VocabularyScorer, plan: _Plan) -> None:
        self.scorer = scorer
        self.queries = plan.queries.double()
        self.query_norms = self.queries.norm(dim=1)
        self.position_rows = plan.position_rows.double()
        self.query_dot_position = (self.queries * self.position_rows[plan.slot]).sum(1)
        self.slot = plan.slot
        self.slot_starts = plan.slot_starts

    def __call__(self, pairs: dict[str, tuple[torch.Tensor, torch.Tensor]]) -> dict[str, torch.Tensor]:
        """Per variant ("raw" or "positional"), the cosine of each (query, column) pair given for it.

        The positional values come from the raw products: h . (w + p) = h . w + h . p and
        |w + p|^2 = |w|^2 + 2 w . p + |p|^2, so no shifted copy of the rows is made.
        """
        results = {
            variant: torch.empty(len(columns), dtype=torch.float64) for variant, (_, columns) in pairs.items()
        }
        pair_slots = {variant: self.slot[queries] for variant, (queries, _) in pairs.items()}
        for slot_index, (first, stop) in enumerate(pairwise(self.slot_starts)):
            members = {
                variant: torch.nonzero(slots == slot_index).flatten() for variant, slots in pair_slots.items()
            }
            wanted = torch.cat([pairs[variant][1][chosen] for variant, chosen in members.items()])
            if not len(wanted):
                continue
            distinct_columns, column_of_pair = torch.unique(wanted, return_inverse=True)
            rows = self.scorer.words[self.scorer.row_ids[distinct_columns]].double()
            dots = self.queries[first:stop] @ rows.T  # (queries of this slot, distinct rows)
            norms = {"raw": self.scorer.row_norms64[distinct_columns]}
            if "positional" in members:
                position = self.position_rows[slot_index]
                norms["positional"] = (
                    norms["raw"].square() + 2 * (rows @ position) + position @ position
                ).sqrt()
            for variant, chosen in members.items():
                columns, column_of_pair = column_of_pair[: len(chosen)], column_of_pair[len(chosen) :]
                queries = pairs[variant][0][chosen]
                numerators = dots[queries - first, columns]
                if variant == "positional":
                    numerators = numerators + self.query_dot_position[queries]
                results[variant][chosen] = numerators / (self.query_norms[queries] * norms[variant][columns])
        return results
