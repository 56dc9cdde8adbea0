"""What computes a corpus pass's shards, in this process or in a Ray actor: where (`Cluster`), with what
model, options and threads (`ShardWork`), and the digest that ties shards to the very same weights."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, replace

import faiss
import numpy as np
import torch
from transformers.integrations.accelerate import load_offloaded_parameter

from journeys.corpus.corpus_analysis import analyze_chunk
from journeys.indexer.engine import JourneyEngine
from journeys.indexer.records import Precision
from journeys.indexer.views import STUDY_VIEW, View

INSTALL_HINT = "install the cluster extra: pip install 'token-encoding-journeys[cluster]'"


@dataclass(frozen=True)
class Cluster:
    """Where a pass's shards are computed when not in this process: a Ray cluster."""

    address: str  # "auto": a local cluster over this machine's cores; else a running cluster's address
    actors: int | None = None  # model copies computing at once; None: as many as its CPUs (or GPUs) allow
    gpus_per_actor: float = 0.0  # each actor's share of a GPU; above 0 the actors compute on cuda


def computing_precision(driver: Precision, cluster: Cluster | None) -> Precision:
    """The precision a pass's shards are computed in, and keyed by: the driver's, on cuda when the pass runs
    on a cluster whose actors have GPUs (in the driver's dtype and torch, which the actors must match)."""
    return replace(driver, device="cuda") if cluster is not None and cluster.gpus_per_actor else driver


@dataclass(frozen=True)
class ShardWork:
    """What computes a pass's missing shards: the model (as `JourneyEngine.load` takes it), the options
    of `analyze_chunk`, and the threads every chunk is computed with."""

    model: str
    causal_mask: bool
    precision: Precision  # the actors must compute in the planned precision, or their shards would mix
    weights: str
    method: str
    keep_encodings: bool
    overlap_k: int
    torch_threads: int
    faiss_threads: int
    view: View = STUDY_VIEW

    def use_threads(self) -> None:
        """Compute with this pass's threads (in a Ray actor; this process already does)."""
        torch.set_num_threads(self.torch_threads)
        faiss.omp_set_num_threads(self.faiss_threads)

    def run(
        self, engine: JourneyEngine, chunk: list[str], first: int, on_sentence: Callable[[int], None] | None
    ) -> dict[str, np.ndarray]:
        """One shard's arrays."""
        return analyze_chunk(
            engine,
            chunk,
            first,
            self.method,
            self.keep_encodings,
            self.overlap_k,
            on_sentence=on_sentence,
            view=self.view,
        )


def weights_digest(model: torch.nn.Module) -> str:
    """BLAKE2b of every parameter and buffer (name, dtype, shape and bytes), so shards are reused only
    for the very same weights; those accelerate offloaded are read one at a time from where they wait."""
    digest = hashlib.blake2b(digest_size=16)
    for name, tensor in model.state_dict().items():
        if tensor.device.type == "meta":
            tensor = load_offloaded_parameter(model, name)
        digest.update(f"{name}:{tensor.dtype}:{tuple(tensor.shape)}".encode())
        digest.update(tensor.detach().cpu().contiguous().reshape(-1).view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()
