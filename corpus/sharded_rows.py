"""Rows split over several arrays (memory-mapped shard files) read as one array: indexing reads only the
rows asked for, so a corpus's encodings need not fit in memory."""

from __future__ import annotations

from typing import Any

import numpy as np


class ShardedRows:
    """Arrays of equal trailing shape, stacked along the first axis without being copied together.

    `rows[key]` takes the same keys as a NumPy array's (a row index, slice or index array first, then the
    trailing axes') and returns an ordinary array holding only the rows selected; `chunks` are the parts,
    for reading the rows shard by shard."""

    def __init__(self, chunks: list[np.ndarray]) -> None:
        if not chunks:
            raise ValueError("ShardedRows needs at least one array")
        self.chunks = chunks
        self.starts = np.cumsum([0] + [len(chunk) for chunk in chunks])
        self.shape = (int(self.starts[-1]), *chunks[0].shape[1:])
        self.dtype = chunks[0].dtype

    def __len__(self) -> int:
        return self.shape[0]

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __getitem__(self, key: Any) -> np.ndarray:
        first, rest = (key[0], key[1:]) if isinstance(key, tuple) else (key, ())
        rows = np.arange(len(self))[first]
        if rows.ndim == 0:
            chunk = int(np.searchsorted(self.starts, rows, side="right")) - 1
            return np.asarray(self.chunks[chunk][(int(rows - self.starts[chunk]), *rest)])
        owner = np.searchsorted(self.starts, rows, side="right") - 1
        # One shard's selected rows at a time, then the trailing keys: numpy's own semantics, and no
        # more than one shard's rows in memory besides the result.
        pieces = {
            chunk: self.chunks[chunk][rows[owner == chunk] - self.starts[chunk]][(slice(None), *rest)]
            for chunk in np.unique(owner)
        }
        if not pieces:
            return np.empty((0, *self.shape[1:]), dtype=self.dtype)[(slice(None), *rest)]
        sample = next(iter(pieces.values()))
        picked = np.empty((len(rows), *sample.shape[1:]), dtype=sample.dtype)
        for chunk, piece in pieces.items():
            picked[owner == chunk] = piece
        return picked

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        joined = np.concatenate(self.chunks)
        return joined if dtype is None else joined.astype(dtype)
