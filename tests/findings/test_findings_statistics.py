"""The statistics functions against direct computations written out here with plain loops."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from findings import statistics


def test_log_rank_marks_missing_ranks():
    assert statistics.log_rank(np.array([0, 9, 99, -1])).tolist()[:3] == [0.0, 1.0, 2.0]
    assert math.isnan(statistics.log_rank(np.array([-1]))[0])


def test_quartiles_by_group_match_loops():
    rng = np.random.default_rng(1)
    values = rng.normal(size=(101, 4))
    values[3, 2] = np.nan
    groups = rng.integers(0, 3, size=101)
    found = statistics.quartiles_by_group(values, groups, range(3))
    for code in range(3):
        for layer in range(4):
            column = sorted(
                v for v, g in zip(values[:, layer], groups, strict=True) if g == code and not math.isnan(v)
            )
            n = len(column)
            median = column[n // 2] if n % 2 else (column[n // 2 - 1] + column[n // 2]) / 2
            assert found[code].median[layer] == pytest.approx(median)
            # numpy's default ("linear") percentile: position p * (n - 1) between sorted values
            position = 0.25 * (n - 1)
            low = column[math.floor(position)]
            high = column[math.ceil(position)]
            assert found[code].q1[layer] == pytest.approx(
                low + (high - low) * (position - math.floor(position))
            )
        assert found[code].count == int((groups == code).sum())


def test_quartiles_of_an_empty_group_are_nan():
    found = statistics.quartiles(np.empty((0, 3)))
    assert found.count == 0 and np.isnan(found.median).all()


def spearman_by_hand(x: list[float], y: list[float]) -> float:
    def ranks(values):
        return [
            sum(1 for other in values if other < value)
            + (sum(1 for other in values if other == value) + 1) / 2
            for value in values
        ]

    rx, ry = ranks(x), ranks(y)
    mx, my = sum(rx) / len(rx), sum(ry) / len(ry)
    covariance = sum((a - mx) * (b - my) for a, b in zip(rx, ry, strict=True))
    spread = math.sqrt(sum((a - mx) ** 2 for a in rx) * sum((b - my) ** 2 for b in ry))
    return covariance / spread


def test_spearman_without_ties_matches_the_textbook_formula():
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=30), rng.normal(size=30)
    d = statistics.average_ranks(x) - statistics.average_ranks(y)
    n = len(x)
    assert statistics.spearman(x, y) == pytest.approx(1 - 6 * (d * d).sum() / (n * (n * n - 1)))


def test_spearman_with_ties_and_missing_values_matches_loops():
    x = [1, 2, 2, 3, 5, 5, 5, 8, np.nan, 4]
    y = [3, 1, 4, 1, 5, 9, 2, 6, 5, np.inf]
    kept = [(a, b) for a, b in zip(x, y, strict=True) if np.isfinite(a) and np.isfinite(b)]
    expected = spearman_by_hand([a for a, _ in kept], [b for _, b in kept])
    assert statistics.spearman(np.array(x), np.array(y)) == pytest.approx(expected)
    assert statistics.spearman(np.arange(10), np.arange(10) ** 3) == pytest.approx(1.0)
    assert math.isnan(statistics.spearman(np.ones(5), np.arange(5)))


def test_layer_shifts_and_opposite_moves():
    shifts = statistics.layer_shifts(np.array([0.0, 0.5, 0.2, 0.2, 1.0]))
    assert shifts == pytest.approx([0.5, -0.3, 0.0, 0.8])
    other = np.array([-0.4, 0.2, 0.5, 0.05])
    assert statistics.opposite_moves(shifts, other, 0.1).tolist() == [True, True, False, False]


def test_moves_both_ways():
    values = np.array([[0, 1, 0.2], [0, 1, 2], [1, 0.2, 0.4], [0, 0.25, 0]])
    assert statistics.moves_both_ways(values, 0.3).tolist() == [True, False, False, False]


def test_neighbour_overlap_matches_set_intersections():
    rng = np.random.default_rng(3)
    ids = np.stack([[rng.choice(40, size=10, replace=False) for _ in range(5)] for _ in range(7)])
    found = statistics.neighbour_overlap(ids)
    assert found.shape == (7, 4)
    for token, layer in itertools.product(range(7), range(4)):
        kept = len(set(ids[token, layer]) & set(ids[token, layer + 1]))
        assert found[token, layer] == pytest.approx(kept / 10)


def test_mean_pairwise_cosine_and_displacement_alignment_match_loops():
    rng = np.random.default_rng(4)
    vectors = rng.normal(size=(3, 5, 8))
    vectors[1, 2] = 0.0  # a zero vector counts as cosine 0 with everything

    def by_hand(rows):
        cosines = []
        for a, b in itertools.combinations(rows, 2):
            norm = np.linalg.norm(a) * np.linalg.norm(b)
            cosines.append(0.0 if norm == 0 else float(a @ b / norm))
        return sum(cosines) / len(cosines)

    assert statistics.mean_pairwise_cosine(vectors) == pytest.approx([by_hand(layer) for layer in vectors])
    displacements = [vectors[i + 1] - vectors[i] for i in range(2)]
    assert statistics.displacement_alignment(vectors) == pytest.approx([by_hand(d) for d in displacements])
    assert math.isnan(statistics.mean_pairwise_cosine(vectors[:, :1])[0])


def test_density_matched_gap():
    # Density fully explains the gap: within each density level both groups have the same values.
    density = np.repeat([0.1, 0.2, 0.3, 0.4], 20)
    values = density * 10
    is_content = np.tile([True, False], 40)
    is_content[:20] = False  # low-density level: function words only ...
    is_content[60:] = True  # ... high-density level: content words only
    overall, matched = statistics.density_matched_gap(values, density, is_content, bins=4, min_per_group=5)
    content = values[is_content]
    function = values[~is_content]
    assert overall == pytest.approx(np.median(content) - np.median(function))
    assert overall > 0.5
    assert matched == pytest.approx(0.0)
    # A constant gap that density cannot explain survives the matching.
    shifted = values + np.where(is_content, 1.0, 0.0)
    _, kept = statistics.density_matched_gap(shifted, density, is_content, bins=4, min_per_group=5)
    assert kept == pytest.approx(1.0)


def test_finite_median_and_share_of_nothing_are_nan():
    assert statistics.finite_median(np.array([np.nan, 1.0, 3.0, np.inf])) == 2.0
    assert math.isnan(statistics.finite_median(np.array([np.nan])))
    assert statistics.share(np.array([True, False, False, False])) == 0.25
    assert math.isnan(statistics.share(np.array([], dtype=bool)))
