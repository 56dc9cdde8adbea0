"""Descriptive numbers of the findings, as pure numpy functions over corpus arrays: quartiles per layer,
neighbour overlap, and the cohesion and shared direction of a sentence's encodings.

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


def neighbour_overlap(neighbour_ids: np.ndarray) -> np.ndarray:
    """Share of each token's k nearest rows at one layer still among its k nearest at the next.

    `neighbour_ids` is (tokens, layers, k) with distinct ids per (token, layer); result (tokens, layers-1).
    """
    ids = np.asarray(neighbour_ids)
    k = ids.shape[2]
    both = np.sort(np.concatenate([ids[:, :-1], ids[:, 1:]], axis=2), axis=2)
    return (both[..., 1:] == both[..., :-1]).sum(axis=2) / k


def mean_pairwise_cosine(vectors: np.ndarray) -> np.ndarray:
    """Mean cosine over all pairs of distinct rows of the last-but-one axis: (..., n, d) -> (...)."""
    vectors = np.asarray(vectors, dtype=np.float64)
    n = vectors.shape[-2]
    if n < 2:
        return np.full(vectors.shape[:-2], np.nan)
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    units = np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)
    summed = units.sum(axis=-2)
    self_products = (units * units).sum(axis=(-2, -1))
    return ((summed * summed).sum(axis=-1) - self_products) / (n * (n - 1))


def displacement_alignment(vectors: np.ndarray) -> np.ndarray:
    """Mean pairwise cosine of the tokens' layer-to-layer displacements: (layers, n, d) -> (layers-1,)."""
    return mean_pairwise_cosine(np.diff(np.asarray(vectors, dtype=np.float64), axis=0))
