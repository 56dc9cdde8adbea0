"""explore.html served by the real Flask app: it lists the models, posts the text and renders the
answer with the same JourneyView the gallery uses, and shows the server's error messages.

POST /api/contextual is answered here by the browser route with `ContextualIndex.query(...).to_dict()`
from the real tiny model (the JSON the endpoint is specified to return), so the panel is tested
whether or not the app serves that endpoint yet.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, Route

from journeys.contextual.index import ContextualIndex
from journeys.indexer.engine import JourneyEngine
from journeys.server.app import create_app
from loopback_server import serving

pytest_plugins = ["gallery_fixtures"]

TEXT = "The old man the boat."


@pytest.fixture
def served_site(built_site, family_engine) -> Iterator[str]:
    with serving(create_app([family_engine("bert"), family_engine("llama")], built_site.folder)) as url:
        yield url


def answer_contextual(page: Page, engine: JourneyEngine) -> list[dict]:
    """Answer POST /api/contextual with the model's contextual index; returns the answers given."""
    index = ContextualIndex.load_or_build(engine, "exact")
    answers = []

    def answer(route: Route) -> None:
        request = json.loads(route.request.post_data)
        assert request["model"] == engine.info.name
        answers.append(index.query(engine, request["text"], k=request["k"]).to_dict())
        route.fulfill(status=200, content_type="application/json", body=json.dumps(answers[-1]))

    page.route("**/api/contextual", answer)
    return answers


def test_the_explorer_renders_the_live_answer_with_the_gallery_component(
    served_site, open_page, tiny_engines
):
    opened = open_page(f"{served_site}/explore.html", allowed=served_site)
    page = opened.page
    engine = tiny_engines["bert"]
    answers = answer_contextual(page, engine)
    page.wait_for_selector(f"select[name=model] option[value='{engine.info.name}']", state="attached")
    page.fill("textarea[name=text]", TEXT)
    page.select_option("select[name=model]", engine.info.name)
    page.fill("input[name=top_k]", "4")
    page.click("button[type=submit]")
    page.wait_for_selector(".jv-chart-rank .main-svg")
    expected = engine.analyze(TEXT, "exact", 4)
    chips = page.eval_on_selector_all(".jv-chip", "els => els.map(e => e.textContent)")
    assert chips == [token.text for token in expected.tokens]
    assert page.locator(".jv-table tbody tr").count() == 4
    selected = int(opened.pressed()[0])
    shown = page.eval_on_selector_all(".jv-own-row .jv-rank", "els => els.map(e => e.textContent)")
    assert shown == [f"rank {rank:,}" for rank in expected.variants["raw"].rank[selected]]
    assert engine.info.name in page.inner_text("#explore-provenance")
    page.wait_for_selector(".cv-hit")
    hits = page.eval_on_selector_all(".cv-hit mark", "els => els.map(e => e.textContent)")
    expected_hits = [hit["context"]["match"] for layer in answers[0]["neighbours"][selected] for hit in layer]
    assert answers[0]["k"] == 3 and hits == expected_hits
    page.click(f".jv-chip[data-index='{selected + 1}']")
    assert page.inner_text(".cv-lead").startswith(f"“{expected.tokens[selected + 1].text}”")
    assert opened.problems == []


def test_a_failed_contextual_answer_is_said_in_the_panel(served_site, open_page, tiny_engines):
    opened = open_page(f"{served_site}/explore.html", allowed=served_site)
    page = opened.page
    engine = tiny_engines["bert"]
    refusal = json.dumps({"error": "no contextual index for this model"})
    page.route("**/api/contextual", lambda route: route.fulfill(status=404, body=refusal))
    page.wait_for_selector(f"select[name=model] option[value='{engine.info.name}']", state="attached")
    page.select_option("select[name=model]", engine.info.name)
    page.click("button[type=submit]")
    page.wait_for_selector(".cv-panel .notice-error")
    assert "no contextual index for this model" in page.inner_text(".cv-panel")
    assert page.locator(".jv-chip").count() > 0
    assert [p for p in opened.problems if "404" not in p] == []


def test_the_explorer_offers_only_the_models_methods_and_shows_the_servers_refusal(
    served_site, open_page, family_engine
):
    opened = open_page(f"{served_site}/explore.html", allowed=served_site)
    page = opened.page
    decoder = family_engine("llama").info.name
    page.wait_for_selector(f"select[name=model] option[value='{decoder}']", state="attached")
    assert not page.is_disabled("select[name=method] option[value=seed]")
    page.select_option("select[name=model]", decoder)
    assert page.is_disabled("select[name=method] option[value=seed]")
    page.fill("textarea[name=text]", "the old man " * 40)
    page.click("button[type=submit]")
    page.wait_for_selector(".notice-error")
    assert "tokens long" in page.inner_text("#explore-status")
    assert page.locator(".jv-chip").count() == 0
    page.fill("textarea[name=text]", TEXT)
    page.click("button[type=submit]")
    assert "rotary position embeddings" in page.inner_text(".jv-no-positional")
    assert page.locator(".jv-positional").count() == 0
    # the browser logs the 400 response and the 404 of the contextual index this model lacks; nothing else
    assert [p for p in opened.problems if "400" not in p and "404" not in p] == []
