"""Capture the post-attention residual of every layer with forward pre-hooks on the real modules.

The hooks stay registered; each forward pass that wants the tensors opens a capture on its own
thread, so concurrent forward passes on one shared model never see each other's tensors.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import torch
from torch import nn

from indexer.adapters import ArchitectureAdapter


class PostAttentionCapture:
    """Per-thread collector of the inputs of each layer's post-attention LayerNorm."""

    def __init__(self, adapter: ArchitectureAdapter) -> None:
        self._local = threading.local()
        self._norms = [adapter.post_attention_norm(layer) for layer in adapter.layers()]
        for index, norm in enumerate(self._norms):
            norm.register_forward_pre_hook(self._hook_for(index))

    def _hook_for(self, layer_index: int):
        def record(_module: nn.Module, args: tuple[torch.Tensor, ...]) -> None:
            sink = getattr(self._local, "sink", None)
            if sink is not None:
                sink[layer_index] = args[0].detach().clone()

        return record

    @contextmanager
    def capturing(self) -> Iterator[list[torch.Tensor | None]]:
        """Collect, for the forward passes run inside the block on this thread, one tensor per layer."""
        sink: list[torch.Tensor | None] = [None] * len(self._norms)
        self._local.sink = sink
        try:
            yield sink
        finally:
            self._local.sink = None
