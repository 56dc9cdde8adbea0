"""One layer's candidate search for contextual neighbours: an exhaustive fp32 inner-product index for small
corpora, a compressed one from `config.CONTEXTUAL_COMPRESSED_FROM` occurrences on: IVF with a 4-bit
fast-scan product code of each residual, whose best candidates a second, 8-bit product code re-ranks
(FAISS's IndexIVFPQFastScan inside an IndexRefine). Either holds L2-normalised copies of the stored vectors,
on which L2 order is cosine order; it only proposes candidates, which are then scored exactly."""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

from indexer import config

#: Rows normalised and added to a FAISS index at a time (bounds the build's extra memory).
ADD_BLOCK_ROWS = 65_536
#: Training points per coarse centroid FAISS asks for at least.
POINTS_PER_LIST = 39
TRAIN_SEED = 0
#: k-means iterations of the coarse and the product quantisers (FAISS's default 25 trains 2.5 times longer;
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
    index = faiss.IndexFlatIP(hidden) if count < compressed_from else _trained_compressed(vectors)
    for start in range(0, count, ADD_BLOCK_ROWS):
        index.add(unit_rows(vectors[start : start + ADD_BLOCK_ROWS]))
    return index


def search(
    index: faiss.Index, unit_queries: np.ndarray, count: int, nprobe: int, refine_factor: int
) -> np.ndarray:
    """Row numbers of up to `count` candidates per query (-1 where there are fewer); a compressed index
    probes `nprobe` lists and re-ranks `refine_factor` x `count` of them with its refining code."""
    inverted = inverted_index(index)
    if inverted is not None:
        inverted.nprobe = min(nprobe, inverted.nlist)
        index.k_factor = refine_factor
    _, found = index.search(np.ascontiguousarray(unit_queries, dtype=np.float32), min(count, index.ntotal))
    return found


def inverted_index(index: faiss.Index) -> faiss.IndexIVF | None:
    """The inverted-file index inside a compressed candidate index (None for an exhaustive one)."""
    if not isinstance(index, faiss.IndexRefine):
        return None
    return faiss.downcast_index(faiss.extract_index_ivf(index))


def read_layer(path: Path) -> faiss.Index:
    """A candidate index saved with `faiss.write_index`, without FAISS's precomputed distance tables."""
    with _without_precomputed_tables():
        return faiss.read_index(str(path))


@contextmanager
def _without_precomputed_tables() -> Iterator[None]:
    """FAISS precomputes for an L2 IVF-PQ, at training and at reading, a table of lists x sub-codes x
    centroids floats (17 MB a layer at a million occurrences here, 17 bytes an occurrence); search computes
    the same terms for the probed lists instead."""
    saved = faiss.cvar.precomputed_table_max_bytes
    faiss.cvar.precomputed_table_max_bytes = 0
    try:
        yield
    finally:
        faiss.cvar.precomputed_table_max_bytes = saved


def index_nbytes(index: faiss.Index) -> int:
    """Bytes the index holds in memory: its serialised size (codes, ids, centroids, quantiser tables)."""
    return int(faiss.serialize_index(index).nbytes)


@dataclass(frozen=True)
class CompressedShape:
    """How a compressed index of a corpus is sized: lists grow as the square root of the corpus, with the
    training rows they need; a 4-bit fast-scan code of each residual and an 8-bit refining code."""

    train_rows: int
    lists: int
    scan_codes: int
    refine_codes: int
    refine_bits: int

    @classmethod
    def of(cls, count: int, hidden: int) -> CompressedShape:
        """The shape for `count` rows of width `hidden` (code counts are divisors of the hidden size)."""
        lists = max(
            1, min(round(config.CONTEXTUAL_LISTS_PER_SQRT * math.sqrt(count)), count // POINTS_PER_LIST)
        )
        train = min(count, POINTS_PER_LIST * lists)
        return cls(
            train_rows=train,
            lists=lists,
            scan_codes=_largest_divisor(hidden, 2 * config.CONTEXTUAL_SCAN_BYTES),
            refine_codes=_largest_divisor(hidden, config.CONTEXTUAL_REFINE_BYTES),
            refine_bits=min(8, int(math.log2(train))),
        )

    @property
    def factory(self) -> str:
        """The FAISS index factory string of this shape ("np": without the polysemous training FAISS
        otherwise gives a PQ, which only renumbers its centroids for Hamming filtering, 80 s a layer)."""
        return f"IVF{self.lists},PQ{self.scan_codes}x4fsr,Refine(PQ{self.refine_codes}x{self.refine_bits}np)"


def _largest_divisor(hidden: int, at_most: int) -> int:
    return max(m for m in range(1, at_most + 1) if hidden % m == 0)


def _trained_compressed(vectors: np.ndarray) -> faiss.IndexRefine:
    count, hidden = vectors.shape
    shape = CompressedShape.of(count, hidden)
    sample = np.sort(np.random.default_rng(TRAIN_SEED).choice(count, shape.train_rows, replace=False))
    index = faiss.index_factory(hidden, shape.factory, faiss.METRIC_L2)
    inverted = inverted_index(index)
    refine = faiss.downcast_index(index.refine_index)
    inverted.cp.niter = inverted.pq.cp.niter = refine.pq.cp.niter = TRAIN_ITERATIONS
    with _without_precomputed_tables():
        index.train(unit_rows(vectors[sample]))
    return index
