"""Slow, impatient and vanished clients against the real servers over loopback, `journeys serve` and
`make serve-prod` (gunicorn): health keeps answering, requests are read against a deadline, a busy server
says when to come back, and nothing is computed for a client that has left."""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlparse

import pytest

from benchmarks.slow_clients import SlowClientRun, drip, probe_health
from journeys.server.process import ServerProcess, running_server, serve_command
from loopback_server import exchange

#: Small limits, so that the tests see them act within seconds.
LIMITS = {
    "JOURNEYS_REQUEST_READ_S": "2",
    "JOURNEYS_MAX_WAITING": "3",
    "JOURNEYS_ANALYSIS_SLOTS": "1",
    # Waiting requests are refused when the queue is full (3), not by the clock: on a loaded machine (tests in
    # parallel) two long analyses can outlast the default 10 s wait, and the abandoned requests must still
    # be waiting, not refused, when their turn comes.
    "JOURNEYS_SLOT_WAIT_S": "120",
    "GUNICORN_CMD_ARGS": "--access-logfile -",  # gunicorn logs each request with its status, as werkzeug does
}
#: Seconds a health probe may take: a liveness bound with a wide margin, not a speed target.
HEALTH_TIMEOUT_S = 5
WORDS = (
    "time",
    "flies",
    "like",
    "an",
    "arrow",
    "and",
    "fruit",
    "banana",
    "while",
    "the",
    "old",
    "man",
    "boat",
)


def long_text(seed: int) -> str:
    """A 60-word text unlike any other seed's; it takes MiniLM seconds here (many close calls to settle)."""
    return " ".join(
        WORDS[(i * 7 + seed) % len(WORDS)] + ("s" if i % 3 == seed % 3 else "") for i in range(60)
    )


@pytest.fixture(scope="module", params=[False, True], ids=["journeys serve", "gunicorn"])
def server(request: pytest.FixtureRequest) -> Iterator[ServerProcess]:
    with running_server(serve_command(["minilm"], production=request.param), env=LIMITS) as running:
        yield running


def analysis_request(text: str) -> bytes:
    """A whole POST /api/analyze request for `text`, asking the server to close the connection after it."""
    data = json.dumps({"text": text}).encode()
    head = (
        "POST /api/analyze HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nConnection: close\r\n"
    )
    return f"{head}Content-Length: {len(data)}\r\n\r\n".encode() + data


def post(url: str, text: str) -> tuple[int, dict[str, str], dict]:
    status, headers, answer, _ = exchange(url, analysis_request(text), 300)
    return status, headers, json.loads(answer)


def test_health_answers_while_clients_drip_and_the_drips_are_cut_off(server):
    run, stop = SlowClientRun(), threading.Event()
    drips = [threading.Thread(target=drip, args=(server.url, stop, run, 0.25)) for _ in range(8)]
    for thread in drips:
        thread.start()
    probing = threading.Event()
    prober = threading.Thread(target=probe_health, args=(server.url, probing, run, 0.5, HEALTH_TIMEOUT_S))
    prober.start()
    time.sleep(8)
    probing.set()
    prober.join()
    stop.set()
    for thread in drips:
        thread.join()
    assert run.probes_s and None not in run.probes_s, run.summary()
    assert run.drip_connections > 8, "the server never cut off a client that took over 2 s to send its head"


def test_a_busy_server_answers_503_with_retry_after_and_health_stays_up(server):
    run, probing = SlowClientRun(), threading.Event()
    prober = threading.Thread(target=probe_health, args=(server.url, probing, run, 0.5, HEALTH_TIMEOUT_S))
    prober.start()
    with ThreadPoolExecutor(10) as clients:
        answers = list(clients.map(lambda seed: post(server.url, long_text(100 + seed)), range(10)))
    probing.set()
    prober.join()
    statuses = [status for status, _, _ in answers]
    assert set(statuses) == {200, 503}, statuses
    for status, headers, answer in answers:
        if status == 503:
            assert headers["content-type"] == "application/json" and headers["retry-after"].isdigit()
            assert "try again in" in answer["error"]
    assert run.probes_s and None not in run.probes_s, run.summary()


def test_requests_whose_clients_left_are_never_analysed(server):
    def abandon(seed: int) -> None:
        address = urlparse(server.url)
        with socket.create_connection((address.hostname, address.port)) as connection:
            connection.sendall(analysis_request(long_text(200 + seed)))

    abandoned_before = len(abandoned_lines(server))
    with ThreadPoolExecutor(2) as busy:
        running = [busy.submit(post, server.url, long_text(300 + seed)) for seed in range(2)]
        time.sleep(0.5)
        abandon(1)
        abandon(2)
        assert [future.result()[0] for future in running] == [200, 200]
    assert post(server.url, "Time flies like an arrow.")[0] == 200
    deadline = time.monotonic() + 30
    while len(abandoned_lines(server)) < abandoned_before + 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(abandoned_lines(server)) == abandoned_before + 2, "".join(server.output[-30:])


def abandoned_lines(server: ServerProcess) -> list[str]:
    """Access-log lines of analyses answered 499: their client had left, so they were not run."""
    lines = [re.sub(r"\x1b\[[0-9;]*m", "", line) for line in server.output]  # werkzeug colours its log
    return [line for line in lines if '"POST /api/analyze HTTP/1.1" 499 ' in line]


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"GARBAGE\r\n\r\n", 400),
        (b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: test\r\n\r\n", 414),
    ],
    ids=["malformed request line", "request line too long"],
)
def test_the_http_layer_refuses_in_json(server, request_bytes, status):
    answered, headers, body, _ = exchange(server.url, request_bytes)
    assert (answered, headers["content-type"]) == (status, "application/json")
    assert set(json.loads(body)) == {"error"}


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        ("Content-Length: 10000000\r\n\r\n" + "x" * 1000, 413),  # refused before its body is read
        ("Content-Length: 100\r\n\r\n" + '{"text": ', 408),  # a body that never arrives whole
    ],
    ids=["body over the cap", "body cut short"],
)
def test_a_connection_whose_request_never_completes_is_closed(server, head, expected):
    start = "POST /api/analyze HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
    status, headers, body, closed_after_s = exchange(server.url, (start + head).encode())
    assert status == expected and headers["content-type"] == "application/json", body
    assert closed_after_s < 30  # the request read deadline is 2 s here; without one it stays open
