"""Statistics of token rows behind claims 2 and 3, for the sentence bootstrap: group comparisons weighted
by occurrence or by word type, the similarity-gap-versus-rank-gap premise, and rank at matched similarity.

Each builder returns a `Statistic` (a function of token rows, see `uncertainty.sentence_bootstrap`);
with `keys` the groups are compared by word type (`effect_sizes.word_type_means`).
"""

from __future__ import annotations

import numpy as np

from findings.effect_sizes import superiority_of
from findings.uncertainty import Statistic

#: Similarity bins for rank at matched similarity, and the fewest tokens per group a bin needs to count.
SIMILARITY_BINS, MIN_PER_BIN = 5, 10


def premise_gap(
    log_rank: np.ndarray,
    similarity: np.ndarray,
    is_content: np.ndarray,
    is_function: np.ndarray,
    keys: np.ndarray | None = None,
) -> Statistic:
    """How much further the groups part by rank than by similarity: A(content rank above function rank)
    minus A(function similarity above content similarity). Positive when the rank gap is the larger."""
    by_rank = superiority_of(log_rank, is_content, is_function, keys)
    by_similarity = superiority_of(similarity, is_function, is_content, keys)
    return lambda rows: by_rank(rows) - by_similarity(rows)


def similarity_bins(similarity: np.ndarray, bins: int = SIMILARITY_BINS) -> np.ndarray:
    """Bin of each row's similarity among `bins` quantile bins of the finite values (-1 where NaN)."""
    similarity = np.asarray(similarity, dtype=np.float64)
    finite = np.isfinite(similarity)
    if not finite.any():
        return np.full(len(similarity), -1)
    edges = np.quantile(similarity[finite], np.linspace(0, 1, bins + 1))
    found = np.clip(np.searchsorted(edges, similarity, side="right") - 1, 0, bins - 1)
    return np.where(finite, found, -1)


def matched_superiority(
    values: np.ndarray,
    bin_of: np.ndarray,
    is_x: np.ndarray,
    is_y: np.ndarray,
    min_per_bin: int = MIN_PER_BIN,
    keys: np.ndarray | None = None,
) -> Statistic:
    """A of x over y within each bin where both groups have at least `min_per_bin` rows, averaged with
    weights equal to the bin's rows of both groups: the comparison at matched similarity."""
    is_x, is_y, bin_of = np.asarray(is_x, dtype=bool), np.asarray(is_y, dtype=bool), np.asarray(bin_of)
    compare = superiority_of(values, is_x, is_y, keys)

    def statistic(rows: np.ndarray) -> float:
        found, weights = [], []
        for b in np.unique(bin_of[rows]):
            if b < 0:
                continue
            inside = rows[bin_of[rows] == b]
            n_x, n_y = int(is_x[inside].sum()), int(is_y[inside].sum())
            if n_x >= min_per_bin and n_y >= min_per_bin:
                found.append(compare(inside))
                weights.append(n_x + n_y)
        return float(np.average(found, weights=weights)) if found else float("nan")

    return statistic


def bins_used(bin_of: np.ndarray, is_x: np.ndarray, is_y: np.ndarray, min_per_bin: int = MIN_PER_BIN) -> int:
    """How many bins hold at least `min_per_bin` rows of each group (the bins the matched A averages)."""
    bin_of = np.asarray(bin_of)
    return sum(
        int((is_x & (bin_of == b)).sum() >= min_per_bin and (is_y & (bin_of == b)).sum() >= min_per_bin)
        for b in np.unique(bin_of[bin_of >= 0])
    )
