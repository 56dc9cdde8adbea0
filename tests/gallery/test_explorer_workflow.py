"""explore.html against a live server (the real Flask app over loopback) in headless Chromium: a copied link
reopens the same view, back and forward step through analyses and choices, downloads equal the API's
answer and the Python CSV, and two analyses side by side share their axes and follow each other's tokens.

Served: tiny BERT (3 layers) and the bundled MiniLM (6 layers, another vocabulary), so two models differ in
depth and vocabulary. Neither has a contextual index here, so /api/contextual answers 404 (said in the
panel); that is the only error response allowed.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from gallery_fixtures import wait_until

from journeys.indexer.journey_csv import journey_csv
from journeys.indexer.records import Journey
from journeys.server.app import create_app
from loopback_server import serving

pytest_plugins = ["gallery_fixtures"]

TEXT = "Time flies like an arrow."
OTHER = "Fruit flies like a banana."


@pytest.fixture(scope="module")
def served(built_site, family_engine, minilm_engine) -> Iterator[str]:
    with serving(create_app([family_engine("bert"), minilm_engine], built_site.folder)) as url:
        yield url


@pytest.fixture
def explorer(served, open_page):
    """Opens explore.html (with an optional hash) once the models are listed."""

    def open_(hash_: str = ""):
        opened = open_page(f"{served}/explore.html{hash_}", allowed=served)
        opened.page.wait_for_selector("select[name=model] option", state="attached")
        return opened

    return open_


def problems(opened) -> list[str]:
    """What went wrong, less the contextual index's 404 that these models are expected to answer."""
    return [p for p in opened.problems if "404" not in p]


def analyse(page, text: str, model: str, **fields: str) -> None:
    page.fill("textarea[name=text]", text)
    page.select_option("select[name=model]", model)
    for name, value in fields.items():
        if name in ("method", "compare", "model2"):
            page.select_option(f"select[name={name}]", value)
        else:
            page.fill(f"[name={name}]", value)
    page.click("button[type=submit]")
    wait_until(page, "!document.querySelector('button[type=submit]').disabled")
    page.wait_for_selector(".jv-chart-rank .main-svg")


def view_state(opened) -> dict:
    page = opened.page
    return {
        "text": page.input_value("textarea[name=text]"),
        "model": page.input_value("select[name=model]"),
        "method": page.input_value("select[name=method]"),
        "top_k": page.input_value("input[name=top_k]"),
        "tokens": opened.pressed(),
        "positional": page.is_checked(".jv-positional"),
        "layers": page.eval_on_selector_all(
            ".jv-layer[aria-pressed=true]", "els => els.map(e => e.dataset.layer)"
        ),
        "table": opened.table(),
        "summary": page.inner_text(".jv-summary"),
    }


def test_a_copied_link_reopens_the_same_view(explorer, family_engine):
    bert = family_engine("bert").info.name
    opened = explorer()
    page = opened.page
    analyse(page, TEXT, bert, method="seed", top_k="4")
    page.click(".jv-chip[data-index='2']")
    page.click(".jv-switch")
    page.click(".jv-layer[data-layer='1']")
    before = view_state(opened)
    assert before["tokens"] == ["2"] and before["positional"] and before["layers"] == ["1"]
    link = page.url
    assert "method=seed" in link and "top_k=4" in link and "token=2" in link and "variant=positional" in link

    reopened = explorer(link[link.index("#") :])
    reopened.page.wait_for_selector(".jv-chart-rank .main-svg")
    assert view_state(reopened) == before
    assert reopened.page.url == link
    assert problems(opened) == [] and problems(reopened) == []


def test_back_and_forward_step_through_analyses_and_choices(explorer, minilm_engine):
    opened = explorer()
    page = opened.page
    analyse(page, TEXT, "minilm")
    page.click(".jv-chip[data-index='3']")
    analyse(page, OTHER, "minilm")
    assert page.locator(".jv-chip").count() == len(minilm_engine.tokenize(OTHER))

    page.go_back()
    wait_until(page, f"document.querySelector('textarea[name=text]').value === {json.dumps(TEXT)}")
    wait_until(page, "document.querySelector('.jv-chip[data-index=\"3\"]').ariaPressed === 'true'")
    assert page.locator(".jv-chip").count() == len(minilm_engine.tokenize(TEXT))
    page.go_back()
    wait_until(page, "document.querySelector('.jv-chip[data-index=\"1\"]').ariaPressed === 'true'")
    page.go_forward()
    page.go_forward()
    wait_until(page, f"document.querySelector('textarea[name=text]').value === {json.dumps(OTHER)}")
    wait_until(page, f"document.querySelectorAll('.jv-chip').length === {len(minilm_engine.tokenize(OTHER))}")
    assert problems(opened) == []


def test_downloads_equal_the_apis_answer_and_the_python_csv(explorer, served, family_engine):
    bert = family_engine("bert").info.name
    opened = explorer()
    page = opened.page
    analyse(page, TEXT, bert, top_k="5")
    request = urllib.request.Request(
        served + "/api/analyze",
        data=json.dumps({"text": TEXT, "model": bert, "method": "exact", "top_k": 5}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request) as response:
        answer = response.read()

    def download(selector: str) -> tuple[str, bytes]:
        with page.expect_download() as started:
            page.click(selector)
        return started.value.suggested_filename, Path(started.value.path()).read_bytes()

    name, body = download(".jv-controls .jv-download:text-is('JSON')")
    assert name.startswith("journey-time-flies-like-an-arrow-") and name.endswith("-exact.json")
    assert body == answer
    name, body = download(".jv-controls .jv-download:text-is('CSV')")
    assert name.endswith(".csv") and body.decode() == journey_csv(Journey.from_dict(json.loads(answer)))
    name, body = download(".jv-chart-rank + .jv-chart-downloads .jv-download:text-is('SVG')")
    assert name.endswith("-rank.svg") and b"rank (log scale)" in body
    name, body = download(".jv-chart-similarity + .jv-chart-downloads .jv-download:text-is('PNG')")
    assert body.startswith(b"\x89PNG")
    assert problems(opened) == []


def chart_layouts(page, chart: str) -> list[dict]:
    return page.eval_on_selector_all(
        f".jv-chart-{chart}", "els => els.map(el => JSON.parse(JSON.stringify(el.layout)))"
    )


def test_two_models_side_by_side_share_axes_by_relative_depth_and_vocabulary_share(explorer, family_engine):
    bert = family_engine("bert").info.name
    opened = explorer()
    page = opened.page
    analyse(page, TEXT, "minilm", compare="model", model2=bert)
    wait_until(page, "document.querySelectorAll('.jv-chart .main-svg').length >= 4")
    left, right = (page.locator(".cmp-side").nth(i) for i in (0, 1))
    assert (
        "minilm" in left.locator(".cmp-title").inner_text()
        and bert in right.locator(".cmp-title").inner_text()
    )
    for chart in ("similarity", "rank"):
        layouts = chart_layouts(page, chart)
        assert [layout["xaxis"]["title"]["text"] for layout in layouts] == [
            "relative depth (0 = first layer, 1 = last)"
        ] * 2
        assert layouts[0]["yaxis"]["range"] == layouts[1]["yaxis"]["range"]
    assert chart_layouts(page, "rank")[0]["yaxis"]["title"]["text"].startswith(
        "rank, share of the vocabulary"
    )
    xs = page.eval_on_selector_all(".jv-chart-rank", "els => els.map(el => el.data[0].x)")
    assert xs == [[0, 0.2, 0.4, 0.6, 0.8, 1], [0, 0.5, 1]]

    left.locator(".jv-chip", has_text="flies").first.click()
    assert right.locator(".jv-chip[aria-pressed=true]").inner_text() == "flies"
    left.locator(".jv-layer[data-layer='5']").click()
    assert right.locator(".jv-layer[aria-pressed=true]").get_attribute("data-layer") == "2"
    link = page.url
    assert "compare=model" in link and "layer=5" in link and "layer2=2" in link

    reopened = explorer(link[link.index("#") :])
    wait_until(reopened.page, "document.querySelectorAll('.jv-chart .main-svg').length >= 4")
    pressed = reopened.page.eval_on_selector_all(
        ".jv-chip[aria-pressed=true]", "els => els.map(e => e.textContent)"
    )
    assert pressed == ["flies", "flies"]
    assert problems(opened) == [] and problems(reopened) == []


def test_two_texts_on_one_model_side_by_side(explorer):
    opened = explorer()
    page = opened.page
    analyse(page, TEXT, "minilm", compare="text", text2=OTHER)
    wait_until(page, "document.querySelectorAll('.jv-chart .main-svg').length >= 4")
    layouts = chart_layouts(page, "rank")
    assert [layout["xaxis"]["title"]["text"] for layout in layouts] == ["layer", "layer"]
    assert layouts[0]["yaxis"]["title"]["text"] == "rank (log scale)"
    assert layouts[0]["yaxis"]["range"] == layouts[1]["yaxis"]["range"]
    left, right = (page.locator(".cmp-side").nth(i) for i in (0, 1))
    left.locator(".jv-chip", has_text="like").first.click()
    assert right.locator(".jv-chip[aria-pressed=true]").inner_text() == "like"
    right.locator(".jv-switch").click()
    assert left.locator(".jv-positional").is_checked()
    assert problems(opened) == []
