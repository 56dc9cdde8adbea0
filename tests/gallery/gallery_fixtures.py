"""A gallery site built once from tiny real models (an encoder with a position table and a rotary decoder)
and a few sentences,
and headless Chromium (Debian's /usr/bin/chromium, never a downloaded one) to open its pages.

A plugin the gallery tests load with `pytest_plugins`, not a conftest.py: a second module named
`conftest` would shadow the root one that other tests import from.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Route

from journeys.corpus.settings import CorpusSettings
from journeys.findings.settings import FindingsSettings
from journeys.gallery.build import run_build
from journeys.indexer.engine import JourneyEngine

SENTENCES = {
    "about": "test sentences",
    "themes": [
        {
            "id": "study",
            "title": "The study's own example",
            "about": "Read two ways.",
            "sentences": ["Time flies like an arrow. Fruit flies like a banana.", "The old man the boat."],
            "pairs": [["Time flies like an arrow. Fruit flies like a banana.", "The old man the boat."]],
        },
        {
            "id": "numbers",
            "title": "Numbers",
            "about": "Digits.",
            "sentences": ["In 1999, 42 people paid $3.50 each."],
        },
    ],
}

#: The findings settings every build of these tests uses (the outside corpus sampled as tests/conftest.py
#: sets it), so that later builds find the first one's findings in the cache.
TEST_FINDINGS = FindingsSettings(corpus=CorpusSettings.from_environment(os.environ))


@dataclass
class CountingLoader:
    """Hands out the session's real tiny engines by folder name, recording every load the build asks for."""

    engines: dict[str, JourneyEngine]
    loads: list[str] = field(default_factory=list)

    def __call__(self, name: str) -> JourneyEngine:
        self.loads.append(name)
        return self.engines[name]


@dataclass
class BuiltSite:
    folder: Path
    cache: Path
    sentences: Path
    encoder: str  # model names as given to the build
    decoder: str
    loader: CountingLoader

    def build(self) -> None:
        """Build into this site's folders, from its cache."""
        run_build(
            argparse.Namespace(
                models=[self.encoder, self.decoder],
                ray=None,
                ray_actors=None,
                ray_gpus_per_actor=0.0,
                device="auto",
                dtype="auto",
            ),
            site_dir=self.folder,
            sentences_path=self.sentences,
            cache_dir=self.cache,
            load_engine=self.loader,
            findings_settings=TEST_FINDINGS,
        )


@pytest.fixture(scope="session")
def sentences_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("gallery-data") / "sentences.json"
    path.write_text(json.dumps(SENTENCES), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def built_site(
    family_folders: dict[str, Path],
    family_engine: Callable[[str], JourneyEngine],
    sentences_file: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> BuiltSite:
    """The site for tiny BERT (both methods, both variants) and tiny Llama (exact only, raw only: rotary
    positions), built once per session."""
    encoder, decoder = str(family_folders["bert"]), str(family_folders["llama"])
    loader = CountingLoader({encoder: family_engine("bert"), decoder: family_engine("llama")})
    root = tmp_path_factory.mktemp("gallery-build")
    site = BuiltSite(root / "site", root / "cache", sentences_file, encoder, decoder, loader)
    site.build()
    return site


def wait_until(page: Page, expression: str, timeout_s: float = 30) -> None:
    """Poll a JavaScript expression until it is true. Playwright's `wait_for_function` evaluates its
    predicate with `eval` inside the page, which the site's Content-Security-Policy rightly refuses."""
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"never true: {expression}"
        page.wait_for_timeout(50)


HIGHLIGHTED = "el => { const d = el.data; return {name: d[d.length - 1].name, y: d[d.length - 1].y}; }"


@dataclass
class OpenedPage:
    """A page and everything that went wrong while it ran: console errors, uncaught exceptions and
    requests to anywhere it was not allowed to go."""

    page: Page
    problems: list[str] = field(default_factory=list)

    def table(self) -> str:
        return self.page.inner_text(".jv-table")

    def highlighted(self, chart: str) -> dict:
        """Name and values of the chart's highlighted (last drawn) trace."""
        return self.page.eval_on_selector(f".jv-chart-{chart}", HIGHLIGHTED)

    def pressed(self) -> list[str]:
        return self.page.eval_on_selector_all(
            ".jv-chip[aria-pressed=true]", "els => els.map(e => e.dataset.index)"
        )


@pytest.fixture
def open_page(browser: Browser) -> Iterator[Callable[..., OpenedPage]]:
    """Opens a URL; requests outside `allowed` (by default: anything not on disk) are refused and reported."""
    pages = []

    def open_(url: str, allowed: str = "file://") -> OpenedPage:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        opened = OpenedPage(page)
        page.on("console", lambda m: m.type == "error" and opened.problems.append(f"console: {m.text}"))
        page.on("pageerror", lambda error: opened.problems.append(f"uncaught: {error}"))

        def only_allowed(route: Route) -> None:
            if route.request.url.startswith(allowed):
                route.continue_()
            else:
                opened.problems.append(f"network: {route.request.url}")
                route.abort()

        page.route("**/*", only_allowed)
        page.goto(url)
        pages.append(page)
        return opened

    yield open_
    for page in pages:
        page.close()
