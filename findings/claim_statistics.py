"""Statistics of token rows behind claims 2 and 3, for the sentence bootstrap: group comparisons weighted
by occurrence or by word type, the premise's margin of the rank gap over the similarity gap, and rank at
matched similarity.

Each is a `RowStatistic` (a function of token rows, see `uncertainty.sentence_bootstrap`); with `keys`
the groups are compared by word type (`effect_sizes.WordTypeSuperiority`).
"""

from __future__ import annotations

import numpy as np

from journeys.findings.effect_sizes import superiority_of
from journeys.findings.uncertainty import RowStatistic

#: Similarity bins for rank at matched similarity, and the fewest tokens per group a bin needs to count.
SIMILARITY_BINS, MIN_PER_BIN = 5, 10


class PremiseMargin(RowStatistic):
    """How much further the groups part by rank, in the claim's direction, than by similarity, either way:
    (A_rank - 0.5) - |A_similarity - 0.5|, over the same rows."""

    def __init__(self, rank_effect: RowStatistic, similarity_effect: RowStatistic) -> None:
        self.rank_effect, self.similarity_effect = rank_effect, similarity_effect

    def __call__(self, rows: np.ndarray) -> float:
        return (self.rank_effect(rows) - 0.5) - abs(self.similarity_effect(rows) - 0.5)

    def weighted(self, weights: np.ndarray) -> np.ndarray:
        similarity_difference = np.abs(self.similarity_effect.weighted(weights) - 0.5)
        return (self.rank_effect.weighted(weights) - 0.5) - similarity_difference


def premise_margin(
    log_rank: np.ndarray,
    similarity: np.ndarray,
    is_content: np.ndarray,
    is_function: np.ndarray,
    keys: np.ndarray | None = None,
) -> PremiseMargin:
    """The premise's statistic: A(content rank above function rank) less 0.5, less the distance of
    A(function similarity above content similarity) from 0.5. Positive only when the rank difference points
    the claim's way and exceeds the similarity difference."""
    return PremiseMargin(
        superiority_of(log_rank, is_content, is_function, keys),
        superiority_of(similarity, is_function, is_content, keys),
    )


def similarity_bins(similarity: np.ndarray, bins: int = SIMILARITY_BINS) -> np.ndarray:
    """Bin of each row's similarity among `bins` quantile bins of the finite values (-1 where NaN)."""
    similarity = np.asarray(similarity, dtype=np.float64)
    finite = np.isfinite(similarity)
    if not finite.any():
        return np.full(len(similarity), -1)
    edges = np.quantile(similarity[finite], np.linspace(0, 1, bins + 1))
    found = np.clip(np.searchsorted(edges, similarity, side="right") - 1, 0, bins - 1)
    return np.where(finite, found, -1)


class MatchedSuperiority(RowStatistic):
    """A of x over y within each bin where both groups have at least `min_per_bin` rows, averaged with
    weights equal to the bin's rows of both groups: the comparison at matched similarity."""

    def __init__(
        self,
        values: np.ndarray,
        bin_of: np.ndarray,
        is_x: np.ndarray,
        is_y: np.ndarray,
        min_per_bin: int = MIN_PER_BIN,
        keys: np.ndarray | None = None,
    ) -> None:
        is_x, is_y, bin_of = np.asarray(is_x, dtype=bool), np.asarray(is_y, dtype=bool), np.asarray(bin_of)
        self.min_per_bin = min_per_bin
        self.bins = []  # per bin: its x rows, its y rows, and A within it
        for b in np.unique(bin_of[bin_of >= 0]):
            x, y = is_x & (bin_of == b), is_y & (bin_of == b)
            self.bins.append((x, y, superiority_of(values, x, y, keys)))

    def __call__(self, rows: np.ndarray) -> float:
        found, weights = [], []
        for x, y, compare in self.bins:
            n_x, n_y = int(x[rows].sum()), int(y[rows].sum())
            if n_x >= self.min_per_bin and n_y >= self.min_per_bin:
                found.append(compare(rows))
                weights.append(n_x + n_y)
        return float(np.average(found, weights=weights)) if found else float("nan")

    def weighted(self, weights: np.ndarray) -> np.ndarray:
        total, weight = np.zeros(len(weights)), np.zeros(len(weights))
        for x, y, compare in self.bins:
            n_x, n_y = weights[:, x].sum(axis=1), weights[:, y].sum(axis=1)
            used = (n_x >= self.min_per_bin) & (n_y >= self.min_per_bin)
            if used.any():
                total += np.where(used, compare.weighted(weights) * (n_x + n_y), 0.0)
                weight += np.where(used, n_x + n_y, 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(weight > 0, total / weight, np.nan)


def bins_used(bin_of: np.ndarray, is_x: np.ndarray, is_y: np.ndarray, min_per_bin: int = MIN_PER_BIN) -> int:
    """How many bins hold at least `min_per_bin` rows of each group (the bins the matched A averages)."""
    bin_of = np.asarray(bin_of)
    return sum(
        int((is_x & (bin_of == b)).sum() >= min_per_bin and (is_y & (bin_of == b)).sum() >= min_per_bin)
        for b in np.unique(bin_of[bin_of >= 0])
    )
