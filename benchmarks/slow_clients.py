"""Slow and impatient clients against the live server (not a test): how fast /api/health answers while
N clients drip their request heads a byte a second and M clients keep analyses queued.

Starts the real server (`journeys serve`, or `make serve-prod`'s gunicorn with --prod) on a free port, or
measures a running one given by --url; the test suite drives the same clients.

    .venv/bin/python -m benchmarks.slow_clients [--drips 8] [--queued 30] [--seconds 30] [--prod] [--url URL]
"""

from __future__ import annotations

import argparse
import collections
import json
import socket
import statistics
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from urllib.parse import urlparse

from benchmarks.load import distinct_texts
from journeys.server.process import running_server, serve_command

#: What a dripping client sends, one byte at a time; its head never ends.
DRIP_HEAD = b"POST /api/analyze HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nX-Slow: "


@dataclass
class SlowClientRun:
    """What one run saw: health probe latencies (None: no answer in time) and the other clients' tallies."""

    probes_s: list[float | None] = field(default_factory=list)
    analyses: collections.Counter = field(default_factory=collections.Counter)
    drip_connections: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, outcome: int | str) -> None:
        """Tally one outcome: an analysis status, or "drip" for a dripping connection opened."""
        with self.lock:
            if outcome == "drip":
                self.drip_connections += 1
            else:
                self.analyses[outcome] += 1

    def summary(self) -> dict[str, float | int | dict[str, int]]:
        answered = sorted(latency for latency in self.probes_s if latency is not None) or [float("nan")]
        return {
            "health_probes": len(self.probes_s),
            "health_failures": sum(latency is None for latency in self.probes_s),
            "health_p50_ms": round(1000 * statistics.median(answered), 1),
            "health_max_ms": round(1000 * answered[-1], 1),
            "analyses_by_status": dict(sorted(self.analyses.items())),
            "drip_connections": self.drip_connections,
        }


def drip(url: str, stop: threading.Event, run: SlowClientRun, byte_interval_s: float = 1.0) -> None:
    """Send a request head a byte at a time and never finish it; when the server hangs up, start again."""
    address = urlparse(url)
    while not stop.is_set():
        with socket.create_connection((address.hostname, address.port), timeout=5) as connection:
            run.count("drip")
            for position in range(10**6):
                if stop.wait(byte_interval_s):
                    return
                byte = DRIP_HEAD[position : position + 1] or b"a"
                try:
                    connection.sendall(byte)
                    connection.setblocking(False)
                    if connection.recv(4096) == b"":  # the server hung up
                        break
                except BlockingIOError:
                    pass
                except OSError:
                    break
                finally:
                    connection.setblocking(True)


def keep_analysing(url: str, stop: threading.Event, run: SlowClientRun, texts: list[str]) -> None:
    """Send analyses one after another, each of a new text, tallying answers by status."""
    for text in texts:
        if stop.is_set():
            return
        request = urllib.request.Request(
            url + "/api/analyze",
            data=json.dumps({"text": text}).encode(),
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                response.read()
                run.count(response.status)
        except urllib.error.HTTPError as error:
            run.count(error.code)
            stop.wait(0.2)
        except OSError:
            run.count("no answer")


def probe_health(
    url: str, stop: threading.Event, run: SlowClientRun, interval_s: float = 0.5, timeout_s: float = 10
) -> None:
    """GET /api/health every `interval_s`, recording each latency, or None when it did not answer in time."""
    while not stop.wait(interval_s):
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(url + "/api/health", timeout=timeout_s) as response:
                response.read()
            run.probes_s.append(time.perf_counter() - started)
        except OSError:
            run.probes_s.append(None)


def measure(
    url: str, drips: int, queued: int, seconds: float, probe_timeout_s: float = 10, settle_s: float = 3
) -> SlowClientRun:
    """Start the drips and the queued analyses, let them settle, probe health for `seconds`, stop them all."""
    run, stop, probing = SlowClientRun(), threading.Event(), threading.Event()
    texts = distinct_texts(queued * 400)
    workers = [threading.Thread(target=drip, args=(url, stop, run)) for _ in range(drips)]
    workers += [
        threading.Thread(target=keep_analysing, args=(url, stop, run, texts[i::queued]))
        for i in range(queued)
    ]
    for worker in workers:
        worker.start()
    time.sleep(settle_s)
    prober = threading.Thread(target=probe_health, args=(url, probing, run, 0.5, probe_timeout_s))
    prober.start()
    time.sleep(seconds)
    probing.set()
    prober.join()
    stop.set()
    for worker in workers:
        worker.join()
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--drips", type=int, default=8, help="clients dripping request heads")
    parser.add_argument("--queued", type=int, default=30, help="clients keeping an analysis queued each")
    parser.add_argument("--seconds", type=float, default=30, help="how long health is probed")
    parser.add_argument("--model", default="minilm")
    parser.add_argument("--prod", action="store_true", help="gunicorn (make serve-prod), not journeys serve")
    parser.add_argument("--url", help="measure this running server instead of starting one")
    args = parser.parse_args()
    if args.url:
        print(json.dumps(measure(args.url.rstrip("/"), args.drips, args.queued, args.seconds).summary()))
        return
    with running_server(serve_command([args.model], production=args.prod)) as server:
        summary = measure(server.url, args.drips, args.queued, args.seconds).summary()
    print(json.dumps({"server": "gunicorn" if args.prod else "journeys serve", **summary}))


if __name__ == "__main__":
    main()
