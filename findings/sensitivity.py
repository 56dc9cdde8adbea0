"""The sensitivity table: every study claim decided again under each reasonable alternative choice, and
which verdicts flip against the main analysis."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from journeys.findings.claims import SET_APART, WORD_TYPE, Choices, ClaimComputer, ClaimInputs, ClaimVerdict
from journeys.findings.uncertainty import N_RESAMPLES

#: Bootstrap resamples behind each cell of the table: as many as behind the main verdicts, so a cell and
#: the verdict it is compared with are equally sure.
SENSITIVITY_RESAMPLES = N_RESAMPLES

#: The alternatives tried, each one choice changed from the main analysis: (label, what it changes, choices).
ALTERNATIVES = (
    (
        "word-type weighting",
        "each distinct word counted once in claims 2, 3 and 4b",
        Choices(weighting=WORD_TYPE),
    ),
    (
        "sentence-initial set apart",
        "a sentence's first word left out of both groups",
        Choices(initial=SET_APART),
    ),
    (
        "stricter thresholds",
        "A of 0.64 (medium effect), moves by a factor of 4 above rank 10 or by 0.2 in cosine, spike of 0.10",
        Choices(effect=0.64, move_factor=4.0, move_floor=10, move_delta=0.2, spike_height=0.10),
    ),
    (
        "looser thresholds",
        "moves by a factor of 1.5 or by 0.05 in cosine, claim 1 holding at 30% of tokens, spike of 0.02",
        Choices(move_factor=1.5, move_delta=0.05, share_holds=0.3, spike_height=0.02),
    ),
)


@dataclass(frozen=True)
class SensitivityRow:
    """The study claims' outcomes under one alternative, and the claims whose outcome differs from main."""

    label: str
    change: str
    verdicts: list[ClaimVerdict]
    flips: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "change": self.change,
            "outcomes": {v.claim: v.outcome for v in self.verdicts},
            "estimates": {
                v.claim: {key: getattr(v.verdict.estimate, key) for key in ("estimate", "low", "high")}
                for v in self.verdicts
            },
            "flips": self.flips,
        }


@dataclass(frozen=True)
class OtherPass:
    """Claim inputs from another computation over the same corpus (another precision, another view, the
    rogue dimensions removed), decided with the main choices as one row."""

    label: str
    change: str
    inputs: ClaimInputs


def sensitivity_table(
    main: list[ClaimVerdict],
    inputs: ClaimInputs,
    variant_inputs: dict[str, ClaimInputs],
    n_resamples: int = SENSITIVITY_RESAMPLES,
    other_passes: tuple[OtherPass, ...] = (),
) -> list[SensitivityRow]:
    """Rows for each other variant and each other pass (same choices), then each alternative choice (main
    variant)."""
    baseline = {v.claim: v.outcome for v in main}
    tried = [
        (f"{name} variant", f"the {name} variant's ranks and similarities", other, Choices())
        for name, other in variant_inputs.items()
    ]
    tried += [(other.label, other.change, other.inputs, Choices()) for other in other_passes]
    tried += [(label, change, inputs, choices) for label, change, choices in ALTERNATIVES]
    rows = []
    for label, change, used, choices in tried:
        verdicts = ClaimComputer(used, choices, n_resamples, with_halves=False).study_claims()
        flips = [v.claim for v in verdicts if v.outcome != baseline.get(v.claim)]
        rows.append(SensitivityRow(label, change, verdicts, flips))
    return rows
