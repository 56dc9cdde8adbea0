"""Effect sizes with a direction, and rank correlation, as numbers and as bootstrap statistics.

A statistic here is a function of token rows (see `uncertainty.sentence_bootstrap`), built over the
caller's token-major arrays, so any of these numbers gets a sentence-level interval.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from findings.uncertainty import Statistic


def probability_of_superiority(x: np.ndarray, y: np.ndarray) -> float:
    """Vargha-Delaney A: the chance that a random x exceeds a random y, ties counting half; NaN dropped.

    0.5 is no difference, 1.0 every x above every y, 0.0 every x below; computed from the Mann-Whitney
    U of the pooled average ranks.
    """
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    x, y = x[np.isfinite(x)], y[np.isfinite(y)]
    if len(x) == 0 or len(y) == 0:
        return float("nan")
    ranks = stats.rankdata(np.concatenate([x, y]))
    u_x = ranks[: len(x)].sum() - len(x) * (len(x) + 1) / 2
    return float(u_x / (len(x) * len(y)))


def word_type_means(values: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Mean of `values` per distinct key (NaN values left out), in sorted key order: word-type weighting,
    where each distinct word counts once however often it occurs."""
    values = np.asarray(values, dtype=np.float64)
    finite = np.isfinite(values)
    _distinct, inverse, counts = np.unique(np.asarray(keys)[finite], return_inverse=True, return_counts=True)
    return np.bincount(inverse, weights=values[finite], minlength=len(counts)) / counts


def superiority_of(
    values: np.ndarray, is_x: np.ndarray, is_y: np.ndarray, keys: np.ndarray | None = None
) -> Statistic:
    """The statistic "A of the x rows' values over the y rows' values, among the given rows"; with
    `keys` (one per row, each key in one group), A of the x keys' mean values over the y keys'."""
    values = np.asarray(values, dtype=np.float64)
    is_x, is_y = np.asarray(is_x, dtype=bool), np.asarray(is_y, dtype=bool)

    def statistic(rows: np.ndarray) -> float:
        x, y = rows[is_x[rows]], rows[is_y[rows]]
        if keys is None:
            return probability_of_superiority(values[x], values[y])
        return probability_of_superiority(
            word_type_means(values[x], keys[x]), word_type_means(values[y], keys[y])
        )

    return statistic


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman rank correlation (ties given average ranks) of the pairs where both are finite; NaN if
    fewer than three pairs or either side is constant."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    if len(x) < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return float("nan")
    return float(stats.spearmanr(x, y).statistic)


def spearman_of(x: np.ndarray, y: np.ndarray) -> Statistic:
    """The statistic "Spearman correlation of x and y over the given rows"."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    return lambda rows: spearman(x[rows], y[rows])
