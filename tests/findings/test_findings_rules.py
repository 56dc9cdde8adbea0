"""Verdict rules on constructed data whose right verdict is known, and on hand-made intervals."""

from __future__ import annotations

import math

import numpy as np
import pytest

from journeys.findings import effect_sizes, rules, uncertainty
from journeys.findings.rules import DOES_NOT_HOLD, HOLDS, REVERSED, UNDECIDED
from journeys.findings.uncertainty import Estimate

RULE = rules.CONTENT_FURTHER_THAN_FUNCTION  # holds at A >= 0.56, reversed at A <= 0.44


def constructed_verdict(sentences: int, per_group: int, content_shift: float, seed: int = 0) -> rules.Verdict:
    """Rule 2 decided on made-up final-layer log-ranks: content tokens shifted by `content_shift`."""
    rng = np.random.default_rng(seed)
    sentence_of = np.repeat(np.arange(sentences), 2 * per_group)
    is_content = np.tile(np.r_[np.ones(per_group, bool), np.zeros(per_group, bool)], sentences)
    values = rng.normal(size=len(sentence_of)) + 0.3 * rng.normal(size=sentences)[sentence_of]
    values += content_shift * is_content
    statistic = effect_sizes.superiority_of(values, is_content, ~is_content)
    return rules.decide(RULE, uncertainty.sentence_bootstrap(statistic, sentence_of, n_resamples=400))


def test_a_clear_effect_holds():
    found = constructed_verdict(sentences=80, per_group=4, content_shift=1.0)
    assert found.verdict == HOLDS and found.estimate.low >= 0.56


def test_the_opposite_effect_is_reversed():
    found = constructed_verdict(sentences=80, per_group=4, content_shift=-1.0)
    assert found.verdict == REVERSED and found.estimate.high <= 0.44


def test_no_effect_does_not_hold():
    found = constructed_verdict(sentences=300, per_group=5, content_shift=0.0)
    assert found.verdict == DOES_NOT_HOLD
    assert 0.44 < found.estimate.low < 0.5 < found.estimate.high < 0.56


def test_an_effect_near_the_threshold_on_few_sentences_is_undecided():
    # A = Phi(shift / sqrt(2)) is 0.56 for a shift of 0.214: the interval straddles 0.56.
    found = constructed_verdict(sentences=40, per_group=3, content_shift=0.214, seed=2)
    assert found.estimate.low < 0.56 < found.estimate.high
    assert found.verdict == UNDECIDED


def test_too_few_sentences_are_undecided_even_for_a_clear_effect():
    found = constructed_verdict(sentences=rules.MIN_SENTENCES - 1, per_group=6, content_shift=2.0)
    assert found.estimate.low >= 0.56  # the interval alone would say "holds"
    assert found.verdict == UNDECIDED and "sentences" in found.reason


@pytest.mark.parametrize(
    ("low", "high", "verdict"),
    [
        (0.56, 0.7, HOLDS),  # touching the threshold counts
        (0.3, 0.44, REVERSED),
        (0.45, 0.55, DOES_NOT_HOLD),
        (0.5, 0.6, UNDECIDED),  # crosses holds_at
        (0.4, 0.5, UNDECIDED),  # crosses reversed_at
        (0.3, 0.7, UNDECIDED),  # crosses both
        (math.nan, math.nan, UNDECIDED),
    ],
)
def test_decide_by_interval(low: float, high: float, verdict: str):
    estimate = Estimate((low + high) / 2, low, high, n_sentences=100, n_tokens=1000)
    assert rules.decide(RULE, estimate).verdict == verdict


@pytest.mark.parametrize(
    ("low", "high", "verdict"), [(0.5, 0.6, HOLDS), (0.1, 0.4, DOES_NOT_HOLD), (0.4, 0.6, UNDECIDED)]
)
def test_a_rule_without_a_reversal_has_three_outcomes(low: float, high: float, verdict: str):
    rule = rules.Rule("x", "a share is large", "the share", holds_at=0.5)
    estimate = Estimate((low + high) / 2, low, high, n_sentences=100, n_tokens=1000)
    assert rules.decide(rule, estimate).verdict == verdict


def test_rules_print_their_thresholds_and_refuse_inverted_ones():
    study_rules = [value for value in vars(rules).values() if isinstance(value, rules.Rule)]
    assert len(study_rules) == 11
    for rule in study_rules:
        text = rule.describe()
        assert f"{rule.holds_at:g}" in text and str(rule.min_sentences) in text
        if rule.reversed_at is not None:
            assert f"{rule.reversed_at:g}" in text
        assert rule.to_dict()["rule"] == text
    with pytest.raises(ValueError):
        rules.Rule("x", "s", "m", holds_at=0.4, reversed_at=0.6)
