"""Claims on constructed corpora whose right verdict is known, and each claim statistic against loops."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from journeys.corpus.token_classes import CONTENT, FUNCTION, OTHER, SPECIAL
from journeys.findings import claim_statistics, effect_sizes
from journeys.findings.claims import (
    SET_APART,
    WORD_TYPE,
    Choices,
    ClaimComputer,
    ClaimInputs,
    sentence_initial,
)
from journeys.findings.curves import group_curves
from journeys.findings.rules import DOES_NOT_HOLD, HOLDS, NOT_JUDGED, REVERSED, UNDECIDED
from journeys.findings.sensitivity import sensitivity_table

LAYERS = 4


def brute_a(x, y) -> float:
    """P(x > y) + P(x == y) / 2 over every pair."""
    wins = sum((a > b) + 0.5 * (a == b) for a, b in itertools.product(x, y))
    return wins / (len(x) * len(y))


def constructed(sentences: int, content_final: float, seed: int = 0, function_ids=(1, 2, 3)) -> ClaimInputs:
    """Sentences of [special, function, content, function, content, other, special]; content words' final
    rank is about 10 ** content_final, function words' about 10; earlier layers rank 0."""
    rng = np.random.default_rng(seed)
    pattern = np.array([SPECIAL, FUNCTION, CONTENT, FUNCTION, CONTENT, OTHER, SPECIAL])
    groups = np.tile(pattern, sentences)
    n = len(groups)
    token_sentence = np.repeat(np.arange(sentences), len(pattern))
    token_ids = np.where(
        groups == FUNCTION,
        rng.choice(function_ids, n),
        np.where(groups == CONTENT, rng.integers(100, 200, n), 0),
    )
    rank = np.zeros((n, LAYERS), dtype=np.int64)
    final = np.where(groups == CONTENT, content_final, 1.0) + rng.normal(0, 0.3, n)
    rank[:, -1] = np.round(10**final).astype(np.int64)
    similarity = np.tile(np.linspace(1.0, 0.5, LAYERS), (n, 1)) + rng.normal(0, 0.05, (n, LAYERS))
    density = np.where(groups == CONTENT, 0.6, 0.4) + rng.normal(0, 0.05, n)
    cohesion = np.tile(np.linspace(0.2, 0.5, LAYERS), (sentences, 1))
    alignment = np.full((sentences, LAYERS - 1), 0.3)
    return ClaimInputs(
        rank=rank,
        similarity=similarity,
        groups=groups,
        token_sentence=token_sentence,
        token_ids=token_ids,
        density=density,
        is_initial=sentence_initial(token_sentence, groups),
        cohesion=cohesion,
        alignment=alignment,
    )


MAIN = Choices()


def outcomes(inputs: ClaimInputs, choices: Choices = MAIN) -> dict[str, str]:
    computer = ClaimComputer(inputs, choices, n_resamples=300, with_halves=False)
    return {v.claim: v.outcome for v in [*computer.study_claims(), *computer.follow_ups()]}


def test_content_far_beyond_function_holds_and_the_opposite_is_reversed():
    assert outcomes(constructed(60, content_final=3.0))["2"] == HOLDS
    assert outcomes(constructed(60, content_final=-0.5))["2"] == REVERSED


def test_no_difference_does_not_hold_and_few_sentences_are_undecided():
    assert outcomes(constructed(800, content_final=1.0))["2"] == DOES_NOT_HOLD
    few = outcomes(constructed(20, content_final=3.0))
    assert set(few.values()) == {UNDECIDED}


def test_density_and_follow_ups_on_constructed_data():
    found = outcomes(constructed(60, content_final=3.0))
    assert found["3 (density, per occurrence)"] == HOLDS and found["3 (density, per word)"] == HOLDS
    assert found["F1"] == HOLDS  # alignment 0.3 in every sentence
    assert found["F2"] == HOLDS  # cohesion rises by 0.3
    assert found["1 (rank)"] == DOES_NOT_HOLD  # ranks only rise: nothing moves back


def test_a_verdict_carries_its_interval_sample_and_half_split():
    inputs = constructed(60, content_final=3.0)
    verdict = ClaimComputer(inputs, Choices(), n_resamples=300).final_layer_gap()
    data = verdict.to_dict()
    words = np.isin(inputs.groups, (FUNCTION, CONTENT))
    assert data["n_sentences"] == 60 and data["n_tokens"] == int(words.sum())
    assert data["low"] <= data["estimate"] <= data["high"]
    assert data["half_split"]["n_sentences_first"] + data["half_split"]["n_sentences_second"] == 60
    assert data["does_not_show"] and data["rule"].startswith("holds if")


def test_word_type_superiority_matches_loops():
    rng = np.random.default_rng(3)
    values, keys = rng.normal(size=40), rng.integers(0, 6, 40)
    is_x = keys < 3
    statistic = effect_sizes.superiority_of(values, is_x, ~is_x, keys)
    means = {k: values[keys == k].mean() for k in np.unique(keys)}
    x = [means[k] for k in means if k < 3]
    y = [means[k] for k in means if k >= 3]
    assert statistic(np.arange(40)) == pytest.approx(brute_a(x, y))


def test_matched_superiority_and_bins_match_loops():
    rng = np.random.default_rng(4)
    n = 400
    similarity, values = rng.uniform(size=n), rng.normal(size=n)
    is_x = rng.uniform(size=n) < 0.3
    bins = claim_statistics.similarity_bins(similarity, 4)
    edges = np.quantile(similarity, [0, 0.25, 0.5, 0.75, 1])
    for i, s in enumerate(similarity):
        expected = max(b for b in range(4) if s >= edges[b]) if s < edges[-1] else 3
        assert bins[i] == expected
    found, weights = [], []
    for b in range(4):
        x, y = values[(bins == b) & is_x], values[(bins == b) & ~is_x]
        if len(x) >= 10 and len(y) >= 10:
            found.append(brute_a(x, y))
            weights.append(len(x) + len(y))
    statistic = claim_statistics.MatchedSuperiority(values, bins, is_x, ~is_x, 10)
    assert statistic(np.arange(n)) == pytest.approx(np.average(found, weights=weights))
    assert claim_statistics.bins_used(bins, is_x, ~is_x, 10) == len(found)


def test_premise_margin_is_the_rank_effect_beyond_the_similarity_difference():
    rng = np.random.default_rng(5)
    log_rank, similarity = rng.normal(size=60), rng.normal(size=60)
    content = np.arange(60) % 2 == 0
    statistic = claim_statistics.premise_margin(log_rank, similarity, content, ~content)
    rank_effect = brute_a(log_rank[content], log_rank[~content])
    similarity_effect = brute_a(similarity[~content], similarity[content])
    expected = (rank_effect - 0.5) - abs(similarity_effect - 0.5)
    assert statistic(np.arange(60)) == pytest.approx(expected)


def premise_inputs(rank_shift: float, similarity_shift: float, sentences: int = 200) -> ClaimInputs:
    """Final layer: content words' log10 rank `rank_shift` above function words' (about 1 + N(0, 0.3)),
    function words' similarity `similarity_shift` above content words' (about 0.5 + N(0, 0.05))."""
    inputs = constructed(sentences, content_final=1.0, seed=6)
    rng = np.random.default_rng(7)
    n, content = len(inputs.groups), inputs.groups == CONTENT
    rank, similarity = inputs.rank.copy(), inputs.similarity.copy()
    rank[:, -1] = np.round(10 ** (1 + rng.normal(0, 0.3, n) + np.where(content, rank_shift, 0.0)))
    similarity[:, -1] = 0.5 + rng.normal(0, 0.05, n) + np.where(content, 0.0, similarity_shift)
    return ClaimInputs(**{**vars(inputs), "rank": rank, "similarity": similarity})


@pytest.mark.parametrize(
    ("rank_shift", "similarity_shift", "expected", "why"),
    [
        # Content words less displaced (rank reversed) and far more similar: the reverse of the premise,
        # which the old signed difference A_rank - A_similarity (about 0.3 - 0.02) read as "holds".
        (-0.22, -0.145, REVERSED, "both differences reversed"),
        (0.16, 0.116, REVERSED, "rank in the claim's direction, smaller than the similarity difference"),
        (0.7, 0.018, HOLDS, "rank in the claim's direction and larger"),
        (0.16, 0.027, DOES_NOT_HOLD, "rank and similarity differences about equal"),
    ],
)
def test_premise_verdict_on_constructed_data(rank_shift, similarity_shift, expected, why):
    inputs = premise_inputs(rank_shift, similarity_shift, sentences=800)
    computer = ClaimComputer(inputs, MAIN, n_resamples=300, with_halves=False)
    premise = next(v for v in computer.density() if v.claim == "3 (premise)")
    rank_effect, similarity_effect = premise.details["rank_effect"], premise.details["similarity_effect"]
    margin = (rank_effect - 0.5) - abs(similarity_effect - 0.5)
    assert premise.verdict.estimate.estimate == pytest.approx(margin), why
    assert premise.outcome == expected, (why, rank_effect, similarity_effect, premise.verdict.reason)


def test_rank_claims_cannot_be_judged_where_no_token_is_displaced():
    inputs = constructed(60, content_final=3.0)
    still = ClaimInputs(**{**vars(inputs), "rank": np.zeros_like(inputs.rank)})
    found = outcomes(still)
    rank_claims = {"1 (rank)", "2", "3 (premise)", "3 (matched similarity)", "4a", "4b"}
    assert {claim for claim, outcome in found.items() if outcome == NOT_JUDGED} == rank_claims
    # Claims on similarities and density are still decided.
    assert found["3 (density, per occurrence)"] == HOLDS and found["1 (similarity)"] == DOES_NOT_HOLD
    verdict = ClaimComputer(still, MAIN, n_resamples=50, with_halves=False).final_layer_gap().to_dict()
    assert verdict["outcome"] == NOT_JUDGED and verdict["reason"].startswith("no token is displaced")
    # One displaced token anywhere and the rank claims are decided again.
    rank = still.rank.copy()
    rank[1, 2] = 5
    assert NOT_JUDGED not in outcomes(ClaimInputs(**{**vars(still), "rank": rank})).values()


def test_sentence_initial_marks_the_first_non_special_token():
    groups = np.array([SPECIAL, FUNCTION, CONTENT, SPECIAL, SPECIAL, CONTENT, OTHER, SPECIAL])
    sentence = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    assert sentence_initial(sentence, groups).tolist() == [
        False,
        True,
        False,
        False,
        False,
        True,
        False,
        False,
    ]


def test_setting_sentence_initial_words_apart_leaves_them_out():
    inputs = constructed(40, content_final=3.0)
    kept = ClaimComputer(inputs, Choices(), n_resamples=50, with_halves=False)
    apart = ClaimComputer(inputs, Choices(initial=SET_APART), n_resamples=50, with_halves=False)
    assert len(kept.words) - len(apart.words) == 40  # one first word per sentence


def test_word_type_weighting_flips_a_verdict_that_one_frequent_word_drives():
    # "the" (id 1) is most function-word tokens and ranks far away; the other function words stay at 0.
    inputs = constructed(80, content_final=1.0, function_ids=(1,))
    rank = inputs.rank.copy()
    rare = (inputs.groups == FUNCTION) & (np.arange(len(rank)) % 14 == 1)
    ids = inputs.token_ids.copy()
    ids[rare] = 1000 + np.arange(rare.sum())  # many distinct rare function words ...
    rank[rare, -1] = 0  # ... that stay on their own row
    rank[(inputs.groups == FUNCTION) & ~rare, -1] = 10_000
    shaped = ClaimInputs(**{**vars(inputs), "rank": rank, "token_ids": ids})
    by_occurrence = outcomes(shaped)["2"]
    by_word = outcomes(shaped, Choices(weighting=WORD_TYPE))["2"]
    assert (by_occurrence, by_word) == (REVERSED, HOLDS)
    main = ClaimComputer(shaped, Choices(), n_resamples=200, with_halves=False).study_claims()
    rows = sensitivity_table(main, shaped, {}, n_resamples=200)
    weighting = next(row for row in rows if row.label == "word-type weighting")
    assert "2" in weighting.flips and weighting.to_dict()["outcomes"]["2"] == HOLDS


def test_group_curves_match_loops():
    inputs = constructed(10, content_final=2.0)
    rank = inputs.rank.copy()
    rank[3, 1] = -1  # a missing entry is left out
    curves = group_curves(rank, inputs.groups, vocab_size=1000)
    for code, name in ((FUNCTION, "function"), (CONTENT, "content"), (OTHER, "other")):
        for layer in range(LAYERS):
            ranks = [r for r in rank[inputs.groups == code, layer] if r >= 0]
            assert curves.share_displaced[name][layer] == pytest.approx(
                sum(r > 0 for r in ranks) / len(ranks)
            )
            assert curves.mean_log_rank[name][layer] == pytest.approx(
                np.mean([np.log10(r + 1) for r in ranks])
            )
            assert curves.rank_fraction[name][layer] == pytest.approx(np.mean(ranks) / 1000)
    assert curves.relative_depth == [0.0, 1 / 3, 2 / 3, 1.0]
    assert np.isnan(curves.share_displaced["continuation"]).all()
