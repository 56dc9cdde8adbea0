"""One layer's candidate search for contextual neighbours: an exhaustive fp32 inner-product index for small
corpora, a compressed one from `ContextualSettings.compressed_from` occurrences on: IVF with a RaBitQ code of
each residual (one bit a dimension and two floats, FAISS's IndexIVFRaBitQ), whose distance estimates are
computed with the query quantised to `ContextualSettings.query_bits` bits. Either holds L2-normalised copies
of the stored vectors, on which L2 order is cosine order; it only proposes candidates, which are then scored
exactly."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

from journeys.contextual.settings import ContextualSettings

#: Rows normalised and added to a FAISS index at a time (bounds the build's extra memory).
ADD_BLOCK_ROWS = 65_536
#: Training points per coarse centroid FAISS asks for at least.
POINTS_PER_LIST = 39
TRAIN_SEED = 0
#: k-means iterations of the coarse quantiser (FAISS's default 25 trains 2.5 times longer; recall is measured
#: in the README).
TRAIN_ITERATIONS = 10


def unit_rows(vectors: np.ndarray) -> np.ndarray:
    """Contiguous float32 copies of `vectors`' rows scaled to unit length (zero rows stay zero)."""
    rows = np.array(vectors, dtype=np.float32, order="C", copy=True)
    faiss.normalize_L2(rows)
    return rows


def candidate_index(vectors: np.ndarray, settings: ContextualSettings) -> faiss.Index:
    """The candidate index over `vectors` (N, H) float32, read block by block (a memmap stays on disk):
    exhaustive below `settings.compressed_from` rows, else compressed."""
    count, hidden = vectors.shape
    if count < settings.compressed_from:
        index = faiss.IndexFlatIP(hidden)
    else:
        index = _trained_compressed(vectors, settings.lists_per_sqrt)
    for start in range(0, count, ADD_BLOCK_ROWS):
        index.add(unit_rows(vectors[start : start + ADD_BLOCK_ROWS]))
    return index


def search(
    index: faiss.Index, unit_queries: np.ndarray, count: int, nprobe: int, query_bits: int
) -> np.ndarray:
    """Row numbers of up to `count` candidates per query (-1 where there are fewer); a compressed index
    probes `nprobe` lists with the query quantised to `query_bits` bits (passed per search, so concurrent
    queries with other settings do not interfere)."""
    params = None
    if isinstance(index, faiss.IndexIVF):
        params = faiss.IVFRaBitQSearchParameters()
        params.nprobe = min(nprobe, index.nlist)
        params.qb = query_bits
    queries = np.ascontiguousarray(unit_queries, dtype=np.float32)
    _, found = index.search(queries, min(count, index.ntotal), params=params)
    return found


def read_layer(path: Path) -> faiss.Index:
    """A candidate index saved with `faiss.write_index`."""
    return faiss.read_index(str(path))


def index_nbytes(index: faiss.Index) -> int:
    """Bytes the index holds in memory: its serialised size (codes, ids, centroids, quantiser tables)."""
    return int(faiss.serialize_index(index).nbytes)


@dataclass(frozen=True)
class CompressedShape:
    """How a compressed index of a corpus is sized: lists grow as the square root of the corpus, with the
    training rows they need."""

    train_rows: int
    lists: int

    @classmethod
    def of(cls, count: int, lists_per_sqrt: int) -> CompressedShape:
        """The shape for `count` rows, `lists_per_sqrt` inverted lists per square root of them."""
        lists = max(1, min(round(lists_per_sqrt * math.sqrt(count)), count // POINTS_PER_LIST))
        return cls(train_rows=min(count, POINTS_PER_LIST * lists), lists=lists)

    @property
    def factory(self) -> str:
        """The FAISS index factory string of this shape."""
        return f"IVF{self.lists},RaBitQ"


def _trained_compressed(vectors: np.ndarray, lists_per_sqrt: int) -> faiss.IndexIVFRaBitQ:
    count, hidden = vectors.shape
    shape = CompressedShape.of(count, lists_per_sqrt)
    sample = np.sort(np.random.default_rng(TRAIN_SEED).choice(count, shape.train_rows, replace=False))
    index = faiss.index_factory(hidden, shape.factory, faiss.METRIC_L2)
    index.cp.niter = TRAIN_ITERATIONS
    index.train(unit_rows(vectors[sample]))
    return index
