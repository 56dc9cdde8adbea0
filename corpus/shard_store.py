"""The shards of one corpus pass on disk: each chunk of sentences' named arrays, written as computed, so
that a killed pass resumes where it stopped.

A shard is `shard-NNNNNN.npz` (every array of the chunk but its encodings), the encodings, when kept, as
float32 `shard-NNNNNN-encodings.npy` (memory-mapped when read), and last the sealed record
`shard-NNNNNN.json` holding the pass's key digest, the chunk's sentence range and each file's digest.
Every file is written atomically; a shard counts only once its record is there and every digest matches,
so a shard cut short by a kill is recomputed silently, and a damaged one is said in one line and
recomputed. The sealed `pass.json` says what the folder holds (the pass's key).
"""

from __future__ import annotations

import fcntl
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from journeys.corpus.sharded_rows import ShardedRows
from journeys.indexer.sealed_files import (
    DamagedFileError,
    check_digests,
    read_sealed_json,
    warn_damaged,
    write_npz_with_digest,
    write_sealed_json,
    write_with_digest,
)

PASS_RECORD = "pass.json"
ENCODINGS = "encodings"


class ShardStore:
    """The folder of one corpus pass, identified by the digest of its key."""

    def __init__(self, folder: Path, key: dict[str, Any], key_digest: str) -> None:
        self.folder = folder
        self.key = key
        self.key_digest = key_digest

    def shard_name(self, shard: int) -> str:
        return f"shard-{shard:06d}"

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Hold this pass's folder for the block (a second pass over the same key waits, saying so),
        after recording the key and clearing temporary files that killed writers left."""
        self.folder.mkdir(parents=True, exist_ok=True)
        handle = os.open(self.folder, os.O_RDONLY)
        try:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                print(
                    f"journeys: another corpus pass is writing {self.folder}; waiting for it to finish",
                    file=sys.stderr,
                    flush=True,
                )
                fcntl.flock(handle, fcntl.LOCK_EX)
            for stale in self.folder.glob(".*.tmp*"):
                stale.unlink()
            self._record_key()
            yield
        finally:
            os.close(handle)  # releases the lock

    def _record_key(self) -> None:
        try:
            if read_sealed_json(self.folder / PASS_RECORD) == self.key:
                return
        except FileNotFoundError:
            pass
        except DamagedFileError as damage:
            warn_damaged(damage, "writing it again")
        write_sealed_json(self.folder / PASS_RECORD, self.key)

    def complete(self, ranges: list[tuple[int, int]]) -> set[int]:
        """The shards (of `ranges`, one sentence range per shard) already written whole."""
        return {shard for shard, span in enumerate(ranges) if self._is_complete(shard, span)}

    def _is_complete(self, shard: int, span: tuple[int, int]) -> bool:
        name = self.shard_name(shard)
        try:
            record = read_sealed_json(self.folder / f"{name}.json")
            if record.get("key") != self.key_digest or tuple(record.get("sentences", ())) != span:
                return False
            check_digests(self.folder, record["files"])
        except FileNotFoundError:
            return False
        except DamagedFileError as damage:
            warn_damaged(damage, f"computing shard {shard} again")
            return False
        return True

    def write(self, shard: int, span: tuple[int, int], arrays: dict[str, np.ndarray]) -> None:
        """Write one shard's arrays (encodings, if among them, to their own .npy), then its record."""
        name = self.shard_name(shard)
        numbers = {field: array for field, array in arrays.items() if field != ENCODINGS}
        files = {f"{name}.npz": write_npz_with_digest(self.folder / f"{name}.npz", numbers)}
        if ENCODINGS in arrays:
            vectors = np.ascontiguousarray(arrays[ENCODINGS], dtype=np.float32)
            path = self.folder / f"{name}-{ENCODINGS}.npy"
            files[path.name] = write_with_digest(path, partial(_save_npy, vectors))
        record = {"key": self.key_digest, "sentences": list(span), "files": files}
        write_sealed_json(self.folder / f"{name}.json", record)

    def read_numbers(self, shard: int) -> dict[str, np.ndarray]:
        """A written shard's arrays, encodings left out."""
        with np.load(self.folder / f"{self.shard_name(shard)}.npz") as saved:
            return {field: saved[field] for field in saved.files}

    def encodings(self, shards: int) -> ShardedRows | None:
        """The encodings of shards 0..shards-1 as one memory-mapped array, or None if none were kept."""
        paths = [self.folder / f"{self.shard_name(shard)}-{ENCODINGS}.npy" for shard in range(shards)]
        if not all(path.is_file() for path in paths):
            return None
        return ShardedRows([np.load(path, mmap_mode="r") for path in paths])


def _save_npy(array: np.ndarray, path: Path) -> None:
    np.save(path, array)
