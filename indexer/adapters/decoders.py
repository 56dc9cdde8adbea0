"""Decoder families. Pre-LN blocks add attention to the residual, then normalise it for the MLP: the analysis
point is that norm's input. Where a family names its norms otherwise (Gemma, OLMo 2, OPT), the comments say
why; parallel blocks, where attention and the MLP read the same input, have no such point and are refused."""

from __future__ import annotations

from torch import nn

from journeys.indexer.adapters.base import ROTARY, ArchitectureAdapter, parallel_block_refusal
from journeys.indexer.errors import UnsupportedModelError


class GPT2Adapter(ArchitectureAdapter):
    """GPT-2 and GPT-Neo: the analysis point is the input of `ln_2`."""

    model_types = ("gpt2", "gpt_neo")
    causal = True

    def blocks(self) -> list[nn.Module]:
        return list(self.model.h)

    def analysis_point(self, block: nn.Module) -> nn.Module:
        return block.ln_2

    def input_embeddings(self) -> nn.Embedding:
        return self.model.wte

    def position_embeddings(self) -> nn.Embedding | None:
        return self.model.wpe

    def final_modules(self) -> list[nn.Module]:
        return [self.model.ln_f]


class LlamaAdapter(ArchitectureAdapter):
    """Llama, Qwen2, Qwen3, Mistral, Phi-3: rotary positions; the input of `post_attention_layernorm`."""

    model_types = ("llama", "qwen2", "qwen3", "mistral", "phi3")
    causal = True
    position_encoding = ROTARY

    def blocks(self) -> list[nn.Module]:
        return list(self.model.layers)

    def analysis_point(self, block: nn.Module) -> nn.Module:
        return block.post_attention_layernorm

    def input_embeddings(self) -> nn.Embedding:
        return self.model.embed_tokens

    def final_modules(self) -> list[nn.Module]:
        return [self.model.norm]


class GemmaAdapter(LlamaAdapter):
    """Gemma 2 and 3: `post_attention_layernorm` normalises the attention output before it is added, so
    the residual is the input of `pre_feedforward_layernorm`. Their embeddings are scaled by √hidden, which
    changes no cosine, so the rows are compared as stored."""

    model_types = ("gemma2", "gemma3_text")

    def analysis_point(self, block: nn.Module) -> nn.Module:
        return block.pre_feedforward_layernorm


class Olmo2Adapter(LlamaAdapter):
    """OLMo 2 normalises after each sublayer, so the residual after attention is what its `mlp` reads."""

    model_types = ("olmo2",)

    def analysis_point(self, block: nn.Module) -> nn.Module:
        return block.mlp


class GPTNeoXAdapter(LlamaAdapter):
    """GPT-NeoX (Pythia) with `use_parallel_residual=False`; the parallel form is refused."""

    model_types = ("gpt_neox",)

    def __init__(self, model: nn.Module) -> None:
        super().__init__(model)
        if self.config.use_parallel_residual:
            raise UnsupportedModelError(parallel_block_refusal("gpt_neox with use_parallel_residual=True"))

    def input_embeddings(self) -> nn.Embedding:
        return self.model.embed_in

    def final_modules(self) -> list[nn.Module]:
        return [self.model.final_layer_norm]


class OPTAdapter(ArchitectureAdapter):
    """OPT: positions from row 2; `final_layer_norm` is the pre-MLP norm (input: tokens x hidden). OPT-350m
    (`do_layer_norm_before=False`) normalises after attention, so there the point is the input of
    `self_attn_layer_norm`, and `project_in` maps its narrower word rows into the hidden width (its
    position rows are added after that projection, so they are compared as stored)."""

    model_types = ("opt",)
    causal = True
    projects_positions = False

    def blocks(self) -> list[nn.Module]:
        return list(self.model.decoder.layers)

    def analysis_point(self, block: nn.Module) -> nn.Module:
        return block.final_layer_norm if self.config.do_layer_norm_before else block.self_attn_layer_norm

    def input_embeddings(self) -> nn.Embedding:
        return self.model.decoder.embed_tokens

    def embedding_projection(self) -> nn.Linear | None:
        return self.model.decoder.project_in

    def position_embeddings(self) -> nn.Embedding | None:
        return self.model.decoder.embed_positions

    def first_position_row(self) -> int:
        return self.model.decoder.embed_positions.offset

    def final_modules(self) -> list[nn.Module]:
        decoder = self.model.decoder
        return [module for module in (decoder.final_layer_norm, decoder.project_out) if module is not None]
