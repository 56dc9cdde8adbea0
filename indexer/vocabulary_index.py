"""FAISS inner-product index over the L2-normalised vocabulary embeddings, saved per model.

Rows of zero norm (padding) have no direction, so they are left out of the index; the index maps
its rows back to vocabulary ids. The index's own stored vectors also feed the exact scorer, so the
normalised vocabulary exists once in memory. The embedding matrix may be a numpy array or a torch tensor in
any float dtype (bfloat16 and float16 rows widen exactly to float32); it is read a block of rows at a time,
so neither building the index nor fingerprinting the weights ever holds a second copy of it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np
import torch

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
#: Entries of the embedding matrix read at a time: a block's temporaries stay a few megabytes for any width,
#: small enough that the C allocator reuses them instead of keeping each one's pages.
BLOCK_ENTRIES = 2**20

#: An embedding matrix (V, d): numpy in float32, or torch in any float dtype.
EmbeddingMatrix = np.ndarray | torch.Tensor


def block_rows(width: int) -> int:
    """How many rows of this width make one block of about BLOCK_ENTRIES entries."""
    return max(1, BLOCK_ENTRIES // width)


def float32_blocks(word_embeddings: EmbeddingMatrix) -> Iterator[np.ndarray]:
    """The matrix in consecutive blocks of `block_rows` rows, each a float32 numpy array (a view where the
    rows already are contiguous float32)."""
    rows = block_rows(word_embeddings.shape[1])
    for start in range(0, word_embeddings.shape[0], rows):
        block = word_embeddings[start : start + rows]
        if isinstance(block, torch.Tensor):
            block = block.detach().to("cpu", torch.float32).numpy()
        yield np.ascontiguousarray(block, dtype=np.float32)


def embedding_fingerprint(word_embeddings: EmbeddingMatrix) -> str:
    """A digest of the embedding matrix as float32, so a saved index is reused only for the same weights."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(str(tuple(word_embeddings.shape)).encode())
    for block in float32_blocks(word_embeddings):
        digest.update(memoryview(block).cast("B"))
    return digest.hexdigest()


@dataclass
class VocabularyIndex:
    """Normalised vocabulary rows in a FAISS IndexFlatIP, with the vocabulary id of each row."""

    index: faiss.IndexFlatIP
    row_ids: np.ndarray  # int64, vocabulary id of each index row (zero-norm rows excluded)
    fingerprint: str  # of the embedding matrix it was built from; keys everything derived from it

    @property
    def vectors(self) -> np.ndarray:
        """The normalised vectors as stored by FAISS (a view, no copy)."""
        return vectors_of(self.index)

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Cosine similarities and vocabulary ids of the k nearest rows to each (normalised) query."""
        similarities, rows = self.index.search(np.ascontiguousarray(queries, dtype=np.float32), k)
        return similarities, self.row_ids[rows]

    @classmethod
    def build(cls, word_embeddings: EmbeddingMatrix, fingerprint: str | None = None) -> VocabularyIndex:
        """Index the nonzero rows of the embedding matrix, each scaled to unit length (norm and division in
        float64, stored in float32), written block by block straight into the index's own storage."""
        norms = np.concatenate(
            [np.linalg.norm(block.astype(np.float64), axis=1) for block in float32_blocks(word_embeddings)]
        )
        row_ids = np.flatnonzero(norms > 0).astype(np.int64)
        width = word_embeddings.shape[1]
        index = faiss.IndexFlatIP(width)
        index.codes.resize(len(row_ids) * width * np.dtype(np.float32).itemsize)
        index.ntotal = len(row_ids)
        stored = vectors_of(index)
        filled, rows = 0, block_rows(width)
        for number, block in enumerate(float32_blocks(word_embeddings)):
            block_norms = norms[number * rows : number * rows + len(block)]
            kept = np.flatnonzero(block_norms > 0)
            stored[filled : filled + len(kept)] = block[kept] / block_norms[kept, None]
            filled += len(kept)
        return cls(index, row_ids, fingerprint or embedding_fingerprint(word_embeddings))

    @classmethod
    def load_or_build(
        cls, word_embeddings: EmbeddingMatrix, model_name: str, settings: EngineSettings
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


def vectors_of(index: faiss.IndexFlatIP) -> np.ndarray:
    """(ntotal, d) float32 view of a flat index's stored vectors."""
    flat = faiss.rev_swig_ptr(index.get_xb(), index.ntotal * index.d)
    return np.asarray(flat).reshape(index.ntotal, index.d)


def index_folder(index_dir: Path, model_name: str) -> Path:
    """Where a model's indexes live: `index_dir`/<model name made filename-safe>."""
    safe = "".join(char if char.isalnum() or char in "-_." else "_" for char in model_name.strip("/"))
    return index_dir / safe
