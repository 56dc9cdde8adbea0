"""The adapter interface: what the journeys need to know of one architecture family.

An adapter names the blocks in the order they run (their outputs are the block-output point), the module
whose input is the residual right after attention has been added (the post-attention point), the input
embedding and any projection into the hidden width, and the learned absolute position table where the
family has one. Everything else (capture, reference rows, the scorer) is derived from these, so a family is
a handful of one-line methods. For the output reference (the logit lens) it also names the modules the base
model applies after its last block (a decoder's final norm) and the transform an encoder's masked-language
head applies before its decoder.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

import torch
from torch import nn
from transformers import PreTrainedModel

from journeys.indexer.errors import UnsupportedModelError
from journeys.indexer.reference_rows import PositionTable, ReferenceRows

ROTARY = "rotary position embeddings inside attention"
RELATIVE = "relative positions inside attention"


def parallel_block_refusal(family: str) -> str:
    """The one line that refuses a family whose attention and MLP read the same input."""
    return (
        f"{family} runs attention and the MLP in parallel on the same input, so no residual exists "
        "between them to analyse"
    )


@dataclass(frozen=True)
class SeedProjections:
    """What the published demo's computation reads of one layer: W_v and W_o as stored, and the heads."""

    value: torch.Tensor
    output: torch.Tensor
    num_heads: int


class ArchitectureAdapter(ABC):
    """Reads the parts of one architecture family that the journeys need."""

    model_types: ClassVar[tuple[str, ...]] = ()
    #: True for decoders, whose causal mask `--no-causal-mask` may switch off.
    causal: ClassVar[bool] = False
    #: How positions reach the model where the family has no learned absolute table.
    position_encoding: ClassVar[str] = "a learned absolute position table"
    #: False where position rows are added after the embedding projection (OPT-350m), so stay unprojected.
    projects_positions: ClassVar[bool] = True
    #: False where this adapter does not know the family's output head (the output reference is then refused).
    reads_output_head: ClassVar[bool] = True

    def __init__(self, model: PreTrainedModel) -> None:
        self.model = model
        self.config = model.config

    @abstractmethod
    def blocks(self) -> list[nn.Module]:
        """One entry per layer, in the order the layers run (a shared layer appears once per run); a block's
        output (a tensor, or a tuple whose first item it is) is the hidden state the next block receives."""

    @abstractmethod
    def analysis_point(self, block: nn.Module) -> nn.Module:
        """The module of `block` whose input is the residual right after attention has been added."""

    @abstractmethod
    def input_embeddings(self) -> nn.Embedding:
        """The input word-embedding table."""

    def embedding_projection(self) -> nn.Linear | None:
        """The linear map from the embedding width into the hidden width, where the family has one."""
        return None

    def position_embeddings(self) -> nn.Embedding | None:
        """The learned absolute position table, where the family has one."""
        return None

    def first_position_row(self) -> int:
        """Row of the position table used for the first token."""
        return 0

    def seed_projections(self, block: nn.Module) -> SeedProjections | None:
        """W_v and W_o for the published demo's computation; None where the family is not BERT-shaped."""
        return None

    def final_modules(self) -> list[nn.Module]:
        """The modules the base model applies, in order, to the last block's output (a final norm, a
        projection); none for post-LN encoders, whose last block ends normalised."""
        return []

    def head_transform(self, head_model: PreTrainedModel) -> Callable[[torch.Tensor], torch.Tensor] | None:
        """What the output head does to the hidden state before its decoder (a masked-language head's dense,
        activation and LayerNorm); None where the decoder reads it directly (a causal LM head)."""
        return None

    @property
    def supports_seed(self) -> bool:
        return self.seed_projections(self.blocks()[0]) is not None

    def analysis_modules(self) -> list[nn.Module]:
        """The analysis point of every layer, in layer order."""
        return [self.analysis_point(block) for block in self.blocks()]

    def reference_rows(self) -> ReferenceRows:
        """The vocabulary rows (and position rows) in residual space.

        Where the embedding width differs from the hidden width, each row is mapped by the projection's
        weight, without its bias (shared by every row, so it carries no token's identity) and without the
        embedding LayerNorm that precedes it in some families (it normalises the sum of word, position and
        type rows per token, so it has no fixed per-row form). The product is taken in float64 and stored
        in float32, on the model's device (taken on the CPU: mps has no float64; rows in bfloat16 or float16
        widen exactly). Unprojected rows are the model's own weights in its own dtype, where they are: not
        copied.
        """
        projection = self.embedding_projection()
        table = self.position_embeddings()
        positions = None
        if table is not None:
            rows = _projected(table.weight, projection if self.projects_positions else None)
            positions = PositionTable(rows, self.first_position_row())
        return ReferenceRows(
            words=_projected(self.input_embeddings().weight, projection),
            positions=positions,
            position_encoding=self.position_encoding,
        )

    def max_tokens(self) -> int:
        """How many tokens one sequence may hold."""
        table = self.position_embeddings()
        if table is not None:
            return table.weight.shape[0] - self.first_position_row()
        for name in ("max_position_embeddings", "n_positions"):
            limit = getattr(self.config, name, None)
            if isinstance(limit, int) and limit > 0:
                return limit
        raise UnsupportedModelError(
            f"the {self.config.model_type} config states no maximum sequence length (max_position_embeddings)"
        )


def _projected(weight: torch.Tensor, projection: nn.Linear | None) -> torch.Tensor:
    """Rows of `weight` in the hidden width: as stored (in their own dtype, on their device), or mapped by
    the projection's weight (float64 on the CPU, stored in float32 on the weight's device)."""
    rows = weight.detach()
    if projection is None:
        return rows
    mapped = rows.to("cpu", torch.float64) @ projection.weight.detach().to("cpu", torch.float64).T
    return mapped.float().to(rows.device)
