"""A model's output head read as a reference (the logit lens): the modules that turn a residual into the
vector the head's decoder reads (a decoder's final norm, a masked-language head's dense + activation +
LayerNorm), run as the model runs them, and the decoder's weight and bias, which `logit_lens` applies in
float64."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from journeys.indexer.adapters import ArchitectureAdapter
from journeys.indexer.model_loading import LoadedModel


@dataclass(frozen=True)
class OutputHead:
    """What maps a residual to logits: `normalise` (the model's own modules, in its dtype, on its device),
    then `weight` (V x d) and `bias` (V, or None), then the family's final soft cap, where it has one."""

    modules: tuple[Callable[[torch.Tensor], torch.Tensor], ...]
    weight: torch.Tensor
    bias: torch.Tensor | None
    softcap: float | None

    def normalise(self, residual: torch.Tensor) -> torch.Tensor:
        """`residual` (tokens x hidden, in the model's dtype on its device) as the head's decoder reads it."""
        for module in self.modules:
            residual = module(residual)
        return residual

    @property
    def vocab_size(self) -> int:
        return self.weight.shape[0]


def output_head(loaded: LoadedModel, adapter: ArchitectureAdapter) -> OutputHead | str:
    """The model's output head, or the one line that says why it offers the input reference only."""
    name, only_input = loaded.name, "so it offers the input reference only"
    if loaded.head_model is None:
        return f"{name} has no output head, {only_input}"
    if not adapter.reads_output_head:
        return f"{name}'s {loaded.model.config.model_type} output head is not read by this tool, {only_input}"
    decoder = loaded.head_model.get_output_embeddings()
    if not isinstance(decoder, nn.Linear) or decoder.weight.device.type == "meta":
        return f"{name}'s output head is not a linear decoder held in memory, {only_input}"
    transform = adapter.head_transform(loaded.head_model)
    modules = (*adapter.final_modules(), *([] if transform is None else [transform]))
    softcap = getattr(loaded.model.config, "final_logit_softcapping", None)
    bias = None if decoder.bias is None else decoder.bias.detach()
    return OutputHead(modules=modules, weight=decoder.weight.detach(), bias=bias, softcap=softcap)
