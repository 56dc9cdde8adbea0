"""Effect sizes with a direction as numbers and as bootstrap statistics, and rank correlation.

A statistic here is a function of token rows (see `uncertainty.sentence_bootstrap`), built over the
caller's token-major arrays, so any of these numbers gets a sentence-level interval.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from journeys.findings.uncertainty import RowStatistic


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


class Superiority(RowStatistic):
    """A of the x rows' values over the y rows' values, among the given rows (occurrence weighting).

    `weighted` takes every resample of a batch at once: with the x and y rows sorted by value once,
    a resample's A is the sum, over tied values, of its x weight times its y weight below plus half its
    y weight equal, over its x weight times its y weight. Whole-number weights keep every sum exact, so
    it equals the rank-based A bit for bit."""

    def __init__(self, values: np.ndarray, is_x: np.ndarray, is_y: np.ndarray) -> None:
        self.values = np.asarray(values, dtype=np.float64)
        self.is_x, self.is_y = np.asarray(is_x, dtype=bool), np.asarray(is_y, dtype=bool)
        kept = np.flatnonzero((self.is_x | self.is_y) & np.isfinite(self.values))
        self._sorted = kept[np.argsort(self.values[kept], kind="stable")]
        ordered = self.values[self._sorted]
        self._ties = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]]) if len(ordered) else ordered
        self._x, self._y = self.is_x[self._sorted], self.is_y[self._sorted]

    def __call__(self, rows: np.ndarray) -> float:
        return probability_of_superiority(
            self.values[rows[self.is_x[rows]]], self.values[rows[self.is_y[rows]]]
        )

    def weighted(self, weights: np.ndarray) -> np.ndarray:
        if len(self._sorted) == 0:
            return np.full(len(weights), np.nan)
        drawn = weights[:, self._sorted]
        x = np.add.reduceat(np.where(self._x, drawn, 0.0), self._ties, axis=1)
        y = np.add.reduceat(np.where(self._y, drawn, 0.0), self._ties, axis=1)
        below = np.cumsum(y, axis=1) - y
        wins = (x * (below + 0.5 * y)).sum(axis=1)
        pairs = x.sum(axis=1) * y.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(pairs > 0, wins / pairs, np.nan)


class WordTypeSuperiority(RowStatistic):
    """A of the x keys' mean values over the y keys' mean values among the given rows (word-type
    weighting: each distinct key counts once, however often it occurs; each key in one group).

    `weighted` takes every resample of a batch at once: each key's weighted mean, then each resample's
    keys ranked (average ranks for ties, absent keys left out) and A from the x keys' rank sum."""

    def __init__(self, values: np.ndarray, is_x: np.ndarray, is_y: np.ndarray, keys: np.ndarray) -> None:
        values = np.asarray(values, dtype=np.float64)
        is_x, is_y = np.asarray(is_x, dtype=bool), np.asarray(is_y, dtype=bool)
        self.n_rows = len(values)
        kept = np.flatnonzero((is_x | is_y) & np.isfinite(values))
        self._sorted = kept[np.argsort(np.asarray(keys)[kept], kind="stable")]
        ordered = np.asarray(keys)[self._sorted]
        self._keys = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]]) if len(ordered) else ordered
        self._values = values[self._sorted]
        self._key_is_x = is_x[self._sorted][self._keys]
        self._key_is_y = is_y[self._sorted][self._keys]

    def __call__(self, rows: np.ndarray) -> float:
        weights = np.bincount(rows, minlength=self.n_rows).astype(np.float64)
        return float(self.weighted(weights[None, :])[0])

    def weighted(self, weights: np.ndarray) -> np.ndarray:
        if len(self._sorted) == 0:
            return np.full(len(weights), np.nan)
        drawn = weights[:, self._sorted]
        counts = np.add.reduceat(drawn, self._keys, axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            means = np.add.reduceat(drawn * self._values, self._keys, axis=1) / counts  # NaN where absent
        pooled = np.concatenate([means[:, self._key_is_x], means[:, self._key_is_y]], axis=1)
        ranks = stats.rankdata(pooled, axis=1, nan_policy="omit")
        n_x = (counts[:, self._key_is_x] > 0).sum(axis=1)
        n_y = (counts[:, self._key_is_y] > 0).sum(axis=1)
        wins = np.nansum(ranks[:, : self._key_is_x.sum()], axis=1) - n_x * (n_x + 1) / 2
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(n_x * n_y > 0, wins / (n_x * n_y), np.nan)


def superiority_of(
    values: np.ndarray, is_x: np.ndarray, is_y: np.ndarray, keys: np.ndarray | None = None
) -> RowStatistic:
    """The statistic "A of the x rows' values over the y rows' values, among the given rows"; with
    `keys` (one per row, each key in one group), A of the x keys' mean values over the y keys'."""
    if keys is None:
        return Superiority(values, is_x, is_y)
    return WordTypeSuperiority(values, is_x, is_y, keys)


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman rank correlation (ties given average ranks) of the pairs where both are finite; NaN if
    fewer than three pairs or either side is constant."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    if len(x) < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return float("nan")
    return float(stats.spearmanr(x, y).statistic)
