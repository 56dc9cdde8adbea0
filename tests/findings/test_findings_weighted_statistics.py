"""Every statistic's one-pass form over a batch of resamples (`weighted`) against the same statistic on
the resampled rows written out, and against pairwise counts; the bootstrap's draws are the same either way."""

from __future__ import annotations

import numpy as np
import pytest

from journeys.findings import claim_statistics, spike, uncertainty
from journeys.findings.effect_sizes import Superiority, superiority_of


def a_by_pairs(x: np.ndarray, y: np.ndarray) -> float:
    """Vargha-Delaney A from every (x, y) pair: 1 when x wins, 1/2 for a tie."""
    x, y = x[np.isfinite(x)], y[np.isfinite(y)]
    if len(x) == 0 or len(y) == 0:
        return float("nan")
    return float(((x[:, None] > y[None, :]) + 0.5 * (x[:, None] == y[None, :])).mean())


def drawn_weights(rng: np.random.Generator, resamples: int, n: int) -> np.ndarray:
    """Whole-number token weights, zeros included, as a sentence resample gives."""
    return rng.integers(0, 4, (resamples, n)) * (rng.uniform(size=(resamples, n)) < 0.7)


def rows_of(weights: np.ndarray) -> np.ndarray:
    return np.repeat(np.arange(len(weights)), weights.astype(np.int64))


def test_weighted_a_equals_the_rank_based_a_bit_for_bit_and_a_pairwise_count():
    rng = np.random.default_rng(0)
    n = 300
    values = rng.integers(0, 6, n).astype(np.float64)  # many ties, as ranks of 0 give
    values[rng.uniform(size=n) < 0.05] = np.nan
    is_x = rng.uniform(size=n) < 0.4
    is_y = ~is_x & (rng.uniform(size=n) < 0.8)  # some rows in neither group
    statistic = Superiority(values, is_x, is_y)
    weights = drawn_weights(rng, 50, n).astype(np.float64)
    weights[0] = 0.0  # nothing drawn
    weights[1] = np.where(is_x, weights[1], 0.0)  # no y row drawn
    found = statistic.weighted(weights)
    assert np.isnan(found[0]) and np.isnan(found[1])
    for row, value in zip(weights[2:], found[2:], strict=True):
        rows = rows_of(row)
        assert value == statistic(rows)  # bit for bit: every sum is of whole numbers and halves
        assert value == pytest.approx(a_by_pairs(values[rows[is_x[rows]]], values[rows[is_y[rows]]]))


def test_a_with_no_finite_rows_is_nan():
    statistic = Superiority(np.array([np.nan, np.nan]), np.array([True, False]), np.array([False, True]))
    assert np.isnan(statistic.weighted(np.ones((3, 2)))).all()


def test_weighted_forms_equal_their_row_forms():
    rng = np.random.default_rng(1)
    n, layers = 400, 6
    values, similarity = rng.normal(size=n), rng.uniform(size=n)
    values[:5] = np.nan
    is_x = rng.uniform(size=n) < 0.3
    bins = claim_statistics.similarity_bins(similarity, 4)
    displaced = (rng.uniform(size=(n, layers)) < 0.3).astype(np.float64)
    displaced[7, 2] = np.nan
    statistics = [
        uncertainty.NanMean(values),
        claim_statistics.MatchedSuperiority(values, bins, is_x, ~is_x, 25),
        claim_statistics.premise_margin(values, similarity, is_x, ~is_x),
        spike.ScoreAt(2, displaced, is_x, ~is_x),
    ]
    weights = drawn_weights(rng, 30, n).astype(np.float64)
    for statistic in statistics:
        expected = [statistic(rows_of(row)) for row in weights]
        np.testing.assert_allclose(statistic.weighted(weights), expected, rtol=1e-12, err_msg=repr(statistic))


def test_word_type_a_ranks_each_resamples_word_means_as_pairs_of_words_would():
    rng = np.random.default_rng(4)
    n = 250
    keys = rng.integers(0, 30, n)
    is_x = keys % 3 == 0  # each key in one group
    values = rng.integers(0, 4, n).astype(np.float64) + (keys % 5 == 0)  # equal means between keys
    values[rng.uniform(size=n) < 0.05] = np.nan
    statistic = superiority_of(values, is_x, ~is_x, keys)
    weights = drawn_weights(rng, 40, n).astype(np.float64)
    weights[0] = np.where(is_x, 0.0, weights[0])  # no x word drawn
    found = statistic.weighted(weights)
    assert np.isnan(found[0])
    for row, value in zip(weights[1:], found[1:], strict=True):
        means = {}
        for key in np.unique(keys):
            rows = np.flatnonzero((keys == key) & np.isfinite(values) & (row > 0))
            if len(rows):
                means[key] = float(np.average(values[rows], weights=row[rows]))
        x = np.array([m for key, m in means.items() if key % 3 == 0])
        y = np.array([m for key, m in means.items() if key % 3 != 0])
        assert value == pytest.approx(a_by_pairs(x, y), abs=1e-12)
        assert value == pytest.approx(statistic(rows_of(row)), abs=1e-12)


def test_matched_a_leaves_out_bins_a_resample_leaves_short():
    values = np.arange(8, dtype=np.float64)
    bins = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    is_x = np.array([True, True, False, False] * 2)
    statistic = claim_statistics.MatchedSuperiority(values, bins, is_x, ~is_x, min_per_bin=2)
    only_first = np.array([[1, 1, 1, 1, 1, 0, 1, 1.0]])  # bin 1 keeps one x row: too few
    assert statistic.weighted(only_first)[0] == a_by_pairs(values[:2], values[2:4]) == 0.0
    assert np.isnan(statistic.weighted(np.zeros((1, 8))))[0]


def test_sentence_weights_count_each_drawn_sentence():
    sentence_of = np.array([7, 3, 7, 9, 3, 3])  # ids in any order, not 0..S-1
    rows = uncertainty.SentenceRows(sentence_of)
    drawn = np.array([[0, 0, 2], [1, 1, 1]])  # positions in sorted id order: 3, 7, 9
    expected = [[0, 2, 0, 1, 2, 2], [3, 0, 3, 0, 0, 0]]
    assert rows.weights(drawn).tolist() == expected


class OneAtATime(uncertainty.RowStatistic):
    """A statistic's row form alone: the bootstrap then takes its resamples one at a time."""

    def __init__(self, statistic: uncertainty.RowStatistic) -> None:
        self.statistic = statistic

    def __call__(self, rows: np.ndarray) -> float:
        return self.statistic(rows)


def test_the_bootstrap_draws_the_same_resamples_in_either_form():
    rng = np.random.default_rng(2)
    sentence_of = np.repeat(np.arange(80), 5)
    values = rng.integers(0, 5, 400) + rng.integers(0, 3, 80)[sentence_of]
    is_x = np.tile([True, False, True, False, False], 80)
    statistic = Superiority(values, is_x, ~is_x)
    one_pass = uncertainty.sentence_bootstrap(statistic, sentence_of, n_resamples=700)
    looped = uncertainty.sentence_bootstrap(OneAtATime(statistic), sentence_of, n_resamples=700)
    assert one_pass == looped


def test_spike_resamples_match_a_loop_over_the_same_draws():
    rng = np.random.default_rng(3)
    n_sentences, per = 60, 6
    sentence_of = np.repeat(np.arange(n_sentences), per)
    is_function = np.tile([True, True, False, False, False, True], n_sentences)
    displaced = (rng.uniform(size=(len(sentence_of), 6)) < 0.2).astype(np.float64)
    displaced[is_function, 3] = rng.uniform(size=is_function.sum()) < 0.6  # a spike at layer 3
    found = spike.find_spike(displaced, is_function, ~is_function, sentence_of, n_resamples=120, seed=5)
    generator = np.random.default_rng(5)
    expected = []
    for _ in range(120):
        drawn = generator.integers(0, n_sentences, n_sentences)
        rows = np.concatenate([np.flatnonzero(sentence_of == s) for s in drawn])
        scores = spike.spike_scores(displaced[rows], is_function[rows], ~is_function[rows])
        layer = spike.spike_layer(scores, spike.MIN_HEIGHT)
        expected.append(spike.NO_SPIKE if layer is None else layer)
    assert found.layer == 3
    assert found.resample_layers.tolist() == expected
