"""Run the live server as a child process on a free loopback port, until it answers /api/health.

Shared by the tests and the load benchmark, which must start the server exactly as a user does.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from journeys.indexer.settings import REPO_ROOT

#: Seconds a fresh server may take to load its models and answer /api/health.
START_TIMEOUT_S = 300
#: The line `journeys serve` (or gunicorn) prints once it listens, with the URL it got.
ANNOUNCEMENT = re.compile(r"(?:serving on|Listening at:) (http://127\.0\.0\.1:\d+)")


def serve_command(models: list[str], production: bool = False) -> list[str]:
    """`journeys serve`, or the command `make serve-prod` runs, for `models` on 127.0.0.1, port 0."""
    if not production:
        journeys = Path(sys.executable).with_name("journeys")
        arguments = [argument for model in models for argument in ("--model", model)]
        return [str(journeys), "serve", *arguments, "--host", "127.0.0.1", "--port", "0"]
    settings = [f"SERVE_MODELS={' '.join(models)}", "HOST=127.0.0.1", "PORT=0"]
    dry_run = subprocess.run(
        ["make", "--dry-run", "--silent", "serve-prod", *settings],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return ["bash", "-c", next(line for line in dry_run.stdout.splitlines() if "gunicorn" in line)]


@dataclass
class ServerProcess:
    """A running server: its URL and everything it has printed so far."""

    url: str = ""
    output: list[str] = field(default_factory=list)

    def request(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        """Status and decoded JSON answer of one request (error statuses included)."""
        data = None if body is None else json.dumps(body).encode()
        headers = {} if body is None else {"Content-Type": "application/json"}
        request = urllib.request.Request(self.url + path, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    def is_healthy(self) -> bool:
        try:
            return self.request("GET", "/api/health")[0] == 200
        except OSError:
            return False


@contextmanager
def running_server(
    command: list[str], env: dict[str, str] | None = None, timeout_s: float = START_TIMEOUT_S
) -> Iterator[ServerProcess]:
    """Start `command` in its own process group, yield once it is healthy, then stop the whole group."""
    process = subprocess.Popen(
        command,
        cwd=REPO_ROOT,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    server = ServerProcess()
    announced = threading.Event()

    def drain() -> None:  # read everything, or the server blocks on a full pipe
        for line in process.stdout:
            server.output.append(line)
            found = ANNOUNCEMENT.search(line)
            if found and not announced.is_set():
                server.url = found.group(1)
                announced.set()
        announced.set()

    threading.Thread(target=drain, daemon=True).start()
    deadline = time.monotonic() + timeout_s
    try:
        announced.wait(timeout_s)
        while not (server.url and server.is_healthy()):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the server did not start:\n" + "".join(server.output[-40:]))
            time.sleep(0.2)
        yield server
    finally:
        _stop_group(process)


def _stop_group(process: subprocess.Popen) -> None:
    """SIGTERM the process group (gunicorn's workers included), SIGKILL it if it lingers."""
    for stop_signal in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, stop_signal)
        try:
            process.wait(timeout=30)
            return
        except subprocess.TimeoutExpired:
            continue
