"""Write a contextual index's folder from encodings that arrive in chunks, without holding them all: each
layer's raw fp32 vectors stream into a file of their own (read back as a memmap), then each layer's
candidate index is built from that file, then the row records, the sentences and the sealed manifest.

A chunk is (OccurrenceRows, float32 (n, L, H) encodings), in corpus order; a sharded corpus pass streams its
shards in, `CorpusAnalysis.encodings` is one chunk.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterable
from functools import partial
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from journeys.contextual.contextual_layers import candidate_index
from journeys.contextual.contextual_rows import OccurrenceRows
from journeys.contextual.settings import ContextualSettings
from journeys.indexer.atomic_files import replaced_atomically
from journeys.indexer.sealed_files import (
    file_digest,
    write_npz_with_digest,
    write_sealed_json,
    write_with_digest,
)

#: The sealed manifest of a saved index: what it was built from and the digest of each of its files.
MANIFEST = "manifest.json"
ROWS = "rows.npz"
SENTENCES = "sentences.json"

Chunk = tuple[OccurrenceRows, np.ndarray]


def vectors_name(layer: int) -> str:
    return f"vectors-{layer:02d}.f32"


def layer_name(layer: int) -> str:
    return f"layer-{layer:02d}.faiss"


def write_index_folder(
    folder: Path,
    meta: dict[str, Any],
    sentences: list[str],
    chunks: Iterable[Chunk],
    settings: ContextualSettings,
) -> dict[str, Any]:
    """Write every file of the index of `chunks` (whole sentences, up to `settings.max_tokens` occurrences)
    and last the sealed manifest, `meta` plus the files' digests, the row count and the hidden size; return
    it."""
    max_tokens = settings.max_tokens
    files: dict[str, str] = {}
    with contextlib.ExitStack() as stack:
        rows, shape, temporaries = _stream_vectors(stack, folder, chunks, max_tokens, len(sentences))
        files.update({path_name: file_digest(path) for path_name, path in temporaries.items()})
    count, layers, hidden = shape
    if count == 0:
        raise ValueError(f"the contextual index holds no whole sentence in {max_tokens} tokens")
    for layer in range(layers):
        vectors = np.memmap(folder / vectors_name(layer), np.float32, "r", shape=(count, hidden))
        index = candidate_index(vectors, settings)
        files[layer_name(layer)] = write_with_digest(folder / layer_name(layer), partial(_write_faiss, index))
        del index, vectors
    kept = int(rows.token_sentence.max()) + 1
    files[ROWS] = write_npz_with_digest(folder / ROWS, rows.arrays())
    files[SENTENCES] = write_with_digest(folder / SENTENCES, partial(_write_json, sentences[:kept]))
    manifest = {**meta, "rows": count, "layers": layers, "hidden": hidden, "files": files}
    write_sealed_json(folder / MANIFEST, manifest)
    return manifest


def _stream_vectors(
    stack: contextlib.ExitStack, folder: Path, chunks: Iterable[Chunk], max_tokens: int, total_sentences: int
) -> tuple[OccurrenceRows, tuple[int, int, int], dict[str, Path]]:
    """Append each chunk's vectors layer by layer to temporary files that replace the layer files when
    `stack` closes; return the kept rows, (rows, layers, hidden) and the temporary files by name."""
    handles: list[Any] = []
    temporaries: dict[str, Path] = {}
    kept_rows: list[OccurrenceRows] = []
    count, shape = 0, (0, 0, 0)
    for rows, vectors in chunks:
        if not handles:
            for layer in range(vectors.shape[1]):
                temporary = stack.enter_context(replaced_atomically(folder / vectors_name(layer)))
                temporaries[vectors_name(layer)] = temporary
                handles.append(stack.enter_context(open(temporary, "wb")))  # noqa: SIM115
        keep = _whole_sentences(rows, max_tokens - count)
        for layer, handle in enumerate(handles):
            handle.write(np.ascontiguousarray(vectors[:keep, layer], dtype=np.float32).tobytes())
        kept_rows.append(rows.slice(0, keep).compact())
        count += keep
        shape = (count, vectors.shape[1], vectors.shape[2])
        if keep < len(rows):
            kept = int(rows.token_sentence[keep])
            print(
                f"journeys: warning: contextual index keeps the first {kept} of {total_sentences} sentences "
                f"({max_tokens} tokens at most)",
                file=sys.stderr,
            )
            break
    if not handles:
        raise ValueError("no encodings to index: the corpus pass gave no chunk")
    for handle in handles:
        handle.flush()
    return OccurrenceRows.concatenate(kept_rows), shape, temporaries


def _whole_sentences(rows: OccurrenceRows, room: int) -> int:
    """How many of `rows` fit in `room` rows without cutting a sentence."""
    if len(rows) <= room:
        return len(rows)
    starts = np.flatnonzero(rows.token_position == 0)
    fitting = starts[starts <= room]
    return int(fitting[-1]) if len(fitting) else 0


def _write_faiss(index: faiss.Index, path: Path) -> None:
    faiss.write_index(index, str(path))


def _write_json(value: Any, path: Path) -> None:
    path.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")
