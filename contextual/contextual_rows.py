"""The record of each token occurrence a contextual index holds: its sentence, position, vocabulary id and
character span, as parallel arrays (one row per occurrence)."""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np


@dataclass(frozen=True)
class OccurrenceRows:
    """Parallel per-occurrence arrays; `token_sentence` indexes the corpus sentences."""

    token_sentence: np.ndarray  # (n,) int
    token_position: np.ndarray  # (n,) int
    token_ids: np.ndarray  # (n,) int
    offsets: np.ndarray  # (n, 2) int, character span in the sentence

    @classmethod
    def of_sentence(cls, sentence: int, token_ids: list[int], offsets: np.ndarray) -> OccurrenceRows:
        """The rows of one sentence's tokens."""
        count = len(token_ids)
        return cls(
            np.full(count, sentence, dtype=np.int32),
            np.arange(count, dtype=np.int32),
            np.asarray(token_ids, dtype=np.int32),
            np.asarray(offsets, dtype=np.int32).reshape(count, 2),
        )

    @classmethod
    def columns_of(cls, source: object) -> OccurrenceRows:
        """The rows held as same-named attributes of `source` (a `CorpusAnalysis`, say)."""
        return cls(**{name: getattr(source, name) for name in _names()})

    @classmethod
    def concatenate(cls, parts: list[OccurrenceRows]) -> OccurrenceRows:
        """The rows of `parts`, one after the other."""
        return cls(**{name: np.concatenate([part.arrays()[name] for part in parts]) for name in _names()})

    def arrays(self) -> dict[str, np.ndarray]:
        """The arrays by field name (what `np.savez` writes)."""
        return {name: getattr(self, name) for name in _names()}

    def compact(self) -> OccurrenceRows:
        """The same rows in int32, the smallest type that holds any corpus's sentence numbers and spans."""
        return OccurrenceRows(**{name: array.astype(np.int32) for name, array in self.arrays().items()})

    def slice(self, start: int, stop: int) -> OccurrenceRows:
        """Rows `start` to `stop`."""
        return OccurrenceRows(**{name: array[start:stop] for name, array in self.arrays().items()})

    def take(self, order: np.ndarray) -> OccurrenceRows:
        """The rows at `order`."""
        return OccurrenceRows(**{name: array[order] for name, array in self.arrays().items()})

    def __len__(self) -> int:
        return len(self.token_sentence)


def _names() -> list[str]:
    return [field.name for field in fields(OccurrenceRows)]
