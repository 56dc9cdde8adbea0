"""One layer's candidate search for contextual neighbours: an exhaustive fp32 inner-product index for small
corpora, a compressed IVF-PQ index from `config.CONTEXTUAL_COMPRESSED_FROM` occurrences on. Either holds
L2-normalised copies of the stored vectors; it only proposes candidates, which are then scored exactly."""

from __future__ import annotations

import math

import faiss
import numpy as np

from indexer import config

#: Rows normalised and added to a FAISS index at a time (bounds the build's extra memory).
ADD_BLOCK_ROWS = 65_536
#: Training points per coarse centroid FAISS asks for at least.
POINTS_PER_LIST = 39
TRAIN_SEED = 0
#: k-means iterations of the coarse and the product quantiser (FAISS's default 25 trains 2.5 times longer;
#: exact re-ranking of the candidates absorbs coarser codes, and recall is measured in the README).
TRAIN_ITERATIONS = 10


def unit_rows(vectors: np.ndarray) -> np.ndarray:
    """Contiguous float32 copies of `vectors`' rows scaled to unit length (zero rows stay zero)."""
    rows = np.array(vectors, dtype=np.float32, order="C", copy=True)
    faiss.normalize_L2(rows)
    return rows


def candidate_index(
    vectors: np.ndarray, compressed_from: int = config.CONTEXTUAL_COMPRESSED_FROM
) -> faiss.Index:
    """The candidate index over `vectors` (N, H) float32, read block by block (a memmap stays on disk)."""
    count, hidden = vectors.shape
    index = faiss.IndexFlatIP(hidden) if count < compressed_from else _trained_ivfpq(vectors)
    for start in range(0, count, ADD_BLOCK_ROWS):
        index.add(unit_rows(vectors[start : start + ADD_BLOCK_ROWS]))
    return index


def search(index: faiss.Index, unit_queries: np.ndarray, count: int, nprobe: int) -> np.ndarray:
    """Row numbers of up to `count` candidates per query (-1 where there are fewer)."""
    if isinstance(index, faiss.IndexIVF):
        index.nprobe = min(nprobe, index.nlist)
    _, found = index.search(np.ascontiguousarray(unit_queries, dtype=np.float32), min(count, index.ntotal))
    return found


def index_nbytes(index: faiss.Index) -> int:
    """Bytes the index holds in memory: its serialised size (codes, ids, centroids, quantiser tables)."""
    return int(faiss.serialize_index(index).nbytes)


def ivfpq_shape(count: int, hidden: int) -> tuple[int, int, int, int]:
    """(training rows, inverted lists, code bytes, bits per code) for a compressed index of `count` rows:
    lists grow as the square root of the corpus, with the training rows they need."""
    lists = max(1, min(round(config.CONTEXTUAL_LISTS_PER_SQRT * math.sqrt(count)), count // POINTS_PER_LIST))
    train = min(count, POINTS_PER_LIST * lists)
    subquantizers = max(m for m in range(1, config.CONTEXTUAL_PQ_BYTES + 1) if hidden % m == 0)
    bits = min(8, int(math.log2(train)))
    return train, lists, subquantizers, bits


def _trained_ivfpq(vectors: np.ndarray) -> faiss.IndexIVFPQ:
    count, hidden = vectors.shape
    train, lists, subquantizers, bits = ivfpq_shape(count, hidden)
    sample = np.sort(np.random.default_rng(TRAIN_SEED).choice(count, train, replace=False))
    quantizer = faiss.IndexFlatIP(hidden)
    index = faiss.IndexIVFPQ(quantizer, hidden, lists, subquantizers, bits, faiss.METRIC_INNER_PRODUCT)
    index.cp.niter = index.pq.cp.niter = TRAIN_ITERATIONS
    index.own_fields = True
    quantizer.this.disown()
    index.train(unit_rows(vectors[sample]))
    return index
