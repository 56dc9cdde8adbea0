"""A corpus pass's missing shards computed on Ray: Ray Data feeds the chunks to a pool of actors, each
loading the model once and computing with the pass's threads, and this process writes each shard as it
arrives, as an in-process pass would. Imported only when a pass is asked to run on Ray.

SIGTERM, like Ctrl+C, ends the pass at any point (`ray.init` installs a handler that exits without a word;
it is replaced once joined): the shards written so far stay, and the next run resumes from them.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import signal
import sys
from collections.abc import Callable, Iterator
from types import FrameType

import numpy as np

from journeys.corpus.ray_address import ClusterError
from journeys.corpus.shard_work import INSTALL_HINT, Cluster, ShardWork, weights_digest
from journeys.indexer.engine import JourneyEngine
from journeys.indexer.settings import EngineSettings

try:
    import ray
except ImportError:
    ray = None


class ShardActor:
    """A Ray Data actor: loads the model once (on cuda when it has a GPU share), then turns each chunk into
    its shard's arrays (as the bytes of an .npz, so any array shape crosses Ray unchanged)."""

    def __init__(self, work: ShardWork) -> None:
        work.use_threads()
        self.work = work
        # A Ray worker is a program of its own (on another node, perhaps): its build folder is its own.
        settings = EngineSettings.from_environment(os.environ)
        wanted = work.precision
        self.engine = JourneyEngine.load(
            work.model, work.causal_mask, settings, device=wanted.device, dtype=wanted.dtype
        )
        if weights_digest(self.engine.loaded.model) != work.weights:
            raise RuntimeError(f"model {work.model!r} on this node has other weights than the driver's")
        if self.engine.precision != wanted:
            raise RuntimeError(
                f"this node computes in {self.engine.precision.label}, the pass was planned in {wanted.label}"
            )

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        payloads = []
        for first, chunk in zip(batch["first"], batch["sentences"], strict=True):
            arrays = self.work.run(self.engine, json.loads(chunk), int(first), on_sentence=None)
            buffer = io.BytesIO()
            np.savez(buffer, **arrays)
            payloads.append(buffer.getvalue())
        return {"shard": batch["shard"], "payload": np.array(payloads, dtype=object)}


@contextlib.contextmanager
def ray_session(cluster: Cluster) -> Iterator[None]:
    """This process joined to `cluster` for a pass, refused in one line, before any work, when the cluster
    lacks the GPUs its actors are to have. Ray prints the cluster's error messages (a task retried, an actor
    killed) on standard output, which is the report's (`--json`): while the pass runs they go to standard
    error, and those of the shutdown (the pass's own actors ending) nowhere."""
    with contextlib.redirect_stdout(sys.stderr):
        started_here = connect(cluster.address)
        stopping = signal.signal(signal.SIGTERM, _stop)
        try:
            if cluster.gpus_per_actor and not ray.cluster_resources().get("GPU", 0):
                raise ClusterError(
                    f"--ray-gpus-per-actor {cluster.gpus_per_actor:g} needs GPUs, and the Ray cluster at "
                    f"{cluster.address} has none"
                )
            yield
        finally:
            signal.signal(signal.SIGTERM, stopping)
            if started_here:
                with contextlib.redirect_stdout(io.StringIO()):  # its own actors' deaths, not news
                    ray.shutdown()


def compute_on_ray(
    cluster: Cluster,
    work: ShardWork,
    sentences: list[str],
    ranges: list[tuple[int, int]],
    missing: list[int],
    written: Callable[[int, dict[str, np.ndarray]], None],
) -> None:
    """Compute the `missing` shards on `cluster` (joined in a `ray_session`), handing each one's arrays to
    `written` as it arrives."""
    try:
        resources = ray.cluster_resources()
        cpus, gpus = int(resources.get("CPU", 1)), resources.get("GPU", 0)
        fits = gpus // cluster.gpus_per_actor if cluster.gpus_per_actor else cpus // work.torch_threads
        actors = cluster.actors or max(1, int(fits))
        items = [
            {"shard": shard, "first": start, "sentences": json.dumps(sentences[start:stop])}
            for shard, (start, stop) in ((shard, ranges[shard]) for shard in missing)
        ]
        context = ray.data.DataContext.get_current()
        context.enable_progress_bars = False
        context.print_on_execution_start = False
        logging.getLogger("ray.data").setLevel(logging.CRITICAL)  # failures reach the user as one line
        shards = ray.data.from_items(items, override_num_blocks=len(items)).map_batches(
            ShardActor,
            fn_constructor_kwargs={"work": work},
            batch_size=1,
            compute=ray.data.ActorPoolStrategy(size=min(actors, len(items))),
            num_cpus=min(1.0, cpus / actors),
            num_gpus=cluster.gpus_per_actor,
        )
        for row in shards.iter_rows():
            with np.load(io.BytesIO(row["payload"])) as saved:
                written(int(row["shard"]), {name: saved[name] for name in saved.files})
    except ray.exceptions.RayError as error:
        raise ClusterError(f"the corpus pass failed on Ray: {_first_line(error)}") from None


def _stop(signum: int, frame: FrameType | None) -> None:
    """End the pass on SIGTERM in one line, with the exit status a shell gives a process SIGTERM ended."""
    print(
        "journeys: stopped by SIGTERM; the shards written so far are kept and the next run resumes from them",
        file=sys.stderr,
        flush=True,
    )
    raise SystemExit(128 + signum)


def connect(address: str) -> bool:
    """Join the cluster at `address` ("auto": start a local one over this machine's cores), unless this
    process already has; True when it was joined here. Refuses in one line when Ray is not installed."""
    if ray is None:
        raise ClusterError(f"--ray needs Ray, which is not installed: {INSTALL_HINT}")
    if ray.is_initialized():
        return False
    try:
        ray.init(
            address="local" if address == "auto" else address,
            include_dashboard=False,
            log_to_driver=False,
            logging_level=logging.ERROR,
        )
    except (ConnectionError, ValueError, RuntimeError) as error:
        raise ClusterError(f"cannot join the Ray cluster at {address}: {_first_line(error)}") from None
    return True


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
