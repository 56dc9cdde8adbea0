"""What computes a corpus pass's shards, in this process or in a Ray actor: where (`Cluster`), with what
model, options and threads (`ShardWork`), and the digest that ties shards to the very same weights."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

import faiss
import numpy as np
import torch

from journeys.corpus.corpus_analysis import analyze_chunk
from journeys.indexer.engine import JourneyEngine
from journeys.indexer.records import Precision

INSTALL_HINT = "install the cluster extra: pip install 'token-encoding-journeys[cluster]'"


@dataclass(frozen=True)
class Cluster:
    """Where a pass's shards are computed when not in this process: a Ray cluster."""

    address: str  # "auto": a local cluster over this machine's cores; else a running cluster's address
    actors: int | None = None  # model copies computing at once; None: as many as its CPUs allow


@dataclass(frozen=True)
class ShardWork:
    """What computes a pass's missing shards: the model (as `JourneyEngine.load` takes it), the options
    of `analyze_chunk`, and the threads every chunk is computed with."""

    model: str
    causal_mask: bool
    precision: Precision  # the actors must compute in the driver's precision, or their shards would mix
    weights: str
    method: str
    keep_encodings: bool
    overlap_k: int
    torch_threads: int
    faiss_threads: int

    def use_threads(self) -> None:
        """Compute with this pass's threads (in a Ray actor; this process already does)."""
        torch.set_num_threads(self.torch_threads)
        faiss.omp_set_num_threads(self.faiss_threads)

    def run(
        self, engine: JourneyEngine, chunk: list[str], first: int, on_sentence: Callable[[int], None] | None
    ) -> dict[str, np.ndarray]:
        """One shard's arrays."""
        return analyze_chunk(
            engine, chunk, first, self.method, self.keep_encodings, self.overlap_k, on_sentence=on_sentence
        )


def weights_digest(model: torch.nn.Module) -> str:
    """BLAKE2b of every parameter and buffer (name, dtype, shape and bytes), so shards are reused only
    for the very same weights."""
    digest = hashlib.blake2b(digest_size=16)
    for name, tensor in model.state_dict().items():
        digest.update(f"{name}:{tensor.dtype}:{tuple(tensor.shape)}".encode())
        digest.update(tensor.detach().cpu().contiguous().reshape(-1).view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()
