"""Per-token measures against plain loops over the definitions in findings/measures.py."""

from __future__ import annotations

import math

import numpy as np
import pytest

from journeys.findings import measures


def random_ranks(seed: int, tokens: int = 60, layers: int = 7) -> np.ndarray:
    """Ranks with many zeros and ones, some large, and two missing rows (own row of zero norm)."""
    rng = np.random.default_rng(seed)
    rank = np.where(rng.random((tokens, layers)) < 0.5, rng.integers(0, 3, (tokens, layers)), 0)
    rank = np.where(rng.random((tokens, layers)) < 0.3, rng.integers(0, 5000, (tokens, layers)), rank)
    rank[[4, 17]] = -1
    return rank


def test_displaced_measures_and_log_rank_match_loops():
    rank = random_ranks(0)
    displaced = measures.displaced(rank)
    log_rank = measures.log_rank(rank)
    for t, row in enumerate(rank):
        for layer, r in enumerate(row):
            if r < 0:
                assert math.isnan(displaced[t, layer])
                assert math.isnan(log_rank[t, layer])
            else:
                assert displaced[t, layer] == (1.0 if r > 0 else 0.0)
                assert log_rank[t, layer] == pytest.approx(math.log10(r + 1))


def test_paired_change_matches_loops():
    values = np.random.default_rng(1).normal(size=(9, 5))
    change = measures.paired_change(values, 1, 4)
    for t in range(9):
        assert change[t] == values[t, 4] - values[t, 1]


def rank_moves_by_hand(row: list[int], factor: float, floor: float) -> tuple[bool, bool]:
    """(away, back) over every pair of layers i < j, straight from the definition."""
    pairs = [(row[i], row[j]) for i in range(len(row)) for j in range(i + 1, len(row))]
    away = any(later > factor * max(earlier, floor) for earlier, later in pairs)
    back = any(earlier > factor * max(later, floor) for earlier, later in pairs)
    return away, back


@pytest.mark.parametrize(("factor", "floor"), [(2.0, 1), (2.0, 4), (3.0, 1)])
def test_rank_movement_matches_every_pair_of_layers(factor: float, floor: float):
    rank = random_ranks(2, tokens=200)
    found = measures.rank_movement(rank, factor, floor)
    for t, row in enumerate(rank.tolist()):
        if min(row) < 0:
            assert math.isnan(found.away[t]) and math.isnan(found.both[t])
            continue
        away, back = rank_moves_by_hand(row, factor, floor)
        assert (found.away[t], found.back[t], found.both[t]) == (away, back, away and back)


@pytest.mark.parametrize(
    ("row", "both"),
    [
        ([0, 1, 0, 1, 0], False),  # 0 <-> 1 flips are not moves
        ([0, 2, 0, 2], False),  # nor 0 <-> 2: 2 is not above twice the floor of 1
        ([0, 3, 0], True),
        ([5, 11, 5], True),
        ([5, 10, 5], False),  # exactly twice is not more than twice
        ([0, 1, 3, 7, 3, 1], True),  # gradual moves count: 0 -> 7 and 7 -> 1
        ([0, 10, 100, 1000], False),  # only away
    ],
)
def test_rank_movement_examples(row: list[int], both: bool):
    assert measures.rank_movement(np.array([row])).both[0] == both


def test_similarity_movement_matches_every_pair_of_layers():
    rng = np.random.default_rng(3)
    similarity = rng.uniform(0.2, 0.6, size=(300, 6))
    similarity[7, 2] = np.nan
    delta = 0.15
    found = measures.similarity_movement(similarity, delta)
    for t, row in enumerate(similarity.tolist()):
        if any(math.isnan(v) for v in row):
            assert math.isnan(found.both[t])
            continue
        pairs = [(row[i], row[j]) for i in range(6) for j in range(i + 1, 6)]
        away = any(later <= earlier - delta for earlier, later in pairs)
        back = any(later >= earlier + delta for earlier, later in pairs)
        assert (found.away[t], found.back[t], found.both[t]) == (away, back, away and back)


def test_relative_depth_and_matching_layer():
    assert measures.relative_depth(0, 12) == 0.0 and measures.relative_depth(11, 12) == 1.0
    assert measures.relative_depth(5, 12) == pytest.approx(5 / 11)
    assert {n: measures.matching_layer(n) for n in (6, 12, 24, 32)} == {6: 2, 12: 5, 24: 10, 32: 14}
    for num_layers in range(2, 64):
        nearest = min(range(num_layers), key=lambda layer: abs(layer / (num_layers - 1) - 5 / 11))
        assert measures.matching_layer(num_layers) == nearest
    assert measures.matching_layer(3, study_layer=1, study_num_layers=3) == 1


@pytest.mark.parametrize(
    ("row", "away", "back"),
    [
        ([0.5, 0.25, 0.5], True, True),  # a change of exactly delta counts
        ([0.5, 0.375, 0.5], False, False),
        ([0.75, 0.5, 0.25], True, False),
        ([0.25, 0.5, 0.375, 0.5], False, True),
    ],
)
def test_similarity_movement_examples(row: list[float], away: bool, back: bool):
    found = measures.similarity_movement(np.array([row]), delta=0.25)
    assert (found.away[0], found.back[0]) == (away, back)
