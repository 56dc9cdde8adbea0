"""Contextual neighbours: for a token at a layer, the nearest token encodings of a corpus at that layer.

Per layer, a FAISS index in memory proposes candidates (exhaustive fp32 for small corpora, compressed
IVF-RaBitQ for large ones, see contextual/contextual_layers.py) and the occurrences' raw fp32 encodings stay
on disk in a memory-mapped file, read only for the candidates: every similarity shown is the float64 cosine
of the stored fp32 vectors, and only recall is approximate. Saved under
build/indexes/<model>/contextual-<method>/ with a sealed manifest of every file's digest
(contextual/contextual_store.py writes it).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from journeys.contextual import contextual_layers
from journeys.contextual.contextual_rows import OccurrenceRows
from journeys.contextual.contextual_store import (
    MANIFEST,
    ROWS,
    SENTENCES,
    Chunk,
    layer_name,
    vectors_name,
    write_index_folder,
)
from journeys.contextual.settings import ContextualSettings
from journeys.corpus.corpus_analysis import CorpusAnalysis, analyze_corpus
from journeys.corpus.reading import read_corpus
from journeys.corpus.settings import CorpusSettings
from journeys.corpus.sharded_rows import ShardedRows
from journeys.indexer.engine import JourneyEngine
from journeys.indexer.options import checked_count
from journeys.indexer.records import ModelInfo, Token
from journeys.indexer.sealed_files import DamagedFileError, check_digests, read_sealed_json, warn_damaged
from journeys.indexer.vocabulary_index import index_folder

#: Extra candidates scored exactly, so fp32 rounding in the candidate search cannot change which k are listed.
RESCORE_MARGIN = 8
#: Queries whose candidates are read and screened together, a block per thread (a 32-token text is two).
SCREEN_BLOCK = 16
#: Version of the saved folder's layout (2: candidate indexes plus memory-mapped fp32 encodings; 3: the
#: compressed candidate index has a refining code; 4: it is a refined fast-scan IVF-PQ; 5: it is an
#: IVF-RaBitQ. An older one is rebuilt).
FORMAT = 5


@dataclass(frozen=True)
class ContextualHit:
    """A corpus token occurrence near the query encoding, with its sentence around it."""

    sentence: int
    position: int
    token: str
    similarity: float
    before: str
    match: str
    after: str

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["context"] = {key: data.pop(key) for key in ("before", "match", "after")}
        return data


@dataclass
class ContextualResult:
    """For every token of a text and every layer, its k nearest corpus occurrences at that layer."""

    model: ModelInfo
    method: str
    k: int
    corpus_sentences: int
    tokens: list[Token]
    neighbours: list[list[list[ContextualHit]]]  # token, layer, hit (most similar first)

    def to_dict(self) -> dict[str, Any]:
        """The JSON object returned by POST /api/contextual."""
        return {
            "model": {"name": self.model.name, "num_layers": self.model.num_layers},
            "method": self.method,
            "k": self.k,
            "corpus_sentences": self.corpus_sentences,
            "tokens": [asdict(token) for token in self.tokens],
            "neighbours": [
                [[hit.to_dict() for hit in layer] for layer in token] for token in self.neighbours
            ],
        }


class ContextualIndex:
    """Per-layer candidate indexes in memory and memory-mapped fp32 encodings, with each row's occurrence."""

    def __init__(
        self,
        method: str,
        sentences: list[str],
        layers: list[faiss.Index],
        vectors: list[np.ndarray],
        rows: OccurrenceRows,
        sentences_digest: str,
        settings: ContextualSettings | None = None,
    ) -> None:
        self.method = method
        self.sentences = sentences  # the indexed sentences (a prefix of the corpus when capped)
        self.layers = layers
        self.vectors = vectors  # per layer, (N, H) float32 memmap of the raw encodings
        self.rows = rows
        self.sentences_digest = sentences_digest  # of the whole corpus it was built from
        self.settings = settings or ContextualSettings()
        self.nprobe = self.settings.nprobe
        self.candidates = self.settings.candidates

    @classmethod
    def build(
        cls,
        engine: JourneyEngine,
        method: str,
        sentences: list[str],
        chunks: Iterable[Chunk],
        settings: ContextualSettings | None = None,
    ) -> ContextualIndex:
        """Index the encodings of `sentences` arriving as (rows, float32 (n, L, H)) `chunks` in corpus order,
        whole sentences up to the settings' `max_tokens` occurrences; save it for the engine's model and
        return it."""
        settings = settings or ContextualSettings()
        folder = contextual_folder(engine, method)
        meta = {**_meta(engine, method), "sentences_digest": _digest(sentences)}
        manifest = write_index_folder(folder, meta, sentences, chunks, settings)
        return cls.load(folder, manifest, settings)

    @classmethod
    def from_analysis(
        cls,
        engine: JourneyEngine,
        analysis: CorpusAnalysis,
        settings: ContextualSettings | None = None,
    ) -> ContextualIndex:
        """Index and save the encodings kept by `analyze_corpus(..., keep_encodings=True)`, or by a sharded
        corpus pass: then streamed shard by shard from their memory-mapped files, never all in memory."""
        if analysis.encodings is None:
            raise ValueError("the corpus analysis kept no encodings: run it with keep_encodings=True")
        encodings = analysis.encodings
        parts = encodings.chunks if isinstance(encodings, ShardedRows) else [encodings]
        rows = OccurrenceRows.columns_of(analysis)
        ends = np.cumsum([0, *(len(part) for part in parts)])
        chunks = (
            (rows.slice(start, stop), part)
            for start, stop, part in zip(ends[:-1], ends[1:], parts, strict=True)
        )
        return cls.build(engine, analysis.method, analysis.sentences, chunks, settings)

    @classmethod
    def load_saved(
        cls,
        engine: JourneyEngine,
        method: str | None = None,
        sentences: list[str] | None = None,
        settings: ContextualSettings | None = None,
    ) -> ContextualIndex | None:
        """The index saved for this model and method (default: the engine's) if it matches the weights and
        engine version (and was built from exactly `sentences`, if given); None otherwise, or when its files
        are damaged (then said in one line)."""
        method = engine.checked_method(engine.settings.default_method if method is None else method)
        folder = contextual_folder(engine, method)
        expected = _meta(engine, method)
        if sentences is not None:
            expected["sentences_digest"] = _digest(sentences)
        try:
            manifest = read_sealed_json(folder / MANIFEST)
            if any(manifest.get(key) != value for key, value in expected.items()):
                return None
            check_digests(folder, manifest["files"])
        except FileNotFoundError:
            return None
        except DamagedFileError as damage:
            warn_damaged(damage, "not using the contextual index (journeys build writes it again)")
            return None
        return cls.load(folder, manifest, settings)

    @classmethod
    def load_or_build(
        cls,
        engine: JourneyEngine,
        method: str | None = None,
        sentences: list[str] | None = None,
        settings: ContextualSettings | None = None,
    ) -> ContextualIndex:
        """The saved index for this model and method (for exactly `sentences` if given), else built
        from `sentences` or the repo corpus and saved."""
        saved = cls.load_saved(engine, method, sentences, settings)
        if saved is not None:
            return saved
        if sentences is None:
            sentences = read_corpus(CorpusSettings().corpus_file, engine).sentences
        analysis = analyze_corpus(engine, sentences, method, keep_encodings=True)
        return cls.from_analysis(engine, analysis, settings)

    @classmethod
    def load(
        cls, folder: Path, manifest: dict[str, Any], settings: ContextualSettings | None = None
    ) -> ContextualIndex:
        """Read an index written by `write_index_folder`, whose files `manifest` lists (and were checked);
        the candidate indexes into memory, the encodings as memmaps."""
        shape = (manifest["rows"], manifest["hidden"])
        layers = range(manifest["layers"])
        with np.load(folder / ROWS) as saved:
            rows = OccurrenceRows(**{name: saved[name] for name in saved.files})
        return cls(
            manifest["method"],
            json.loads((folder / SENTENCES).read_text(encoding="utf-8")),
            [contextual_layers.read_layer(folder / layer_name(layer)) for layer in layers],
            [map_vectors(folder / vectors_name(layer), shape) for layer in layers],
            rows,
            manifest["sentences_digest"],
            settings,
        )

    @property
    def nbytes(self) -> int:
        """Bytes held in memory: the per-layer candidate indexes and the row records (not the memmaps)."""
        indexes = sum(contextual_layers.index_nbytes(index) for index in self.layers)
        return indexes + sum(array.nbytes for array in self.rows.arrays().values())

    def query(
        self,
        engine: JourneyEngine,
        text: str,
        k: int | None = None,
        exclude_same_text: bool = False,
    ) -> ContextualResult:
        """The k nearest corpus occurrences (default: the settings' `default_k`) of every token of `text` at
        every layer.

        `exclude_same_text` leaves out occurrences from corpus sentences identical to `text`, so a
        gallery sentence that is also in the corpus does not find itself.
        """
        k = checked_count("k", self.settings.default_k if k is None else k, self.settings.max_k)
        encoded = engine.encodings(text, self.method)
        excluded = self._sentences_equal_to(text) if exclude_same_text else set()
        keep = k + (int(np.isin(self.rows.token_sentence, list(excluded)).sum()) if excluded else 0)
        vectors = encoded.vectors.cpu().double().numpy()  # FAISS and the stored vectors are on the CPU
        per_layer = [self.nearest(layer, vectors[layer], keep) for layer in range(len(self.layers))]
        texts = engine.vocabulary_texts
        neighbours = [
            [self._hits(similarity[t], found[t], excluded, k, texts) for similarity, found in per_layer]
            for t in range(len(encoded.token_ids))
        ]
        return ContextualResult(
            model=engine.info,
            method=self.method,
            k=k,
            corpus_sentences=len(self.sentences),
            tokens=[Token(i, texts[i]) for i in encoded.token_ids],
            neighbours=neighbours,
        )

    def _sentences_equal_to(self, text: str) -> set[int]:
        return {i for i, sentence in enumerate(self.sentences) if sentence == text}

    def nearest(self, layer: int, queries: np.ndarray, keep: int) -> tuple[np.ndarray, np.ndarray]:
        """For (T, H) float64 `queries`: the `keep` most similar rows at `layer` among the candidate index's
        proposals and their float64 cosines of the stored fp32 encodings (-1 and -inf past the candidates),
        most similar first, ties by row.

        Each query's candidates are screened in fp32 from the stored rows, a block of queries a thread;
        its best `keep` + RESCORE_MARGIN are scored in float64, so fp32 rounding cannot change which are kept
        and every similarity returned is exact."""
        unit_queries = queries / np.linalg.norm(queries, axis=1, keepdims=True)
        found = contextual_layers.search(
            self.layers[layer], unit_queries, self.fetched(keep), self.nprobe, self.settings.query_bits
        )
        blocks = [slice(start, start + SCREEN_BLOCK) for start in range(0, len(queries), SCREEN_BLOCK)]
        with ThreadPoolExecutor(self.settings.screen_threads) as pool:
            screened = list(
                pool.map(lambda rows: self._rescored(layer, unit_queries[rows], found[rows], keep), blocks)
            )
        return np.concatenate([s[0] for s in screened]), np.concatenate([s[1] for s in screened])

    def fetched(self, keep: int) -> int:
        """Candidates proposed per query token and layer for `keep` neighbours: the rows read from disk."""
        return max(keep + RESCORE_MARGIN, self.candidates)

    def _rescored(
        self, layer: int, unit_queries: np.ndarray, found: np.ndarray, keep: int
    ) -> tuple[np.ndarray, np.ndarray]:
        # (T, C, H) fp32, each query's candidates (np.take gathers memmap rows twice as fast as indexing)
        stored = np.take(self.vectors[layer], np.maximum(found, 0), axis=0)
        screen = np.einsum("tcd,td->tc", stored, unit_queries.astype(np.float32))
        screen = np.where(found >= 0, screen / np.sqrt(np.einsum("tcd,tcd->tc", stored, stored)), -np.inf)
        rescored = min(keep + RESCORE_MARGIN, found.shape[1])
        best = np.argpartition(-screen, rescored - 1, axis=1)[:, :rescored]
        rows = np.take_along_axis(found, best, 1)
        exact = np.take_along_axis(stored, best[:, :, None], 1).astype(np.float64)
        similarity = np.einsum("tcd,td->tc", exact, unit_queries) / np.linalg.norm(exact, axis=2)
        similarity[rows < 0] = -np.inf
        order = np.lexsort((np.where(rows >= 0, rows, np.iinfo(np.int64).max), -similarity), axis=1)[:, :keep]
        return np.take_along_axis(similarity, order, 1), np.take_along_axis(rows, order, 1)

    def _hits(
        self, similarity: np.ndarray, found: np.ndarray, excluded: set[int], k: int, texts: list[str]
    ) -> list[ContextualHit]:
        keep = [
            (s, row)
            for s, row in zip(similarity, found, strict=True)
            if row >= 0 and int(self.rows.token_sentence[row]) not in excluded
        ]
        return [self._hit(int(row), float(s), texts) for s, row in keep[:k]]

    def _hit(self, row: int, similarity: float, texts: list[str]) -> ContextualHit:
        sentence = int(self.rows.token_sentence[row])
        position = int(self.rows.token_position[row])
        start, end = (int(x) for x in self.rows.offsets[row])
        before, match, after = snippet(
            self.sentences[sentence], start, end, position == 0, self.settings.snippet_chars
        )
        token = texts[int(self.rows.token_ids[row])]
        return ContextualHit(sentence, position, token, similarity, before, match or token, after)


def snippet(text: str, start: int, end: int, at_start: bool, width: int) -> tuple[str, str, str]:
    """(before, match, after) around text[start:end], at most `width` characters either side, cut
    ends marked with '…'. A token without a span (special token) sits at the start or the end."""
    if start == end:
        return ("", "", _cut_right(text, 2 * width)) if at_start else (_cut_left(text, 2 * width), "", "")
    return _cut_left(text[:start], width), text[start:end], _cut_right(text[end:], width)


def _cut_left(text: str, width: int) -> str:
    return text if len(text) <= width else "…" + text[-width:]


def _cut_right(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width] + "…"


def map_vectors(path: Path, shape: tuple[int, int]) -> np.memmap:
    """A layer's (N, H) float32 vectors file, memory-mapped read-only."""
    return np.memmap(path, np.float32, "r", shape=shape)


def contextual_folder(engine: JourneyEngine, method: str) -> Path:
    """Where the engine's model's contextual index for one method is saved."""
    return index_folder(engine.settings.index_dir, engine.info.name) / f"contextual-{method}"


def _meta(engine: JourneyEngine, method: str) -> dict[str, Any]:
    """What a saved index must match besides its sentences: weights, precision, engine version, method."""
    return {
        "format": FORMAT,
        "engine_version": engine.settings.engine_version,
        "method": method,
        "precision": engine.precision.to_dict(),
        "fingerprint": engine.index.fingerprint,
        "num_layers": engine.info.num_layers,
    }


def _digest(sentences: list[str]) -> str:
    return hashlib.blake2b("\n".join(sentences).encode(), digest_size=16).hexdigest()
