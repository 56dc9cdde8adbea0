"""The A statistic against a pairwise count, Spearman against a rank correlation written out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from journeys.findings import effect_sizes


def a_by_hand(x: list[float], y: list[float]) -> float:
    """Every pair counted: 1 when x wins, 1/2 for a tie."""
    wins = sum(1.0 if a > b else 0.5 if a == b else 0.0 for a in x for b in y)
    return wins / (len(x) * len(y))


def test_probability_of_superiority_matches_a_pairwise_count():
    rng = np.random.default_rng(3)
    for _ in range(20):
        x = rng.integers(0, 4, rng.integers(1, 30)).astype(float)  # many ties, as with ranks of 0
        y = rng.integers(0, 5, rng.integers(1, 30)).astype(float)
        found = effect_sizes.probability_of_superiority(x, y)
        assert found == pytest.approx(a_by_hand(x.tolist(), y.tolist()))
    assert effect_sizes.probability_of_superiority([3, 4], [1, 2]) == 1.0
    assert effect_sizes.probability_of_superiority([1, 2], [3, 4]) == 0.0
    assert effect_sizes.probability_of_superiority([1, np.nan], [1]) == 0.5
    assert math.isnan(effect_sizes.probability_of_superiority([], [1]))


def test_superiority_statistic_uses_only_the_given_rows():
    values = np.array([5.0, 1.0, 0.0, 9.0, 2.0])
    is_x = np.array([True, True, False, False, False])
    statistic = effect_sizes.superiority_of(values, is_x, ~is_x)
    assert statistic(np.array([0, 1, 2, 4])) == a_by_hand([5, 1], [0, 2])
    assert statistic(np.array([0, 0, 3])) == a_by_hand([5, 5], [9])


def spearman_by_hand(x: list[float], y: list[float]) -> float:
    """Pearson correlation of average ranks, each rank counted from its definition."""

    def ranks(values):
        return [
            sum(1 for other in values if other < value)
            + (sum(1 for other in values if other == value) + 1) / 2
            for value in values
        ]

    rx, ry = ranks(x), ranks(y)
    mx, my = sum(rx) / len(rx), sum(ry) / len(ry)
    covariance = sum((a - mx) * (b - my) for a, b in zip(rx, ry, strict=True))
    return covariance / math.sqrt(sum((a - mx) ** 2 for a in rx) * sum((b - my) ** 2 for b in ry))


def test_spearman_matches_a_rank_correlation_by_hand():
    rng = np.random.default_rng(8)
    for _ in range(15):
        n = int(rng.integers(3, 40))
        x = rng.integers(0, 6, n).astype(float)  # ties on both sides
        y = x + rng.integers(-3, 4, n)
        if len(set(x.tolist())) > 1 and len(set(y.tolist())) > 1:
            assert effect_sizes.spearman(x, y) == pytest.approx(spearman_by_hand(x.tolist(), y.tolist()))


def test_spearman_drops_missing_pairs_and_is_nan_when_undefined():
    x, y = np.array([1.0, 2.0, np.nan, 3.0, 4.0]), np.array([2.0, 1.0, 5.0, np.inf, 3.0])
    assert effect_sizes.spearman(x, y) == pytest.approx(spearman_by_hand([1, 2, 4], [2, 1, 3]))
    assert math.isnan(effect_sizes.spearman([1, 2], [1, 2]))
    assert math.isnan(effect_sizes.spearman([1, 1, 1], [1, 2, 3]))
