"""The page comparing models: written when the site has two models, one verdict column per model with the
numbers each model's own findings page ships, and curves on a relative-depth axis drawn in Chromium."""

from __future__ import annotations

import json
import re

import pytest

from journeys.gallery.site import COMPARISON_PAGE, SiteModel, findings_page

pytest_plugins = ["gallery_fixtures"]


def shipped_findings(built_site, name: str) -> dict:
    """The report a model's findings page ships for download: the numbers the page itself shows."""
    html = (built_site.folder / findings_page(SiteModel.named(name))).read_text(encoding="utf-8")
    match = re.search(r'<script type="application/json" id="findings-data">(.*?)</script>', html, re.S)
    return json.loads(match.group(1))


def models(built_site) -> list[str]:
    return [built_site.encoder, built_site.decoder]


def test_every_page_links_the_comparison_and_it_links_each_findings_page(built_site):
    compare = (built_site.folder / COMPARISON_PAGE).read_text(encoding="utf-8")
    assert f'<a href="{COMPARISON_PAGE}" aria-current="page">Across models</a>' in compare
    for name in models(built_site):
        target = findings_page(SiteModel.named(name))
        assert f'href="{target}"' in compare
        assert f'<a href="{COMPARISON_PAGE}">Across models</a>' in (built_site.folder / target).read_text()


def test_each_column_shows_that_models_verdicts_with_interval_and_sample_size(built_site, open_page):
    opened = open_page((built_site.folder / COMPARISON_PAGE).as_uri())
    page = opened.page
    labels = page.eval_on_selector_all("#compared-verdicts thead th", "els => els.map(e => e.innerText)")
    assert labels[2:] == [SiteModel.named(name).label for name in models(built_site)]
    for column, name in enumerate(models(built_site), start=3):
        report = shipped_findings(built_site, name)
        verdicts = report["methods"][report["method"]]["verdicts"]
        assert verdicts
        for verdict in verdicts:
            row = f'#compared-verdicts tr[data-claim="{verdict["claim"]}"]'
            cell = page.inner_text(f"{row} td:nth-child({column})")
            assert cell.splitlines()[0] == verdict["outcome"]
            numbers = [verdict[key] for key in ("estimate", "low", "high")]
            expected = "{} [{}, {}]".format(*("–" if x is None else f"{x:.3f}" for x in numbers))
            assert expected in cell
            assert f"n = {verdict['n_sentences']:,} sentences" in cell
    assert opened.problems == []


@pytest.mark.parametrize("measure", ["share_displaced", "rank_fraction"])
def test_curves_put_each_model_on_relative_depth_with_its_own_numbers(built_site, open_page, measure):
    opened = open_page((built_site.folder / COMPARISON_PAGE).as_uri())
    traces = opened.page.eval_on_selector(
        f'.chart[data-kind="{measure}"]', "el => el.data.map(t => ({name: t.name, x: t.x, y: t.y}))"
    )
    expected = []
    for name in models(built_site):
        report = shipped_findings(built_site, name)
        curves = report["methods"][report["method"]]["curves"]
        layers = report["model"]["num_layers"]
        for group in ("function", "content"):
            expected.append(
                {
                    "name": f"{SiteModel.named(name).label} · {group}",
                    "x": [layer / (layers - 1) for layer in range(layers)],
                    "y": curves[measure][group],
                }
            )
    assert_same_traces(traces, expected)
    assert opened.problems == []


def assert_same_traces(drawn: list[dict], expected: list[dict]) -> None:
    """Same names in the same order, x and y equal to the expected values."""
    assert [t["name"] for t in drawn] == [t["name"] for t in expected]
    for got, want in zip(drawn, expected, strict=True):
        assert got["x"] == pytest.approx(want["x"], abs=1e-12)
        assert [None if v is None else pytest.approx(v, rel=1e-12) for v in got["y"]] == want["y"]
