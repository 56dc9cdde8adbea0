"""Capture the post-attention residual of every layer with forward pre-hooks on the real modules.

The hooks stay registered; each forward pass that wants the tensors opens a capture on its own
thread, so concurrent forward passes on one shared model never see each other's tensors. A module that
runs several times per pass (ALBERT's shared layer) fills its layers' slots in call order.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import torch
from torch import nn


class PostAttentionCapture:
    """Per-thread collector of the inputs of each layer's analysis point."""

    def __init__(self, analysis_modules: list[nn.Module]) -> None:
        self._local = threading.local()
        self.num_layers = len(analysis_modules)
        layers_of: dict[int, list[int]] = {}
        for layer_index, module in enumerate(analysis_modules):
            layers_of.setdefault(id(module), []).append(layer_index)
        for module in {id(module): module for module in analysis_modules}.values():
            module.register_forward_pre_hook(self._hook_for(layers_of[id(module)]), with_kwargs=True)

    def _hook_for(self, layer_indexes: list[int]):
        def record(_module: nn.Module, args: tuple, kwargs: dict) -> None:
            sink = getattr(self._local, "sink", None)
            if sink is None:
                return
            calls = self._local.calls
            call = calls.get(layer_indexes[0], 0)
            calls[layer_indexes[0]] = call + 1
            tensor = args[0] if args else next(iter(kwargs.values()))
            sink[layer_indexes[call]] = tensor.detach().clone()

        return record

    @contextmanager
    def capturing(self) -> Iterator[list[torch.Tensor | None]]:
        """Collect, for the forward pass run inside the block on this thread, one tensor per layer."""
        sink: list[torch.Tensor | None] = [None] * self.num_layers
        self._local.sink, self._local.calls = sink, {}
        try:
            yield sink
        finally:
            self._local.sink = None
