"""Gallery pages opened from disk in headless Chromium: choices kept in the URL (back and forward work),
downloads whose bytes equal the API's JSON and the Python CSV, chart images, the side-by-side page of a
pair, and the figure `journey.plot()` builds equal to the one the page draws."""

from __future__ import annotations

import csv
import functools
import io
import json
import re
from pathlib import Path

from gallery_fixtures import wait_until
from hostile_journey import HOSTILE_JOURNEY

from journeys.gallery.corpus import all_pairs, all_sentences, load_themes
from journeys.gallery.page_data import decode_page
from journeys.gallery.site import SiteModel, findings_page
from journeys.indexer.journey_csv import journey_csv
from journeys.indexer.records import Journey
from journeys.journey_figure import journey_figure

pytest_plugins = ["gallery_fixtures"]


def first_sentence_page(site, model_name: str) -> Path:
    first = all_sentences(load_themes(site.sentences))[0]
    return site.folder / "sentences" / SiteModel.named(model_name).slug / f"{first.slug}.html"


def pair_page(site, model_name: str) -> Path:
    pair = all_pairs(load_themes(site.sentences))[0]
    return site.folder / "pairs" / SiteModel.named(model_name).slug / f"{pair.slug}.html"


def downloaded(page, selector: str) -> tuple[str, bytes]:
    """Click `selector` and return the offered file's name and bytes."""
    with page.expect_download() as started:
        page.click(selector)
    download = started.value
    return download.suggested_filename, Path(download.path()).read_bytes()


def layer_marks(page, chart: str) -> list[float]:
    return page.eval_on_selector(f".jv-chart-{chart}", "el => (el.layout.shapes || []).map(s => s.x0)")


def test_choices_live_in_the_url_and_back_and_forward_restore_them(built_site, open_page):
    opened = open_page(first_sentence_page(built_site, built_site.encoder).as_uri())
    page = opened.page
    page.wait_for_selector(".jv-chart-rank .main-svg")
    start = opened.pressed()[0]
    page.click(".jv-chip[data-index='2']")
    page.click(".jv-switch")
    page.click(".jv-layer[data-layer='1']")
    assert page.url.endswith("#token=2&variant=positional&method=exact&layer=1")
    assert page.get_attribute(".jv-layer[data-layer='1']", "aria-pressed") == "true"
    assert page.locator(".jv-table td.jv-layer-on").count() > 0
    assert layer_marks(page, "rank") == [1] and layer_marks(page, "similarity") == [1]

    page.go_back()
    wait_until(page, "!location.hash.includes('layer')")
    assert page.is_checked(".jv-positional") and layer_marks(page, "rank") == []
    page.go_back()
    wait_until(page, "location.hash.includes('variant=raw')")
    assert not page.is_checked(".jv-positional") and opened.pressed() == ["2"]
    page.go_back()
    wait_until(page, f"location.hash.startsWith('#token={start}&')")
    assert opened.pressed() == [start]
    page.go_forward()
    page.go_forward()
    page.go_forward()
    wait_until(page, "location.hash.includes('layer=1')")
    assert (
        opened.pressed() == ["2"] and page.is_checked(".jv-positional") and layer_marks(page, "rank") == [1]
    )

    reopened = open_page(page.url)
    reopened.page.wait_for_selector(".jv-chart-rank .main-svg")
    assert reopened.pressed() == ["2"] and reopened.page.is_checked(".jv-positional")
    assert reopened.table() == opened.table()
    assert opened.problems == [] and reopened.problems == []


def test_downloads_equal_the_apis_json_and_the_python_csv(built_site, open_page, family_engine):
    path = first_sentence_page(built_site, built_site.encoder)
    opened = open_page(path.as_uri())
    page = opened.page
    page.wait_for_selector(".jv-chart-rank .main-svg")
    text = all_sentences(load_themes(built_site.sentences))[0].text
    slug = SiteModel.named(built_site.encoder).slug
    for method in ("exact", "seed"):
        page.click(f"label.jv-method:has(input[value={method}])")
        journey = family_engine("bert").analyze(text, method)  # the build's top-k: the default
        name, body = downloaded(page, ".jv-controls .jv-download:text-is('JSON')")
        assert name == f"{path.stem}-{slug}-{method}.json"
        assert body.decode() == journey.to_json()  # the server's answer, byte for byte
        name, body = downloaded(page, ".jv-controls .jv-download:text-is('CSV')")
        assert name.endswith(f"-{method}.csv")
        assert body.decode() == journey_csv(journey)

    name, body = downloaded(page, ".jv-chart-rank + .jv-chart-downloads .jv-download:text-is('PNG')")
    assert name.endswith("-seed-rank.png") and body.startswith(b"\x89PNG\r\n\x1a\n")
    name, body = downloaded(page, ".jv-chart-similarity + .jv-chart-downloads .jv-download:text-is('SVG')")
    assert name.endswith("-similarity.svg") and b"<svg" in body[:400] and b"cosine similarity" in body
    assert opened.problems == []


def test_pythons_float_repr_and_json_layout_are_mirrored_in_javascript(built_site, open_page):
    opened = open_page(first_sentence_page(built_site, built_site.encoder).as_uri())
    values = [
        1.0,
        -0.0,
        0.0,
        0.1,
        1e-05,
        1.5e-05,
        0.0001,
        123.456,
        1e16,
        1.2345e16,
        5e-324,
        -0.87654321012345,
    ]
    shown = opened.page.evaluate("values => values.map(PythonText.float)", values)
    assert shown == [repr(value) for value in values]
    record = {
        "text": 'a"b\\c\n\t\x01é\u2028␣',
        "id": 3,
        "similarity": [[1.0, 1e-05, None]],
        "rank": [[0, None]],
    }
    assert opened.page.evaluate("PythonText.json", record) == json.dumps(record, ensure_ascii=False)


def test_the_pages_csv_writes_cells_a_spreadsheet_would_run_as_text_like_python(built_site, open_page):
    opened = open_page(first_sentence_page(built_site, built_site.encoder).as_uri())
    written = opened.page.evaluate("JourneyCsv.text", HOSTILE_JOURNEY)
    assert written == journey_csv(Journey.from_dict(HOSTILE_JOURNEY))
    assert "\n'=cmd|' /C calc'!A0" not in written and ",'=cmd|' /C calc'!A0," in written
    assert opened.problems == []


def test_the_pair_page_shows_both_sentences_on_shared_axes_from_disk(built_site, open_page):
    opened = open_page(pair_page(built_site, built_site.encoder).as_uri())
    page = opened.page
    wait_until(page, "document.querySelectorAll('.jv-chart .main-svg').length >= 4")
    assert page.locator(".cmp-side").count() == 2
    ranges = page.eval_on_selector_all(".jv-chart-similarity", "els => els.map(el => el.layout.yaxis.range)")
    assert ranges[0] == ranges[1] and ranges[0] is not None

    left, right = (page.locator(".cmp-side").nth(i) for i in (0, 1))
    left.locator(".jv-chip", has_text=re.compile(r"^\.$")).first.click()
    assert right.locator(".jv-chip[aria-pressed=true]").inner_text() == "."
    chosen = right.locator(".jv-chip[aria-pressed=true]").get_attribute("data-index")
    assert f"token2={chosen}" in page.url
    left.locator(".jv-chip", has_text="flies").first.click()  # the right sentence has no "flies"
    assert right.locator(".jv-chip[aria-pressed=true]").get_attribute("data-index") == chosen
    page.locator(".cmp-side").nth(0).locator(".jv-layer[data-layer='2']").click()
    marks = page.eval_on_selector_all(
        ".jv-chart-rank", "els => els.map(el => el.layout.shapes.map(s => s.x0))"
    )
    assert marks == [[2], [2]]
    assert opened.problems == []


def test_plot_builds_the_figure_the_page_draws(built_site, open_page):
    path = first_sentence_page(built_site, built_site.encoder)
    opened = open_page(path.as_uri() + "#token=3&variant=positional&method=exact&layer=2")
    page = opened.page
    page.wait_for_selector(".jv-chart-rank .main-svg")
    shipped = page.evaluate("JSON.parse(document.getElementById('journey-data').textContent)")
    journey = decode_page(shipped)["exact"]  # the page's own (rounded) numbers
    for chart in ("similarity", "rank"):
        drawn = page.eval_on_selector(
            f".jv-chart-{chart}", "el => JSON.parse(JSON.stringify({data: el.data, layout: el.layout}))"
        )
        built = json.loads(journey_figure(journey, 3, "positional", 2, chart).to_json())
        for ours, theirs in zip(built["data"], drawn["data"], strict=True):
            assert ours == {key: theirs[key] for key in ours}
        axis = drawn["layout"]["yaxis"]
        if axis.get("autorange") is True and axis["range"][0] > axis["range"][1]:
            axis["autorange"] = "reversed"  # how Plotly.js records the "reversed" it was given
        for key, value in built["layout"].items():
            if key != "template":
                assert drawn["layout"][key] == value or _within(value, drawn["layout"][key]), key
    assert opened.problems == []


def _within(ours: object, theirs: object) -> bool:
    """Whether every key Python sets is set the same by the page (Plotly adds computed ranges)."""
    if isinstance(ours, dict) and isinstance(theirs, dict):
        return all(key in theirs and (theirs[key] == v or _within(v, theirs[key])) for key, v in ours.items())
    if isinstance(ours, list) and isinstance(theirs, list) and len(ours) == len(theirs):
        return all(a == b or _within(a, b) for a, b in zip(ours, theirs, strict=True))
    return False


def test_the_findings_page_offers_its_numbers_as_json_and_a_flat_csv(built_site, open_page):
    model = SiteModel.named(built_site.encoder)
    opened = open_page((built_site.folder / findings_page(model)).as_uri())
    page = opened.page
    shipped = page.evaluate("JSON.parse(document.getElementById('findings-data').textContent)")
    assert {"model", "method", "variant", "corpus", "groups", "token_counts", "methods"} <= set(shipped)
    name, body = downloaded(page, "#findings-downloads .jv-download:text-is('JSON')")
    assert name == f"findings-{model.slug}.json" and json.loads(body) == shipped

    name, body = downloaded(page, "#findings-downloads .jv-download:text-is('CSV')")
    rows = list(csv.DictReader(io.StringIO(body.decode())))
    layers = shipped["model"]["num_layers"]
    tables = {row["table"] for row in rows}
    assert {"methods.exact.rank.function.median", "methods.seed.similarity.content.q3"} <= tables
    assert {"methods.exact.curves.share_displaced.function", "control.curves.mean_log_rank.content"} <= tables
    for row in rows:
        series = functools.reduce(lambda value, key: value[key], row["table"].split("."), shipped)
        index = int(row["layer"]) - (len(series) == layers - 1)
        if series[index] is None:
            assert row["value"] == ""
        else:
            assert float(row["value"]) == series[index]
    median = [row for row in rows if row["table"] == "methods.exact.rank.function.median"]
    assert [int(row["layer"]) for row in median] == list(range(layers))
    assert opened.problems == []
