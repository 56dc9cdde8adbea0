"""Built pages opened from disk in headless Chromium (Debian's, installed by .ci/run): no server, no network.

If Chromium is missing these tests fail rather than skip: CI installs it, and the pages are only
known to work once a real browser has run them.
"""

from __future__ import annotations

from pathlib import Path

from journeys.gallery.corpus import all_sentences, load_themes
from journeys.gallery.site import SiteModel

pytest_plugins = ["gallery_fixtures"]

ALL_Y = "el => el.data.map(trace => trace.y)"


def uri(path: Path) -> str:
    return path.as_uri()


def sentence_page(site, model_name: str) -> Path:
    first = all_sentences(load_themes(site.sentences))[0]
    return site.folder / "sentences" / SiteModel.named(model_name).slug / f"{first.slug}.html"


def test_clicking_a_token_and_flipping_the_positional_toggle_update_table_and_charts(built_site, open_page):
    opened = open_page(uri(sentence_page(built_site, built_site.encoder)))
    page = opened.page
    page.wait_for_selector(".jv-chart-rank .main-svg")
    selected = opened.pressed()
    assert len(selected) == 1
    table, rank_line, similarity_line = (
        opened.table(),
        opened.highlighted("rank"),
        opened.highlighted("similarity"),
    )

    target = next(i for i in ("3", "4", "2") if i != selected[0])
    chip = page.locator(f".jv-chip[data-index='{target}']")
    chip.click()
    assert opened.pressed() == [target]
    assert opened.table() != table
    clicked = opened.highlighted("rank")
    assert clicked["name"] == chip.inner_text() != rank_line["name"]
    assert opened.highlighted("similarity")["y"] != similarity_line["y"]
    assert chip.inner_text() in page.inner_text(".jv-own-row th")

    table, similarities, ranks = opened.table(), page.eval_on_selector(".jv-chart-similarity", ALL_Y), None
    ranks = page.eval_on_selector(".jv-chart-rank", ALL_Y)
    page.click(".jv-switch")
    assert page.is_checked(".jv-positional")
    assert opened.table() != table
    assert page.eval_on_selector(".jv-chart-similarity", ALL_Y) != similarities
    assert page.eval_on_selector(".jv-chart-rank", ALL_Y) != ranks
    assert "variant=positional" in page.url
    assert opened.problems == []


def test_the_table_shows_the_shipped_numbers(built_site, open_page):
    opened = open_page(uri(sentence_page(built_site, built_site.encoder)))
    page = opened.page
    page.wait_for_selector(".jv-table tfoot")
    data = page.evaluate("JSON.parse(document.getElementById('journey-data').textContent)")
    index = int(opened.pressed()[0])
    ranks = data["methods"]["exact"]["raw"]["rank"][index]
    shown = page.eval_on_selector_all(".jv-own-row .jv-rank", "els => els.map(e => e.textContent)")
    assert shown == [f"rank {rank:,}" for rank in ranks]
    top_k = len(data["methods"]["exact"]["raw"]["neighbours"][0][0])
    assert page.locator(".jv-table tbody tr").count() == top_k
    assert opened.problems == []


def test_arrow_keys_move_the_selection_and_the_method_toggle_switches_computation(built_site, open_page):
    opened = open_page(uri(sentence_page(built_site, built_site.encoder)))
    page = opened.page
    page.wait_for_selector(".jv-chart-rank .main-svg")
    start = int(opened.pressed()[0])
    page.focus(".jv-chip[aria-pressed=true]")
    page.keyboard.press("ArrowRight")
    assert opened.pressed() == [str(start + 1)]
    assert page.evaluate("document.activeElement.dataset.index") == str(start + 1)
    page.keyboard.press("Home")
    assert opened.pressed() == ["0"]

    table = opened.table()
    page.click("label.jv-method:has(input[value=seed])")
    assert opened.table() != table
    assert page.inner_text("#method-name") == "the published demo's computation"
    assert opened.problems == []


def test_a_rotary_decoder_page_offers_exact_and_raw_only_and_says_why(built_site, open_page):
    opened = open_page(uri(sentence_page(built_site, built_site.decoder)))
    opened.page.wait_for_selector(".jv-chart-rank .main-svg")
    assert opened.page.is_disabled("input[value=seed]")
    assert opened.page.is_checked("input[value=exact]")
    assert opened.page.locator(".jv-positional").count() == 0
    note = opened.page.inner_text(".jv-no-positional")
    assert "rotary position embeddings" in note and "no position row" in note
    assert opened.problems == []


def test_an_encoder_page_has_the_positional_switch_and_no_note(built_site, open_page):
    opened = open_page(uri(sentence_page(built_site, built_site.encoder)))
    opened.page.wait_for_selector(".jv-chart-rank .main-svg")
    assert opened.page.locator(".jv-positional").count() == 1
    assert opened.page.locator(".jv-no-positional").count() == 0


def test_the_index_opens_from_disk_with_a_sparkline_per_sentence(built_site, open_page):
    opened = open_page(uri(built_site.folder / "index.html"))
    sentences = all_sentences(load_themes(built_site.sentences))
    assert opened.page.locator(".sentence-list svg.sparkline").count() == len(sentences)
    opened.page.click(f"text={sentences[0].text}")
    opened.page.wait_for_selector(".jv-chart-rank .main-svg")
    assert opened.problems == []


def test_the_explorer_opened_from_disk_says_it_needs_the_server(built_site, open_page):
    opened = open_page(uri(built_site.folder / "explore.html"))
    status = opened.page.inner_text("#explore-status")
    assert "needs the server: run `make serve`" in status
    assert "http://127.0.0.1:8000/explore.html" in status
    assert opened.page.is_disabled("button[type=submit]")
    assert opened.problems == []


def test_the_url_hash_restores_token_variant_and_method(built_site, open_page):
    page_uri = uri(sentence_page(built_site, built_site.encoder))
    opened = open_page(page_uri + "#token=2&variant=positional&method=seed")
    page = opened.page
    page.wait_for_selector(".jv-chart-rank .main-svg")
    assert opened.pressed() == ["2"]
    assert page.is_checked(".jv-positional")
    assert page.is_checked("input[value=seed]")
    assert opened.problems == []


def contextual_hits(page) -> list[str]:
    return page.eval_on_selector_all(".cv-hit", "els => els.map(e => e.textContent)")


def test_the_contextual_panel_follows_the_selected_token(built_site, open_page):
    opened = open_page(uri(sentence_page(built_site, built_site.encoder)))
    page = opened.page
    page.wait_for_selector(".cv-hit")
    data = page.evaluate("JSON.parse(document.getElementById('contextual-data').textContent)")
    selected = int(opened.pressed()[0])
    expected = [
        hit["context"]["before"]
        + hit["context"]["match"]
        + hit["context"]["after"]
        + f"{hit['similarity']:.4f}"
        for layer in data["neighbours"][selected]
        for hit in layer
    ]
    assert contextual_hits(page) == expected
    assert page.locator(".cv-table tr").count() == data["model"]["num_layers"]
    assert "exact method" in page.inner_text(".cv-panel")

    target = next(i for i in ("3", "4", "2") if i != str(selected))
    page.click(f".jv-chip[data-index='{target}']")
    assert contextual_hits(page) != expected
    assert page.locator(".jv-chip[aria-pressed=true]").inner_text() in page.inner_text(".cv-lead")
    assert page.is_hidden(".cv-method-note")

    page.click("label.jv-method:has(input[value=seed])")
    assert page.is_visible(".cv-method-note")
    assert "indexed by the exact method only" in page.inner_text(".cv-method-note")
    assert opened.problems == []
