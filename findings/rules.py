"""Verdict rules as data: a claim, the measure that tests it, its thresholds, and four outcomes.

Every measure is oriented so that larger values support the claim. Given an estimate and its
interval, a rule says:
- **holds** when the whole interval is at or above `holds_at`;
- **reversed** when the whole interval is at or below `reversed_at` (the opposite of the claim is
  what the data show);
- **does not hold** when the whole interval lies strictly between the two thresholds (no effect, or
  one too small to count), or, for a rule without `reversed_at`, strictly below `holds_at`;
- **undecided** when the interval crosses a threshold, when it is not finite, or when the estimate
  rests on fewer than `min_sentences` sentences.

A rule on ranks (`on_rank`) is not decided at all where no token is displaced (every own row is its token's
nearest at every layer): its outcome is then **cannot be judged** (see `findings.claims`).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from journeys.findings import measures
from journeys.findings.uncertainty import Estimate

HOLDS, REVERSED, DOES_NOT_HOLD, UNDECIDED = "holds", "reversed", "does not hold", "undecided"
NOT_JUDGED = "cannot be judged"
#: Fewest sentences an estimate may rest on before any rule decides.
MIN_SENTENCES = 30
#: Vargha-Delaney's "small" effect: A at least 0.56 (or at most 0.44) is a difference worth a verdict.
SMALL_EFFECT = 0.56


@dataclass(frozen=True)
class Rule:
    """One claim and how it is decided, every part in plain words so the page can print it."""

    claim: str
    statement: str
    measure: str
    holds_at: float
    reversed_at: float | None = None
    min_sentences: int = MIN_SENTENCES
    on_rank: bool = False  # decided from ranks, so it cannot be judged where no token is displaced

    def __post_init__(self) -> None:
        if self.reversed_at is not None and not self.reversed_at < self.holds_at:
            raise ValueError(f"rule {self.claim}: reversed_at must lie below holds_at")

    def describe(self) -> str:
        """The rule in one sentence of plain words."""
        text = f"holds if the whole interval of {self.measure} is at least {self.holds_at:g}"
        if self.reversed_at is None:
            text += f"; does not hold if it is all below {self.holds_at:g}"
        else:
            text += (
                f"; reversed if it is all at most {self.reversed_at:g}; does not hold if it lies strictly "
                f"between {self.reversed_at:g} and {self.holds_at:g}"
            )
        return (
            text
            + f"; undecided if it crosses a threshold or rests on fewer than {self.min_sentences} sentences."
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"rule": self.describe()}


@dataclass(frozen=True)
class Verdict:
    """A rule applied to an estimate: the outcome and the reason, in words."""

    rule: Rule
    estimate: Estimate
    verdict: str
    reason: str


def decide(rule: Rule, estimate: Estimate) -> Verdict:
    """The rule's outcome for this estimate and interval."""
    low, high = estimate.low, estimate.high
    interval = f"{estimate.estimate:.3g} [{low:.3g}, {high:.3g}]"
    if estimate.n_sentences < rule.min_sentences:
        return Verdict(
            rule, estimate, UNDECIDED, f"only {estimate.n_sentences} sentences (needs {rule.min_sentences})"
        )
    if not (math.isfinite(low) and math.isfinite(high)):
        return Verdict(rule, estimate, UNDECIDED, f"no finite interval: {interval}")
    if low >= rule.holds_at:
        return Verdict(rule, estimate, HOLDS, f"{interval} is all at least {rule.holds_at:g}")
    if rule.reversed_at is not None and high <= rule.reversed_at:
        return Verdict(rule, estimate, REVERSED, f"{interval} is all at most {rule.reversed_at:g}")
    floor = -math.inf if rule.reversed_at is None else rule.reversed_at
    if floor < low and high < rule.holds_at:
        return Verdict(
            rule,
            estimate,
            DOES_NOT_HOLD,
            f"{interval} lies below {rule.holds_at:g}"
            + ("" if rule.reversed_at is None else f" and above {rule.reversed_at:g}"),
        )
    return Verdict(rule, estimate, UNDECIDED, f"{interval} crosses a threshold")


def side_of(rule: Rule, value: float) -> str:
    """Where a single value falls against the rule's thresholds (for a half-split check, no interval)."""
    if not math.isfinite(value):
        return UNDECIDED
    if value >= rule.holds_at:
        return HOLDS
    if rule.reversed_at is not None and value <= rule.reversed_at:
        return REVERSED
    return DOES_NOT_HOLD


MOVES_BOTH_WAYS_BY_RANK = Rule(
    claim="1 (rank)",
    statement="Token encodings shift both toward and away from their original embeddings across layers.",
    measure=(
        f"the share of word tokens whose rank rises above {measures.MOVE_FACTOR:g} times an earlier rank "
        f"and falls below 1/{measures.MOVE_FACTOR:g} of an earlier rank, ranks under "
        f"{measures.MOVE_FLOOR} counted as {measures.MOVE_FLOOR}"
    ),
    holds_at=0.5,
    on_rank=True,
)
MOVES_BOTH_WAYS_BY_SIMILARITY = Rule(
    claim="1 (similarity)",
    statement="Token encodings shift both toward and away from their original embeddings across layers.",
    measure=(
        "the share of word tokens whose cosine to their own embedding falls by at least "
        f"{measures.MOVE_DELTA:g} between two layers and rises by at least as much between two layers"
    ),
    holds_at=0.5,
)
CONTENT_FURTHER_THAN_FUNCTION = Rule(
    claim="2",
    statement="By the final layer, content words drift far from their own embeddings (rank), "
    "function words stay close.",
    measure="the chance that a content-word token's final-layer rank exceeds a function-word token's "
    "(ties count half; 0.5 = no difference)",
    holds_at=SMALL_EFFECT,
    reversed_at=round(1 - SMALL_EFFECT, 2),
    on_rank=True,
)
SPIKE_AT_STUDY_DEPTH = Rule(
    claim="4a",
    statement="At the layer matching the study's layer 5 of 12, function words are pushed away from their "
    "own embeddings and return at the next layer, while content words hold.",
    measure="the spike score at that layer: function words' peak in the share displaced (the smaller of "
    "the rise into the layer and the fall out of it) less content words' own peak; below 0 only for a dip "
    "(the smaller of the fall in and the rise out, less content words' own dip); 0 where the share only "
    "rises or only falls",
    holds_at=0.05,
    reversed_at=-0.05,
    on_rank=True,
)
DENSITY_STATEMENT = (
    "Content words occupy a denser region of the embedding space than function words, which explains why "
    "their ranks change far more than their similarities."
)
CONTENT_DENSER_BY_OCCURRENCE = Rule(
    claim="3 (density, per occurrence)",
    statement=DENSITY_STATEMENT,
    measure="the chance that a content-word token's own row is denser (mean cosine to its nearest "
    "other rows) than a function-word token's, every occurrence counted",
    holds_at=SMALL_EFFECT,
    reversed_at=round(1 - SMALL_EFFECT, 2),
)
CONTENT_DENSER_BY_WORD = Rule(
    claim="3 (density, per word)",
    statement=DENSITY_STATEMENT,
    measure="the same chance with each distinct word counted once",
    holds_at=SMALL_EFFECT,
    reversed_at=round(1 - SMALL_EFFECT, 2),
)
RANK_GAP_EXCEEDS_SIMILARITY_GAP = Rule(
    claim="3 (premise)",
    statement="At the final layer the groups differ much more by rank than by similarity.",
    measure="(A(content rank above function rank) - 0.5) - |A(function similarity above content "
    "similarity) - 0.5|, final layer: the rank difference in the claim's direction beyond the similarity "
    "difference either way",
    holds_at=round(SMALL_EFFECT - 0.5, 2),
    reversed_at=-round(SMALL_EFFECT - 0.5, 2),
    on_rank=True,
)
CONTENT_FURTHER_AT_MATCHED_SIMILARITY = Rule(
    claim="3 (matched similarity)",
    statement="At the same similarity to their own rows, content words rank further from them (more rows in "
    "between), as a denser neighbourhood would make them.",
    measure="the chance that a content-word token's final-layer rank exceeds a function-word token's within "
    "bins of equal final-layer similarity, averaged over the bins weighted by their tokens",
    holds_at=SMALL_EFFECT,
    reversed_at=round(1 - SMALL_EFFECT, 2),
    on_rank=True,
)
FINAL_LAYER_DIVERGES = Rule(
    claim="4b",
    statement="The final layer takes content words a large step away from their own embeddings while "
    "function words stay where they are.",
    measure="the chance that a content-word token's change of log10(rank+1) into the final layer exceeds a "
    "function-word token's (its own change, token by token)",
    holds_at=SMALL_EFFECT,
    reversed_at=round(1 - SMALL_EFFECT, 2),
    on_rank=True,
)
SHARED_DIRECTION = Rule(
    claim="F1",
    statement="Within a sentence, attention moves tokens in a shared direction.",
    measure="the mean over sentences of the mean pairwise cosine of the tokens' layer-to-layer displacements",
    holds_at=0.2,
)
MOVING_TOGETHER = Rule(
    claim="F2",
    statement="Attention moves the encodings of one sentence closer together.",
    measure="the mean over sentences of the change in mean pairwise cosine of the encodings, first to last "
    "layer",
    holds_at=0.05,
    reversed_at=-0.05,
)
