"""Contextual neighbours: for a token at a layer, the nearest token encodings of a corpus at that layer.

One exhaustive FAISS inner-product index (IndexFlatIP) per layer over the L2-normalised fp32 encodings of
every corpus token, with a record (sentence, position, vocabulary id, character span) per row, saved under
build/indexes/<model>/contextual-<method>/ with a sealed manifest of every file's digest. Its size is
bounded by CONTEXTUAL_MAX_TOKENS rows per layer. FAISS finds the candidates; the reported similarities and
their order are recomputed in float64 between the query encoding and each stored unit vector.
"""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from findings.corpus import read_corpus
from findings.corpus_analysis import CorpusAnalysis, analyze_corpus
from indexer import config
from indexer.engine import JourneyEngine
from indexer.options import checked_count
from indexer.records import ModelInfo, Token
from indexer.sealed_files import (
    DamagedFileError,
    check_digests,
    read_sealed_json,
    warn_damaged,
    write_sealed_json,
    write_with_digest,
)
from indexer.vocabulary_index import index_folder

ROW_FIELDS = ("token_sentence", "token_position", "token_ids", "offsets")
#: The sealed manifest of a saved index: what it was built from and the digest of each of its files.
MANIFEST = "manifest.json"
#: Extra FAISS candidates rescored in float64, so fp32 rounding cannot change which k are listed.
RESCORE_MARGIN = 8


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
    """Per-layer FAISS indexes over a corpus's token encodings, with each row's occurrence."""

    def __init__(
        self,
        method: str,
        sentences: list[str],
        layers: list[faiss.Index],
        rows: dict[str, np.ndarray],
        sentences_digest: str,
    ) -> None:
        self.method = method
        self.sentences = sentences  # the indexed sentences (a prefix of the corpus when capped)
        self.layers = layers
        self.rows = rows
        self.sentences_digest = sentences_digest  # of the whole corpus it was built from

    @classmethod
    def from_analysis(
        cls, analysis: CorpusAnalysis, max_tokens: int = config.CONTEXTUAL_MAX_TOKENS
    ) -> ContextualIndex:
        """Index the encodings kept by `analyze_corpus(..., keep_encodings=True)`, whole sentences only,
        up to `max_tokens` occurrences."""
        if analysis.encodings is None:
            raise ValueError("the corpus analysis kept no encodings: run it with keep_encodings=True")
        lengths = np.bincount(analysis.token_sentence, minlength=len(analysis.sentences))
        kept_sentences = int(np.searchsorted(np.cumsum(lengths), max_tokens, side="right"))
        if kept_sentences < len(analysis.sentences):
            print(
                f"journeys: warning: contextual index keeps the first {kept_sentences} of "
                f"{len(analysis.sentences)} sentences ({max_tokens} tokens at most)",
                file=sys.stderr,
            )
        stop = int(lengths[:kept_sentences].sum())
        layers = []
        for layer in range(analysis.encodings.shape[1]):
            vectors = np.ascontiguousarray(analysis.encodings[:stop, layer], dtype=np.float32)
            faiss.normalize_L2(vectors)
            index = faiss.IndexFlatIP(vectors.shape[1])
            index.add(vectors)
            layers.append(index)
        rows = {name: getattr(analysis, name)[:stop] for name in ROW_FIELDS}
        return cls(
            analysis.method, analysis.sentences[:kept_sentences], layers, rows, _digest(analysis.sentences)
        )

    @classmethod
    def load_saved(
        cls, engine: JourneyEngine, method: str = config.DEFAULT_METHOD, sentences: list[str] | None = None
    ) -> ContextualIndex | None:
        """The index saved for this model and method if it matches the weights and engine version (and
        was built from exactly `sentences`, if given); None otherwise, or when its files are damaged
        (then said in one line)."""
        engine.checked_method(method)
        folder = contextual_folder(engine.info.name, method)
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
        return cls.load(folder, manifest)

    @classmethod
    def load_or_build(
        cls, engine: JourneyEngine, method: str = config.DEFAULT_METHOD, sentences: list[str] | None = None
    ) -> ContextualIndex:
        """The saved index for this model and method (for exactly `sentences` if given), else built
        from `sentences` or the repo corpus and saved."""
        saved = cls.load_saved(engine, method, sentences)
        if saved is not None:
            return saved
        if sentences is None:
            sentences = read_corpus(config.CORPUS_FILE, engine).sentences
        built = cls.from_analysis(analyze_corpus(engine, sentences, method, keep_encodings=True))
        built.save(engine)
        return built

    def save(self, engine: JourneyEngine) -> Path:
        """Write one .faiss file per layer, the row records and the sentences to the engine's model folder
        under build/, each atomically, then the sealed manifest with their digests; return the folder."""
        folder = contextual_folder(engine.info.name, self.method)
        files = {}
        for layer, index in enumerate(self.layers):
            name = f"layer-{layer:02d}.faiss"
            files[name] = write_with_digest(folder / name, partial(_write_faiss, index))
        files["rows.npz"] = write_with_digest(folder / "rows.npz", partial(_write_npz, self.rows))
        files["sentences.json"] = write_with_digest(
            folder / "sentences.json", partial(_write_json, self.sentences)
        )
        manifest = {**_meta(engine, self.method), "sentences_digest": self.sentences_digest, "files": files}
        write_sealed_json(folder / MANIFEST, manifest)
        return folder

    @classmethod
    def load(cls, folder: Path, manifest: dict[str, Any]) -> ContextualIndex:
        """Read an index written by `save`, whose files `manifest` lists and were checked."""
        layers = [
            faiss.read_index(str(folder / name))
            for name in sorted(manifest["files"])
            if name.startswith("layer-")
        ]
        with np.load(folder / "rows.npz") as saved:
            rows = {name: saved[name] for name in ROW_FIELDS}
        sentences = json.loads((folder / "sentences.json").read_text(encoding="utf-8"))
        return cls(manifest["method"], sentences, layers, rows, manifest["sentences_digest"])

    @property
    def nbytes(self) -> int:
        """Bytes held by the per-layer vectors and the row records."""
        vectors = sum(stored_vectors(index).nbytes for index in self.layers)
        return vectors + sum(array.nbytes for array in self.rows.values())

    def query(
        self,
        engine: JourneyEngine,
        text: str,
        k: int = config.CONTEXTUAL_DEFAULT_K,
        exclude_same_text: bool = False,
    ) -> ContextualResult:
        """The k nearest corpus occurrences of every token of `text` at every layer.

        `exclude_same_text` leaves out occurrences from corpus sentences identical to `text`, so a
        gallery sentence that is also in the corpus does not find itself.
        """
        k = checked_count("k", k, config.CONTEXTUAL_MAX_K)
        encoded = engine.encodings(text, self.method)
        excluded = [i for i, sentence in enumerate(self.sentences) if exclude_same_text and sentence == text]
        excluded_rows = np.isin(self.rows["token_sentence"], excluded)
        fetch = min(k + int(excluded_rows.sum()) + RESCORE_MARGIN, self.layers[0].ntotal)
        per_layer = []
        for layer, index in enumerate(self.layers):
            queries = encoded.vectors[layer].double().numpy()
            unit_queries = queries / np.linalg.norm(queries, axis=1, keepdims=True)
            _, found = index.search(np.ascontiguousarray(unit_queries, dtype=np.float32), fetch)
            similarity = np.einsum(
                "td,tkd->tk", unit_queries, stored_vectors(index)[found].astype(np.float64)
            )
            order = np.lexsort((found, -similarity), axis=1)
            per_layer.append((np.take_along_axis(similarity, order, 1), np.take_along_axis(found, order, 1)))
        texts = engine.vocabulary_texts
        neighbours = [
            [self._hits(similarity[t], found[t], excluded_rows, k, texts) for similarity, found in per_layer]
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

    def _hits(
        self, similarity: np.ndarray, found: np.ndarray, excluded_rows: np.ndarray, k: int, texts: list[str]
    ) -> list[ContextualHit]:
        keep = [
            (s, row) for s, row in zip(similarity, found, strict=True) if row >= 0 and not excluded_rows[row]
        ]
        return [self._hit(int(row), float(s), texts) for s, row in keep[:k]]

    def _hit(self, row: int, similarity: float, texts: list[str]) -> ContextualHit:
        sentence = int(self.rows["token_sentence"][row])
        position = int(self.rows["token_position"][row])
        start, end = (int(x) for x in self.rows["offsets"][row])
        before, match, after = snippet(self.sentences[sentence], start, end, position == 0)
        token = texts[int(self.rows["token_ids"][row])]
        return ContextualHit(sentence, position, token, similarity, before, match or token, after)


def stored_vectors(index: faiss.IndexFlat) -> np.ndarray:
    """The unit vectors a flat index holds, as a read-only view of FAISS's memory."""
    flat = faiss.rev_swig_ptr(index.get_xb(), index.ntotal * index.d)
    return np.asarray(flat).reshape(index.ntotal, index.d)


def snippet(
    text: str, start: int, end: int, at_start: bool, width: int = config.CONTEXTUAL_SNIPPET_CHARS
) -> tuple[str, str, str]:
    """(before, match, after) around text[start:end], at most `width` characters either side, cut
    ends marked with '…'. A token without a span (special token) sits at the start or the end."""
    if start == end:
        return ("", "", _cut_right(text, 2 * width)) if at_start else (_cut_left(text, 2 * width), "", "")
    return _cut_left(text[:start], width), text[start:end], _cut_right(text[end:], width)


def _cut_left(text: str, width: int) -> str:
    return text if len(text) <= width else "…" + text[-width:]


def _cut_right(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width] + "…"


def contextual_folder(model_name: str, method: str) -> Path:
    """Where a model's contextual index for one method is saved."""
    return index_folder(model_name) / f"contextual-{method}"


def _meta(engine: JourneyEngine, method: str) -> dict[str, Any]:
    """What a saved index must match besides its sentences: weights, engine version, method."""
    return {
        "engine_version": config.ENGINE_VERSION,
        "method": method,
        "fingerprint": engine.index.fingerprint,
        "num_layers": engine.info.num_layers,
    }


def _write_faiss(index: faiss.Index, path: Path) -> None:
    faiss.write_index(index, str(path))


def _write_npz(arrays: dict[str, np.ndarray], path: Path) -> None:
    np.savez(path, **arrays)


def _write_json(value: Any, path: Path) -> None:
    path.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")


def _digest(sentences: list[str]) -> str:
    return hashlib.blake2b("\n".join(sentences).encode(), digest_size=16).hexdigest()
