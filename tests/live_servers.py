"""The real servers, `journeys serve` and `make serve-prod` (gunicorn), of MiniLM over loopback with small
limits, each started once per session for every test that speaks to them (seconds to start each).

A plugin the root conftest.py loads, so that tests can import LIVE_LIMITS (see gallery_fixtures.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from journeys.server.process import ServerProcess, running_server, serve_command

#: The live servers' limits, small so that tests see them act within seconds.
LIVE_LIMITS = {
    "JOURNEYS_REQUEST_READ_S": "2",
    "JOURNEYS_MAX_WAITING": "3",
    "JOURNEYS_ANALYSIS_SLOTS": "1",
    "GUNICORN_CMD_ARGS": "--access-logfile -",  # gunicorn logs each request with its status, as werkzeug does
}


@pytest.fixture(scope="session")
def live_build_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The live servers' build folder: a site of one page and one asset (MiniLM's index joins it)."""
    build = tmp_path_factory.mktemp("live-build")
    (build / "site" / "assets").mkdir(parents=True)
    (build / "site" / "index.html").write_text("<!doctype html><title>t</title>", encoding="utf-8")
    (build / "site" / "assets" / "site.css").write_text("body {}", encoding="utf-8")
    return build


@pytest.fixture(scope="session", params=[False, True], ids=["journeys serve", "gunicorn"])
def live_server(request: pytest.FixtureRequest, live_build_folder: Path) -> Iterator[ServerProcess]:
    """`journeys serve`, then `make serve-prod` (gunicorn), of MiniLM with LIVE_LIMITS, each started once
    per session for every test of the real servers over loopback."""
    command = serve_command(["minilm"], production=request.param)
    env = {**LIVE_LIMITS, "JOURNEYS_BUILD_DIR": str(live_build_folder)}
    with running_server(command, env=env) as running:
        yield running
