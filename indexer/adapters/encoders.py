"""Encoder families. Post-LN (BERT and kin, DeBERTa, ALBERT): the analysis point is the LayerNorm that
normalises attention projection + block input. Pre-LN ModernBERT: the norm before its MLP."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn
from transformers import PreTrainedModel
from transformers.activations import gelu

from journeys.indexer.adapters.base import RELATIVE, ROTARY, ArchitectureAdapter, SeedProjections


class BertAdapter(ArchitectureAdapter):
    """BERT and BERT-shaped encoders such as MiniLM; ELECTRA-small projects its embeddings into the hidden
    width."""

    model_types = ("bert", "electra")

    def blocks(self) -> list[nn.Module]:
        return list(self.model.encoder.layer)

    def analysis_point(self, block: nn.Module) -> nn.Module:
        return block.attention.output.LayerNorm

    def input_embeddings(self) -> nn.Embedding:
        return self.model.embeddings.word_embeddings

    def embedding_projection(self) -> nn.Linear | None:
        return getattr(self.model, "embeddings_project", None)

    def position_embeddings(self) -> nn.Embedding | None:
        return self.model.embeddings.position_embeddings

    def seed_projections(self, block: nn.Module) -> SeedProjections | None:
        return SeedProjections(
            block.attention.self.value.weight,
            block.attention.output.dense.weight,
            self.config.num_attention_heads,
        )

    def head_transform(self, head_model: PreTrainedModel) -> Callable[[torch.Tensor], torch.Tensor] | None:
        if self.config.model_type == "electra":
            return head_model.generator_predictions
        return head_model.cls.predictions.transform


class RobertaAdapter(BertAdapter):
    """RoBERTa and XLM-R: BERT's layout, but position rows start at padding_idx + 1."""

    model_types = ("roberta", "xlm-roberta")

    def first_position_row(self) -> int:
        return self.config.pad_token_id + 1

    def head_transform(self, head_model: PreTrainedModel) -> Callable[[torch.Tensor], torch.Tensor] | None:
        head = head_model.lm_head
        return lambda hidden: head.layer_norm(gelu(head.dense(hidden)))


class DistilBertAdapter(ArchitectureAdapter):
    """DistilBERT (and DistilRoBERTa checkpoints saved as DistilBERT)."""

    model_types = ("distilbert",)

    def blocks(self) -> list[nn.Module]:
        return list(self.model.transformer.layer)

    def analysis_point(self, block: nn.Module) -> nn.Module:
        return block.sa_layer_norm

    def input_embeddings(self) -> nn.Embedding:
        return self.model.embeddings.word_embeddings

    def position_embeddings(self) -> nn.Embedding | None:
        return self.model.embeddings.position_embeddings

    def seed_projections(self, block: nn.Module) -> SeedProjections | None:
        return SeedProjections(
            block.attention.v_lin.weight, block.attention.out_lin.weight, self.config.n_heads
        )

    def head_transform(self, head_model: PreTrainedModel) -> Callable[[torch.Tensor], torch.Tensor] | None:
        model = head_model
        return lambda hidden: model.vocab_layer_norm(model.activation(model.vocab_transform(hidden)))


class DebertaV2Adapter(BertAdapter):
    """DeBERTa-v2 and v3: BERT's layout and analysis point; a position table only when
    `position_biased_input`, and its own disentangled attention, so no seed method. Its masked-language head
    comes in two layouts this adapter does not read, so it offers the input reference only."""

    model_types = ("deberta-v2",)
    reads_output_head = False

    @property
    def position_encoding(self) -> str:  # type: ignore[override]
        return RELATIVE

    def embedding_projection(self) -> nn.Linear | None:
        return self.model.embeddings.embed_proj

    def seed_projections(self, block: nn.Module) -> SeedProjections | None:
        return None


class AlbertAdapter(ArchitectureAdapter):
    """ALBERT: shared layers run `num_hidden_layers` times (each run may hold `inner_group_num` layers),
    so a layer module appears once per run; 128-wide embeddings are projected into the hidden width."""

    model_types = ("albert",)

    def blocks(self) -> list[nn.Module]:
        groups = self.model.encoder.albert_layer_groups
        runs = self.config.num_hidden_layers
        per_group = runs / self.config.num_hidden_groups
        return [layer for run in range(runs) for layer in groups[int(run / per_group)].albert_layers]

    def analysis_point(self, block: nn.Module) -> nn.Module:
        return block.attention.LayerNorm

    def input_embeddings(self) -> nn.Embedding:
        return self.model.embeddings.word_embeddings

    def embedding_projection(self) -> nn.Linear | None:
        return self.model.encoder.embedding_hidden_mapping_in

    def position_embeddings(self) -> nn.Embedding | None:
        return self.model.embeddings.position_embeddings

    def head_transform(self, head_model: PreTrainedModel) -> Callable[[torch.Tensor], torch.Tensor] | None:
        head = head_model.predictions
        return lambda hidden: head.LayerNorm(head.activation(head.dense(hidden)))


class ModernBertAdapter(ArchitectureAdapter):
    """ModernBERT: pre-LN with rotary positions; the analysis point is the input of `mlp_norm`."""

    model_types = ("modernbert",)
    position_encoding = ROTARY

    def blocks(self) -> list[nn.Module]:
        return list(self.model.layers)

    def analysis_point(self, block: nn.Module) -> nn.Module:
        return block.mlp_norm

    def input_embeddings(self) -> nn.Embedding:
        return self.model.embeddings.tok_embeddings

    def final_modules(self) -> list[nn.Module]:
        return [self.model.final_norm]

    def head_transform(self, head_model: PreTrainedModel) -> Callable[[torch.Tensor], torch.Tensor] | None:
        return head_model.head
