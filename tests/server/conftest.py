"""Fixtures for the live server: the tiny engines behind a Flask test client, and a small built site."""

from __future__ import annotations

import json
import os
import queue
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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from indexer.engine import JourneyEngine
from server.app import create_app

#: Served in this order, so the first (roberta) is the default model.
SERVED_FAMILIES = ("roberta", "bert", "distilbert", "gpt2")
SECRET = "not part of the site"


@pytest.fixture(scope="session")
def served_engines(tiny_engines: dict[str, JourneyEngine]) -> list[JourneyEngine]:
    return [tiny_engines[family] for family in SERVED_FAMILIES]


@pytest.fixture(scope="session")
def site_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A site folder with a page, an asset and a symbolic link pointing outside it, next to a secret file."""
    root = tmp_path_factory.mktemp("served")
    (root / "secret.txt").write_text(SECRET)
    site = root / "site"
    (site / "assets").mkdir(parents=True)
    (site / "index.html").write_text("<!doctype html><title>Gallery</title>")
    (site / "assets" / "journey.js").write_text("export const answer = 42;\n")
    (site / "escape.txt").symlink_to(root / "secret.txt")
    return site


@pytest.fixture
def client(served_engines: list[JourneyEngine], site_dir: Path) -> FlaskClient:
    return create_app(served_engines, site_dir).test_client()


#: Seconds a fresh server process may take to load its models and answer /api/health (bounded, not timed).
START_TIMEOUT_S = 240
REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass
class LiveServer:
    """A server process started by a test, with everything it printed so far."""

    url: str
    process: subprocess.Popen
    output: list[str]

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, Any]:
        """Status and decoded JSON body of one HTTP request (4xx/5xx included)."""
        data = None if body is None else json.dumps(body).encode()
        headers = {} if body is None else {"Content-Type": "application/json"}
        request = urllib.request.Request(self.url + path, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())


def _wait_until_healthy(server: LiveServer, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            if server.request("GET", "/api/health")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError("server did not become healthy:\n" + "".join(server.output))


@contextmanager
def live_server(
    command: list[str], announcement: str, env: dict[str, str] | None = None
) -> Iterator[LiveServer]:
    """Run `command` in its own process group until it prints a URL matching `announcement` and is
    healthy; stop the whole group afterwards."""
    process = subprocess.Popen(
        command,
        cwd=REPO_ROOT,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    output: list[str] = []
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        for line in process.stdout:
            output.append(line)
            lines.put(line)
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    deadline = time.monotonic() + START_TIMEOUT_S
    try:
        url = None
        while url is None:
            line = lines.get(timeout=max(deadline - time.monotonic(), 0.1))
            if line is None:
                raise AssertionError("server exited before it was ready:\n" + "".join(output))
            found = re.search(announcement, line)
            url = found and found.group(1).rstrip("/")
        server = LiveServer(url, process, output)
        _wait_until_healthy(server, deadline)
        yield server
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)


def journeys_serve_command(models: list[str]) -> list[str]:
    """`journeys serve` on a free loopback port (port 0: the server prints the one it got)."""
    script = Path(sys.executable).with_name("journeys")
    arguments = [argument for model in models for argument in ("--model", model)]
    return [str(script), "serve", *arguments, "--host", "127.0.0.1", "--port", "0"]


def serve_prod_command(models: list[str]) -> list[str]:
    """The command `make serve-prod` runs, read from the Makefile (dry run), on a free loopback port."""
    dry_run = subprocess.run(
        [
            "make",
            "--dry-run",
            "--silent",
            "serve-prod",
            f"SERVE_MODELS={' '.join(models)}",
            "HOST=127.0.0.1",
            "PORT=0",
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    line = next(line for line in dry_run.stdout.splitlines() if "gunicorn" in line)
    return ["bash", "-c", line]


@pytest.fixture(scope="session")
def serve_journeys():
    """Start `journeys serve --model M...` and wait for it: `with serve_journeys([M], env) as server:`."""

    def start(models: list[str], env: dict[str, str] | None = None):
        return live_server(journeys_serve_command(models), r"serving on (http://127\.0\.0\.1:\d+/)", env)

    return start


@pytest.fixture(scope="session")
def serve_prod():
    """Start `make serve-prod`'s gunicorn command and wait for it: `with serve_prod([M]) as server:`."""

    def start(models: list[str]):
        return live_server(serve_prod_command(models), r"Listening at: (http://127\.0\.0\.1:\d+)")

    return start
