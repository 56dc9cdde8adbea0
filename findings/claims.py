"""The study's claims decided from one corpus analysis: each claim's measure with a sentence-bootstrap
interval and sample size, the rule's outcome, a half-split check, and what the verdict does not show.

`Choices` holds every analysis choice a verdict may depend on; `findings.sensitivity` varies them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from journeys.corpus.corpus_analysis import CorpusAnalysis
from journeys.corpus.token_classes import CONTENT, FUNCTION, SPECIAL
from journeys.findings import claim_statistics, measures, rules, spike
from journeys.findings.effect_sizes import superiority_of
from journeys.findings.uncertainty import (
    N_RESAMPLES,
    Estimate,
    HalfSplit,
    NanMean,
    half_split,
    sentence_bootstrap,
)

OCCURRENCE, WORD_TYPE = "occurrence", "word type"
KEPT, SET_APART = "kept", "set apart"

#: What each verdict does not show, printed beside it.
DOES_NOT_SHOW = {
    "1": "Which layers the moves happen at, or why; a token counted here may move once each way or many "
    "times. It says nothing about tokens outside the corpus's function and content words.",
    "2": "How far tokens drift in similarity, why the groups differ, or whether the difference holds on "
    "other text: the corpus is short sentences, and the word list decides what a function word is.",
    "3": "That density causes anything: these are associations over one corpus. Density is measured on the "
    "embedding table, not on the layers the encodings pass through.",
    "4a": "What the layer computes. A spike found from the data is the best of several layers, so its height "
    "is biased upwards; its spread over resamples says how often it is that layer.",
    "4b": "Whether the last layer is special beyond this step: it compares the groups' own changes into the "
    "last layer only.",
    "F": "Which words move together or why; a sentence average hides its tokens.",
}

#: Why a rule on ranks is not decided where every word token's own row stays its nearest.
NO_TOKEN_DISPLACED = (
    "no token is displaced: every word token's own row is its nearest at every layer, so a claim about "
    "ranks cannot be judged here"
)


@dataclass(frozen=True)
class Choices:
    """The analysis choices behind the verdicts; the defaults are the ones the page leads with."""

    weighting: str = OCCURRENCE  # or WORD_TYPE: each distinct word counted once
    initial: str = KEPT  # or SET_APART: a sentence's first word left out of both groups
    move_factor: float = measures.MOVE_FACTOR
    move_floor: float = measures.MOVE_FLOOR
    move_delta: float = measures.MOVE_DELTA
    effect: float = rules.SMALL_EFFECT  # A that counts as a difference (and 1 - A for the reverse)
    share_holds: float = 0.5  # claim 1's share of tokens moving both ways
    spike_height: float = spike.MIN_HEIGHT


@dataclass(frozen=True)
class ClaimInputs:
    """Token-major arrays of one variant of one corpus analysis, with each token's own row density."""

    rank: np.ndarray  # (N, L)
    similarity: np.ndarray  # (N, L)
    groups: np.ndarray  # (N,)
    token_sentence: np.ndarray  # (N,)
    token_ids: np.ndarray  # (N,)
    density: np.ndarray  # (N,) local density of each token's own vocabulary row
    is_initial: np.ndarray  # (N,) the first non-special token of its sentence
    cohesion: np.ndarray  # (S, L)
    alignment: np.ndarray  # (S, L-1)

    @classmethod
    def from_analysis(cls, analysis: CorpusAnalysis, density: np.ndarray, variant: str) -> ClaimInputs:
        """The arrays of `variant` (one the model has), with `density` given per vocabulary id."""
        scores = analysis.by_variant[variant]
        return cls(
            rank=scores["rank"],
            similarity=scores["similarity"],
            groups=analysis.groups,
            token_sentence=analysis.token_sentence,
            token_ids=analysis.token_ids,
            density=np.asarray(density, dtype=np.float64)[analysis.token_ids],
            is_initial=sentence_initial(analysis.token_sentence, analysis.groups),
            cohesion=analysis.cohesion,
            alignment=analysis.alignment,
        )


@dataclass(frozen=True)
class ClaimVerdict:
    """One rule decided on one estimate, with its half-split check and what it does not show."""

    verdict: rules.Verdict
    half: HalfSplit | None
    does_not_show: str
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def claim(self) -> str:
        return self.verdict.rule.claim

    @property
    def outcome(self) -> str:
        return self.verdict.verdict

    def to_dict(self) -> dict[str, Any]:
        rule, estimate = self.verdict.rule, self.verdict.estimate
        half = None
        if self.half is not None:
            sides = [rules.side_of(rule, value) for value in (self.half.first, self.half.second)]
            half = vars(self.half) | {"outcomes": sides, "agree": sides[0] == sides[1]}
        return {
            "claim": rule.claim,
            "statement": rule.statement,
            "measure": rule.measure,
            "rule": rule.describe(),
            "holds_at": rule.holds_at,
            "reversed_at": rule.reversed_at,
            "outcome": self.outcome,
            "reason": self.verdict.reason,
            **{key: value for key, value in vars(estimate).items()},
            "half_split": half,
            "does_not_show": self.does_not_show,
            "details": self.details,
        }


def sentence_initial(token_sentence: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """True for the first non-special token of each sentence (in byte-level BPE, "The" rather than "␣the")."""
    initial = np.zeros(len(groups), dtype=bool)
    rows = np.flatnonzero(groups != SPECIAL)
    _sentences, first = np.unique(token_sentence[rows], return_index=True)
    initial[rows[first]] = True
    return initial


class ClaimComputer:
    """Decides every rule for one set of inputs and choices; `with_halves` adds the half-split checks."""

    def __init__(
        self, inputs: ClaimInputs, choices: Choices, n_resamples: int = N_RESAMPLES, with_halves: bool = True
    ) -> None:
        self.inputs, self.choices, self.n_resamples, self.with_halves = (
            inputs,
            choices,
            n_resamples,
            with_halves,
        )
        groups = inputs.groups
        words = np.isin(groups, (FUNCTION, CONTENT))
        if choices.initial == SET_APART:
            words &= ~inputs.is_initial
        self.words = np.flatnonzero(words)
        self.is_function = groups[self.words] == FUNCTION
        self.is_content = groups[self.words] == CONTENT
        self.sentence_of = inputs.token_sentence[self.words]
        keys = inputs.token_ids[self.words] * 8 + groups[self.words]
        self.keys = keys if choices.weighting == WORD_TYPE else None
        self.log_rank = measures.log_rank(inputs.rank[self.words])
        self.similarity = np.asarray(inputs.similarity[self.words], dtype=np.float64)
        self.num_layers = inputs.rank.shape[1]
        self.none_displaced = not np.any(inputs.rank[self.words])

    def decide(
        self, rule: rules.Rule, statistic, sentence_of: np.ndarray, topic: str, **details: Any
    ) -> ClaimVerdict:
        """The rule, with the choices' thresholds, decided on the statistic's bootstrap estimate."""
        rule = self._with_thresholds(rule)
        estimate: Estimate = sentence_bootstrap(statistic, sentence_of, n_resamples=self.n_resamples)
        half = half_split(statistic, sentence_of) if self.with_halves else None
        if rule.on_rank and self.none_displaced:
            verdict = rules.Verdict(rule, estimate, rules.NOT_JUDGED, NO_TOKEN_DISPLACED)
        else:
            verdict = rules.decide(rule, estimate)
        return ClaimVerdict(verdict, half, DOES_NOT_SHOW[topic], details)

    def _with_thresholds(self, rule: rules.Rule) -> rules.Rule:
        choices = self.choices
        if rule.holds_at == rules.SMALL_EFFECT:
            return replace(rule, holds_at=choices.effect, reversed_at=round(1 - choices.effect, 4))
        if rule in (rules.MOVES_BOTH_WAYS_BY_RANK, rules.MOVES_BOTH_WAYS_BY_SIMILARITY):
            return replace(rule, holds_at=choices.share_holds)
        if rule is rules.SPIKE_AT_STUDY_DEPTH:
            return replace(rule, holds_at=choices.spike_height, reversed_at=-choices.spike_height)
        if rule is rules.RANK_GAP_EXCEEDS_SIMILARITY_GAP:
            gap = round(choices.effect - 0.5, 4)
            return replace(rule, holds_at=gap, reversed_at=-gap)
        return rule

    def movement(self) -> list[ClaimVerdict]:
        """Claim 1 by rank (above the floor) and by similarity."""
        c = self.choices
        by_rank = measures.rank_movement(self.inputs.rank[self.words], c.move_factor, c.move_floor)
        by_similarity = measures.similarity_movement(self.similarity, c.move_delta)
        return [
            self.decide(rules.MOVES_BOTH_WAYS_BY_RANK, NanMean(by_rank.both), self.sentence_of, "1"),
            self.decide(
                rules.MOVES_BOTH_WAYS_BY_SIMILARITY, NanMean(by_similarity.both), self.sentence_of, "1"
            ),
        ]

    def final_layer_gap(self) -> ClaimVerdict:
        """Claim 2: content words' final-layer rank above function words'."""
        statistic = superiority_of(self.log_rank[:, -1], self.is_content, self.is_function, self.keys)
        return self.decide(rules.CONTENT_FURTHER_THAN_FUNCTION, statistic, self.sentence_of, "2")

    def density(self) -> list[ClaimVerdict]:
        """Claim 3: density per occurrence and per word, the premise, and rank at matched similarity."""
        density = self.inputs.density[self.words]
        all_keys = self.inputs.token_ids[self.words] * 8 + self.inputs.groups[self.words]
        content, function = self.is_content, self.is_function
        bins = claim_statistics.similarity_bins(self.similarity[:, -1])
        premise = claim_statistics.premise_margin(
            self.log_rank[:, -1], self.similarity[:, -1], content, function, self.keys
        )
        rows = np.arange(len(self.words))
        return [
            self.decide(
                rules.CONTENT_DENSER_BY_OCCURRENCE,
                superiority_of(density, content, function),
                self.sentence_of,
                "3",
            ),
            self.decide(
                rules.CONTENT_DENSER_BY_WORD,
                superiority_of(density, content, function, all_keys),
                self.sentence_of,
                "3",
            ),
            self.decide(
                rules.RANK_GAP_EXCEEDS_SIMILARITY_GAP,
                premise,
                self.sentence_of,
                "3",
                rank_effect=premise.rank_effect(rows),
                similarity_effect=premise.similarity_effect(rows),
            ),
            self.decide(
                rules.CONTENT_FURTHER_AT_MATCHED_SIMILARITY,
                claim_statistics.MatchedSuperiority(
                    self.log_rank[:, -1], bins, content, function, keys=self.keys
                ),
                self.sentence_of,
                "3",
                bins=claim_statistics.SIMILARITY_BINS,
                bins_used=claim_statistics.bins_used(bins, content, function),
                min_per_bin=claim_statistics.MIN_PER_BIN,
            ),
        ]

    def displaced(self) -> np.ndarray:
        """Per word token and layer, 1.0 where its own row is no longer the nearest."""
        return measures.displaced(self.inputs.rank[self.words])

    def study_depth_spike(self) -> ClaimVerdict:
        """Claim 4a at the layer matching the study's layer 5 of 12."""
        layer = measures.matching_layer(self.num_layers)
        statistic = spike.ScoreAt(layer, self.displaced(), self.is_function, self.is_content)
        return self.decide(
            rules.SPIKE_AT_STUDY_DEPTH,
            statistic,
            self.sentence_of,
            "4a",
            layer=layer,
            relative_depth=measures.relative_depth(layer, self.num_layers),
        )

    def final_step(self) -> ClaimVerdict:
        """Claim 4b: each token's own change into the final layer, content against function."""
        change = measures.paired_change(self.log_rank, max(self.num_layers - 2, 0), self.num_layers - 1)
        statistic = superiority_of(change, self.is_content, self.is_function, self.keys)
        return self.decide(rules.FINAL_LAYER_DIVERGES, statistic, self.sentence_of, "4b")

    def follow_ups(self) -> list[ClaimVerdict]:
        """F1 and F2, per sentence (each sentence one row)."""
        sentences = np.arange(len(self.inputs.cohesion))
        finite = np.isfinite(self.inputs.alignment)
        counts = finite.sum(axis=1)
        sums = np.where(finite, self.inputs.alignment, 0.0).sum(axis=1)
        alignment = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)  # NaN for a one-token sentence
        cohesion_change = self.inputs.cohesion[:, -1] - self.inputs.cohesion[:, 0]
        return [
            self.decide(rules.SHARED_DIRECTION, NanMean(alignment), sentences, "F"),
            self.decide(rules.MOVING_TOGETHER, NanMean(cohesion_change), sentences, "F"),
        ]

    def study_claims(self) -> list[ClaimVerdict]:
        """Claims 1 to 4b (the ones the sensitivity table varies)."""
        return [
            *self.movement(),
            self.final_layer_gap(),
            *self.density(),
            self.study_depth_spike(),
            self.final_step(),
        ]

    def found_spike(self) -> spike.Spike:
        """The spike layer found from the data, with its spread over sentence resamples."""
        return spike.find_spike(
            self.displaced(),
            self.is_function,
            self.is_content,
            self.sentence_of,
            self.choices.spike_height,
            self.n_resamples,
        )
