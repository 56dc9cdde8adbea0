"""FAISS inner-product index over the L2-normalised vocabulary embeddings, saved per model.

Rows of zero norm (padding) have no direction, so they are left out of the index; the index maps
its rows back to vocabulary ids. The index's own stored vectors also feed the exact scorer, so the
normalised vocabulary exists once in memory.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

from journeys.indexer.sealed_files import (
    DamagedFileError,
    check_digests,
    read_sealed_json,
    warn_damaged,
    write_sealed_json,
    write_with_digest,
)
from journeys.indexer.settings import EngineSettings

INDEX_FILE = "vocabulary.faiss"
ROW_IDS_FILE = "vocabulary_row_ids.npy"
#: The sealed manifest: weights fingerprint, engine version and the digest of each file above.
META_FILE = "vocabulary-meta.json"


def embedding_fingerprint(word_embeddings: np.ndarray) -> str:
    """A digest of the embedding matrix, so a saved index is reused only for the same weights."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(str(word_embeddings.shape).encode())
    digest.update(np.ascontiguousarray(word_embeddings, dtype=np.float32).tobytes())
    return digest.hexdigest()


@dataclass
class VocabularyIndex:
    """Normalised vocabulary rows in a FAISS IndexFlatIP, with the vocabulary id of each row."""

    index: faiss.IndexFlatIP
    row_ids: np.ndarray  # int64, vocabulary id of each index row (zero-norm rows excluded)
    fingerprint: str  # of the embedding matrix it was built from; keys everything derived from it

    @property
    def vectors(self) -> np.ndarray:
        """The normalised vectors as stored by FAISS (a read-only view, no copy)."""
        flat = faiss.rev_swig_ptr(self.index.get_xb(), self.index.ntotal * self.index.d)
        return np.asarray(flat).reshape(self.index.ntotal, self.index.d)

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Cosine similarities and vocabulary ids of the k nearest rows to each (normalised) query."""
        similarities, rows = self.index.search(np.ascontiguousarray(queries, dtype=np.float32), k)
        return similarities, self.row_ids[rows]

    @classmethod
    def build(cls, word_embeddings: np.ndarray, fingerprint: str | None = None) -> VocabularyIndex:
        """Index the nonzero rows of the embedding matrix, each scaled to unit length."""
        norms = np.linalg.norm(word_embeddings.astype(np.float64), axis=1)
        row_ids = np.flatnonzero(norms > 0).astype(np.int64)
        unit_rows = (word_embeddings[row_ids] / norms[row_ids, None]).astype(np.float32)
        index = faiss.IndexFlatIP(word_embeddings.shape[1])
        index.add(np.ascontiguousarray(unit_rows))
        return cls(index, row_ids, fingerprint or embedding_fingerprint(word_embeddings))

    @classmethod
    def load_or_build(
        cls, word_embeddings: np.ndarray, model_name: str, settings: EngineSettings
    ) -> VocabularyIndex:
        """Reuse the index saved under the build folder for this model when its fingerprint and engine version
        match and its files are intact, else build it and save it; a damaged saved index is reported in one
        line and rebuilt."""
        folder = index_folder(settings.index_dir, model_name)
        fingerprint = embedding_fingerprint(word_embeddings)
        try:
            saved = cls.load_saved(folder, fingerprint, settings.engine_version)
        except DamagedFileError as damage:
            warn_damaged(damage, "rebuilding the vocabulary index")
            saved = None
        if saved is not None:
            return saved
        built = cls.build(word_embeddings, fingerprint)
        built.save(folder, settings.engine_version)
        return built

    @classmethod
    def load_saved(cls, folder: Path, fingerprint: str, engine_version: str) -> VocabularyIndex | None:
        """The index saved in `folder` for these weights and engine version, None when there is none;
        DamagedFileError when its files are not exactly what was saved."""
        try:
            meta = read_sealed_json(folder / META_FILE)
        except FileNotFoundError:
            return None
        if meta["fingerprint"] != fingerprint or meta["engine_version"] != engine_version:
            return None
        check_digests(folder, meta["files"])
        index = faiss.read_index(str(folder / INDEX_FILE))
        return cls(index, np.load(folder / ROW_IDS_FILE), fingerprint)

    def save(self, folder: Path, engine_version: str) -> None:
        """Write the index and its row ids atomically, then the sealed manifest holding their digests and the
        engine version."""
        files = {
            INDEX_FILE: write_with_digest(
                folder / INDEX_FILE, lambda path: faiss.write_index(self.index, str(path))
            ),
            ROW_IDS_FILE: write_with_digest(folder / ROW_IDS_FILE, lambda path: np.save(path, self.row_ids)),
        }
        meta = {
            "fingerprint": self.fingerprint,
            "engine_version": engine_version,
            "rows": len(self.row_ids),
            "files": files,
        }
        write_sealed_json(folder / META_FILE, meta)


def index_folder(index_dir: Path, model_name: str) -> Path:
    """Where a model's indexes live: `index_dir`/<model name made filename-safe>."""
    safe = "".join(char if char.isalnum() or char in "-_." else "_" for char in model_name.strip("/"))
    return index_dir / safe
