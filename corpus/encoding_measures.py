"""What the corpus pass measures of a sentence's encodings besides ranks: how much of each token's nearest
vocabulary rows one layer keeps at the next, and the cohesion and shared direction of the sentence's tokens.
"""

from __future__ import annotations

import numpy as np


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
