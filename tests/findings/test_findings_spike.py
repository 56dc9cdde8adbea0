"""The spike-layer finder on constructed journeys with a known spike at several depths, and none."""

from __future__ import annotations

import math

import numpy as np
import pytest

from journeys.findings import measures, spike
from journeys.findings.rules import DOES_NOT_HOLD, HOLDS, REVERSED, SPIKE_AT_STUDY_DEPTH, decide
from journeys.findings.uncertainty import sentence_bootstrap

FUNCTION_PER_SENTENCE, CONTENT_PER_SENTENCE = 4, 6


def journeys(
    num_layers: int,
    function_share: np.ndarray,
    content_share: np.ndarray,
    sentences: int = 150,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Made-up ranks: each token displaced at a layer with its group's probability there.

    Returns (rank, is_function, is_content, token_sentence)."""
    rng = np.random.default_rng(seed)
    per_sentence = FUNCTION_PER_SENTENCE + CONTENT_PER_SENTENCE
    is_function = np.tile(np.arange(per_sentence) < FUNCTION_PER_SENTENCE, sentences)
    share = np.where(is_function[:, None], function_share[None, :], content_share[None, :])
    rank = np.where(rng.random((len(is_function), num_layers)) < share, rng.integers(1, 500, share.shape), 0)
    return rank, is_function, ~is_function, np.repeat(np.arange(sentences), per_sentence)


def spiked(num_layers: int, layer: int, height: float = 0.5) -> np.ndarray:
    share = np.full(num_layers, 0.2)
    share[layer] += height
    return share


def scores_by_hand(displaced: np.ndarray, is_function: np.ndarray, is_content: np.ndarray) -> list[float]:
    """The spike score per layer written out from the module's definition: a function-word peak beyond
    content words' own peak counts up, a function-word dip beyond content words' own dip counts down."""

    def curve(members):
        rows = [row for row, member in zip(displaced.tolist(), members, strict=True) if member]
        return [sum(row[layer] for row in rows) / len(rows) for layer in range(displaced.shape[1])]

    def peak_and_dip(g, layer):
        peak = min(g[layer] - g[layer - 1], g[layer] - g[layer + 1])
        dip = min(g[layer - 1] - g[layer], g[layer + 1] - g[layer])
        return max(peak, 0.0), max(dip, 0.0)

    f, c = curve(is_function), curve(is_content)
    scores = [math.nan]
    for layer in range(1, displaced.shape[1] - 1):
        (f_peak, f_dip), (c_peak, c_dip) = peak_and_dip(f, layer), peak_and_dip(c, layer)
        if f_peak > 0:
            scores.append(max(f_peak - c_peak, 0.0))
        elif f_dip > 0:
            scores.append(-max(f_dip - c_dip, 0.0))
        else:
            scores.append(0.0)
    return [*scores, math.nan]


@pytest.mark.parametrize(
    ("num_layers", "layer"),
    [(6, measures.matching_layer(6)), (12, 5), (24, measures.matching_layer(24)), (24, 17), (6, 4)],
)
def test_a_known_spike_is_found_at_its_layer(num_layers: int, layer: int):
    rank, is_function, is_content, sentence_of = journeys(
        num_layers, spiked(num_layers, layer), np.linspace(0.1, 0.4, num_layers)
    )
    displaced = measures.displaced(rank)
    found = spike.find_spike(displaced, is_function, is_content, sentence_of, n_resamples=200)
    assert found.layer == layer
    assert found.relative_depth == pytest.approx(layer / (num_layers - 1))
    assert found.resample_share > 0.95 and len(found.resample_layers) == 200
    np.testing.assert_allclose(found.scores, scores_by_hand(displaced, is_function, is_content))
    assert found.height == pytest.approx(np.nanmax(found.scores))
    # Each sentence on its own, recomputed from its own tokens.
    shows = []
    for sentence in range(150):
        mine = sentence_of == sentence
        own = scores_by_hand(displaced[mine], is_function[mine], is_content[mine])
        shows.append(own[layer] >= spike.MIN_HEIGHT)
    assert found.sentence_share == pytest.approx(np.mean(shows))
    assert found.n_sentences == 150
    assert 0.3 < found.sentence_share < 1.0


def test_no_spike_in_flat_journeys():
    rank, is_function, is_content, sentence_of = journeys(12, np.full(12, 0.3), np.full(12, 0.1))
    found = spike.find_spike(measures.displaced(rank), is_function, is_content, sentence_of, n_resamples=100)
    assert found.layer is None and found.relative_depth is None
    assert math.isnan(found.sentence_share)
    # Sampling noise alone makes a 5-point peak in some resamples; most show none.
    assert found.resample_share == np.mean(found.resample_layers == spike.NO_SPIKE) > 0.6


def test_a_spike_of_every_token_is_not_a_function_word_spike():
    share = spiked(12, 5)
    rank, is_function, is_content, sentence_of = journeys(12, share, share)
    found = spike.find_spike(measures.displaced(rank), is_function, is_content, sentence_of, n_resamples=50)
    assert found.layer is None


@pytest.mark.parametrize(
    "function_share",
    [
        np.r_[np.full(6, 0.1), np.full(6, 0.7)],  # a rise that stays: no fall back
        np.r_[np.full(11, 0.1), 0.8],  # a jump at the last layer, which has no next layer to return at
    ],
)
def test_rises_without_a_fall_back_are_no_spike(function_share: np.ndarray):
    rank, is_function, is_content, sentence_of = journeys(12, function_share, np.full(12, 0.1))
    found = spike.find_spike(measures.displaced(rank), is_function, is_content, sentence_of, n_resamples=50)
    assert found.layer is None


def test_score_at_a_layer_is_a_bootstrap_statistic():
    rank, is_function, is_content, _sentence_of = journeys(12, spiked(12, 5), np.full(12, 0.2))
    displaced = measures.displaced(rank)
    statistic = spike.ScoreAt(5, displaced, is_function, is_content)
    assert statistic(np.arange(len(rank))) == pytest.approx(
        scores_by_hand(displaced, is_function, is_content)[5]
    )


def dipped(num_layers: int, layer: int, depth: float = 0.3) -> np.ndarray:
    share = np.full(num_layers, 0.4)
    share[layer] -= depth
    return share


@pytest.mark.parametrize(
    ("function_share", "expected"),
    [
        (np.linspace(0.05, 0.6, 6), DOES_NOT_HOLD),  # a steady rise: no spike, and no dip either
        (np.linspace(0.6, 0.05, 6), DOES_NOT_HOLD),  # a steady fall
        (spiked(6, 2, 0.3), HOLDS),  # pushed away at the layer and back at the next
        (dipped(6, 2), REVERSED),  # drawn in at the layer and out again: the opposite of a spike
    ],
)
def test_claim_4a_reads_a_dip_as_reversed_and_a_monotone_trend_as_neither(function_share, expected):
    layer = measures.matching_layer(6)
    assert layer == 2
    rank, is_function, is_content, sentence_of = journeys(6, function_share, np.full(6, 0.2))
    displaced = measures.displaced(rank)
    statistic = spike.ScoreAt(layer, displaced, is_function, is_content)
    verdict = decide(SPIKE_AT_STUDY_DEPTH, sentence_bootstrap(statistic, sentence_of, n_resamples=300))
    assert verdict.verdict == expected, verdict.reason
    assert statistic(np.arange(len(rank))) == pytest.approx(
        scores_by_hand(displaced, is_function, is_content)[layer]
    )


def test_a_content_word_dip_as_deep_as_function_words_is_no_reversal():
    share = dipped(6, 2)
    rank, is_function, is_content, _sentence_of = journeys(6, share, share)
    scores = spike.spike_scores(measures.displaced(rank), is_function, is_content)
    assert abs(scores[2]) < 0.05
