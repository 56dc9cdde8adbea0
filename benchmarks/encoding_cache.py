"""A corpus encoded once for repeated bench runs: every sentence's encodings at every layer, token-major, in a
float32 file under build/ read as a memmap, with each occurrence's row record beside it.

Encoding runs in worker processes of one thread each (two threads of one process fight each other on a
busy 2-core machine); each worker writes its sentences' rows into the shared file at offsets known from
the tokenizer beforehand.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from journeys.contextual.contextual_rows import OccurrenceRows
from journeys.indexer.atomic_files import replaced_atomically, write_bytes_atomic
from journeys.indexer.engine import JourneyEngine
from journeys.indexer.settings import EngineSettings

#: Sentences encoded between two progress lines of a worker.
PROGRESS_EVERY = 2000


@dataclass(frozen=True)
class CachedEncodings:
    """Encodings of a corpus kept on disk: (N, L, H) float32 memmap, the rows and the sentences."""

    sentences: list[str]
    rows: OccurrenceRows
    vectors: np.ndarray

    def chunks(self, stop: int, size: int = 65536) -> Iterator[tuple[OccurrenceRows, np.ndarray]]:
        """The first `stop` occurrences as (rows, float32 (n, L, H)) chunks, as the index builder takes."""
        for start in range(0, stop, size):
            end = min(start + size, stop)
            yield self.rows.slice(start, end), np.asarray(self.vectors[start:end])


def load_or_encode(
    model: str, method: str, sentences: list[str], folder: Path, workers: int, settings: EngineSettings
) -> CachedEncodings:
    """The cached encodings of `sentences` in `folder`, encoded first when the cache is missing or stale."""
    meta_path = folder / "meta.json"
    digest = _digest(model, method, sentences)
    meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    if meta.get("digest") != digest:
        meta = _encode(model, method, sentences, folder, workers, digest, settings)
    vectors = np.memmap(folder / "encodings.f32", np.float32, "r", shape=tuple(meta["shape"]))
    with np.load(folder / "rows.npz") as saved:
        rows = OccurrenceRows(**{name: saved[name] for name in saved.files})
    return CachedEncodings(sentences, rows, vectors)


def _encode(
    model: str,
    method: str,
    sentences: list[str],
    folder: Path,
    workers: int,
    digest: str,
    settings: EngineSettings,
) -> dict[str, object]:
    engine = JourneyEngine.load(model, settings=settings)
    tokenizer = engine.loaded.tokenizer
    lengths = np.array([len(ids) for ids in tokenizer(sentences, add_special_tokens=True)["input_ids"]])
    starts = np.concatenate([[0], np.cumsum(lengths)])
    shape = (int(starts[-1]), engine.info.num_layers, engine.info.hidden_size)
    print(f"journeys: encoding {len(sentences)} sentences, {shape[0]} tokens", file=sys.stderr)
    started = time.perf_counter()
    with replaced_atomically(folder / "encodings.f32") as temporary:
        np.memmap(temporary, np.float32, "w+", shape=shape).flush()
        jobs = [
            (model, method, sentences, starts, shape, temporary, w, workers, settings) for w in range(workers)
        ]
        with multiprocessing.get_context("spawn").Pool(workers) as pool:
            parts = pool.starmap(_encode_share, jobs)
    rows = OccurrenceRows.concatenate(parts)
    rows = rows.take(np.lexsort((rows.token_position, rows.token_sentence)))
    with replaced_atomically(folder / "rows.npz") as temporary:
        np.savez(temporary, **rows.arrays())
    seconds = time.perf_counter() - started
    meta = {"digest": digest, "shape": list(shape), "encode_seconds": round(seconds, 1)}
    write_bytes_atomic(folder / "meta.json", json.dumps(meta).encode())
    return meta


def _encode_share(
    model: str,
    method: str,
    sentences: list[str],
    starts: np.ndarray,
    shape: tuple[int, int, int],
    path: Path,
    worker: int,
    workers: int,
    settings: EngineSettings,
) -> OccurrenceRows:
    """Encode every `workers`-th sentence from `worker` on into its rows of the file; return their rows."""
    torch.set_num_threads(1)
    engine = JourneyEngine.load(model, settings=settings)
    tokenizer = engine.loaded.tokenizer
    vectors = np.memmap(path, np.float32, "r+", shape=shape)
    parts = []
    tokens = 0
    started = time.perf_counter()
    for done, index in enumerate(range(worker, len(sentences), workers)):
        text = sentences[index]
        encoded = engine.encodings(text, method)
        start, end = int(starts[index]), int(starts[index + 1])
        tokens += end - start
        vectors[start:end] = encoded.vectors.cpu().numpy().transpose(1, 0, 2)
        offsets = tokenizer(text, add_special_tokens=True, return_offsets_mapping=True)["offset_mapping"]
        parts.append(OccurrenceRows.of_sentence(index, encoded.token_ids, np.asarray(offsets).reshape(-1, 2)))
        if done and done % PROGRESS_EVERY == 0:
            rate = tokens / (time.perf_counter() - started)
            print(f"worker {worker}: {done} sentences, {rate:.0f} tokens/s", file=sys.stderr, flush=True)
    vectors.flush()
    return OccurrenceRows.concatenate(parts)


def _digest(model: str, method: str, sentences: list[str]) -> str:
    return hashlib.blake2b("\n".join([model, method, *sentences]).encode(), digest_size=16).hexdigest()
