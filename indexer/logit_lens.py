"""The logit lens, exactly: every query's logits over the whole vocabulary in float64 (the head's decoder
applied to the normalised vector the model's own modules produced in its dtype), then the rank, logit and
probability of a target token per query and the top-k tokens.

Every logit is computed in float64 on the head's device where it computes in float64 (CUDA) and on the CPU
otherwise, one block of ROW_BLOCK decoder rows at a time, widened as it is read, so no float64 copy of the
head is held. Each block is reduced as it comes: a running log-sum-exp (for the probabilities), the count of
logits above each target's (its rank) and a running top-k, so the (queries x V) logits are never held and
the head is widened once per chunk of up to BLOCK_BYTES // (8 x ROW_BLOCK) queries. That is V x d float64
products per query: for the Qwen3-0.6B shape and 32 tokens, 28 layers, about 280 GFLOP. Taking it in float64
throughout, rather than screening in float32 as the input reference does, keeps the probabilities exact
too: their softmax needs every logit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from journeys.indexer.output_head import OutputHead

#: Decoder rows widened to float64 at a time, and the bytes of float64 logits one block may take
#: (queries x ROW_BLOCK), which sets how many queries share one widening of the head.
ROW_BLOCK = 8192
BLOCK_BYTES = 2**26


@dataclass
class LensScores:
    """For Q queries: rank (0 = highest logit), logit and probability of each query's target token (-1, nan,
    nan where it has none), and the top-k tokens with their logits and probabilities."""

    rank: np.ndarray  # (Q,) int64
    logit: np.ndarray  # (Q,) float64
    probability: np.ndarray  # (Q,) float64
    neighbour_ids: np.ndarray  # (Q, k) int64, highest logit first (ties: lower id first)
    neighbour_logits: np.ndarray  # (Q, k) float64
    neighbour_probability: np.ndarray  # (Q, k) float64


class LogitLens:
    """Scores normalised residuals against a model's output head."""

    def __init__(self, head: OutputHead, row_block: int = ROW_BLOCK, block_bytes: int = BLOCK_BYTES) -> None:
        self.head = head
        self.row_block = row_block
        self.query_chunk = max(1, block_bytes // (8 * row_block))
        self.device = head.weight.device if head.weight.device.type == "cuda" else torch.device("cpu")

    def logits(self, normed: torch.Tensor) -> torch.Tensor:
        """(queries x V) float64 logits of `normed` (queries x d, any float dtype), soft-capped where the
        family caps them."""
        queries = normed.to(self.device, torch.float64)
        return torch.cat(
            [self._block(queries, start) for start in range(0, self.head.vocab_size, self.row_block)], 1
        )

    def score(
        self, normed: torch.Tensor, targets: dict[str, torch.Tensor], top_k: int
    ) -> dict[str, LensScores]:
        """For each named target (one token id per query, -1 for none): its rank, logit and probability, with
        the top-k tokens, which every target shares."""
        top_k = min(top_k, self.head.vocab_size)
        chunk = self.query_chunk
        parts: dict[str, list[tuple]] = {name: [] for name in targets}
        for start in range(0, len(normed), chunk):
            queries = normed[start : start + chunk].to(self.device, torch.float64)
            chunk_targets = {
                name: ids[start : start + chunk].to(self.device) for name, ids in targets.items()
            }
            log_total, top, own = self._sweep(queries, chunk_targets, top_k)
            top_probability = torch.exp(top[1] - log_total[:, None])
            for name, (rank, logit) in own.items():
                parts[name].append((rank, logit, torch.exp(logit - log_total), *top, top_probability))
        return {
            name: LensScores(*(torch.cat(column).cpu().numpy() for column in _columns(chunks)))
            for name, chunks in parts.items()
        }

    def _block(self, queries: torch.Tensor, start: int) -> torch.Tensor:
        """float64 logits of `queries` (float64, on the lens's device) against decoder rows start.. of one
        block, soft-capped where the family caps them."""
        rows = slice(start, start + self.row_block)
        logits = queries @ self.head.weight[rows].to(self.device, torch.float64).T
        if self.head.bias is not None:
            logits += self.head.bias[rows].to(self.device, torch.float64)
        if self.head.softcap is not None:
            logits = torch.tanh(logits / self.head.softcap) * self.head.softcap
        return logits

    def _sweep(
        self, queries: torch.Tensor, targets: dict[str, torch.Tensor], top_k: int
    ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor], dict[str, tuple[torch.Tensor, torch.Tensor]]]:
        """One pass over the head's blocks for `queries`: their log-sum-exp, top-k (ids, logits) and, per
        target, (rank, logit)."""
        own = {name: self._target_logits(queries, target) for name, target in targets.items()}
        above = {name: torch.zeros(len(queries), dtype=torch.int64, device=self.device) for name in targets}
        peak = torch.full((len(queries),), -torch.inf, dtype=torch.float64, device=self.device)
        total = torch.zeros(len(queries), dtype=torch.float64, device=self.device)
        top: tuple[torch.Tensor, torch.Tensor] | None = None
        for start in range(0, self.head.vocab_size, self.row_block):
            logits = self._block(queries, start)
            new_peak = torch.maximum(peak, logits.amax(1))
            shifted = logits - new_peak[:, None]
            total = total * torch.exp(peak - new_peak) + shifted.exp_().sum(1)
            peak = new_peak
            for name, logit in own.items():
                above[name] += _above(logits, logit, targets[name] - start)
            found = _top_tokens(logits, min(top_k, logits.shape[1]))
            found = (found[0] + start, found[1])
            top = found if top is None else _merged(top, found, top_k)
        log_total = peak + torch.log(total)
        ranks = {
            name: (torch.where(targets[name] >= 0, above[name], -1), logit) for name, logit in own.items()
        }
        return log_total, top, ranks

    def _target_logits(self, queries: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """The float64 logit of each query's target token (nan where the target is -1)."""
        present = target >= 0
        ids = target.clamp(min=0)
        logits = (queries * self.head.weight[ids].to(self.device, torch.float64)).sum(1)
        if self.head.bias is not None:
            logits += self.head.bias[ids].to(self.device, torch.float64)
        if self.head.softcap is not None:
            logits = torch.tanh(logits / self.head.softcap) * self.head.softcap
        return torch.where(present, logits, torch.nan)


def _above(logits: torch.Tensor, own: torch.Tensor, column: torch.Tensor) -> torch.Tensor:
    """How many logits of one block are strictly above each query's own logit, its own column (`column`,
    relative to the block, where it falls in it) left out, however its last bit rounded in the product."""
    higher = logits > own[:, None]
    inside = (column >= 0) & (column < logits.shape[1])
    rows = torch.nonzero(inside)[:, 0]
    higher[rows, column[rows]] = False
    return higher.sum(1, dtype=torch.int32)  # counting into int32 is several times faster than int64 here


def _top_tokens(logits: torch.Tensor, top_k: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The top-k token ids and logits per query, highest first, equal logits by lower id (every token tied
    with the k-th is considered, so the order does not depend on how topk breaks ties)."""
    kth = torch.topk(logits, top_k, dim=1).values[:, -1:]
    query, column = torch.nonzero(logits >= kth, as_tuple=True)
    values = logits[query, column]
    keys = (column.cpu().numpy(), -values.cpu().numpy(), query.cpu().numpy())
    order = torch.from_numpy(np.lexsort(keys)).to(query.device)
    query, column, values = query[order], column[order], values[order]
    starts = torch.searchsorted(query, torch.arange(len(logits), device=query.device))
    picked = (starts[:, None] + torch.arange(top_k, device=query.device)).flatten()
    return column[picked].reshape(-1, top_k), values[picked].reshape(-1, top_k)


def _merged(
    before: tuple[torch.Tensor, torch.Tensor], block: tuple[torch.Tensor, torch.Tensor], top_k: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """The top-k of two ordered top lists, the second from later (higher) ids: a stable sort keeps equal
    logits by lower id."""
    ids, values = torch.cat([before[0], block[0]], 1), torch.cat([before[1], block[1]], 1)
    order = torch.sort(values, dim=1, descending=True, stable=True).indices[:, :top_k]
    return ids.gather(1, order), values.gather(1, order)


def _columns(chunks: list[tuple]) -> list[list[torch.Tensor]]:
    """Chunks of (rank, logit, probability, ids, logits, probabilities) as one list per field."""
    return [list(field) for field in zip(*chunks, strict=True)]
