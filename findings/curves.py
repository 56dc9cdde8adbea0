"""Per-layer curves of each token group, by layer index and by relative depth, for the findings page and
for comparing models of different depths and vocabulary sizes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from journeys.corpus.token_classes import GROUPS, SPECIAL
from journeys.findings import measures


@dataclass(frozen=True)
class GroupCurves:
    """Per group and layer: share displaced (rank > 0), mean log10(rank+1), mean rank / vocabulary size."""

    layers: list[int]
    relative_depth: list[float]
    vocab_size: int
    share_displaced: dict[str, np.ndarray]
    mean_log_rank: dict[str, np.ndarray]
    rank_fraction: dict[str, np.ndarray]
    tokens: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        return dict(vars(self))


def _mean(values: np.ndarray) -> np.ndarray:
    """Mean per column, NaN entries left out (NaN where a column has none)."""
    counts = np.isfinite(values).sum(axis=0)
    return np.where(counts > 0, np.nansum(values, axis=0) / np.maximum(counts, 1), np.nan)


def group_curves(rank: np.ndarray, groups: np.ndarray, vocab_size: int) -> GroupCurves:
    """The curves of every group but special tokens, over (tokens, layers) `rank` (-1 = missing)."""
    num_layers = rank.shape[1]
    rank_float = np.where(rank >= 0, rank, np.nan).astype(np.float64)
    names = [(code, name) for code, name in enumerate(GROUPS) if code != SPECIAL]
    return GroupCurves(
        layers=list(range(num_layers)),
        relative_depth=[measures.relative_depth(layer, num_layers) for layer in range(num_layers)],
        vocab_size=vocab_size,
        share_displaced={name: _mean(measures.displaced(rank[groups == code])) for code, name in names},
        mean_log_rank={name: _mean(measures.log_rank(rank[groups == code])) for code, name in names},
        rank_fraction={name: _mean(rank_float[groups == code]) / vocab_size for code, name in names},
        tokens={name: int((groups == code).sum()) for code, name in names},
    )
