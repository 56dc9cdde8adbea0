"""What each family's encodings are compared with, written out here from the model's own modules,
independently of the adapters: the word rows in the hidden width, and the position table with the row of
the first token where the family has a learned absolute one.

Projected rows follow the README's definition: the embedding row times the projection's weight (no bias,
no embedding LayerNorm), taken in float64 on the CPU (wherever the model sits) and stored in float32.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn


@dataclass
class ReferenceSpec:
    words: torch.Tensor  # (V, d) float64
    positions: torch.Tensor | None  # (P, d) float64
    first_row: int


def _rows(table: nn.Embedding, projection: nn.Linear | None = None) -> torch.Tensor:
    weight = table.weight.detach().to("cpu", torch.float64)
    if projection is None:
        return weight.float().double()
    return (weight @ projection.weight.detach().to("cpu", torch.float64).T).float().double()


def reference_spec(model: nn.Module) -> ReferenceSpec:
    """The rows a journey of `model` must be ranked against, by family."""
    config = model.config
    family = config.model_type
    if family in ("bert", "roberta", "xlm-roberta", "electra"):
        projection = getattr(model, "embeddings_project", None)
        first = config.pad_token_id + 1 if family in ("roberta", "xlm-roberta") else 0
        embeddings = model.embeddings
        return ReferenceSpec(
            _rows(embeddings.word_embeddings, projection),
            _rows(embeddings.position_embeddings, projection),
            first,
        )
    if family == "distilbert":
        embeddings = model.embeddings
        return ReferenceSpec(_rows(embeddings.word_embeddings), _rows(embeddings.position_embeddings), 0)
    if family == "deberta-v2":
        embeddings = model.embeddings
        table = embeddings.position_embeddings if config.position_biased_input else None
        projection = embeddings.embed_proj
        positions = None if table is None else _rows(table, projection)
        return ReferenceSpec(_rows(embeddings.word_embeddings, projection), positions, 0)
    if family == "albert":
        projection = model.encoder.embedding_hidden_mapping_in
        embeddings = model.embeddings
        return ReferenceSpec(
            _rows(embeddings.word_embeddings, projection),
            _rows(embeddings.position_embeddings, projection),
            0,
        )
    if family in ("gpt2", "gpt_neo"):
        return ReferenceSpec(_rows(model.wte), _rows(model.wpe), 0)
    if family == "opt":
        decoder = model.decoder
        # Position rows join after project_in, so they stay as stored; OPT numbers positions from row 2.
        return ReferenceSpec(
            _rows(decoder.embed_tokens, decoder.project_in), _rows(decoder.embed_positions), 2
        )
    if family == "modernbert":
        return ReferenceSpec(_rows(model.embeddings.tok_embeddings), None, 0)
    if family == "gpt_neox":
        return ReferenceSpec(_rows(model.embed_in), None, 0)
    # Rotary decoders (Llama, Qwen, Mistral, Phi-3, Gemma, OLMo 2) and generically discovered families.
    return ReferenceSpec(_rows(model.get_input_embeddings()), None, 0)
