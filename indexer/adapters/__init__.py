"""One small adapter per architecture family (see `base.ArchitectureAdapter`), and `adapter_for`, which
picks the family's adapter, refuses parallel blocks, or discovers and verifies an unknown family."""

from __future__ import annotations

from transformers import PreTrainedModel

from journeys.indexer.adapters.base import ArchitectureAdapter, SeedProjections, parallel_block_refusal
from journeys.indexer.adapters.decoders import (
    GemmaAdapter,
    GPT2Adapter,
    GPTNeoXAdapter,
    LlamaAdapter,
    Olmo2Adapter,
    OPTAdapter,
)
from journeys.indexer.adapters.discovery import discover_adapter
from journeys.indexer.adapters.encoders import (
    AlbertAdapter,
    BertAdapter,
    DebertaV2Adapter,
    DistilBertAdapter,
    ModernBertAdapter,
    RobertaAdapter,
)
from journeys.indexer.errors import UnsupportedModelError

ADAPTERS: tuple[type[ArchitectureAdapter], ...] = (
    BertAdapter,
    RobertaAdapter,
    DistilBertAdapter,
    DebertaV2Adapter,
    AlbertAdapter,
    ModernBertAdapter,
    GPT2Adapter,
    LlamaAdapter,
    GemmaAdapter,
    Olmo2Adapter,
    GPTNeoXAdapter,
    OPTAdapter,
)
#: Families whose attention and MLP read the same input: no post-attention residual exists.
PARALLEL_BLOCK_TYPES = ("phi", "gptj")

__all__ = ["ADAPTERS", "ArchitectureAdapter", "SeedProjections", "adapter_for"]


def adapter_for(model: PreTrainedModel) -> ArchitectureAdapter:
    """The adapter for this model's architecture family; a family not in the table is discovered."""
    model_type = model.config.model_type
    if model_type in PARALLEL_BLOCK_TYPES:
        raise UnsupportedModelError(parallel_block_refusal(model_type))
    for adapter_class in ADAPTERS:
        if model_type in adapter_class.model_types:
            return adapter_class(model)
    return discover_adapter(model)
