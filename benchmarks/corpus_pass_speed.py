"""Corpus pass throughput in this process and on a local Ray cluster with 1 and 2 actors, and a
`journeys findings` run killed with SIGKILL halfway and resumed, compared with an uninterrupted run.
Run: `.venv/bin/python -m benchmarks.corpus_pass_speed [--model minilm] [--sentences 64] [--dtype bfloat16]
[--in-process-only]`; `--in-process-only` times the pass in this process and stops there (to set a dtype's
tokens/s beside another's).

Every pass starts from an empty shard folder of its own. The machine's load average is printed with each
figure, since other work on the same cores changes them.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

from journeys.corpus.corpus_pass import run_corpus_pass
from journeys.corpus.reading import read_corpus
from journeys.corpus.settings import CorpusSettings
from journeys.corpus.shard_work import Cluster
from journeys.indexer.engine import JourneyEngine
from journeys.indexer.settings import EngineSettings


def load_average() -> list[float]:
    return [round(value, 2) for value in os.getloadavg()]


def timed_pass(engine: JourneyEngine, sentences: list[str], cluster: Cluster | None) -> dict[str, object]:
    """One exact-method pass from nothing: seconds, tokens and tokens per second."""
    with tempfile.TemporaryDirectory(prefix="pass-bench-") as folder:
        before = load_average()
        started = time.perf_counter()
        analysis = run_corpus_pass(
            engine, sentences, "exact", progress=False, cluster=cluster, cache_dir=Path(folder)
        )
        seconds = time.perf_counter() - started
    tokens = len(analysis.token_ids)
    return {
        "where": "in-process" if cluster is None else f"ray auto, {cluster.actors} actor(s)",
        "seconds": round(seconds, 1),
        "tokens": tokens,
        "tokens_per_second": round(tokens / seconds, 1),
        "load_average_before": before,
        "load_average_after": load_average(),
    }


def findings_child(model: str, corpus: Path, build_dir: Path) -> subprocess.Popen:
    """`journeys findings --json` in a process of its own, writing under `build_dir`."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "journeys.cli",
            "findings",
            "--model",
            model,
            "--corpus",
            str(corpus),
            "--json",
        ],
        env={**os.environ, "JOURNEYS_BUILD_DIR": str(build_dir)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def without_timings(stdout: str) -> dict[str, object]:
    """A findings report's JSON without the timings, which differ between runs."""
    report = json.loads(stdout)
    return {key: value for key, value in report.items() if key not in ("seconds", "sentences_per_second")}


def kill_and_resume(model: str, sentences: list[str]) -> dict[str, object]:
    """`journeys findings` uninterrupted, and killed (SIGKILL) once half its shards are written, then run
    again: are the two reports equal?"""
    with tempfile.TemporaryDirectory(prefix="resume-bench-") as folder:
        root = Path(folder)
        corpus = root / "corpus.txt"
        corpus.write_text("\n".join(sentences) + "\n", encoding="utf-8")
        started = time.perf_counter()
        expected = without_timings(findings_child(model, corpus, root / "whole").communicate()[0])
        uninterrupted = time.perf_counter() - started
        records = root / "killed" / "cache" / "corpus-passes"
        total = len(list((root / "whole" / "cache" / "corpus-passes").glob("*/shard-*[0-9].json")))
        child = findings_child(model, corpus, root / "killed")
        started = time.perf_counter()
        while len(list(records.glob("*/shard-*[0-9].json"))) < total // 2 and child.poll() is None:
            time.sleep(0.05)
        child.send_signal(signal.SIGKILL)
        child.communicate()
        written = len(list(records.glob("*/shard-*[0-9].json")))
        resumed = without_timings(findings_child(model, corpus, root / "killed").communicate()[0])
        return {
            "shards": total,
            "killed_after_shards": written,
            "killed_exit_code": child.returncode,
            "uninterrupted_seconds": round(uninterrupted, 1),
            "killed_plus_resumed_seconds": round(time.perf_counter() - started, 1),
            "findings_identical": resumed == expected,
            "load_average": load_average(),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=EngineSettings().bundled_model_name)
    parser.add_argument("--sentences", type=int, default=64, help="the first N sentences of data/corpus.txt")
    parser.add_argument("--dtype", choices=("float32", "bfloat16"), default="float32")
    parser.add_argument("--in-process-only", action="store_true", help="skip Ray and the kill and resume")
    args = parser.parse_args()
    engine = JourneyEngine.load(
        args.model, settings=EngineSettings.from_environment(os.environ), dtype=args.dtype
    )
    sentences = read_corpus(CorpusSettings().corpus_file, engine).sentences[: args.sentences]
    print(
        json.dumps(
            {
                "model": args.model,
                "dtype": args.dtype,
                "sentences": len(sentences),
                "cores": os.cpu_count(),
                "torch_threads": torch.get_num_threads(),
            }
        ),
        flush=True,
    )
    print(json.dumps(timed_pass(engine, sentences, None)), flush=True)
    if args.in_process_only:
        return
    import ray

    started = time.perf_counter()
    ray.init(include_dashboard=False, log_to_driver=False)
    print(
        json.dumps({"ray_local_cluster_start_seconds": round(time.perf_counter() - started, 1)}), flush=True
    )
    for actors in (1, 2):
        print(json.dumps(timed_pass(engine, sentences, Cluster("auto", actors))), flush=True)
    ray.shutdown()
    print(json.dumps({"kill_and_resume": kill_and_resume(args.model, sentences)}), flush=True)


if __name__ == "__main__":
    main()
