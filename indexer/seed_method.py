"""The published demo's computation (`--method seed`), reproduced so users can see what its findings rest on.

Per layer: value vectors = layer input x W_v as stored (not transposed, no bias), weighted per head by
the model's attention probabilities, heads concatenated, x W_o as stored (not transposed, no bias),
plus the layer input. This is not what the model computes; `--method exact` is.
"""

from __future__ import annotations

import torch

from journeys.indexer.adapters import ArchitectureAdapter
from journeys.indexer.offload import weights_at_hand


def seed_encodings(
    adapter: ArchitectureAdapter,
    layer_inputs: tuple[torch.Tensor, ...],
    attentions: tuple[torch.Tensor, ...],
    device: torch.device,
) -> torch.Tensor:
    """Layers x tokens x hidden encodings of one sequence on `device`, from layer inputs and attention
    probabilities."""
    encodings = []
    for block, layer_input, attention in zip(adapter.blocks(), layer_inputs, attentions, strict=False):
        with weights_at_hand(block):
            weights = adapter.seed_projections(block)
            inputs = layer_input[0].to(weights.value.device)
            num_tokens, hidden = inputs.shape
            values = (inputs @ weights.value).view(num_tokens, weights.num_heads, -1).transpose(0, 1)
            context = (attention[0].to(inputs.device) @ values).transpose(0, 1).reshape(num_tokens, hidden)
            encodings.append((context @ weights.output + inputs).to(device))
    return torch.stack(encodings)
