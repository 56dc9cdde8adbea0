"""Fixtures for the live server: the tiny engines behind a Flask test client, and a small built site."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient

from journeys.indexer.engine import JourneyEngine
from journeys.server.app import create_app

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
