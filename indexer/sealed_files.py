"""Build files that carry a digest of their content, so a damaged or edited file is caught when it is read
instead of feeding a wrong number.

A record is written as the JSON `{"blake2b":"<digest of the record's bytes>","record":<record>}`: still
plain JSON, checked byte for byte. A binary file (a FAISS index, a NumPy array) gets its digest recorded in
a sealed manifest beside it. Every write is atomic (`indexer.atomic_files`).
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from journeys.indexer.atomic_files import replaced_atomically, write_bytes_atomic

SEAL = re.compile(rb'\{"blake2b":"([0-9a-f]{64})","record":')
READ_BLOCK = 1 << 20


class DamagedFileError(Exception):
    """A build file whose content is not what was written there; the message names the file."""

    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(f"{path} {problem}")
        self.path = path


def content_digest(data: bytes) -> str:
    """BLAKE2b-256 of `data`, in hex."""
    return hashlib.blake2b(data, digest_size=32).hexdigest()


def file_digest(path: Path) -> str:
    """BLAKE2b-256 of a file's bytes, in hex, read in blocks."""
    digest = hashlib.blake2b(digest_size=32)
    with open(path, "rb") as handle:
        while block := handle.read(READ_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def write_sealed_json(target: Path, record: Any) -> None:
    """Write `record` as compact JSON with the digest of its bytes, atomically."""
    body = json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    write_bytes_atomic(target, b'{"blake2b":"%s","record":%s}' % (content_digest(body).encode(), body))


def read_sealed_json(path: Path) -> Any:
    """The record `write_sealed_json` stored at `path`; FileNotFoundError when there is none,
    DamagedFileError when the file is not exactly what was written."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise
    except OSError as error:
        raise DamagedFileError(path, f"cannot be read ({error.strerror})") from None
    seal = SEAL.match(data)
    if seal is None or not data.endswith(b"}"):
        raise DamagedFileError(path, "is not a sealed build file (damaged or edited)")
    body = data[seal.end() : -1]
    if content_digest(body) != seal.group(1).decode():
        raise DamagedFileError(path, "does not match its recorded digest (damaged or edited)")
    return json.loads(body.decode("utf-8"))


def read_sealed_or_none(path: Path, action: str) -> Any | None:
    """The record at `path`, or None when there is none or it is damaged (then said in one line with
    `action`, what the caller does instead)."""
    try:
        return read_sealed_json(path)
    except FileNotFoundError:
        return None
    except DamagedFileError as damage:
        warn_damaged(damage, action)
        return None


def write_with_digest(target: Path, write: Callable[[Path], None]) -> str:
    """Let `write` fill a temporary file that then replaces `target` atomically; return its digest."""
    with replaced_atomically(target) as temporary:
        write(temporary)
        digest = file_digest(temporary)
    return digest


def write_npz_with_digest(target: Path, arrays: dict[str, np.ndarray]) -> str:
    """Save `arrays` as one .npz file that replaces `target` atomically; return its digest."""
    return write_with_digest(target, lambda path: np.savez(path, **arrays))


def check_digests(folder: Path, digests: dict[str, str]) -> None:
    """Raise DamagedFileError unless every file named in `digests` is in `folder` with that digest."""
    for name, expected in digests.items():
        path = folder / name
        if not path.is_file():
            raise DamagedFileError(path, "is missing")
        if file_digest(path) != expected:
            raise DamagedFileError(path, "does not match its recorded digest (damaged or edited)")


def warn_damaged(error: DamagedFileError, action: str) -> None:
    """Report a damaged build file in one line on stderr, saying what is done about it."""
    print(f"journeys: warning: {error}; {action}", file=sys.stderr, flush=True)
