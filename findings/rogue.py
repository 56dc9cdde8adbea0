"""Rogue dimensions (Timkey and van Schijndel 2021, "All Bark and No Bite"): the few residual dimensions of
very large magnitude that decide most cosines. Per layer, the smallest set of dimensions carrying at least
half of the residuals' expected squared norm (at most MAX_DIMENSIONS: where five do not reach half, the five
largest, and the share they carry says so), the share of each token's own-row cosine they contribute, and
every token's rank and similarity again with them removed from both the residual and the vocabulary rows
(`findings.rescoring`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from journeys.corpus.corpus_analysis import CorpusAnalysis
from journeys.corpus.token_classes import SPECIAL
from journeys.findings.rescoring import layer_vectors
from journeys.findings.statistics import Quartiles, quartiles
from journeys.indexer.engine import JourneyEngine
from journeys.indexer.reference_rows import POSITIONAL

#: The most dimensions a layer's rogue set holds.
MAX_DIMENSIONS = 5
#: The share of the expected squared norm a rogue set carries at least (unless capped).
NORM_SHARE = 0.5


@dataclass(frozen=True)
class RogueDimensions:
    """Per layer, the rogue dimensions (largest first), the share of the expected squared norm they carry,
    and the quartiles of the share of each token's own-row cosine they contribute; over `n_tokens` non-special
    token occurrences."""

    dimensions: list[list[int]]
    norm_share: np.ndarray  # (L,)
    contribution: Quartiles  # per layer
    n_tokens: int

    @property
    def dominant(self) -> list[bool]:
        """Per layer, whether the set carries at least NORM_SHARE of the squared norm (not capped short)."""
        return [bool(share >= NORM_SHARE) for share in self.norm_share]

    def to_dict(self) -> dict[str, Any]:
        found = self.contribution
        return {
            "max_dimensions": MAX_DIMENSIONS,
            "norm_share_sought": NORM_SHARE,
            "n_tokens": self.n_tokens,
            "dimensions": self.dimensions,
            "norm_share": self.norm_share.tolist(),
            "dominant": self.dominant,
            "contribution": {
                "median": found.median.tolist(),
                "q1": found.q1.tolist(),
                "q3": found.q3.tolist(),
            },
        }


def dominant_dimensions(mean_squares: np.ndarray) -> list[int]:
    """The smallest set of dimensions whose mean squares sum to at least NORM_SHARE of their total, largest
    first, capped at MAX_DIMENSIONS (ties: the lower dimension first)."""
    mean_squares = np.asarray(mean_squares, dtype=np.float64)
    order = np.lexsort((np.arange(len(mean_squares)), -mean_squares))
    total = mean_squares.sum()
    if total <= 0:
        return []
    carried = np.cumsum(mean_squares[order]) / total
    needed = int(np.searchsorted(carried, NORM_SHARE, side="left")) + 1
    return [int(d) for d in order[: min(needed, MAX_DIMENSIONS)]]


def find_rogue_dimensions(engine: JourneyEngine, analysis: CorpusAnalysis, variant: str) -> RogueDimensions:
    """The rogue dimensions of `analysis`'s kept encodings, per layer, over its non-special tokens, with the
    share of `variant`'s own-row cosine they contribute."""
    rows = np.flatnonzero(analysis.groups != SPECIAL)
    num_layers = analysis.model.num_layers
    own = own_rows(engine, analysis.token_ids[rows], analysis.token_position[rows], variant)
    dimensions, shares, contributions = [], [], []
    for layer in range(num_layers):
        vectors = layer_vectors(analysis, layer)[rows].astype(np.float64)
        squares = np.square(vectors).mean(axis=0)
        found = dominant_dimensions(squares)
        dimensions.append(found)
        shares.append(squares[found].sum() / squares.sum() if squares.sum() > 0 else np.nan)
        products = vectors * own
        full = products.sum(axis=1)
        part = products[:, found].sum(axis=1)
        contributions.append(np.divide(part, full, out=np.full_like(full, np.nan), where=full != 0))
    return RogueDimensions(
        dimensions=dimensions,
        norm_share=np.asarray(shares, dtype=np.float64),
        contribution=quartiles(np.stack(contributions, axis=1)),
        n_tokens=len(rows),
    )


def own_rows(engine: JourneyEngine, token_ids: np.ndarray, positions: np.ndarray, variant: str) -> np.ndarray:
    """Each token's own reference row in float64: its vocabulary row, plus its position row for the
    positional variant (exact-method position rows: one per position from the table's first)."""
    reference = engine.reference
    rows = reference.words[torch.as_tensor(token_ids)].double()
    if variant == POSITIONAL:
        table = reference.positions
        rows = rows + table.rows[torch.as_tensor(positions) + table.first_row].double()
    return rows.numpy()
