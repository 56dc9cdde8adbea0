"""The live explorer's view switches against a live server (the real Flask app over loopback) in headless
Chromium: only what the chosen model offers is shown (a reference switch only for a model with an output
head), a chosen view is asked for with its point, reference and metric as request fields, shows the engine's
numbers for that view, is kept in the link, and downloads as the API answers it (JSON, and the CSV the
command line writes).

Served: tiny BERT (no output head) and a tiny GPT-2 saved with its tied head (tests/tiny_heads.py), whose
output reference (the logit lens) has the "own" and "next" variants.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from gallery_fixtures import wait_until

from journeys.indexer.journey_csv import journey_csv
from journeys.indexer.records import Journey
from journeys.indexer.views import View
from journeys.server.app import create_app
from loopback_server import serving

pytest_plugins = ["gallery_fixtures"]

TEXT = "Time flies like an arrow."
TOP_K = 6
RANKS = "els => els.map(e => e.textContent)"


@pytest.fixture(scope="module")
def engines(family_engine, headed_engine) -> dict:
    return {"bert": family_engine("bert"), "gpt2": headed_engine("gpt2")}


@pytest.fixture(scope="module")
def served(built_site, engines) -> Iterator[str]:
    with serving(create_app(list(engines.values()), built_site.folder)) as url:
        yield url


@pytest.fixture
def explorer(served, open_page):
    """Opens explore.html with `hash_`, recording each POST /api/analyze body, once a journey is drawn."""

    def open_(hash_: str):
        opened = open_page(f"{served}/explore.html{hash_}", allowed=served)
        opened.bodies = []
        opened.page.on(
            "request",
            lambda r: r.url.endswith("/api/analyze") and opened.bodies.append(json.loads(r.post_data)),
        )
        opened.page.wait_for_selector(".jv-chart-rank .main-svg")
        return opened

    return open_


def link(engine, **view: str) -> str:
    fields = {"text": TEXT, "model": engine.info.name, "method": "exact", "top_k": str(TOP_K), "token": "2"}
    return "#" + "&".join(f"{name}={quote(value, safe='')}" for name, value in {**fields, **view}.items())


def problems(opened) -> list[str]:
    """What went wrong, less the contextual index's 404 that these models are expected to answer."""
    return [p for p in opened.problems if "404" not in p]


def own_row(page) -> tuple[list[str], list[str]]:
    return (
        page.eval_on_selector_all(".jv-own-row .jv-rank", RANKS),
        page.eval_on_selector_all(".jv-own-row .jv-sim", RANKS),
    )


def test_an_encoder_without_a_head_offers_point_and_metric_and_asks_for_the_chosen_view(explorer, engines):
    opened = explorer(link(engines["bert"]))
    page = opened.page
    assert page.locator("select[data-view=reference]").count() == 0
    page.select_option("select[data-view=metric]", "euclidean")
    wait_until(page, "document.querySelector('.jv-summary').textContent.includes('distance')")
    assert opened.bodies[-1] == {
        "text": TEXT,
        "model": engines["bert"].info.name,
        "method": "exact",
        "top_k": TOP_K,
        "point": "post-attention",
        "reference": "input",
        "metric": "euclidean",
    }
    expected = engines["bert"].analyze(TEXT, "exact", TOP_K, View(metric="euclidean")).variants["raw"]
    assert own_row(page) == (
        [f"rank {rank:,}" for rank in expected.rank[2]],
        [f"{value:.4f}" for value in expected.similarity[2]],
    )
    assert "metric=euclidean" in page.url
    assert problems(opened) == []


def test_the_logit_lens_shows_rank_and_probability_of_the_token_and_the_next(explorer, engines):
    engine = engines["gpt2"]
    opened = explorer(link(engine, point="block-output"))
    page = opened.page
    page.select_option("select[data-view=reference]", "output")
    wait_until(page, "document.querySelector('.jv-summary').textContent.includes('probability')")
    assert page.is_disabled("select[data-view=metric]")
    assert page.inner_text(".jv-table-wrap >> xpath=.. >> h2") == "Probability and rankings"
    assert opened.bodies[-1]["reference"] == "output" and opened.bodies[-1]["point"] == "block-output"
    lens = engine.analyze(TEXT, "exact", TOP_K, View("block-output", "output"))

    def shown(variant: str) -> tuple[list[str], list[str]]:
        result = lens.variants[variant]
        ranks = ["rank –" if r is None else f"rank {r:,}" for r in result.rank[2]]
        probabilities = [
            "–" if p is None else f"{p:.2e}" if 0 < p < 0.001 else f"{p:.4f}" for p in result.probability[2]
        ]
        return ranks, [text.replace("e-0", "e-") for text in probabilities]

    assert own_row(page) == shown("own")
    top = page.eval_on_selector_all(".jv-table tbody tr:first-child .jv-token", RANKS)
    assert top == [layer[0].text for layer in lens.variants["own"].neighbours[2]]
    page.click(".jv-switch:has(.jv-next)")
    assert "variant=next" in page.url and "reference=output" in page.url
    assert own_row(page) == shown("next")
    assert page.inner_text(".jv-own-row th") == f"“{lens.tokens[3].text}”"  # the next token's row

    reopened = explorer(link(engine, point="block-output", reference="output", variant="next"))
    wait_until(reopened.page, "document.querySelector('.jv-summary').textContent.includes('probability')")
    assert reopened.page.is_checked(".jv-next")
    assert own_row(reopened.page) == shown("next")
    assert problems(opened) == [] and problems(reopened) == []


@pytest.mark.parametrize(
    ("model", "view"),
    [("bert", {"point": "block-output", "metric": "euclidean"}), ("gpt2", {"reference": "output"})],
)
def test_downloads_of_a_chosen_view_are_the_apis_answer_and_the_python_csv(
    explorer, served, engines, model, view
):
    engine = engines[model]
    opened = explorer(link(engine, **view))
    page = opened.page
    wait_until(page, "!document.querySelector('.jv-summary').textContent.startsWith('Loading')")
    body = {
        "text": TEXT,
        "model": engine.info.name,
        "method": "exact",
        "top_k": TOP_K,
        **View(**view).to_dict(),
    }
    request = urllib.request.Request(
        served + "/api/analyze", data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request) as response:
        answer = response.read()

    def download(label: str) -> tuple[str, bytes]:
        with page.expect_download() as started:
            page.click(f".jv-controls .jv-download:text-is('{label}')")
        return started.value.suggested_filename, Path(started.value.path()).read_bytes()

    name, data = download("JSON")
    assert data == answer and name.endswith(".json")
    name, data = download("CSV")
    assert data.decode() == journey_csv(Journey.from_dict(json.loads(answer)))
    assert problems(opened) == []
