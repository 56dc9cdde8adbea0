"""Contextual neighbours at scale, on MiniLM over real English text (Debian's fortunes and the Jargon File):
where the compressed index should replace the exhaustive one, then the compressed index over every
occurrence: RAM, disk, build time, query times with the page cache cold and warm, rows read from disk per
query, and recall@10 against exhaustive search (search settings chosen on tuning sentences, recall reported
on other sentences).

Run: `.venv/bin/python -m benchmarks.contextual_scale [--phase crossover|scale|query|all] [--sizes N ...]`
(as root it installs the Debian packages it reads and can drop the page cache; the encodings are computed
once, then read from build/bench/).
"""

from __future__ import annotations

import argparse
import itertools
import json
import mmap
import multiprocessing
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from benchmarks.debian_text import PACKAGES, ensure_installed, package_sentences
from benchmarks.encoding_cache import CachedEncodings, load_or_encode
from journeys.contextual import contextual_layers
from journeys.contextual.contextual_layers import candidate_index, index_nbytes, unit_rows
from journeys.contextual.contextual_rows import OccurrenceRows
from journeys.contextual.contextual_store import Chunk
from journeys.contextual.index import RESCORE_MARGIN, ContextualIndex, contextual_folder, map_vectors
from journeys.contextual.settings import ContextualSettings
from journeys.indexer.atomic_files import write_bytes_atomic
from journeys.indexer.engine import JourneyEngine
from journeys.indexer.settings import EngineSettings

MODEL = "minilm"
METHOD = "exact"
#: Where under the build folder (JOURNEYS_BUILD_DIR: `make bench-contextual` sets one of its own) it works.
BENCH_DIR = Path("bench") / "contextual-scale"
#: Held-out sentences, one token occurrence of each a query checked against exhaustive search: the grid
#: chooses the search setting on the tuning ones, recall is reported on the reporting ones.
TUNING_SENTENCES = 500
REPORTING_SENTENCES = 1000
RECALL_K = 10
#: Mean recall@10 on the tuning queries the chosen setting must reach (the goal on the reporting ones: 0.99).
TUNING_RECALL = 0.995
#: Tokens of each live query text (special tokens included): held-out sentences no other query uses.
LIVE_TOKENS = 32
#: Live texts queried once each: a fresh process's first query (cold, warm), then in the measuring process
#: warm (these also time the grid's rounds), then with the page cache dropped before each.
FIRST_TEXTS = 2
COLD_TEXTS = 20
#: Ways the cold live queries read the vectors maps, alternated: the kernel's read-ahead around each page
#: fault (as the server maps them; 8 MB on this machine's disk) or one page a fault.
READING = {"cold_readahead": mmap.MADV_NORMAL, "cold_one_page": mmap.MADV_RANDOM}
WARM_TEXTS = 16
#: Corpus sizes (occurrences) at which the exhaustive and the compressed index are compared.
CROSSOVER_SIZES = (3_000, 6_000, 9_000, 12_500, 25_000, 50_000)
QUICK_SIZES = (2_000, 4_000)
#: Search settings tried at full scale: lists probed, candidates screened exactly.
GRID = (
    (64, 50),
    (64, 100),
    (96, 100),
    (128, 25),
    (128, 50),
    (128, 100),
    (128, 200),
    (128, 400),
    (192, 100),
    (192, 200),
    (256, 200),
)
SEED = 0
#: Sentences per chunk streamed into the index builder (about 50,000 occurrences).
CHUNK_SENTENCES = 2048
TIMING_REPEATS = 5
#: Rounds of live queries over every GRID setting in turn, after a warm-up round (one warm text a round).
LIVE_ROUNDS = WARM_TEXTS - 1


@dataclass
class BenchCorpus:
    """The cached encodings split into indexed sentences and held-out ones (queries come from those)."""

    cache: CachedEncodings
    indexed: np.ndarray  # (S,) bool per cached sentence
    folder: Path
    tuning_rows: np.ndarray  # (TUNING_SENTENCES,) cached rows, one occurrence of each tuning sentence
    reporting_rows: np.ndarray  # (REPORTING_SENTENCES,) likewise
    live_texts: list[str]  # FIRST_TEXTS + COLD_TEXTS + WARM_TEXTS held-out sentences of LIVE_TOKENS tokens

    def chunks(self) -> Iterator[Chunk]:
        """The indexed sentences' rows and encodings in corpus order, renumbered, in whole-sentence chunks."""
        rows, renumber = self.cache.rows, np.cumsum(self.indexed) - 1
        bounds = [*np.flatnonzero(rows.token_position == 0)[::CHUNK_SENTENCES], len(rows)]
        for start, stop in itertools.pairwise(bounds):
            part = rows.slice(start, stop)
            keep = self.indexed[part.token_sentence]
            if keep.any():
                kept = part.take(keep)
                renumbered = replace(kept, token_sentence=renumber[kept.token_sentence])
                yield renumbered, np.asarray(self.cache.vectors[start:stop])[keep]

    @property
    def indexed_sentences(self) -> list[str]:
        return [text for text, kept in zip(self.cache.sentences, self.indexed, strict=True) if kept]

    @property
    def indexed_count(self) -> int:
        return int(self.indexed[self.cache.rows.token_sentence].sum())

    def queries(self, rows: np.ndarray, layer: int) -> np.ndarray:
        """The raw encodings at `layer` of the held-out occurrences at cached `rows`, float64."""
        return np.asarray(self.cache.vectors[rows, layer], dtype=np.float64)


def bench_corpus(engine: JourneyEngine, limit: int) -> tuple[BenchCorpus, dict[str, int]]:
    """Sentences of the Debian packages (the first `limit` if not 0) the model takes whole, encoded
    (cached), split into indexed and held-out ones by a fixed seed."""
    ensure_installed()
    sentences = list(dict.fromkeys(s for package in PACKAGES for s in package_sentences(package)))
    sentences = sentences[:limit] if limit else sentences
    bench = engine.settings.build_dir / BENCH_DIR
    folder = bench / f"first-{limit}" if limit else bench
    lengths = np.array([len(ids) for ids in engine.loaded.tokenizer(sentences)["input_ids"]])
    fits = lengths <= engine.info.max_tokens
    kept = [s for s, fit in zip(sentences, fits, strict=True) if fit]
    counts = {"sentences": len(sentences), "refused_over_long": int((~fits).sum())}
    cache = load_or_encode(MODEL, METHOD, kept, folder, 2, engine.settings)
    lengths = lengths[fits]
    order = np.random.default_rng(SEED).permutation(len(kept))
    live = [int(i) for i in order if lengths[i] == LIVE_TOKENS][: FIRST_TEXTS + COLD_TEXTS + WARM_TEXTS]
    others = order[~np.isin(order, live)]
    tuning = others[:TUNING_SENTENCES]
    reporting = others[TUNING_SENTENCES : TUNING_SENTENCES + REPORTING_SENTENCES]
    if len(reporting) < REPORTING_SENTENCES or len(live) < FIRST_TEXTS + COLD_TEXTS + WARM_TEXTS:
        sys.exit(f"journeys: error: {len(kept)} sentences are too few for the held-out sets: raise --limit")
    indexed = np.ones(len(kept), dtype=bool)
    indexed[[*live, *tuning, *reporting]] = False
    pick = partial(one_occurrence_each, cache.rows.token_sentence)
    corpus = BenchCorpus(cache, indexed, folder, pick(tuning), pick(reporting), [kept[i] for i in live])
    return corpus, counts


def one_occurrence_each(token_sentence: np.ndarray, sentences: np.ndarray) -> np.ndarray:
    """One cached row of each of `sentences`, at a position drawn with the fixed seed, sorted."""
    rng = np.random.default_rng(SEED)
    starts = np.searchsorted(token_sentence, sentences)
    counts = np.searchsorted(token_sentence, sentences, side="right") - starts
    return np.sort(starts + rng.integers(0, counts))


def exact_top(vectors: np.ndarray, queries: np.ndarray, k: int = RECALL_K) -> np.ndarray:
    """Rows of the k most cosine-similar stored vectors per query, by brute force over every row (fp32
    blocks, then the best k + margin rescored in float64)."""
    unit_queries = unit_rows(queries)
    best = np.empty((len(queries), 0), dtype=np.int64)
    best_scores = np.empty((len(queries), 0), dtype=np.float32)
    keep = k + 4 * RESCORE_MARGIN
    for start in range(0, len(vectors), 65536):
        block = unit_rows(vectors[start : start + 65536])
        scores = np.concatenate([best_scores, unit_queries @ block.T], axis=1)
        numbers = np.broadcast_to(np.arange(start, start + len(block)), (len(queries), len(block)))
        rows = np.concatenate([best, numbers], axis=1)
        top = np.argpartition(-scores, min(keep, scores.shape[1] - 1), axis=1)[:, :keep]
        best, best_scores = np.take_along_axis(rows, top, 1), np.take_along_axis(scores, top, 1)
    stored = np.asarray(vectors[np.unique(best)], dtype=np.float64)
    position = {row: i for i, row in enumerate(np.unique(best))}
    unit = stored / np.linalg.norm(stored, axis=1, keepdims=True)
    unit_q = queries / np.linalg.norm(queries, axis=1, keepdims=True)
    exact = np.array([[unit[position[r]] @ unit_q[q] for r in best[q]] for q in range(len(queries))])
    order = np.lexsort((best, -exact), axis=1)[:, :k]
    return np.take_along_axis(best, order, 1)


def recall(found: np.ndarray, expected: np.ndarray) -> float:
    """Mean share of each query's exhaustive top-k that `found` lists."""
    return float(np.mean([len(set(f) & set(e)) / len(e) for f, e in zip(found, expected, strict=True)]))


def one_layer_index(index: faiss.Index, vectors: np.ndarray) -> ContextualIndex:
    empty = OccurrenceRows(*(np.zeros(0, dtype=np.int32) for _ in range(3)), np.zeros((0, 2), np.int32))
    return ContextualIndex(METHOD, [], [index], [vectors], empty, "")


def timed(call: Callable[[], object]) -> list[float]:
    """Seconds of each of TIMING_REPEATS calls, in order (the first may pay for cold caches)."""
    times = []
    for _ in range(TIMING_REPEATS):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return times


def crossover(corpus: BenchCorpus, engine: JourneyEngine, sizes: tuple[int, ...]) -> list[dict[str, float]]:
    """Exhaustive vs compressed at growing corpus sizes, on the middle layer: query time for the live text
    (scaled to every layer), bytes in memory and recall@10."""
    layer = engine.info.num_layers // 2
    live = engine.encodings(corpus.live_texts[0], METHOD).vectors[layer].cpu().double().numpy()
    queries = corpus.queries(corpus.reporting_rows, layer)
    chunks = corpus.chunks()
    collected: list[np.ndarray] = []
    have = 0
    results = []
    for size in [n for n in sizes if n <= corpus.indexed_count] or QUICK_SIZES:
        while have < size:
            _, vectors = next(chunks)
            collected.append(np.ascontiguousarray(vectors[:, layer]))
            have += len(vectors)
        vectors = np.concatenate(collected)[:size]
        expected = exact_top(vectors, queries)
        row: dict[str, float] = {"occurrences": size}
        for name, compressed_from in (("exhaustive", size + 1), ("compressed", 0)):
            started = time.perf_counter()
            index = one_layer_index(
                candidate_index(vectors, ContextualSettings(compressed_from=compressed_from)), vectors
            )
            row[f"{name}_build_s"] = round(time.perf_counter() - started, 2)
            seconds = (
                statistics.median(timed(partial(index.nearest, 0, live, RECALL_K))) * engine.info.num_layers
            )
            row[f"{name}_live_query_s"] = round(seconds, 4)
            row[f"{name}_bytes_per_occurrence"] = round(index_nbytes(index.layers[0]) / size, 1)
            found = index.nearest(0, queries, RECALL_K)[1]
            row[f"{name}_recall_at_10"] = round(recall(found, expected), 4)
        print(json.dumps(row), flush=True)
        results.append(row)
    return results


def at_scale(corpus: BenchCorpus, engine: JourneyEngine) -> dict[str, object]:
    """The compressed index over every indexed occurrence, built and saved as `journeys build` would, then
    measured."""
    started = time.perf_counter()
    ContextualIndex.build(
        engine, METHOD, corpus.indexed_sentences, corpus.chunks(), ContextualSettings(max_tokens=10**9)
    )
    build_seconds = round(time.perf_counter() - started, 1)
    return {"build_s": build_seconds, **measured(corpus, engine)}


def measured(corpus: BenchCorpus, engine: JourneyEngine) -> dict[str, object]:
    """The saved index loaded as the server loads it: memory, disk, query times with the page cache cold and
    warm, rows read per query, and recall@10 over the grid of search settings."""
    folder = contextual_folder(engine, METHOD)
    first, cold, warm = (
        corpus.live_texts[:FIRST_TEXTS],
        corpus.live_texts[FIRST_TEXTS : FIRST_TEXTS + COLD_TEXTS],
        corpus.live_texts[FIRST_TEXTS + COLD_TEXTS :],
    )
    can_drop = drop_page_cache()
    if not can_drop:
        print("journeys: cannot drop the page cache (not root): warm figures only", file=sys.stderr)
    result: dict[str, object] = {
        "page_cache_dropped": can_drop,
        "first_query_cold_s": round(in_fresh_process(first_query, engine.settings, first[0], True), 3)
        if can_drop
        else None,
        "first_query_warm_s": round(in_fresh_process(first_query, engine.settings, first[1], False), 3),
    }
    rss_before = _rss_bytes()
    started = time.perf_counter()
    index = ContextualIndex.load_saved(engine, METHOD, corpus.indexed_sentences)
    load_seconds = time.perf_counter() - started
    assert index is not None, f"no contextual index of this split saved in {folder}: run --phase scale"
    rss_growth = _rss_bytes() - rss_before
    occurrences, layers, first_layer = len(index.rows), len(index.layers), index.layers[0]
    disk = sum(path.stat().st_size for path in folder.iterdir())
    hidden = index.vectors[0].shape[1]
    result |= {
        "occurrences_per_layer": occurrences,
        "layers": layers,
        "index_type": type(first_layer).__name__,
        "nlist": first_layer.nlist if isinstance(first_layer, faiss.IndexIVF) else None,
        "load_s": round(load_seconds, 1),
        "ram_bytes": index.nbytes,
        "ram_bytes_per_occurrence_per_layer": round(index.nbytes / occurrences / layers, 1),
        "rss_growth_on_load_bytes": rss_growth,
        "disk_bytes": disk,
        "disk_bytes_per_occurrence_per_layer": round(disk / occurrences / layers, 1),
        "vectors_bytes_per_occurrence_per_layer": hidden * np.dtype(np.float32).itemsize,
        "defaults": [index.nprobe, index.candidates],
        **rows_read(index, engine, warm[0], hidden),
        **warm_live_times(index, engine, warm),
    }
    print(json.dumps(result), flush=True)
    result["grid"] = grid(corpus, index, engine, warm)
    if can_drop:
        result |= cold_live_times(index, engine, cold)
    print(json.dumps({key: value for key, value in result.items() if key != "grid"}), flush=True)
    return result


def drop_page_cache() -> bool:
    """Write dirty pages, then drop the page cache (root only); False where that is not permitted."""
    os.sync()
    try:
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
    except OSError:
        return False
    return True


def in_fresh_process(call: Callable[..., float], *args: object) -> float:
    """`call(*args)` in a fresh Python process, as a newly started server would run it."""
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(call, *args).result()


def first_query(settings: EngineSettings, text: str, cold: bool) -> float:
    """Seconds of the first query after loading the engine and the saved index (which reads every file to
    check its digest), with the page cache dropped after the load when `cold`: a server up for a while."""
    engine = JourneyEngine.load(MODEL, settings=settings)
    index = ContextualIndex.load_saved(engine)
    assert index is not None
    if cold:
        drop_page_cache()
    started = time.perf_counter()
    index.query(engine, text, k=RECALL_K)
    return time.perf_counter() - started


def rows_read(index: ContextualIndex, engine: JourneyEngine, text: str, hidden: int) -> dict[str, int]:
    """Rows a query of `text` reads from the vectors files (every candidate of every token at every
    layer), and their bytes."""
    units = [unit_rows(vectors) for vectors in engine.encodings(text, METHOD).vectors.cpu().numpy()]
    fetch = index.fetched(RECALL_K)
    found = [
        contextual_layers.search(layer, unit, fetch, index.nprobe, index.settings.query_bits)
        for layer, unit in zip(index.layers, units, strict=True)
    ]
    rows = sum(int((candidates >= 0).sum()) for candidates in found)
    return {
        "query_tokens": len(units[0]),
        "rows_read_per_query": rows,
        "bytes_read_per_query": rows * hidden * np.dtype(np.float32).itemsize,
    }


def warm_live_times(index: ContextualIndex, engine: JourneyEngine, texts: list[str]) -> dict[str, float]:
    """A live query of each of `texts` (each once) with the page cache warm."""
    return live_summary("warm", [timed_query(index, engine, text) for text in texts])


def cold_live_times(index: ContextualIndex, engine: JourneyEngine, texts: list[str]) -> dict[str, float]:
    """A live query of each of `texts` (each once), the vectors mapped afresh and the page cache dropped
    before each, alternating the ways of READING the maps so both see the same machine."""
    measured: dict[str, list[tuple[float, int]]] = {name: [] for name in READING}
    for number, text in enumerate(texts):
        name = list(READING)[number % len(READING)]
        remap(index, READING[name])
        drop_page_cache()
        measured[name].append(timed_query(index, engine, text))
    return {key: value for name, runs in measured.items() for key, value in live_summary(name, runs).items()}


def timed_query(index: ContextualIndex, engine: JourneyEngine, text: str) -> tuple[float, int]:
    """Seconds of a live query of `text` and the bytes this process read from storage meanwhile."""
    read_before = _storage_read_bytes()
    started = time.perf_counter()
    index.query(engine, text, k=RECALL_K)
    return time.perf_counter() - started, _storage_read_bytes() - read_before


def live_summary(condition: str, runs: list[tuple[float, int]]) -> dict[str, float]:
    """Median and 90th percentile seconds of `runs`, their count and their median bytes read from storage."""
    seconds = [run[0] for run in runs]
    return {
        f"live_query_{condition}_median_s": round(statistics.median(seconds), 3),
        f"live_query_{condition}_p90_s": round(float(np.quantile(seconds, 0.9)), 3),
        f"live_query_{condition}_texts": len(runs),
        f"live_query_{condition}_storage_read_median_bytes": int(statistics.median(run[1] for run in runs)),
    }


def grid(
    corpus: BenchCorpus, index: ContextualIndex, engine: JourneyEngine, texts: list[str]
) -> list[dict[str, Any]]:
    """Recall@10 on the tuning and the reporting queries and cost at every GRID setting; the first setting
    (fewest lists probed, then fewest candidates) whose tuning recall reaches TUNING_RECALL is chosen."""
    layers = len(index.layers)
    sets = {"tuning": corpus.tuning_rows, "reporting": corpus.reporting_rows}
    queries = {name: [corpus.queries(rows, layer) for layer in range(layers)] for name, rows in sets.items()}
    expected = {
        name: [exact_top(index.vectors[layer], per_layer[layer]) for layer in range(layers)]
        for name, per_layer in queries.items()
    }
    times = interleaved(index, [partial(index.query, engine, text, k=RECALL_K) for text in texts])
    points: list[dict[str, Any]] = []
    for setting in GRID:
        index.nprobe, index.candidates = setting
        point: dict[str, Any] = {"nprobe": index.nprobe, "candidates": index.candidates}
        for name, per_layer in queries.items():
            started = time.perf_counter()
            found = [index.nearest(layer, per_layer[layer], RECALL_K)[1] for layer in range(layers)]
            seconds = time.perf_counter() - started
            recalls = [recall(f, e) for f, e in zip(found, expected[name], strict=True)]
            point[f"{name}_recall_at_10"] = round(float(np.mean(recalls)), 4)
            point[f"{name}_worst_layer_recall_at_10"] = round(min(recalls), 4)
            point[f"{name}_ms_per_query_layer"] = round(1000 * seconds / layers / len(per_layer[0]), 3)
        point["live_query_median_s"] = round(statistics.median(times[setting]), 3)
        point["live_query_p90_s"] = round(float(np.quantile(times[setting], 0.9)), 3)
        print(json.dumps(point), flush=True)
        points.append(point)
    best = max(points, key=lambda point: point["tuning_recall_at_10"])
    next((p for p in points if p["tuning_recall_at_10"] >= TUNING_RECALL), best)["chosen"] = True
    index.nprobe, index.candidates = index.settings.nprobe, index.settings.candidates
    return points


def interleaved(
    index: ContextualIndex, queries: list[Callable[[], object]]
) -> dict[tuple[int, int], list[float]]:
    """Seconds of the live queries at each GRID setting: round r runs `queries[r]` at every setting in turn
    (round 0 a warm-up), so a drift in the machine's speed falls on all settings alike."""
    times: dict[tuple[int, int], list[float]] = {setting: [] for setting in GRID}
    for round_number, query in enumerate(queries):
        for setting in GRID:
            index.nprobe, index.candidates = setting
            started = time.perf_counter()
            query()
            if round_number:
                times[setting].append(time.perf_counter() - started)
    return times


def remap(index: ContextualIndex, advice: int) -> None:
    """Map the index's vectors files afresh (pages still mapped stay in the page cache when it is dropped),
    read as `advice` (an `mmap.MADV_*`) says."""
    index.vectors = [map_vectors(Path(vectors.filename), vectors.shape) for vectors in index.vectors]
    for vectors in index.vectors:
        vectors._mmap.madvise(advice)  # the mmap object numpy maps the file with


def _storage_read_bytes() -> int:
    """Bytes this process has caused to be read from storage (page cache misses, read-ahead included)."""
    io = Path("/proc/self/io").read_text()
    return int(next(line.split()[1] for line in io.splitlines() if line.startswith("read_bytes")))


def _rss_bytes() -> int:
    status = Path("/proc/self/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS"))) * 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--phase",
        choices=["crossover", "scale", "query", "all"],
        default="all",
        help="query: measure the index an earlier scale phase saved, without building it again",
    )
    parser.add_argument("--limit", type=int, default=0, help="only the first N sentences (a quick check)")
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=CROSSOVER_SIZES, help="crossover corpus sizes"
    )
    args = parser.parse_args()
    machine = {
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "faiss_threads": faiss.omp_get_max_threads(),
        "load_average_at_start": os.getloadavg(),
    }
    print(json.dumps(machine), flush=True)
    engine = JourneyEngine.load(MODEL, settings=EngineSettings.from_environment(os.environ))
    corpus, counts = bench_corpus(engine, args.limit)
    counts.update(
        indexed_occurrences=corpus.indexed_count,
        tuning_sentences=len(corpus.tuning_rows),
        reporting_sentences=len(corpus.reporting_rows),
        live_texts=len(corpus.live_texts),
    )
    counts["encode_s"] = json.loads((corpus.folder / "meta.json").read_text())["encode_seconds"]
    print(json.dumps(counts), flush=True)
    results: dict[str, object] = {**machine, **counts}
    if args.phase in ("crossover", "all"):
        results["crossover"] = crossover(corpus, engine, tuple(args.sizes))
    if args.phase in ("scale", "all"):
        results["scale"] = at_scale(corpus, engine)
    if args.phase == "query":
        results["scale"] = measured(corpus, engine)
    results["load_average_at_end"] = os.getloadavg()
    target = corpus.folder / f"results-{args.phase}.json"
    write_bytes_atomic(target, json.dumps(results, indent=1).encode())
    print(f"journeys: results in {target}", file=sys.stderr)


if __name__ == "__main__":
    main()
