"""One small adapter per architecture family: where the post-attention residual is, where the
word and position embeddings are, and how position ids are numbered.

The analysis point is always the input of the LayerNorm that follows the attention block:
post-LN encoders (BERT, RoBERTa, DistilBERT) normalise dropout(dense(context)) + layer input there;
GPT-2 (pre-LN) feeds attention output + residual into `ln_2`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

import torch
from torch import nn
from transformers import PreTrainedModel


class UnsupportedModelError(ValueError):
    """The model's architecture has no adapter, or the adapter cannot do what was asked."""


class ArchitectureAdapter(ABC):
    """Reads the parts of one architecture family that the journeys need."""

    model_types: ClassVar[tuple[str, ...]] = ()
    is_encoder: ClassVar[bool] = True

    def __init__(self, model: PreTrainedModel) -> None:
        self.model = model

    @abstractmethod
    def layers(self) -> list[nn.Module]:
        """The transformer layers, in order."""

    @abstractmethod
    def post_attention_norm(self, layer: nn.Module) -> nn.LayerNorm:
        """The LayerNorm whose input is the analysis point of `layer`."""

    @abstractmethod
    def word_embeddings(self) -> torch.Tensor:
        """The input word-embedding matrix, vocabulary x hidden."""

    @abstractmethod
    def position_embeddings(self) -> torch.Tensor:
        """The learned absolute position-embedding matrix, positions x hidden."""

    def first_position_id(self) -> int:
        """Row of the position-embedding matrix used for the first token."""
        return 0

    def max_tokens(self) -> int:
        """How many tokens one sequence may hold."""
        return self.position_embeddings().shape[0] - self.first_position_id()

    def position_ids(self, num_tokens: int) -> torch.Tensor:
        """Position-embedding rows used for a single unpadded sequence of `num_tokens` tokens."""
        return torch.arange(num_tokens) + self.first_position_id()

    def attention_weights(self, layer: nn.Module) -> tuple[torch.Tensor, torch.Tensor]:
        """(W_v, W_o) as stored in the value and attention-output projections, for the seed method."""
        raise UnsupportedModelError(
            f"the published demo's computation (--method seed) is defined for encoder models only, "
            f"not {self.model.config.model_type}"
        )

    @property
    def num_heads(self) -> int:
        return self.model.config.num_attention_heads


class BertAdapter(ArchitectureAdapter):
    """BERT and BERT-shaped encoders such as MiniLM."""

    model_types = ("bert",)

    def _encoder_model(self) -> nn.Module:
        return self.model

    def layers(self) -> list[nn.Module]:
        return list(self._encoder_model().encoder.layer)

    def post_attention_norm(self, layer: nn.Module) -> nn.LayerNorm:
        return layer.attention.output.LayerNorm

    def word_embeddings(self) -> torch.Tensor:
        return self._encoder_model().embeddings.word_embeddings.weight

    def position_embeddings(self) -> torch.Tensor:
        return self._encoder_model().embeddings.position_embeddings.weight

    def attention_weights(self, layer: nn.Module) -> tuple[torch.Tensor, torch.Tensor]:
        return layer.attention.self.value.weight, layer.attention.output.dense.weight


class RobertaAdapter(BertAdapter):
    """RoBERTa: BERT's layout, but position ids start at padding_idx + 1."""

    model_types = ("roberta",)

    def first_position_id(self) -> int:
        return self.model.config.pad_token_id + 1


class DistilBertAdapter(ArchitectureAdapter):
    """DistilBERT (and DistilRoBERTa checkpoints saved as DistilBERT)."""

    model_types = ("distilbert",)

    def layers(self) -> list[nn.Module]:
        return list(self.model.transformer.layer)

    def post_attention_norm(self, layer: nn.Module) -> nn.LayerNorm:
        return layer.sa_layer_norm

    def word_embeddings(self) -> torch.Tensor:
        return self.model.embeddings.word_embeddings.weight

    def position_embeddings(self) -> torch.Tensor:
        return self.model.embeddings.position_embeddings.weight

    @property
    def num_heads(self) -> int:
        return self.model.config.n_heads

    def attention_weights(self, layer: nn.Module) -> tuple[torch.Tensor, torch.Tensor]:
        return layer.attention.v_lin.weight, layer.attention.out_lin.weight


class GPT2Adapter(ArchitectureAdapter):
    """GPT-2: pre-LN decoder; the analysis point is the input of `ln_2`."""

    model_types = ("gpt2",)
    is_encoder = False

    def layers(self) -> list[nn.Module]:
        return list(self.model.h)

    def post_attention_norm(self, layer: nn.Module) -> nn.LayerNorm:
        return layer.ln_2

    def word_embeddings(self) -> torch.Tensor:
        return self.model.wte.weight

    def position_embeddings(self) -> torch.Tensor:
        return self.model.wpe.weight

    @property
    def num_heads(self) -> int:
        return self.model.config.n_head


ADAPTERS: tuple[type[ArchitectureAdapter], ...] = (
    BertAdapter,
    RobertaAdapter,
    DistilBertAdapter,
    GPT2Adapter,
)


def adapter_for(model: PreTrainedModel) -> ArchitectureAdapter:
    """The adapter for this model's architecture family."""
    model_type = model.config.model_type
    for adapter_class in ADAPTERS:
        if model_type in adapter_class.model_types:
            return adapter_class(model)
    supported = ", ".join(t for a in ADAPTERS for t in a.model_types)
    raise UnsupportedModelError(f"model type {model_type!r} is not supported (supported: {supported})")
