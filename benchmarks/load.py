"""Load benchmark of the live server on loopback (not a test): concurrent clients, bounded in count and time.

Starts the real server (`journeys serve`, or `make serve-prod`'s gunicorn with --prod) on a free port for
each model, sends analyses of distinct ~32-token texts (so the cache never answers), and reports
throughput, p50/p99 latency and errors, first for one client and then for --clients concurrent ones.

    .venv/bin/python -m benchmarks.load [--clients 8] [--requests 96] [--seconds 120] [--prod]
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import random
import statistics
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

from benchmarks.shaped_models import BENCH_TEXT, save_roberta_shaped_model
from journeys.server.process import running_server, serve_command

REQUEST_TIMEOUT_S = 120


@dataclass
class RunResult:
    """What one load run measured."""

    clients: int
    requests: int
    errors: int
    seconds: float
    latencies_s: list[float]
    tokens: int

    def summary(self) -> dict[str, float | int]:
        ordered = sorted(self.latencies_s) or [float("nan")]
        return {
            "clients": self.clients,
            "requests": self.requests,
            "errors": self.errors,
            "throughput_per_s": round(self.requests / self.seconds, 2),
            "p50_ms": round(1000 * statistics.median(ordered), 1),
            "p99_ms": round(1000 * ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))], 1),
            "tokens": self.tokens,
        }


def distinct_texts(count: int, seed: int = 0) -> list[str]:
    """`count` orderings of the benchmark sentence's inner words: the same 32 tokens with the
    roberta-base-shaped model's tokenizer, and a different text each time, so the cache never answers."""
    first, *inner, last = BENCH_TEXT.split()
    rng = random.Random(seed)
    texts: dict[str, None] = {}
    while len(texts) < count:
        rng.shuffle(inner)
        texts[" ".join([first, *inner, last])] = None
    return list(texts)


def analyze(url: str, text: str) -> bytes:
    """The JSON body of one analysis; raises on any error status."""
    request = urllib.request.Request(
        url + "/api/analyze",
        data=json.dumps({"text": text}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT_S) as response:
        return response.read()


def load_run(url: str, texts: list[str], clients: int, max_seconds: float, tokens: int) -> RunResult:
    """`clients` threads take texts from a shared queue until it is empty or time is up.

    Answers are read but not parsed, so the clients take as little of the machine's CPU as they can."""
    pending = collections.deque(texts)
    lock = threading.Lock()
    latencies: list[float] = []
    errors: list[str] = []
    deadline = time.monotonic() + max_seconds

    def client() -> None:
        while time.monotonic() < deadline:
            with lock:
                if not pending:
                    return
                text = pending.popleft()
            started = time.perf_counter()
            try:
                analyze(url, text)
            except (OSError, urllib.error.HTTPError, ValueError) as error:
                with lock:
                    errors.append(repr(error))
                continue
            with lock:
                latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    for error in errors[:3]:
        print(f"  error: {error}", file=sys.stderr)
    return RunResult(clients, len(latencies), len(errors), seconds, latencies, tokens)


def benchmark_model(name: str, model: str, args: argparse.Namespace) -> None:
    """One client, then `args.clients` clients, against a fresh server for `model`; one JSON line per run."""
    texts = distinct_texts(args.warmup + 2 * args.requests)
    warmup, first, second = (
        texts[: args.warmup],
        texts[args.warmup :][: args.requests],
        texts[-args.requests :],
    )
    with running_server(serve_command([model], production=args.prod)) as server:
        url = server.url
        tokens = max(len(json.loads(analyze(url, text))["tokens"]) for text in warmup)
        for clients, batch in ((1, first), (args.clients, second)):
            result = load_run(url, batch, clients, args.seconds, tokens)
            server = "gunicorn" if args.prod else "journeys serve"
            print(json.dumps({"model": name, "server": server, **result.summary()}), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients in the second run")
    parser.add_argument("--requests", type=int, default=96, help="requests per run (distinct texts)")
    parser.add_argument("--seconds", type=float, default=120, help="time limit per run")
    parser.add_argument("--warmup", type=int, default=3, help="requests sent before measuring")
    parser.add_argument("--prod", action="store_true", help="run `make serve-prod`'s gunicorn instead")
    parser.add_argument(
        "--models",
        nargs="+",
        default=["minilm", "roberta-base-shaped"],
        help="minilm and/or roberta-base-shaped",
    )
    args = parser.parse_args()
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"machine: {os.cpu_count()} cores, load average {load}; texts: shuffled {BENCH_TEXT!r}", flush=True)
    shaped = save_roberta_shaped_model()
    folders = {"minilm": "minilm", "roberta-base-shaped": str(shaped)}
    for name in args.models:
        benchmark_model(name, folders[name], args)


if __name__ == "__main__":
    main()
