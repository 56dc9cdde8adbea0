"""The view switches (analysis point, reference, metric) on built pages opened from disk in headless
Chromium: a view beyond the study's is loaded from the views file beside the sentence page only when chosen,
shows the engine's numbers for that view, lives in the URL hash, and is carried across a pair page."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from gallery_fixtures import wait_until

from journeys.gallery.corpus import all_sentences, load_themes
from journeys.gallery.page_data import decode_views, encode_page, encode_views
from journeys.gallery.precompute import other_views
from journeys.gallery.settings import GallerySettings
from journeys.gallery.site import SiteModel
from journeys.indexer.views import View

pytest_plugins = ["gallery_fixtures"]

NEIGHBOURS = GallerySettings().other_view_neighbours
OWN_RANKS = "els => els.map(e => e.textContent)"


def first_sentence(site) -> tuple[Path, str]:
    """The first gallery sentence's page for the encoder, and its text."""
    first = all_sentences(load_themes(site.sentences))[0]
    return site.folder / "sentences" / SiteModel.named(site.encoder).slug / f"{first.slug}.html", first.text


def shown_row(page) -> tuple[list[str], list[str]]:
    """The own row of the table: its ranks and its values, as shown."""
    ranks = page.eval_on_selector_all(".jv-own-row .jv-rank", OWN_RANKS)
    values = page.eval_on_selector_all(".jv-own-row .jv-sim", OWN_RANKS)
    return ranks, values


def expected_row(journey, variant: str, token: int) -> tuple[list[str], list[str]]:
    """The own row as the page should show the engine's journey: ranks, and values rounded to 4 decimals."""
    result = journey.variants[variant]
    ranks = [f"rank {rank:,}" for rank in result.rank[token]]
    values = [f"{round(value, 4):.4f}" for value in result.similarity[token]]
    return ranks, values


def test_a_chosen_view_is_loaded_from_beside_the_page_and_shows_the_engines_numbers(
    built_site, open_page, family_engine
):
    path, text = first_sentence(built_site)
    opened = open_page(path.as_uri())
    page = opened.page
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url.split("/")[-1]))
    page.reload()
    page.wait_for_selector(".jv-chart-rank .main-svg")
    assert page.locator("select[data-view=reference]").count() == 0  # tiny BERT has no output head
    assert page.inner_text(".jv-table-wrap >> xpath=.. >> h2") == "Similarity and rankings"
    assert not any(name.endswith(".views.js") for name in requested)  # loaded only when asked for
    token = int(opened.pressed()[0])

    page.select_option("select[data-view=point]", "block-output")
    page.select_option("select[data-view=metric]", "euclidean")
    wait_until(page, "document.querySelector('.jv-summary').textContent.includes('distance')")
    assert path.with_suffix(".views.js").name in requested
    expected = family_engine("bert").analyze(
        text, "exact", NEIGHBOURS, View("block-output", "input", "euclidean")
    )
    assert shown_row(page) == expected_row(expected, "raw", token)
    assert page.locator(".jv-table tbody tr").count() == NEIGHBOURS
    assert "point=block-output" in page.url and "metric=euclidean" in page.url
    assert "Euclidean distance" in page.inner_text(".jv-chart-similarity")
    assert page.inner_text(".jv-table-wrap >> xpath=.. >> h2") == "Distance and rankings"
    assert page.get_attribute(".jv-table-wrap", "aria-label") == "Distance and rankings table"
    assert f"list the {NEIGHBOURS} nearest tokens" in page.inner_text(".jv-views")
    assert "indexed in the study's view only" in page.inner_text(".cv-panel")

    page.click(".jv-switch")
    assert page.is_checked(".jv-positional")
    assert shown_row(page) == expected_row(expected, "positional", token)
    page.click(".jv-downloads button:has-text('JSON')")
    assert "study's view only" in page.inner_text(".jv-download-note")
    assert opened.problems == []


def test_a_view_in_the_hash_is_restored_and_back_returns_to_the_one_before(
    built_site, open_page, family_engine
):
    path, text = first_sentence(built_site)
    opened = open_page(path.as_uri() + "#token=2&point=block-output")
    page = opened.page
    wait_until(page, "document.querySelector('.jv-table tbody tr') !== null")
    wait_until(page, f"document.querySelectorAll('.jv-table tbody tr').length === {NEIGHBOURS}")
    assert page.input_value("select[data-view=point]") == "block-output"
    block = family_engine("bert").analyze(text, "exact", NEIGHBOURS, View("block-output"))
    assert shown_row(page) == expected_row(block, "raw", 2)

    page.select_option("select[data-view=metric]", "euclidean")
    wait_until(page, "document.querySelector('.jv-summary').textContent.includes('distance')")
    page.go_back()
    wait_until(page, "document.querySelector('select[data-view=metric]').value === 'cosine'")
    assert shown_row(page) == expected_row(block, "raw", 2)
    assert opened.problems == []


def test_the_published_demos_method_keeps_the_study_view_and_says_why(built_site, open_page):
    path, _ = first_sentence(built_site)
    opened = open_page(path.as_uri() + "#method=seed")
    page = opened.page
    page.wait_for_selector(".jv-chart-rank .main-svg")
    assert page.is_disabled("select[data-view=point]") and page.is_disabled("select[data-view=metric]")
    assert "defined in the study's view only" in page.inner_text(".jv-views")
    page.click("label.jv-method:has(input[value=exact])")
    assert page.is_enabled("select[data-view=point]")
    page.select_option("select[data-view=point]", "block-output")
    wait_until(page, "location.hash.includes('point=block-output')")
    page.click("label.jv-method:has(input[value=seed])")
    assert page.input_value("select[data-view=point]") == "post-attention"  # seed: back to the study's view
    assert "point=" not in page.url and "method=seed" in page.url
    assert opened.problems == []


def test_a_view_chosen_on_one_side_of_a_pair_is_carried_to_the_other(built_site, open_page, family_engine):
    slug = SiteModel.named(built_site.encoder).slug
    (pair,) = (built_site.folder / "pairs" / slug).glob("*.html")
    opened = open_page(pair.as_uri())
    page = opened.page
    page.wait_for_selector(".cmp-side:nth-child(2) .jv-chart-rank .main-svg")
    page.select_option(".cmp-side:nth-child(1) select[data-view=metric]", "euclidean")
    for side in (1, 2):
        summary = f"document.querySelector('.cmp-side:nth-child({side}) .jv-summary')"
        wait_until(page, f"{summary}.textContent.includes('distance')")
        assert page.input_value(f".cmp-side:nth-child({side}) select[data-view=metric]") == "euclidean"
    assert "metric=euclidean" in page.url
    texts = json.loads(page.inner_text("#pair-data"))
    second = page.locator(".cmp-side:nth-child(2)")
    token = int(second.locator(".jv-chip[aria-pressed=true]").get_attribute("data-index"))
    expected = family_engine("bert").analyze(
        texts[1]["page"]["text"], "exact", NEIGHBOURS, View(metric="euclidean")
    )
    ranks = second.locator(".jv-own-row .jv-rank").all_inner_texts()
    assert ranks == expected_row(expected, "raw", token)[0]
    assert opened.problems == []


@pytest.mark.parametrize("family", ["gpt2", "bert"])
def test_the_pages_read_every_view_of_a_views_file_as_the_api_answers_it(
    built_site, open_page, headed_engine, family
):
    """JourneyViews.sidecar's decoding (JourneyView.fromCompact) of a views file of a model with an output
    head, the logit lens included, gives the API's JSON shape with the file's numbers."""
    engine = headed_engine(family)
    text = "Time flies like an arrow."
    views = other_views(engine.info)
    page_data = encode_page(text, {"exact": engine.analyze(text, "exact", 6)}, engine.info, {}, 4)
    shipped = encode_views([engine.analyze(text, "exact", 6, view) for view in views], 4, 3)
    path, _ = first_sentence(built_site)
    opened = open_page(path.as_uri())
    decoded = opened.page.evaluate(
        """([page, views]) => Object.keys(views.views).map(key => JourneyView.fromCompact(
            Object.assign({}, page, {vocab: views.vocab, methods: views.views[key].methods}), views.views[key]
        ).exact)""",
        [page_data, shipped],
    )
    expected = [
        journey.to_dict() for journey in decode_views(json.loads(json.dumps(shipped)), page_data).values()
    ]
    assert [journey["reference"] for journey in decoded].count("output") == 2
    assert decoded == json.loads(json.dumps(expected))
    assert opened.problems == []
