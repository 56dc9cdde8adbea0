"""A plain verdict for each of the study's claims, computed from the corpus numbers by stated rules.

Rank changes are measured in log10(rank + 1): 0.3 is a factor of two, 0.5 about a factor of three.
Every rule is written out in `Verdict.rule`, so the page shows the threshold next to the outcome.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

HOLDS, DOES_NOT_HOLD, MIXED, NOT_TESTABLE = "holds", "does not hold", "mixed", "not testable"

#: A rank change of at least a factor of two (in log10(rank + 1)) counts as a move.
MOVE_STEP = 0.3
#: Claim 1: share of word tokens moving both ways for "holds", and below which it "does not hold".
BOTH_WAYS_HOLDS, BOTH_WAYS_FAILS = 0.5, 0.2
#: Claim 2: final-layer median log-rank gap, content minus function, for "holds" / at most for "does not".
RANK_GAP_HOLDS, RANK_GAP_FAILS = 0.5, 0.1
#: Claim 3: the density-matched gap must shrink to at most this share of the overall gap to "hold",
#: and "does not hold" when it keeps at least the second share.
MATCHED_SHARE_HOLDS, MATCHED_SHARE_FAILS = 0.5, 0.8
#: Claim 4: the study's layers (0-based, in its 12-layer roberta-base).
STUDY_SPIKE_LAYER, STUDY_NUM_LAYERS = 5, 12
#: Follow-up: median displacement alignment for "shared direction" / below which there is none.
ALIGNMENT_HOLDS, ALIGNMENT_FAILS = 0.2, 0.05
#: Follow-up: change in median cohesion, first to last layer, that counts as moving together / apart.
COHESION_STEP = 0.05


@dataclass(frozen=True)
class Verdict:
    """One claim, the rule that decides it, the outcome and the numbers it rests on, in words."""

    claim: str
    statement: str
    verdict: str
    evidence: str
    rule: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _between(value: float, holds_at: float, fails_below: float) -> str:
    if not np.isfinite(value):
        return NOT_TESTABLE
    return HOLDS if value >= holds_at else DOES_NOT_HOLD if value < fails_below else MIXED


def movement(share_both_ways: float) -> Verdict:
    """Claim 1: encodings move both towards and away from their own embedding across layers."""
    return Verdict(
        claim="1",
        statement="Token encodings shift both toward and away from their original embeddings across layers.",
        verdict=_between(share_both_ways, BOTH_WAYS_HOLDS, BOTH_WAYS_FAILS),
        evidence=f"{share_both_ways:.0%} of function- and content-word tokens rise in rank by at least a "
        f"factor of two at one layer and fall by as much at another.",
        rule=f"holds if at least {BOTH_WAYS_HOLDS:.0%} of word tokens move both ways by a factor of two; "
        f"does not hold below {BOTH_WAYS_FAILS:.0%}; mixed between.",
    )


def function_vs_content(
    rank_gap: float, similarity_gap: float, displaced_content: float, displaced_function: float
) -> Verdict:
    """Claim 2: by the final layer content words rank much further from their own row than function words."""
    return Verdict(
        claim="2",
        statement="By the final layer, content words drift far from their own embeddings (rank), "
        "function words stay close.",
        verdict=_between(rank_gap, RANK_GAP_HOLDS, RANK_GAP_FAILS + 1e-12),
        evidence=f"final-layer median log10(rank+1): content minus function = {rank_gap:+.2f} "
        f"(a factor of {10**rank_gap:.1f} in rank+1); median similarity, function minus content = "
        f"{similarity_gap:+.3f}; own row no longer the nearest (rank > 0): {displaced_content:.0%} of "
        f"content-word and {displaced_function:.0%} of function-word tokens.",
        rule=f"holds if the content-minus-function gap is at least {RANK_GAP_HOLDS} (about 3x); "
        f"does not hold if it is at most {RANK_GAP_FAILS}; mixed between.",
    )


def density(
    density_content: float, density_function: float, overall_gap: float, matched_gap: float
) -> Verdict:
    """Claim 3: content words sit in denser vocabulary regions, which explains their larger rank change."""
    statement = (
        "Content words occupy a denser region of the embedding space than function words, which explains "
        "why their ranks change far more than their similarities."
    )
    rule = (
        f"does not hold if content words' median density is not higher than function words'. Otherwise "
        f"it needs a final-layer rank gap above {RANK_GAP_FAILS} (else not testable), and holds if comparing "
        f"the groups within density quintiles shrinks that gap to at most {MATCHED_SHARE_HOLDS:.0%} of "
        f"itself, does not hold if it keeps at least {MATCHED_SHARE_FAILS:.0%}, and is mixed between."
    )
    denser = density_content > density_function
    share = matched_gap / overall_gap if overall_gap > RANK_GAP_FAILS else float("nan")
    evidence = (
        f"median density (mean cosine to the 10 nearest other rows): content {density_content:.3f}, "
        f"function {density_function:.3f}; final-layer log-rank gap {overall_gap:+.2f} overall, "
        f"{matched_gap:+.2f} within density quintiles"
        + (f" ({share:.0%} of it remains)." if np.isfinite(share) else ".")
    )
    if not (np.isfinite(density_content) and np.isfinite(density_function)):
        verdict = NOT_TESTABLE
    elif not denser:
        verdict = DOES_NOT_HOLD
    elif not np.isfinite(share):
        verdict = NOT_TESTABLE
    elif share >= MATCHED_SHARE_FAILS:
        verdict = DOES_NOT_HOLD
    elif share <= MATCHED_SHARE_HOLDS:
        verdict = HOLDS
    else:
        verdict = MIXED
    return Verdict(claim="3", statement=statement, verdict=verdict, evidence=evidence, rule=rule)


def layer_spike(function_shifts: np.ndarray, content_shifts: np.ndarray) -> Verdict:
    """Claim 4a: at layer 5, function words jump away from their own rows and return at layer 6."""
    spike = STUDY_SPIKE_LAYER
    rule = (
        f"shift = change of the median log10(rank+1) from the previous layer. Holds if function words shift "
        f"by at least +{MOVE_STEP} at layer {spike} and at most -{MOVE_STEP} at layer {spike + 1} while "
        f"content words shift by less than {MOVE_STEP} at layer {spike}; does not hold if function words "
        f"shift by less than +{MOVE_STEP / 3:.1f} at layer {spike}; mixed otherwise. Needs layers "
        f"{spike - 1} to {spike + 1}."
    )
    statement = (
        f"Layer {spike} pushes function words far from their own embeddings; by layer {spike + 1} they "
        "return, while content words barely move."
    )
    largest = int(np.argmax(function_shifts)) + 1
    if function_shifts[largest - 1] > 0:
        biggest = f"function words' largest rise is at layer {largest} ({function_shifts[largest - 1]:+.2f})."
    else:
        biggest = "function words' median rank never rises from one layer to the next."
    if len(function_shifts) < spike + 1:  # shifts[i] is layer i+1, so layer spike+1 needs spike+1 entries
        return Verdict(
            "4a",
            statement,
            NOT_TESTABLE,
            f"this model has {len(function_shifts) + 1} layers; " + biggest,
            rule,
        )
    at_spike, after = function_shifts[spike - 1], function_shifts[spike]
    content = content_shifts[spike - 1]
    if at_spike >= MOVE_STEP and after <= -MOVE_STEP and abs(content) < MOVE_STEP:
        verdict = HOLDS
    elif at_spike < MOVE_STEP / 3:
        verdict = DOES_NOT_HOLD
    else:
        verdict = MIXED
    evidence = (
        f"function-word shift {at_spike:+.2f} at layer {spike} and {after:+.2f} at layer {spike + 1}; "
        f"content-word shift {content:+.2f} at layer {spike}; " + biggest
    )
    return Verdict("4a", statement, verdict, evidence, rule)


def final_layer_divergence(function_shifts: np.ndarray, content_shifts: np.ndarray) -> Verdict:
    """Claim 4b: the final layer moves content words far away while function words stay put."""
    gaps = content_shifts - function_shifts
    final = len(function_shifts)
    content, function, gap = content_shifts[-1], function_shifts[-1], gaps[-1]
    is_largest = bool(gap > 0 and gap >= gaps.max())
    if is_largest:
        where = "the largest of all layers."
    elif gaps.max() > 0:
        where = f"largest at layer {int(np.argmax(gaps)) + 1}."
    else:
        where = "never positive: content words never shift more than function words."
    if content >= MOVE_STEP and abs(function) < MOVE_STEP and is_largest:
        verdict = HOLDS
    elif content < MOVE_STEP / 3 or gap <= 0:
        verdict = DOES_NOT_HOLD
    else:
        verdict = MIXED
    return Verdict(
        claim="4b",
        statement="The final layer is where function and content words diverge most: content words take a "
        "large step away from their own embeddings, function words stay where they are.",
        verdict=verdict,
        evidence=f"at the final layer ({final}) content words shift {content:+.2f}, function words "
        f"{function:+.2f}; the content-minus-function shift is " + where,
        rule=f"holds if content words shift by at least +{MOVE_STEP}, function words by less than "
        f"{MOVE_STEP} either way, and the difference is largest at the final layer; does not hold if "
        f"content words shift by less than +{MOVE_STEP / 3:.1f} or no more than function words; "
        "mixed otherwise.",
    )


def shared_direction(median_alignment: float) -> Verdict:
    """Follow-up: a sentence's encodings move in a shared direction from layer to layer."""
    return Verdict(
        claim="F1",
        statement="(Study's open question) The encodings of one sentence move in a shared direction "
        "from layer to layer.",
        verdict=_between(median_alignment, ALIGNMENT_HOLDS, ALIGNMENT_FAILS),
        evidence=f"median cosine between tokens' layer-to-layer displacements, over sentences and layers: "
        f"{median_alignment:+.3f} (0 = unrelated directions, 1 = the same direction).",
        rule=f"holds if the median is at least {ALIGNMENT_HOLDS}; does not hold below {ALIGNMENT_FAILS}; "
        "mixed between.",
    )


def moving_together(first_layer_cohesion: float, last_layer_cohesion: float) -> Verdict:
    """Follow-up: a sentence's encodings end closer together than they start."""
    change = last_layer_cohesion - first_layer_cohesion
    return Verdict(
        claim="F2",
        statement="(Study's open question) Attention moves the encodings of one sentence closer together.",
        verdict=_between(change, COHESION_STEP, -COHESION_STEP + 1e-12),
        evidence=f"median mean pairwise cosine among a sentence's encodings: {first_layer_cohesion:.3f} at "
        f"the first layer, {last_layer_cohesion:.3f} at the last ({change:+.3f}).",
        rule=f"holds if it rises by at least {COHESION_STEP}; does not hold if it falls by at least "
        f"{COHESION_STEP}; mixed between.",
    )
