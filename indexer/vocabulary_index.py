"""FAISS inner-product index over the L2-normalised vocabulary embeddings, saved per model.

Rows of zero norm (padding) have no direction, so they are left out of the index; the index maps
its rows back to vocabulary ids. The index's own stored vectors also feed the exact scorer, so the
normalised vocabulary exists once in memory.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

from indexer import config
from indexer.atomic_files import replaced_atomically, write_json_atomic


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
    def load_or_build(cls, word_embeddings: np.ndarray, model_name: str) -> VocabularyIndex:
        """Reuse the index saved under build/ for this model when its fingerprint matches, else rebuild it."""
        folder = index_folder(model_name)
        fingerprint = embedding_fingerprint(word_embeddings)
        meta_path = folder / "vocabulary.json"
        if meta_path.is_file():
            meta = json.loads(meta_path.read_text())
            if meta.get("fingerprint") == fingerprint and meta.get("engine_version") == config.ENGINE_VERSION:
                index = faiss.read_index(str(folder / "vocabulary.faiss"))
                row_ids = np.load(folder / "vocabulary_row_ids.npy")
                if index.ntotal == len(row_ids) and index.d == word_embeddings.shape[1]:
                    return cls(index, row_ids, fingerprint)
        built = cls.build(word_embeddings, fingerprint)
        meta = {
            "fingerprint": fingerprint,
            "engine_version": config.ENGINE_VERSION,
            "rows": len(built.row_ids),
        }
        with replaced_atomically(folder / "vocabulary.faiss") as path:
            faiss.write_index(built.index, str(path))
        with replaced_atomically(folder / "vocabulary_row_ids.npy") as path:
            np.save(path, built.row_ids)
        write_json_atomic(meta_path, meta)
        return built


def index_folder(model_name: str) -> Path:
    """Where a model's indexes live: build/indexes/<model name made filename-safe>."""
    safe = "".join(char if char.isalnum() or char in "-_." else "_" for char in model_name.strip("/"))
    return config.INDEX_DIR / safe
