"""What an encoding is compared with: the vocabulary rows in residual space and, where the family has one,
its learned absolute position table. An adapter declares them; the scorer loops over the variants they
offer (`raw` always, `positional` only with a position table)."""

from __future__ import annotations

from dataclasses import dataclass

import torch

RAW = "raw"
POSITIONAL = "positional"


@dataclass(frozen=True)
class PositionTable:
    """A learned absolute position table in residual space, and the row the first token uses."""

    rows: torch.Tensor  # (P, d) on the CPU: the model's own rows in its dtype, or projected rows in fp32
    first_row: int

    @property
    def max_tokens(self) -> int:
        return self.rows.shape[0] - self.first_row

    def rows_for(self, num_tokens: int) -> torch.Tensor:
        """Row indexes used by a single unpadded sequence of `num_tokens` tokens."""
        return torch.arange(num_tokens) + self.first_row


@dataclass(frozen=True)
class ReferenceRows:
    """The rows each encoding is ranked against, both in the residual stream's width."""

    #: (V, d) on the CPU: the input embedding weight itself, in the model's dtype, or, where the family
    #: projects it, the projected rows in fp32.
    words: torch.Tensor
    positions: PositionTable | None
    #: How the family encodes positions, said where no positional variant is offered.
    position_encoding: str

    @property
    def variants(self) -> tuple[str, ...]:
        return (RAW, POSITIONAL) if self.positions is not None else (RAW,)
