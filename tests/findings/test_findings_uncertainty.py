"""Sentence bootstrap and half split against hand-rolled recomputations."""

from __future__ import annotations

import math

import numpy as np
import pytest

from journeys.findings import effect_sizes, uncertainty


def clustered(seed: int, sentences: int = 120, per_sentence: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """Token values with a strong shared effect per sentence, and each token's sentence id (shuffled)."""
    rng = np.random.default_rng(seed)
    sentence_of = np.repeat(np.arange(sentences) * 3 + 7, per_sentence)  # ids need not be 0..S-1
    values = 2.0 * rng.normal(size=sentences)[np.repeat(np.arange(sentences), per_sentence)]
    values += rng.normal(size=len(values))
    order = rng.permutation(len(values))  # tokens of one sentence need not be adjacent
    return values[order], sentence_of[order]


def percentile_loop(values, sentence_of, statistic, resamples: int, seed: int, by_token: bool = False):
    """A plain percentile bootstrap: draw sentences (or tokens) with replacement, pool their tokens."""
    rng = np.random.default_rng(seed)
    ids = sorted(set(sentence_of.tolist()))
    tokens_of = {s: [t for t in range(len(values)) if sentence_of[t] == s] for s in ids}
    found = []
    for _ in range(resamples):
        if by_token:
            rows = rng.integers(0, len(values), len(values)).tolist()
        else:
            rows = [t for k in rng.integers(0, len(ids), len(ids)) for t in tokens_of[ids[k]]]
        found.append(statistic(rows))
    return np.percentile(found, 2.5), np.percentile(found, 97.5)


def test_bootstrap_of_a_mean_matches_a_sentence_resampling_loop():
    values, sentence_of = clustered(0)
    found = uncertainty.sentence_bootstrap(uncertainty.NanMean(values), sentence_of, n_resamples=2000)

    def mean(rows):
        return sum(values[t] for t in rows) / len(rows)

    low, high = percentile_loop(values, sentence_of, mean, 2000, seed=99)
    width = high - low
    assert found.estimate == pytest.approx(values.mean())
    assert (found.n_sentences, found.n_tokens) == (120, 960)
    assert abs(found.low - low) < 0.1 * width and abs(found.high - high) < 0.1 * width
    # Resampling tokens instead would give a far narrower interval, which the tolerance above rejects.
    token_low, token_high = percentile_loop(values, sentence_of, mean, 500, seed=5, by_token=True)
    assert token_high - token_low < 0.6 * width


def test_bootstrap_is_reproducible_with_its_seed_and_changes_without():
    values, sentence_of = clustered(1, sentences=40)
    statistic = uncertainty.NanMean(values)
    first = uncertainty.sentence_bootstrap(statistic, sentence_of, n_resamples=300, seed=4)
    again = uncertainty.sentence_bootstrap(statistic, sentence_of, n_resamples=300, seed=4)
    other = uncertainty.sentence_bootstrap(statistic, sentence_of, n_resamples=300, seed=5)
    assert first == again and first.low != other.low


def test_bootstrap_of_one_sentence_has_no_interval():
    found = uncertainty.sentence_bootstrap(uncertainty.NanMean(np.ones(5)), np.zeros(5, dtype=int))
    assert found.estimate == 1.0 and math.isnan(found.low) and found.n_sentences == 1


def test_sentence_rows_are_the_tokens_of_the_drawn_sentences():
    _values, sentence_of = clustered(2, sentences=10, per_sentence=3)
    rows = uncertainty.SentenceRows(sentence_of)
    drawn = np.array([4, 4, 0, 9])
    ids = sorted(set(sentence_of.tolist()))
    expected = [t for k in drawn for t in range(len(sentence_of)) if sentence_of[t] == ids[k]]
    assert sorted(rows.rows(drawn).tolist()) == sorted(expected)


def test_bootstrap_of_a_matches_a_sentence_resampling_loop():
    rng = np.random.default_rng(4)
    sentence_of = np.repeat(np.arange(60), 6)
    is_content = np.tile([True, True, True, False, False, False], 60)
    values = rng.integers(0, 4, len(sentence_of)) + is_content * rng.integers(0, 2, len(sentence_of))
    values = values + rng.integers(0, 3, 60)[sentence_of]
    statistic = effect_sizes.superiority_of(values, is_content, ~is_content)
    found = uncertainty.sentence_bootstrap(statistic, sentence_of, n_resamples=1500)

    def by_hand(rows):
        """Every pair of the drawn content and function tokens compared, as arrays for speed."""
        rows = np.asarray(rows)
        x, y = values[rows[is_content[rows]]], values[rows[~is_content[rows]]]
        return float(((x[:, None] > y[None, :]) + 0.5 * (x[:, None] == y[None, :])).mean())

    assert found.estimate == pytest.approx(by_hand(range(len(values))))
    low, high = percentile_loop(values, sentence_of, by_hand, 1500, seed=12)
    width = high - low
    assert abs(found.low - low) < 0.12 * width and abs(found.high - high) < 0.12 * width


def test_half_split_on_alternate_and_random_halves():
    values, sentence_of = clustered(5, sentences=11, per_sentence=4)
    ids = sorted(set(sentence_of.tolist()))
    statistic = uncertainty.NanMean(values)
    found = uncertainty.half_split(statistic, sentence_of, seed=None)
    even = [t for t in range(len(values)) if ids.index(sentence_of[t]) % 2 == 0]
    odd = [t for t in range(len(values)) if ids.index(sentence_of[t]) % 2 == 1]
    assert found.first == pytest.approx(np.mean(values[even]))
    assert found.second == pytest.approx(np.mean(values[odd]))
    assert (found.n_sentences_first, found.n_sentences_second) == (6, 5)
    shuffled = uncertainty.half_split(statistic, sentence_of)
    assert shuffled == uncertainty.half_split(statistic, sentence_of, seed=uncertainty.SEED)
    assert (shuffled.n_sentences_first, shuffled.n_sentences_second) == (6, 5)
    assert shuffled != found
    both = (shuffled.first * 6 * 4 + shuffled.second * 5 * 4) / len(values)  # equal-sized sentences
    assert both == pytest.approx(values.mean())
