"""Local density of every vocabulary row: mean cosine similarity to its k nearest other rows.

Computed once per model with a FAISS k-NN search of the vocabulary index against itself and cached as a
sealed JSON file next to that index, keyed on the embedding weights, k and the engine version; a damaged
cache file is reported in one line and recomputed.
"""

from __future__ import annotations

import numpy as np

from journeys.findings.settings import FindingsSettings
from journeys.indexer.engine import JourneyEngine
from journeys.indexer.sealed_files import read_sealed_or_none, write_sealed_json
from journeys.indexer.vocabulary_index import VocabularyIndex, index_folder

#: Vocabulary rows searched per FAISS call, to bound the similarity block in memory.
SEARCH_BLOCK = 4096


def nearest_other_rows(index: VocabularyIndex, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Similarities and index rows of each indexed row's k nearest other rows: (n, k) each."""
    vectors = index.vectors
    found_similarity, found_rows = [], []
    for start in range(0, len(vectors), SEARCH_BLOCK):
        block = vectors[start : start + SEARCH_BLOCK]
        similarity, rows = index.index.search(np.ascontiguousarray(block), k + 1)
        own = np.arange(start, start + len(block))[:, None]
        keep = rows != own
        # A row found without itself (exact duplicates can outrank it) drops its last hit instead.
        keep[keep.all(axis=1), -1] = False
        found_similarity.append(similarity[keep].reshape(len(block), k))
        found_rows.append(rows[keep].reshape(len(block), k))
    return np.concatenate(found_similarity), np.concatenate(found_rows)


def vocabulary_density(engine: JourneyEngine, k: int | None = None) -> np.ndarray:
    """Per vocabulary id, mean cosine to its k nearest other rows (default: the findings settings'
    `density_neighbours`); NaN for rows of zero norm."""
    k = FindingsSettings().density_neighbours if k is None else k
    words = engine.reference.words
    key = engine.index.fingerprint[:16]
    folder = index_folder(engine.settings.index_dir, engine.loaded.name)
    path = folder / f"density-k{k}-v{engine.settings.engine_version}-{key}.json"
    cached = read_sealed_or_none(path, "recomputing the vocabulary density")
    if cached is not None and len(cached) == words.shape[0]:
        return np.array(cached, dtype=np.float64)  # null (a zero row) becomes NaN
    similarity, _rows = nearest_other_rows(engine.index, k)
    density = np.full(words.shape[0], np.nan)
    density[engine.index.row_ids] = similarity.astype(np.float64).mean(axis=1)
    write_sealed_json(path, [None if np.isnan(value) else value for value in density.tolist()])
    return density
