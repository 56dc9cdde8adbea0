"""The records that flow between the indexer, the gallery, the server and the findings,
with their JSON form defined here and nowhere else."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from journeys.indexer.lens_records import LENS_VALUES, LensResult
from journeys.indexer.views import View

#: The JSON key of a journey's values, by metric: a Euclidean journey's are distances, never "similarity".
VALUE_KEYS = {"cosine": "similarity", "euclidean": "distance"}


@dataclass(frozen=True)
class Precision:
    """What a result was computed with: the device kind, the dtype the model computed in, the torch version,
    and the float32 matmul precision the user's torch settings gave the model's own forward pass."""

    device: str  # "cpu", "cuda" or "mps": the kind, not the index, which changes no number
    dtype: str  # "float32", "bfloat16" or "float16"
    torch: str
    matmul: str  # torch.get_float32_matmul_precision() when the model was loaded

    def to_dict(self) -> dict[str, Any]:
        return {"device": self.device, "dtype": self.dtype, "torch": self.torch, "matmul": self.matmul}

    @property
    def label(self) -> str:
        """One short phrase for pages and tables: "bfloat16 on cpu, torch 2.13.0+cpu"."""
        return f"{self.dtype} on {self.device}, torch {self.torch}"


@dataclass(frozen=True)
class ModelShape:
    """What a journey says of the model that made it (the `model` object of its JSON)."""

    name: str
    num_layers: int
    hidden_size: int
    vocab_size: int
    precision: Precision

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "num_layers": self.num_layers,
            "hidden_size": self.hidden_size,
            "vocab_size": self.vocab_size,
            "precision": self.precision.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelShape:
        """Inverse of `to_dict`."""
        return cls(**{**data, "precision": Precision(**data["precision"])})


@dataclass(frozen=True)
class ModelInfo(ModelShape):
    """What a user needs to know about a loaded model: its shape, limits and what it offers."""

    max_tokens: int
    variants: tuple[str, ...]  # "raw", and "positional" where the model has a learned position table
    methods: tuple[str, ...]  # "exact", and "seed" where the published demo's computation is defined
    points: tuple[str, ...]  # where a layer's encoding may be read: "post-attention", "block-output"
    position_encoding: str  # how the model encodes positions, said where no positional variant exists
    #: What encodings may be ranked against: "input", and "output" where the model has an output head.
    references: tuple[str, ...] = ("input",)

    @property
    def shape(self) -> ModelShape:
        return ModelShape(self.name, self.num_layers, self.hidden_size, self.vocab_size, self.precision)

    def to_dict(self) -> dict[str, Any]:
        return {
            **super().to_dict(),
            "max_tokens": self.max_tokens,
            "variants": list(self.variants),
            "methods": list(self.methods),
            "points": list(self.points),
            "position_encoding": self.position_encoding,
            "references": list(self.references),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelInfo:
        """Inverse of `to_dict`."""
        return cls(
            **{
                **data,
                "precision": Precision(**data["precision"]),
                "variants": tuple(data["variants"]),
                "methods": tuple(data["methods"]),
                "points": tuple(data["points"]),
                "references": tuple(data.get("references", ("input",))),
            }
        )


@dataclass(frozen=True)
class Token:
    """One token the model sees: its vocabulary id and readable text."""

    id: int
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "text": self.text}


@dataclass(frozen=True)
class Neighbour:
    """A vocabulary row near an encoding; `similarity` holds the journey's metric value (the cosine
    similarity, or the Euclidean distance)."""

    id: int
    text: str
    similarity: float

    @property
    def values(self) -> tuple[float]:
        """The values the CSV lists for it: its similarity (or distance)."""
        return (self.similarity,)

    def to_dict(self, value_key: str = "similarity") -> dict[str, Any]:
        return {"id": self.id, "text": self.text, value_key: self.similarity}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Neighbour:
        """Inverse of `to_dict`, under either value key."""
        value = data["distance"] if "distance" in data else data["similarity"]
        return cls(data["id"], data["text"], value)


@dataclass
class VariantResult:
    """Per token (outer) and layer (inner): rank and similarity of the token's own row, and its neighbours.

    `similarity` holds the journey's metric value: the cosine similarity, or the Euclidean distance (rank 0:
    the own row is the nearest either way). By cosine, `rank` and `similarity` are None where the token's own
    row has zero norm (no direction); a distance to it is defined, so by Euclidean distance it is ranked.
    """

    rank: list[list[int | None]]
    similarity: list[list[float | None]]
    neighbours: list[list[list[Neighbour]]]

    def values_at(self, token: int, layer: int) -> tuple[float | None]:
        """The values the CSV lists for one token and layer: the similarity (or distance)."""
        return (self.similarity[token][layer],)

    def to_dict(self, value_key: str = "similarity") -> dict[str, Any]:
        """The JSON object, its values under `value_key` ("similarity", or "distance")."""
        # Written out rather than dataclasses.asdict, which deep-copies every value and costs several
        # times more on a long text (a server answer's hot path).
        return {
            "rank": self.rank,
            value_key: self.similarity,
            "neighbours": [
                [[neighbour.to_dict(value_key) for neighbour in layer] for layer in token]
                for token in self.neighbours
            ],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> VariantResult:
        """Inverse of `to_dict`, under either value key."""
        return cls(
            rank=data["rank"],
            similarity=data["distance"] if "distance" in data else data["similarity"],
            neighbours=[
                [[Neighbour.from_dict(n) for n in layer] for layer in token] for token in data["neighbours"]
            ],
        )


@dataclass
class Journey:
    """The full analysis of one text by one model and method, in one view (analysis point, reference rows,
    metric). Against the input rows its variants are "raw" and "positional" (`VariantResult`); against the
    output head, "own" and, for causal decoders, "next" (`LensResult`)."""

    model: ModelShape
    method: str
    tokens: list[Token]
    variants: dict[str, VariantResult | LensResult] = field(default_factory=dict)
    view: View = field(default_factory=View)

    @property
    def value_name(self) -> str:
        """What the values are called: "similarity" (cosine), or "distance" (Euclidean)."""
        return VALUE_KEYS[self.view.metric]

    @property
    def value_names(self) -> tuple[str, ...]:
        """What each token and layer reports beside its rank: the metric's value, or the lens's logit and
        probability."""
        return LENS_VALUES if self.is_lens else (self.value_name,)

    @property
    def is_lens(self) -> bool:
        """True for a journey against the output head (the logit lens)."""
        return self.view.reference == "output"

    def to_dict(self) -> dict[str, Any]:
        """The JSON object printed by `journeys analyze --json` and returned by POST /api/analyze."""
        return {
            "model": self.model.to_dict(),
            "method": self.method,
            **self.view.to_dict(),
            "tokens": [token.to_dict() for token in self.tokens],
            "variants": {
                name: result.to_dict() if self.is_lens else result.to_dict(self.value_name)
                for name, result in self.variants.items()
            },
        }

    def to_json(self) -> str:
        """`to_dict` as JSON text, byte for byte the body of POST /api/analyze's answer."""
        return json.dumps(self.to_dict(), ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Journey:
        """Inverse of `to_dict`."""
        view = View.from_dict(data)
        result_class = LensResult if view.reference == "output" else VariantResult
        return cls(
            model=ModelShape.from_dict(data["model"]),
            method=data["method"],
            tokens=[Token(**token) for token in data["tokens"]],
            variants={name: result_class.from_dict(result) for name, result in data["variants"].items()},
            view=view,
        )
