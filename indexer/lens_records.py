"""The records of an output-reference journey (the logit lens), with their JSON form: per variant ("own":
the token's own id; "next": the next token's, for causal decoders) the rank, logit and probability of that
token at every layer, and the top-k tokens by logit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: The values a lens journey reports per token and layer, and per neighbour, in this order.
LENS_VALUES = ("logit", "probability")


@dataclass(frozen=True)
class LensNeighbour:
    """One of the top-k tokens an encoding's logits rank highest, with its logit and probability."""

    id: int
    text: str
    logit: float
    probability: float

    @property
    def values(self) -> tuple[float, float]:
        """The values the CSV lists for it, in LENS_VALUES' order."""
        return self.logit, self.probability

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "text": self.text, "logit": self.logit, "probability": self.probability}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LensNeighbour:
        """Inverse of `to_dict`."""
        return cls(data["id"], data["text"], data["logit"], data["probability"])


@dataclass
class LensResult:
    """Per token (outer) and layer (inner): rank (0 = highest logit), logit and probability of the variant's
    token, None where there is none (the last token has no next one), and the top-k tokens."""

    rank: list[list[int | None]]
    logit: list[list[float | None]]
    probability: list[list[float | None]]
    neighbours: list[list[list[LensNeighbour]]]

    def values_at(self, token: int, layer: int) -> tuple[float | None, float | None]:
        """The values the CSV lists for one token and layer, in LENS_VALUES' order."""
        return self.logit[token][layer], self.probability[token][layer]

    def to_dict(self) -> dict[str, Any]:
        """The JSON object: "rank", "logit", "probability" and "neighbours"."""
        return {
            "rank": self.rank,
            "logit": self.logit,
            "probability": self.probability,
            "neighbours": [
                [[neighbour.to_dict() for neighbour in layer] for layer in token] for token in self.neighbours
            ],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LensResult:
        """Inverse of `to_dict`."""
        return cls(
            rank=data["rank"],
            logit=data["logit"],
            probability=data["probability"],
            neighbours=[
                [[LensNeighbour.from_dict(n) for n in layer] for layer in token]
                for token in data["neighbours"]
            ],
        )
