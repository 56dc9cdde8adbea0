"""The logit lens, exactly: every query's logits over the whole vocabulary in float64 (the head's decoder
applied to the normalised vector the model's own modules produced in its dtype), then the rank, logit and
probability of a target token per query and the top-k tokens.

Every logit is computed in float64, a chunk of queries against ROW_BLOCK decoder rows at a time, on the
head's device where it computes in float64 (CUDA) and on the CPU otherwise. Rows are widened block by block,
so no float64 copy of the head is held; as each chunk widens the whole head once, a chunk holds as many
queries as LOGITS_BYTES of float64 logits allow (at least MIN_QUERY_CHUNK). That is V x d float64 products
per query: for GPT-2 small and a 20-token text, 12 layers, about 19 GFLOP, a second or two on a CPU. Taking
it in float64 throughout, rather than screening in fp32, keeps the probabilities exact too: their softmax
needs every logit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from journeys.indexer.output_head import OutputHead

#: Bytes of float64 logits held together (queries x V), and the fewest queries per chunk.
LOGITS_BYTES = 2**28
MIN_QUERY_CHUNK = 64
#: Decoder rows widened to float64 at a time.
ROW_BLOCK = 8192


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

    def __init__(self, head: OutputHead) -> None:
        self.head = head
        self.device = head.weight.device if head.weight.device.type == "cuda" else torch.device("cpu")

    def logits(self, normed: torch.Tensor) -> torch.Tensor:
        """(queries x V) float64 logits of `normed` (queries x d, any float dtype), soft-capped where the
        family caps them."""
        queries = normed.to(self.device, torch.float64)
        weight, bias = self.head.weight, self.head.bias
        logits = torch.empty((len(queries), self.head.vocab_size), dtype=torch.float64, device=self.device)
        for start in range(0, self.head.vocab_size, ROW_BLOCK):
            rows = slice(start, start + ROW_BLOCK)
            torch.matmul(queries, weight[rows].to(self.device, torch.float64).T, out=logits[:, rows])
            if bias is not None:
                logits[:, rows] += bias[rows].to(self.device, torch.float64)
        if self.head.softcap is not None:
            logits = torch.tanh(logits / self.head.softcap) * self.head.softcap
        return logits

    def score(
        self, normed: torch.Tensor, targets: dict[str, torch.Tensor], top_k: int
    ) -> dict[str, LensScores]:
        """For each named target (one token id per query, -1 for none): its rank, logit and probability, with
        the top-k tokens, which every target shares."""
        top_k = min(top_k, self.head.vocab_size)
        chunk = max(MIN_QUERY_CHUNK, LOGITS_BYTES // (8 * self.head.vocab_size))
        parts: dict[str, list[tuple]] = {name: [] for name in targets}
        for start in range(0, len(normed), chunk):
            logits = self.logits(normed[start : start + chunk])
            log_total = torch.logsumexp(logits, dim=1, keepdim=True)
            top = _top_tokens(logits, top_k)
            top_probability = torch.exp(top[1] - log_total)
            for name, target in targets.items():
                own = _own(logits, target[start : start + chunk].to(self.device))
                parts[name].append((*own, torch.exp(own[1] - log_total[:, 0]), *top, top_probability))
        return {
            name: LensScores(*(torch.cat(column).cpu().numpy() for column in _columns(chunks)))
            for name, chunks in parts.items()
        }


def _own(logits: torch.Tensor, target: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Rank (how many logits are strictly higher) and logit of each query's target; -1 and nan where
    the target is -1."""
    present = target >= 0
    own = logits.gather(1, target.clamp(min=0)[:, None])
    rank = (logits > own).sum(1)
    own = own[:, 0]
    return torch.where(present, rank, -1), torch.where(present, own, torch.nan)


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


def _columns(chunks: list[tuple]) -> list[list[torch.Tensor]]:
    """Chunks of (rank, logit, probability, ids, logits, probabilities) as one list per field."""
    return [list(field) for field in zip(*chunks, strict=True)]
