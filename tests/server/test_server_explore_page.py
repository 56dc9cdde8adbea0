"""explore.html in headless Chromium (Debian's, as for the gallery) against a live `journeys serve`.

The page is built by the real `journeys build` code from a tiny BERT (findings and contextual index
included), then served with the API by a real server process; the browser may talk to that server only.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from journeys.contextual.index import ContextualIndex
from journeys.gallery.build import build_site
from journeys.server.process import running_server, serve_command

GALLERY = {
    "about": "test sentences",
    "themes": [
        {"id": "study", "title": "Study", "about": "One.", "sentences": ["Time flies like an arrow."]}
    ],
}
TEXT = "The bank by the river was closed."


@pytest.fixture(scope="module")
def live_site(
    tmp_path_factory, tiny_model_folders, tiny_engines, engine_settings, findings_settings
) -> Iterator[str]:
    """URL of a server for tiny BERT whose site (explore.html included) was built by `journeys build`."""
    root = tmp_path_factory.mktemp("explore-build")
    sentences = root / "sentences.json"
    sentences.write_text(json.dumps(GALLERY), encoding="utf-8")
    model = str(tiny_model_folders["bert"])
    # The build saves the contextual index under this process's build folder: the server reads the same.
    build_site(
        [model],
        engine_settings.site_dir,
        sentences,
        root / "cache",
        load_engine=lambda _: tiny_engines["bert"],
        findings_settings=findings_settings,
    )
    build_dir = {"JOURNEYS_BUILD_DIR": str(engine_settings.build_dir)}
    with running_server(serve_command([model]), env=build_dir) as server:
        yield server.url


@pytest.fixture
def page(live_site, browser: Browser) -> Iterator[tuple[Page, list[str]]]:
    """The explorer page, and every problem seen while it ran: console errors, error responses (with
    their URL, which the browser's own "Failed to load resource" message lacks), requests elsewhere."""
    problems: list[str] = []
    opened = browser.new_page(viewport={"width": 1280, "height": 900})
    opened.on(
        "console",
        lambda m: (
            m.type == "error"
            and not m.text.startswith("Failed to load resource")
            and problems.append(f"console: {m.text}")
        ),
    )
    opened.on("response", lambda r: r.status >= 400 and problems.append(f"{r.status}: {r.url}"))
    opened.on("pageerror", lambda error: problems.append(f"uncaught: {error}"))

    def only_the_server(route):
        if route.request.url.startswith(live_site + "/"):
            route.continue_()
        else:
            problems.append(f"network: {route.request.url}")
            route.abort()

    opened.route("**/*", only_the_server)
    opened.goto(live_site + "/explore.html")
    opened.wait_for_selector("select[name=model] option", state="attached")
    yield opened, problems
    opened.close()


def test_typed_text_renders_the_api_answer_with_the_gallery_components(page, tiny_engines):
    opened, problems = page
    opened.fill("textarea[name=text]", TEXT)
    opened.fill("input[name=top_k]", "6")
    opened.click("button[type=submit]")
    opened.wait_for_selector(".jv-table tfoot")

    expected = tiny_engines["bert"].analyze(TEXT, "exact", 6).to_dict()
    chips = opened.eval_on_selector_all(".jv-chip", "els => els.map(e => e.textContent)")
    assert len(chips) == len(expected["tokens"])
    selected = opened.eval_on_selector_all(
        ".jv-chip[aria-pressed=true]", "els => els.map(e => Number(e.dataset.index))"
    )
    assert len(selected) == 1
    shown = opened.eval_on_selector_all(".jv-own-row .jv-rank", "els => els.map(e => e.textContent)")
    assert shown == [f"rank {rank:,}" for rank in expected["variants"]["raw"]["rank"][selected[0]]]
    assert opened.locator(".jv-table tbody tr").count() == 6
    assert opened.locator(".jv-chart-rank .main-svg").count() >= 1
    opened.wait_for_selector(".cv-hit")
    expected_hits = ContextualIndex.load_saved(tiny_engines["bert"]).query(tiny_engines["bert"], TEXT, k=3)
    hits = opened.eval_on_selector_all(".cv-hit mark", "els => els.map(e => e.textContent)")
    assert hits == [
        hit.match for hit in (h for layer in expected_hits.neighbours[selected[0]] for h in layer)
    ]
    assert problems == []


def test_a_refused_text_shows_the_servers_message(page, live_site):
    opened, problems = page
    opened.fill("textarea[name=text]", "flies " * 200)
    opened.click("button[type=submit]")
    opened.wait_for_selector("#explore-status.notice-error")
    assert "at most 64 tokens" in opened.inner_text("#explore-status")
    assert problems == [f"400: {live_site}/api/analyze"]
