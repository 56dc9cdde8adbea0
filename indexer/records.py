"""The records that flow between the indexer, the gallery, the server and the findings,
with their JSON form defined here and nowhere else."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class ModelInfo:
    """What a user needs to know about a loaded model."""

    name: str
    num_layers: int
    hidden_size: int
    vocab_size: int
    max_tokens: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Token:
    """One token the model sees: its vocabulary id and readable text."""

    id: int
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "text": self.text}


@dataclass(frozen=True)
class Neighbour:
    """A vocabulary row near an encoding."""

    id: int
    text: str
    similarity: float

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "text": self.text, "similarity": self.similarity}


@dataclass
class VariantResult:
    """Per token (outer) and layer (inner): rank and similarity of the token's own row, and its neighbours.

    `rank` and `similarity` are None where the token's own row has zero norm (no direction).
    """

    rank: list[list[int | None]]
    similarity: list[list[float | None]]
    neighbours: list[list[list[Neighbour]]]

    def to_dict(self) -> dict[str, Any]:
        # Written out rather than dataclasses.asdict, which deep-copies every value and costs several
        # times more on a long text (a server answer's hot path).
        return {
            "rank": self.rank,
            "similarity": self.similarity,
            "neighbours": [
                [[neighbour.to_dict() for neighbour in layer] for layer in token] for token in self.neighbours
            ],
        }


@dataclass
class Journey:
    """The full analysis of one text by one model and method."""

    model: ModelInfo
    method: str
    tokens: list[Token]
    variants: dict[str, VariantResult] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The JSON object printed by `journeys analyze --json` and returned by POST /api/analyze."""
        model = self.model.to_dict()
        model.pop("max_tokens")
        return {
            "model": model,
            "method": self.method,
            "tokens": [token.to_dict() for token in self.tokens],
            "variants": {name: result.to_dict() for name, result in self.variants.items()},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], max_tokens: int = 0) -> Journey:
        """Inverse of `to_dict` (the JSON form omits max_tokens, so the caller may supply it)."""
        return cls(
            model=ModelInfo(**data["model"], max_tokens=max_tokens),
            method=data["method"],
            tokens=[Token(**token) for token in data["tokens"]],
            variants={
                name: VariantResult(
                    rank=result["rank"],
                    similarity=result["similarity"],
                    neighbours=[
                        [[Neighbour(**n) for n in layer] for layer in token] for token in result["neighbours"]
                    ],
                )
                for name, result in data["variants"].items()
            },
        )
