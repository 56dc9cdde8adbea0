"""The numbers behind the findings, as pure numpy functions over corpus arrays.

Arrays are token-major: (tokens, layers) for ranks and similarities. Ranks are compared on the
log scale `log10(rank + 1)` (0 = own row nearest); a rank of -1 (own row of zero norm) is missing.
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


def log_rank(rank: np.ndarray) -> np.ndarray:
    """log10(rank + 1), NaN where the rank is missing (negative)."""
    rank = np.asarray(rank, dtype=np.float64)
    return np.where(rank >= 0, np.log10(np.maximum(rank, 0) + 1), np.nan)


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


def share(mask: np.ndarray) -> float:
    """Fraction of True entries, NaN for an empty mask."""
    return float(np.mean(mask)) if np.size(mask) else float("nan")


def average_ranks(values: np.ndarray) -> np.ndarray:
    """Ranks 1..n of `values`, ties given the mean of the ranks they span."""
    values = np.asarray(values, dtype=np.float64)
    order = np.argsort(values, kind="stable")
    sorted_values = values[order]
    starts = np.flatnonzero(np.r_[True, sorted_values[1:] != sorted_values[:-1]])
    stops = np.r_[starts[1:], len(values)]
    mean_rank = (starts + stops + 1) / 2  # mean of 1-based ranks start+1 .. stop
    ranks = np.empty(len(values))
    ranks[order] = np.repeat(mean_rank, stops - starts)
    return ranks


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman rank correlation of the pairs where both are finite; NaN if undefined."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    keep = np.isfinite(x) & np.isfinite(y)
    if keep.sum() < 3:
        return float("nan")
    rx, ry = average_ranks(x[keep]), average_ranks(y[keep])
    rx, ry = rx - rx.mean(), ry - ry.mean()
    denominator = np.sqrt((rx * rx).sum() * (ry * ry).sum())
    return float((rx * ry).sum() / denominator) if denominator > 0 else float("nan")


def layer_shifts(medians: np.ndarray) -> np.ndarray:
    """Change of a per-layer median from the previous layer: entry i is layer i+1 minus layer i."""
    return np.diff(np.asarray(medians, dtype=np.float64))


def opposite_moves(shift_a: np.ndarray, shift_b: np.ndarray, min_shift: float) -> np.ndarray:
    """Where two groups' shifts have opposite signs and both are at least `min_shift` in size."""
    return (
        (np.sign(shift_a) * np.sign(shift_b) < 0)
        & (np.abs(shift_a) >= min_shift)
        & (np.abs(shift_b) >= min_shift)
    )


def moves_both_ways(values: np.ndarray, min_step: float) -> np.ndarray:
    """Per row of (tokens, layers): whether it rises by min_step at one layer and falls by it at another."""
    steps = np.diff(np.asarray(values, dtype=np.float64), axis=1)
    return (steps >= min_step).any(axis=1) & (steps <= -min_step).any(axis=1)


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


def density_matched_gap(
    values: np.ndarray, density: np.ndarray, is_content: np.ndarray, bins: int, min_per_group: int
) -> tuple[float, float]:
    """(overall, density-matched) gap in median `values`, content minus function tokens.

    The matched gap compares the groups within density quantile bins (both groups having at least
    `min_per_group` tokens there) and averages the bin gaps weighted by bin size: if density
    explained the overall gap, the matched gap would shrink towards zero.
    """
    values, density = np.asarray(values, dtype=np.float64), np.asarray(density, dtype=np.float64)
    keep = np.isfinite(values) & np.isfinite(density)
    values, density, is_content = values[keep], density[keep], np.asarray(is_content)[keep]
    if is_content.all() or not is_content.any():
        return float("nan"), float("nan")
    overall = np.median(values[is_content]) - np.median(values[~is_content])
    edges = np.quantile(density, np.linspace(0, 1, bins + 1))
    bin_of = np.clip(np.searchsorted(edges, density, side="right") - 1, 0, bins - 1)
    gaps, weights = [], []
    for b in range(bins):
        content = values[(bin_of == b) & is_content]
        function = values[(bin_of == b) & ~is_content]
        if len(content) >= min_per_group and len(function) >= min_per_group:
            gaps.append(np.median(content) - np.median(function))
            weights.append(len(content) + len(function))
    matched = float(np.average(gaps, weights=weights)) if gaps else float("nan")
    return float(overall), matched
