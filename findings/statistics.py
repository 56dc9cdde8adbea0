"""Descriptive numbers of the findings, as pure numpy functions over corpus arrays: quartiles per layer
and medians. What the corpus pass measures of each sentence's encodings is in `corpus.encoding_measures`.

Arrays are token-major: (tokens, layers). The numbers behind verdicts live in `measures`,
`effect_sizes` and `claim_statistics`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Quartiles:
    """Per layer: median and inter-quartile range of one group's values, and how many tokens."""

    median: np.ndarray
    q1: np.ndarray
    q3: np.ndarray
    count: int


def quartiles(values: np.ndarray) -> Quartiles:
    """Median and quartiles per column (layer) of a (tokens, layers) array, ignoring NaN."""
    values = np.asarray(values, dtype=np.float64)
    if len(values) == 0 or np.isnan(values).all():
        empty = np.full(values.shape[1], np.nan)
        return Quartiles(empty, empty, empty, 0)
    q1, median, q3 = np.nanpercentile(values, [25, 50, 75], axis=0)
    return Quartiles(median, q1, q3, int(np.sum(~np.isnan(values).all(axis=1))))


def quartiles_by_group(values: np.ndarray, groups: np.ndarray, group_codes: range) -> list[Quartiles]:
    """`quartiles` of the rows of each group code, in the order of `group_codes`."""
    return [quartiles(values[groups == code]) for code in group_codes]


def finite_median(values: np.ndarray) -> float:
    """Median of the finite values, NaN if there are none."""
    values = np.asarray(values, dtype=np.float64)
    values = values[np.isfinite(values)]
    return float(np.median(values)) if len(values) else float("nan")
