"""Generic discovery for a family not in the table: find the block list and a candidate analysis point,
then keep the candidate only if a probe forward pass proves it is the residual right after attention.

The proof, at every layer: the candidate's input differs from the block's input (attention has been
added), and either the candidate's input plus one submodule's output is the block's output (pre-LN: the
MLP branch is added last) or the block's input plus one submodule's output is the candidate's input
(post-LN: the attention projection was added to the block's input). Discovered families offer the raw
variant and the input reference only: how they number positions, and what follows their last block, are not
verified.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch
from torch import nn
from transformers import PreTrainedModel

from journeys.indexer.adapters.base import ArchitectureAdapter
from journeys.indexer.errors import UnsupportedModelError

#: Relative tolerance of the probe's equalities (fp32 sums of the same terms agree to a few ulps).
PROBE_TOLERANCE = 1e-5
PROBE_TOKENS = 12
#: Submodule names, besides any norm, that may read the residual after attention (OLMo 2's `mlp`).
MLP_NAMES = ("mlp", "feed_forward", "ffn")


class DiscoveredAdapter(ArchitectureAdapter):
    """A family found and verified by `discover_adapter`."""

    position_encoding = "positions this family's code handles, which generic discovery does not read"
    reads_output_head = False  # its final norm is not verified

    def __init__(self, model: PreTrainedModel, blocks: list[nn.Module], point: str, causal: bool) -> None:
        super().__init__(model)
        self._blocks = blocks
        self.point = point
        self.causal = causal  # type: ignore[misc]

    def blocks(self) -> list[nn.Module]:
        return self._blocks

    def analysis_point(self, block: nn.Module) -> nn.Module:
        return block.get_submodule(self.point)

    def input_embeddings(self) -> nn.Embedding:
        return self.model.get_input_embeddings()


def discover_adapter(model: PreTrainedModel) -> DiscoveredAdapter:
    """An adapter for an unknown family whose analysis point a probe pass verifies, or a one-line refusal."""
    family = model.config.model_type
    blocks = _block_list(model)
    candidates = _candidates(blocks[0])
    probe = _probe_ids(model)
    records = _ProbeRecords(blocks)
    with records.recording(), torch.inference_mode():
        model(input_ids=probe)
    for point in candidates:
        if records.verifies(point):
            width = model.get_input_embeddings().weight.shape[1]
            if records.width(point) != width:
                raise UnsupportedModelError(
                    f"{family}: the residual after attention ({point}) is {records.width(point)} wide but "
                    f"the embeddings are {width} wide, and discovery cannot read how they are projected"
                )
            return DiscoveredAdapter(model, blocks, point, causal=not first_token_sees_last(model))
    tried = ", ".join(candidates) or "no norm or MLP module"
    raise UnsupportedModelError(
        f"model type {family!r} is not in the table, and no module of its blocks reads the residual right "
        f"after attention on a probe pass (tried: {tried}); parallel attention/MLP blocks have none"
    )


def _block_list(model: PreTrainedModel) -> list[nn.Module]:
    """The first module list holding `num_hidden_layers` blocks of one class."""
    count = getattr(model.config, "num_hidden_layers", None)
    for _, module in model.named_modules():
        is_block_list = isinstance(module, nn.ModuleList) and count and len(module) == count
        if is_block_list and len({type(block) for block in module}) == 1:
            return list(module)
    raise UnsupportedModelError(
        f"model type {model.config.model_type!r} is not in the table, and no list of "
        f"{count} blocks (num_hidden_layers) was found in it"
    )


def _candidates(block: nn.Module) -> list[str]:
    """Names (relative to the block) of its norms and MLP-like submodules, in registration order."""
    return [
        name
        for name, module in block.named_modules()
        if name and ("norm" in type(module).__name__.lower() or name.split(".")[-1] in MLP_NAMES)
    ]


def _probe_ids(model: PreTrainedModel) -> torch.Tensor:
    """A fixed probe sequence spread over the vocabulary (no tokenizer needed)."""
    weight = model.get_input_embeddings().weight
    return torch.linspace(1, weight.shape[0] - 1, PROBE_TOKENS).long()[None].to(weight.device)


def first_token_sees_last(model: PreTrainedModel, forward_options: dict | None = None) -> bool:
    """True when changing the last token of a probe changes the first token's output: the model (with
    `forward_options`, for a PROBE_TOKENS-long sequence) is not causal."""
    probe = _probe_ids(model)
    changed = probe.clone()
    changed[0, -1] = probe[0, 1]
    options = forward_options or {}
    with torch.inference_mode():
        first = [model(input_ids=ids, **options).last_hidden_state[0, 0] for ids in (probe, changed)]
    return not torch.equal(first[0], first[1])


def _first_tensor(value: object) -> torch.Tensor | None:
    if isinstance(value, torch.Tensor):
        return value
    if isinstance(value, tuple | list) and value and isinstance(value[0], torch.Tensor):
        return value[0]
    return None


def _close(found: torch.Tensor, expected: torch.Tensor) -> bool:
    scale = max(1.0, float(expected.abs().max()))
    return float((found - expected).abs().max()) <= PROBE_TOLERANCE * scale


class _ProbeRecords:
    """Inputs and outputs of every block and of every submodule of each block, from one probe pass."""

    def __init__(self, blocks: list[nn.Module]) -> None:
        self.blocks = blocks
        self.inputs: list[dict[str, torch.Tensor]] = [{} for _ in blocks]
        self.outputs: list[dict[str, torch.Tensor]] = [{} for _ in blocks]

    @contextmanager
    def recording(self) -> Iterator[None]:
        handles = []
        for index, block in enumerate(self.blocks):
            for name, module in block.named_modules():
                handles.append(
                    module.register_forward_pre_hook(self._keep(self.inputs[index], name), with_kwargs=True)
                )
                handles.append(module.register_forward_hook(self._keep_output(self.outputs[index], name)))
        try:
            yield
        finally:
            for handle in handles:
                handle.remove()

    @staticmethod
    def _keep(store: dict[str, torch.Tensor], name: str):
        def hook(_module: nn.Module, args: tuple, kwargs: dict) -> None:
            tensor = _first_tensor(args) if args else _first_tensor(tuple(kwargs.values()))
            if tensor is not None and name not in store:
                store[name] = tensor.detach().clone()

        return hook

    @staticmethod
    def _keep_output(store: dict[str, torch.Tensor], name: str):
        def hook(_module: nn.Module, _args: tuple, output: object) -> None:
            tensor = _first_tensor(output)
            if tensor is not None and name not in store:
                store[name] = tensor.detach().clone()

        return hook

    def width(self, point: str) -> int:
        return self.inputs[0][point].shape[-1]

    def verifies(self, point: str) -> bool:
        """True when `point`'s input is the residual right after attention at every layer."""
        return all(self._verifies_layer(index, point) for index in range(len(self.blocks)))

    def _verifies_layer(self, index: int, point: str) -> bool:
        inputs, outputs = self.inputs[index], self.outputs[index]
        if point not in inputs or "" not in inputs or "" not in outputs:
            return False
        block_input, block_output = inputs[""].flatten(0, -2), outputs[""].flatten(0, -2)
        captured = inputs[point]
        if captured.numel() != block_input.numel():
            return False
        captured = captured.reshape(block_input.shape)
        if _close(captured, block_input):
            return False  # nothing has been added yet
        branches = [
            out.reshape(block_input.shape)
            for name, out in outputs.items()
            if name and out.numel() == block_input.numel()
        ]
        return any(
            _close(captured + branch, block_output) or _close(block_input + branch, captured)
            for branch in branches
        )
