"""Capture the residual of every layer at an analysis point with hooks on the real modules: the input of each
layer's analysis-point module (post-attention, forward pre-hooks) or the output of each block (block-output,
forward hooks; a block returns its hidden state, or a tuple whose first item it is).

The hooks stay registered; each forward pass that wants the tensors opens a capture of one or both points on
its own thread, so concurrent forward passes on one shared model never see each other's tensors. A module that
runs several times per pass (ALBERT's shared layer) fills its layers' slots in call order.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import torch
from torch import nn

from journeys.indexer.options import POINTS

Record = Callable[[torch.Tensor], None]


class ResidualCapture:
    """Per-thread collector, for each layer, of its analysis-point module's input or its block's output."""

    def __init__(self, analysis_modules: list[nn.Module], blocks: list[nn.Module]) -> None:
        self._local = threading.local()
        self.num_layers = len(blocks)
        post_attention, block_output = POINTS
        for point, modules in ((post_attention, analysis_modules), (block_output, blocks)):
            layers_of: dict[int, list[int]] = {}
            for layer_index, module in enumerate(modules):
                layers_of.setdefault(id(module), []).append(layer_index)
            for module in {id(module): module for module in modules}.values():
                record = self._recorder(point, layers_of[id(module)])
                if point == post_attention:
                    module.register_forward_pre_hook(_input_hook(record), with_kwargs=True)
                else:
                    module.register_forward_hook(_output_hook(record))

    def _recorder(self, point: str, layer_indexes: list[int]) -> Record:
        """Keeps `tensor` in the next of `layer_indexes`' slots of `point`'s sink when this thread is
        capturing `point`."""

        def record(tensor: torch.Tensor) -> None:
            sinks = getattr(self._local, "sinks", None)
            if not sinks or point not in sinks:
                return
            calls = self._local.calls[point]
            call = calls.get(layer_indexes[0], 0)
            calls[layer_indexes[0]] = call + 1
            sinks[point][layer_indexes[call]] = tensor.detach().clone()

        return record

    @contextmanager
    def capturing(self, *points: str) -> Iterator[dict[str, list[torch.Tensor | None]]]:
        """Collect, for the forward pass run inside the block on this thread, one tensor per layer at each
        of `points` ("post-attention", "block-output"): one forward pass serves every point asked for."""
        sinks: dict[str, list[torch.Tensor | None]] = {point: [None] * self.num_layers for point in points}
        self._local.sinks, self._local.calls = sinks, {point: {} for point in points}
        try:
            yield sinks
        finally:
            self._local.sinks = None


def _input_hook(record: Record):
    """A forward pre-hook passing the module's hidden-state input (its first argument) to `record`."""

    def hook(_module: nn.Module, args: tuple, kwargs: dict) -> None:
        record(args[0] if args else next(iter(kwargs.values())))

    return hook


def _output_hook(record: Record):
    """A forward hook passing the module's hidden-state output (the first item of a tuple) to `record`."""

    def hook(_module: nn.Module, _args: tuple, output: torch.Tensor | tuple) -> None:
        record(output[0] if isinstance(output, tuple | list) else output)

    return hook
