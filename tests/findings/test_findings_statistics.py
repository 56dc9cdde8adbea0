"""The statistics functions against direct computations written out here with plain loops."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from journeys.corpus import encoding_measures
from journeys.findings import statistics


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


def test_neighbour_overlap_matches_set_intersections():
    rng = np.random.default_rng(3)
    ids = np.stack([[rng.choice(40, size=10, replace=False) for _ in range(5)] for _ in range(7)])
    found = encoding_measures.neighbour_overlap(ids)
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

    assert encoding_measures.mean_pairwise_cosine(vectors) == pytest.approx(
        [by_hand(layer) for layer in vectors]
    )
    displacements = [vectors[i + 1] - vectors[i] for i in range(2)]
    assert encoding_measures.displacement_alignment(vectors) == pytest.approx(
        [by_hand(d) for d in displacements]
    )
    assert math.isnan(encoding_measures.mean_pairwise_cosine(vectors[:, :1])[0])


def test_finite_median_of_nothing_is_nan():
    assert statistics.finite_median(np.array([np.nan, 1.0, 3.0, np.inf])) == 2.0
    assert math.isnan(statistics.finite_median(np.array([np.nan])))
