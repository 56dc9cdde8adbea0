"""`make bench`: how fast one analysis is on a roberta-base-shaped model (and, with `--shape qwen3`, a
Qwen3-0.6B-shaped one), against two yardsticks.

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
algorithm is timed on the roberta shape only (on the Qwen3 shape it would take most of an hour). Peak
resident memory is the process's own, so run one shape per process (as `make bench` does).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import time
from collections.abc import Callable

import faiss
import numpy as np
import torch
import torch.nn.functional as F

from benchmarks.shaped_models import (
    BENCH_TEXT,
    QWEN3_BENCH_TEXT,
    save_qwen3_shaped_model,
    save_roberta_shaped_model,
)
from journeys.indexer.atomic_files import write_bytes_atomic
from journeys.indexer.engine import Encodings, JourneyEngine
from journeys.indexer.settings import EngineSettings

RUNS = 9
#: Rounds of the straightforward algorithm (about 100 s each on the roberta shape), after its warm-up.
STRAIGHTFORWARD_RUNS = 3
TOP_K = 15
#: Per shape: the model folder, the 32-token sentence, and a description.
SHAPES = {
    "roberta": (
        save_roberta_shaped_model,
        BENCH_TEXT,
        "random, roberta-base shape (12 layers, 768 hidden, 50265 vocab, 514 positions)",
    ),
    "qwen3": (
        save_qwen3_shaped_model,
        QWEN3_BENCH_TEXT,
        "random, Qwen3-0.6B shape (28 layers, 1024 hidden, 16/8 heads, 151936 vocab), bf16 on disk",
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
    """The model's forward pass plus one fp32 product of every query against the vocabulary."""
    encoded = engine.encodings(text)
    queries = encoded.vectors.reshape(-1, engine.info.hidden_size)
    queries @ engine.scorer.unit_rows.T


def far_from_own_rows(vectors: torch.Tensor) -> torch.Tensor:
    """Random directions with the norms of `vectors`: encodings that sit among the bulk of the vocabulary."""
    generator = torch.Generator().manual_seed(0)
    directions = torch.nn.functional.normalize(torch.randn(vectors.shape, generator=generator), dim=-1)
    return directions * vectors.norm(dim=-1, keepdim=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shape", choices=SHAPES, default="roberta")
    shape = parser.parse_args().shape
    save_model, text, description = SHAPES[shape]
    torch.set_grad_enabled(False)
    settings = EngineSettings.from_environment(os.environ)
    engine = JourneyEngine.load(str(save_model(settings)), settings=settings)
    started = time.perf_counter()
    engine.analyze(text, top_k=TOP_K)  # positions not seen yet: their 1 / |w + p| tables are built here
    first_analysis = time.perf_counter() - started
    num_tokens = len(engine.tokenize(text))
    queries = engine.encodings(text).vectors.reshape(-1, engine.info.hidden_size)
    unit_queries = F.normalize(queries, dim=1).numpy()

    medians = median_seconds(
        {
            "ours": lambda: engine.analyze(text, top_k=TOP_K),
            "floor": lambda: floor(engine, text),
            "forward": lambda: engine.encodings(text),
        }
    )
    ours, lower_bound, forward = medians["ours"], medians["floor"], medians["forward"]
    baseline = None
    if shape == "roberta":
        baseline = median_seconds(
            {"straightforward": lambda: straightforward(engine, text)}, runs=STRAIGHTFORWARD_RUNS
        )["straightforward"]
    searches = median_seconds(
        {
            "faiss": lambda: engine.index.search(unit_queries, TOP_K),
            "torch": lambda: (torch.from_numpy(unit_queries) @ engine.scorer.unit_rows.T).topk(TOP_K),
        }
    )
    faiss_search, torch_topk = searches["faiss"], searches["torch"]
    encoded = engine.encodings(text)
    far = Encodings(encoded.token_ids, far_from_own_rows(encoded.vectors), encoded.position_ids)
    scoring = median_seconds(
        {"near": lambda: engine.score([encoded], TOP_K), "far": lambda: engine.score([far], TOP_K)}
    )

    results = {
        "machine": f"{platform.machine()}, {torch.get_num_threads()} torch threads, "
        f"{faiss.omp_get_max_threads()} faiss threads, torch {torch.__version__}",
        "model": description,
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
        "peak_rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20,
    }
    out = settings.build_dir / "bench" / f"analyze_speed-{shape}.json"
    write_bytes_atomic(out, json.dumps(results, indent=2).encode())
    width = max(map(len, results))
    for name, value in results.items():
        shown = f"{value:.3f}" if isinstance(value, float) else str(value)
        print(f"{name.ljust(width)}  {shown}")
    print(f"(saved to {out})")


if __name__ == "__main__":
    main()
