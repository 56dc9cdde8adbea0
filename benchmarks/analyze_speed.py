"""`make bench`: how fast one analysis is, and how much memory it takes, on a roberta-base-, a Qwen3-0.6B-
or a Llama-3.1-8B-shaped model (`--shape`) computing in float32 or bfloat16 (`--dtype`), against two
yardsticks.

(a) a straightforward per-token implementation of the published algorithm: for each token, layer and
    variant, cosine similarity to every vocabulary row, then a full sort to find the rank;
(b) the floor: the model's forward pass plus one fp32 matrix product of all queries against the vocabulary.
All three run in the same process on the same sentence, taking turns; the median of several runs after a
warm-up is reported (the straightforward algorithm's over fewer runs). The first analysis after loading is
timed on its own: it builds the 1 / |w + p| tables of the positions it meets, which later analyses reuse.
Also times FAISS's flat search against torch's matmul + topk for the same queries, which picked the hot path,
and the scoring alone for the sentence's queries and for random directions of the same norms: a random model
keeps every token nearest its own row (rank 0), while a trained one moves many into the thick of the
vocabulary (ranks in the thousands), where far more rows need settling in float64. The straightforward
algorithm is timed on the roberta shape in float32 only (on the Qwen3 shape it would take most of an hour).

Memory is measured first, in a child process of its own that loads the model, analyses the sentence once and
exits: its peak resident set (`ru_maxrss`) less its resident set right after importing its libraries, against
the goal of 1.15 x (the weights in the chosen dtype + one float32 vocabulary table). Each row runs in a
process of its own (as `make bench` does), so no peak carries over. The Llama-3.1-8B-shaped model (about
16 GB) is built when its row runs and deleted afterwards, with its vocabulary index; where the machine lacks
the memory or the disk for it, the row says so in one line with the numbers instead of running.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np
import torch
import torch.nn.functional as F

from benchmarks.shaped_models import (
    BENCH_TEXT,
    LLAMA_8B_FOLDER,
    LLAMA_8B_VOCAB_SIZE,
    QWEN3_BENCH_TEXT,
    save_llama_8b_shaped_model,
    save_qwen3_shaped_model,
    save_roberta_shaped_bf16_model,
    save_roberta_shaped_model,
)
from journeys.indexer.atomic_files import write_bytes_atomic
from journeys.indexer.engine import Encodings, JourneyEngine
from journeys.indexer.settings import EngineSettings
from journeys.indexer.vocabulary_index import index_folder

RUNS = 9
#: Rounds of the straightforward algorithm (about 100 s each on the roberta shape), after its warm-up.
STRAIGHTFORWARD_RUNS = 3
TOP_K = 15
#: The memory goal: peak resident set, less that after imports, within this factor of weights + table.
MEMORY_GOAL_FACTOR = 1.15
#: Memory and disk the Llama-3.1-8B-shaped row needs free beyond its weights and table before it starts: the
#: weights are the checkpoint's pages, mapped, so with less the kernel evicts and rereads them all the time.
LLAMA_8B_MARGIN_BYTES = 4 * 2**30
#: The base model's parameters (no LM head, as `AutoModel` loads it) in bf16, and its float32 table.
LLAMA_8B_WEIGHT_BYTES = 7_504_924_672 * 2
LLAMA_8B_TABLE_BYTES = LLAMA_8B_VOCAB_SIZE * 4096 * 4


@dataclass(frozen=True)
class Shape:
    """One benchmarked shape: its model folder per dtype, its 32-token sentence, and what it is."""

    folders: dict[str, Callable[[], Path]]
    text: str
    description: str


SHAPES = {
    "roberta": Shape(
        {"float32": save_roberta_shaped_model, "bfloat16": save_roberta_shaped_bf16_model},
        BENCH_TEXT,
        "random, roberta-base shape (12 layers, 768 hidden, 50265 vocab, 514 positions), saved in the dtype",
    ),
    "qwen3": Shape(
        {"float32": save_qwen3_shaped_model, "bfloat16": save_qwen3_shaped_model},
        QWEN3_BENCH_TEXT,
        "random, Qwen3-0.6B shape (28 layers, 1024 hidden, 16/8 heads, 151936 vocab), bf16 on disk",
    ),
    "llama8b": Shape(
        {"bfloat16": save_llama_8b_shaped_model},
        QWEN3_BENCH_TEXT,
        "random, Llama-3.1-8B shape (32 layers, 4096 hidden, 32/8 heads, 14336 FFN, 128256 vocab), bf16",
    ),
}


def median_seconds(actions: dict[str, Callable[[], object]], runs: int = RUNS) -> dict[str, float]:
    """Median wall time of each action over `runs` rounds, after one warm-up call each. The actions take
    turns within every round, so a slower spell of the machine weighs on all of them alike."""
    times: dict[str, list[float]] = {name: [] for name in actions}
    for action in actions.values():
        action()
    for _ in range(runs):
        for name, action in actions.items():
            started = time.perf_counter()
            action()
            times[name].append(time.perf_counter() - started)
    return {name: statistics.median(spent) for name, spent in times.items()}


def straightforward(engine: JourneyEngine, text: str) -> None:
    """The published algorithm, token by token: similarities to every row, then a full sort."""
    encoded = engine.encodings(text)
    words = engine.reference.words
    positions = engine.reference.positions.rows
    for token, own_id in enumerate(encoded.token_ids):
        shifted_vocabulary = words + positions[encoded.position_ids[token]]
        for vocabulary in (words, shifted_vocabulary):
            for layer in range(engine.info.num_layers):
                similarities = F.cosine_similarity(encoded.vectors[layer, token][None], vocabulary)
                order = torch.argsort(similarities, descending=True)
                int(torch.nonzero(order == own_id)[0])  # rank
                order[:TOP_K].tolist()  # neighbours


def floor(engine: JourneyEngine, text: str) -> None:
    """The model's forward pass plus one fp32 product of every query against the vocabulary, on the device
    the scoring runs on (waited for there)."""
    encoded = engine.encodings(text)
    queries = encoded.vectors.reshape(-1, engine.info.hidden_size)
    queries @ engine.scorer.unit_rows.T
    if engine.scorer.device.type == "cuda":
        torch.cuda.synchronize(engine.scorer.device)


def far_from_own_rows(vectors: torch.Tensor) -> torch.Tensor:
    """Random directions with the norms of `vectors`: encodings that sit among the bulk of the vocabulary."""
    generator = torch.Generator().manual_seed(0)
    directions = torch.nn.functional.normalize(torch.randn(vectors.shape, generator=generator), dim=-1)
    return directions * vectors.norm(dim=-1, keepdim=True)


def resident_bytes() -> int:
    """This process's resident set now."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def measure_memory(folder: Path, dtype: str, text: str) -> dict[str, float]:
    """Load, analyse `text` once, and report the peak resident set less that after imports (in this process,
    which must be fresh), the weights' and the vocabulary table's bytes, and the goal."""
    after_imports = resident_bytes()
    engine = JourneyEngine.load(
        str(folder), settings=EngineSettings.from_environment(os.environ), dtype=dtype
    )
    engine.analyze(text, top_k=TOP_K)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - after_imports
    weights = sum({p.data_ptr(): p.nbytes for p in engine.loaded.model.parameters()}.values())
    table = engine.scorer.unit_rows.nbytes
    goal = MEMORY_GOAL_FACTOR * (weights + table)
    return {
        "rss_after_imports_gb": after_imports / 1e9,
        "peak_rss_less_imports_gb": peak / 1e9,
        "weights_gb": weights / 1e9,
        "vocabulary_table_gb": table / 1e9,
        "memory_goal_gb": goal / 1e9,
        "peak_over_weights_plus_table": peak / (weights + table),
        "memory_goal_met": peak <= goal,
    }


def memory_in_child(shape: str, dtype: str) -> dict[str, float]:
    """`measure_memory` in a fresh process of its own, so that no earlier peak counts."""
    child = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.analyze_speed",
            "--shape",
            shape,
            "--dtype",
            dtype,
            "--memory-only",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(child.stdout.splitlines()[-1])


def llama_8b_refusal() -> str | None:
    """Why the Llama-3.1-8B-shaped row cannot run here (memory or disk, with numbers); None when it can."""
    with open("/proc/meminfo", encoding="ascii") as meminfo:
        available = next(int(line.split()[1]) * 1024 for line in meminfo if line.startswith("MemAvailable:"))
    needed = LLAMA_8B_WEIGHT_BYTES + LLAMA_8B_TABLE_BYTES + LLAMA_8B_MARGIN_BYTES
    LLAMA_8B_FOLDER.parent.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(LLAMA_8B_FOLDER.parent).free
    parts = (
        f"bf16 weights {LLAMA_8B_WEIGHT_BYTES / 2**30:.1f} GiB + float32 table "
        f"{LLAMA_8B_TABLE_BYTES / 2**30:.1f} GiB + {LLAMA_8B_MARGIN_BYTES / 2**30:.0f} GiB"
    )
    if available < needed:
        return f"llama8b row not run: memory needed {parts}, {available / 2**30:.1f} GiB available"
    if not LLAMA_8B_FOLDER.is_dir() and free < needed:
        return f"llama8b row not run: disk needed {parts}, {free / 2**30:.1f} GiB free"
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shape", choices=SHAPES, default="roberta")
    parser.add_argument("--dtype", choices=("float32", "bfloat16"), default="float32")
    parser.add_argument("--runs", type=int, default=RUNS, help="timed rounds after the warm-up")
    parser.add_argument(
        "--straightforward-runs",
        type=int,
        default=STRAIGHTFORWARD_RUNS,
        help="rounds of the straightforward algorithm (roberta, float32 only); 0 skips it",
    )
    parser.add_argument("--memory-only", action="store_true", help="measure memory in this process only")
    args = parser.parse_args()
    shape, dtype = SHAPES[args.shape], args.dtype
    if dtype not in shape.folders:
        parser.error(f"the {args.shape} shape is benchmarked in {' and '.join(shape.folders)} only")
    torch.set_grad_enabled(False)
    if args.memory_only:
        print(json.dumps(measure_memory(shape.folders[dtype](), dtype, shape.text)))
        return
    if args.shape == "llama8b":
        refusal = llama_8b_refusal()
        if refusal is not None:
            print(refusal)
            return
    try:
        timed(args, shape)
    finally:
        if args.shape == "llama8b":
            shutil.rmtree(LLAMA_8B_FOLDER, ignore_errors=True)
            index_dir = EngineSettings.from_environment(os.environ).index_dir
            shutil.rmtree(index_folder(index_dir, str(LLAMA_8B_FOLDER)), ignore_errors=True)


def timed(args: argparse.Namespace, shape: Shape) -> None:
    """The row: memory in a child process first, then the timings in this one; printed and saved."""
    folder, text, dtype = shape.folders[args.dtype](), shape.text, args.dtype
    memory = memory_in_child(args.shape, dtype)
    engine = JourneyEngine.load(
        str(folder), settings=EngineSettings.from_environment(os.environ), dtype=dtype
    )
    started = time.perf_counter()
    engine.analyze(text, top_k=TOP_K)  # positions not seen yet: their 1 / |w + p| tables are built here
    first_analysis = time.perf_counter() - started
    num_tokens = len(engine.tokenize(text))
    queries = engine.encodings(text).vectors.reshape(-1, engine.info.hidden_size)
    unit_queries = F.normalize(queries, dim=1).cpu().numpy()

    medians = median_seconds(
        {
            "ours": lambda: engine.analyze(text, top_k=TOP_K),
            "floor": lambda: floor(engine, text),
            "forward": lambda: engine.encodings(text),
        },
        runs=args.runs,
    )
    ours, lower_bound, forward = medians["ours"], medians["floor"], medians["forward"]
    baseline = None
    if args.shape == "roberta" and dtype == "float32" and args.straightforward_runs > 0:
        baseline = median_seconds(
            {"straightforward": lambda: straightforward(engine, text)}, runs=args.straightforward_runs
        )["straightforward"]
    searches = median_seconds(
        {
            "faiss": lambda: engine.index.search(unit_queries, TOP_K),
            "torch": lambda: (F.normalize(queries, dim=1) @ engine.scorer.unit_rows.T).topk(TOP_K),
        },
        runs=args.runs,
    )
    faiss_search, torch_topk = searches["faiss"], searches["torch"]
    encoded = engine.encodings(text)
    far = Encodings(encoded.token_ids, far_from_own_rows(encoded.vectors), encoded.position_ids)
    scoring = median_seconds(
        {"near": lambda: engine.score([encoded], TOP_K), "far": lambda: engine.score([far], TOP_K)},
        runs=args.runs,
    )

    results = {
        "machine": f"{platform.machine()}, {torch.get_num_threads()} torch threads, "
        f"{faiss.omp_get_max_threads()} faiss threads, torch {torch.__version__}",
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "load_average_after": [round(value, 2) for value in os.getloadavg()],
        "shape": args.shape,
        "dtype": dtype,
        "rounds": args.runs,
        "model": shape.description,
        "variants": list(engine.info.variants),
        "tokens": num_tokens,
        "queries": num_tokens * engine.info.num_layers,
        "first_analysis_after_load_s": first_analysis,
        "ours_exact_both_variants_s": ours,
        "straightforward_per_token_s": baseline,
        "floor_forward_plus_one_matmul_s": lower_bound,
        "forward_pass_s": forward,
        "faiss_flat_search_top15_s": faiss_search,
        "torch_matmul_topk15_s": torch_topk,
        "scoring_alone_s": scoring["near"],
        "scoring_alone_far_from_own_rows_s": scoring["far"],
        "median_rank_far_from_own_rows": float(np.median(engine.score([far], TOP_K)["raw"].rank)),
        "speedup_vs_straightforward": None if baseline is None else baseline / ours,
        "ratio_to_floor": ours / lower_bound,
        **memory,
    }
    out = (
        EngineSettings.from_environment(os.environ).build_dir
        / "bench"
        / f"analyze_speed-{args.shape}-{dtype}.json"
    )
    write_bytes_atomic(out, json.dumps(results, indent=2).encode())
    width = max(map(len, results))
    for name, value in results.items():
        shown = f"{value:.3f}" if isinstance(value, float) else str(value)
        print(f"{name.ljust(width)}  {shown}")
    print(f"(saved to {out})")


if __name__ == "__main__":
    main()
