"""A corpus pass that survives being killed: the corpus is cut into the chunks `analyze_corpus` scores
together, each chunk's arrays are written as a shard (`corpus.shard_store`) as soon as computed, in this
process or on a Ray cluster (`corpus.ray_pass`, imported only then), and the analysis is read back
from the shards. Resuming, or computing some shards elsewhere, gives the same numbers bit for bit.

The shards live under <cache>/corpus-passes/, in a folder named by the digest of everything their
numbers depend on: the model's name and weights, the engine version, the code of `corpus` and `indexer`,
the method, view (analysis point, reference, metric) and variants, the sentences and their chunking,
whether encodings are kept, and the number of threads each chunk is computed with (float results differ in
their last bits with it).
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import sys
from dataclasses import replace
from pathlib import Path

import faiss
import numpy as np
import torch
from tqdm import tqdm

from journeys.corpus.corpus_analysis import CorpusAnalysis, joined_analysis
from journeys.corpus.ray_address import ClusterError, checked_address
from journeys.corpus.settings import CorpusSettings
from journeys.corpus.shard_store import ShardStore
from journeys.corpus.shard_work import INSTALL_HINT, Cluster, ShardWork, computing_precision, weights_digest
from journeys.indexer.engine import JourneyEngine
from journeys.indexer.errors import InputError
from journeys.indexer.settings import REPO_ROOT
from journeys.indexer.views import STUDY_VIEW, View
from journeys.indexer.vocabulary_index import index_folder

PASSES_FOLDER = "corpus-passes"
#: Bump when the shard files' layout changes.
FORMAT = 1
#: The packages whose code computes a shard's numbers (their source is part of the pass's key).
CODE_PACKAGES = ("corpus", "indexer")


def cluster_option(
    ray: str | None, actors: int | None, connect_s: float, gpus_per_actor: float = 0.0
) -> Cluster | None:
    """The cluster the --ray, --ray-actors and --ray-gpus-per-actor options ask for, if any, refused in one
    line before any work starts when Ray is not installed or no Ray cluster answers at the address within
    `connect_s` seconds
    (Ray itself would wait minutes)."""
    if ray is None:
        if actors is not None or gpus_per_actor:
            option = "--ray-actors" if actors is not None else "--ray-gpus-per-actor"
            raise InputError(f"{option} needs --ray (auto or a cluster address)")
        return None
    if importlib.util.find_spec("ray") is None:
        raise ClusterError(f"--ray needs Ray, which is not installed: {INSTALL_HINT}")
    return Cluster(ray if ray == "auto" else checked_address(ray, connect_s), actors, gpus_per_actor)


def run_corpus_pass(
    engine: JourneyEngine,
    sentences: list[str],
    method: str | None = None,
    variant: str | None = None,
    keep_encodings: bool = False,
    progress: bool = True,
    cluster: Cluster | None = None,
    cache_dir: Path | None = None,
    settings: CorpusSettings | None = None,
    view: View = STUDY_VIEW,
) -> CorpusAnalysis:
    """The analysis of `sentences` in `view`, computing only the shards not already on disk (in this process,
    or on `cluster`), then reading every shard: per-token numbers in memory, encodings memory-mapped. The
    caller checks `method` (`findings.report.supported_methods`); the engine refuses it again per text.
    Defaults: the engine's method and cache folder, the settings' variant."""
    settings = settings or CorpusSettings()
    method = engine.settings.default_method if method is None else method
    variant = settings.variant if variant is None else variant
    work = ShardWork(
        model=_loadable_name(engine.loaded.name),
        causal_mask=engine.causal_mask,
        precision=computing_precision(engine.precision, cluster),
        weights=weights_digest(engine.loaded.model),
        method=method,
        keep_encodings=keep_encodings,
        overlap_k=settings.overlap_k,
        torch_threads=torch.get_num_threads(),
        faiss_threads=faiss.omp_get_max_threads(),
        view=view,
    )
    size = settings.chunk_sentences
    ranges = [(start, min(start + size, len(sentences))) for start in range(0, len(sentences), size)]
    store = pass_store(engine, work, sentences, cache_dir or engine.settings.cache_dir, size)
    tokens = shard_tokens(engine, sentences, ranges)
    label = method if view == STUDY_VIEW else f"{method} ({view.describe()})"
    with store.exclusive():
        done = store.complete(ranges)
        missing = [shard for shard in range(len(ranges)) if shard not in done]
        if done and missing:
            print(
                f"journeys: resuming the {label} corpus pass: {len(done)} of {len(ranges)} shards "
                f"already computed ({store.folder})",
                file=sys.stderr,
                flush=True,
            )
        session = contextlib.nullcontext()
        if cluster is not None and missing:
            from journeys.corpus.ray_pass import compute_on_ray, ray_session

            session = ray_session(cluster)
        with (
            session,
            tqdm(
                total=int(tokens.sum()),
                initial=int(tokens.sum() - tokens[missing].sum()),
                unit="token",
                unit_scale=True,
                desc=f"{engine.info.name} {label}",
                disable=not progress or not missing,
                file=sys.stderr,
            ) as bar,
        ):
            if cluster is None:
                for shard in missing:
                    start, stop = ranges[shard]
                    arrays = work.run(engine, sentences[start:stop], start, bar.update)
                    store.write(shard, ranges[shard], arrays)
            elif missing:

                def written(shard: int, arrays: dict[str, np.ndarray]) -> None:
                    store.write(shard, ranges[shard], arrays)
                    bar.update(int(tokens[shard]))

                compute_on_ray(cluster, work, sentences, ranges, missing, written)
    chunks = (store.read_numbers(shard) for shard in range(len(ranges)))
    info = replace(engine.info, precision=work.precision)
    encodings = store.encodings(len(ranges))
    return joined_analysis(info, method, variant, sentences, chunks, encodings=encodings, view=view)


def pass_store(
    engine: JourneyEngine, work: ShardWork, sentences: list[str], cache_dir: Path, chunk_sentences: int
) -> ShardStore:
    """The shard folder of this pass, named by the digest of its key."""
    key = {
        "format": FORMAT,
        "model": engine.info.name,
        "precision": work.precision.to_dict(),
        "weights": work.weights,
        "engine_version": engine.settings.engine_version,
        "code": code_digest(),
        "method": work.method,
        "view": work.view.to_dict(),
        "variants": list(engine.info.variants),
        "keep_encodings": work.keep_encodings,
        "chunk_sentences": chunk_sentences,
        "overlap_k": work.overlap_k,
        "torch_threads": work.torch_threads,
        "faiss_threads": work.faiss_threads,
        "sentences": len(sentences),
        "sentences_digest": _digest(json.dumps(sentences, ensure_ascii=False).encode()),
    }
    key_digest = _digest(json.dumps(key, sort_keys=True).encode())
    folder = index_folder(engine.settings.index_dir, engine.info.name).name
    name = f"{folder}-{work.method}-{work.precision.dtype}-{key_digest[:24]}"
    return ShardStore(Path(cache_dir) / PASSES_FOLDER / name, key, key_digest)


def shard_tokens(engine: JourneyEngine, sentences: list[str], ranges: list[tuple[int, int]]) -> np.ndarray:
    """Tokens per shard, special tokens included (what the progress bar counts)."""
    ids = engine.loaded.tokenizer(sentences, add_special_tokens=True, truncation=False)["input_ids"]
    lengths = np.array([len(row) for row in ids], dtype=np.int64)
    return np.array([lengths[start:stop].sum() for start, stop in ranges], dtype=np.int64)


def code_digest() -> str:
    """BLAKE2b of the source of every module of CODE_PACKAGES."""
    digest = hashlib.blake2b(digest_size=16)
    for package in CODE_PACKAGES:
        for path in sorted((REPO_ROOT / package).rglob("*.py")):
            digest.update(str(path.relative_to(REPO_ROOT)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _loadable_name(name: str) -> str:
    """The model name as another process can load it: a local folder as an absolute path."""
    folder = Path(name).expanduser()
    return str(folder.resolve()) if folder.is_dir() else name


def _digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()
