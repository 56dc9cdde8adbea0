"""The findings page opened from disk in headless Chromium: verdicts with their intervals and sample sizes,
the random-weights control and the outside corpus beside the trained model, the half-split and
sensitivity tables (the other views' rows included), the rogue dimensions, the charts."""

from __future__ import annotations

from journeys.gallery.site import SiteModel, findings_page

pytest_plugins = ["gallery_fixtures"]

OUTCOMES = {"holds", "reversed", "does not hold", "undecided", "cannot be judged"}


def test_the_findings_page_shows_each_verdict_with_its_interval_and_n(built_site, open_page):
    model = SiteModel.named(built_site.encoder)
    opened = open_page((built_site.folder / findings_page(model)).as_uri())
    page = opened.page
    shipped = page.evaluate("JSON.parse(document.getElementById('findings-data').textContent)")
    headers = page.eval_on_selector_all("#verdicts thead th", "els => els.map(e => e.textContent.trim())")
    assert headers == ["claim", "measure", "exact", "seed", "random weights", "outside corpus, by tag"]
    rows = page.eval_on_selector_all(
        "#verdicts tbody tr", "rows => rows.map(r => [...r.cells].map(c => c.innerText.trim()))"
    )
    methods = shipped["methods"]
    columns = [methods["exact"], methods["seed"], shipped["control"], shipped["outside"]]
    assert [row[0] for row in rows] == [v["claim"] for v in columns[0]["verdicts"]]
    for row, index in zip(rows, range(len(rows)), strict=True):
        for cell, found in zip(row[2:], columns, strict=True):
            verdict = found["verdicts"][index]
            outcome, interval, sample = cell.split("\n")
            assert outcome == verdict["outcome"] in OUTCOMES
            unit = "sentences" if verdict["claim"].startswith("F") else "tokens"
            assert sample == f"n = {verdict['n_sentences']:,} sentences, {verdict['n_tokens']:,} {unit}"
            if outcome == "cannot be judged":
                assert interval == "no token is displaced"
                continue
            shown = [
                None if x == "–" else float(x)
                for x in interval.replace("[", "").replace("]", "").replace(",", "").split()
            ]
            for value, exact in zip(
                shown, (verdict["estimate"], verdict["low"], verdict["high"]), strict=True
            ):
                assert (value is None and exact is None) or abs(value - exact) <= 5e-4
    assert page.inner_text(".model-warning").startswith("These verdicts are about")
    half = page.eval_on_selector_all("#half-split tbody tr", "rows => rows.length")
    assert half == len(columns[0]["verdicts"])
    labels = page.eval_on_selector_all(
        "#sensitivity tbody td:first-child", "els => els.map(e => e.textContent)"
    )
    assert labels[:2] == ["main analysis", "positional variant"] and "word-type weighting" in labels
    flipped = page.eval_on_selector_all("#sensitivity td.flip", "els => els.length")
    assert flipped == sum(len(row["flips"]) for row in columns[0]["sensitivity"])
    assert {"block-output point", "Euclidean distance", "without rogue dimensions"} <= set(labels)
    rogue = shipped["rogue_dimensions"]
    shown = page.eval_on_selector_all(
        "#rogue tbody tr", "rows => rows.map(r => [...r.cells].map(c => c.innerText.trim()))"
    )
    assert [row[1] for row in shown] == [", ".join(map(str, dims)) for dims in rogue["dimensions"]]
    for row, share, median in zip(shown, rogue["norm_share"], rogue["contribution"]["median"], strict=True):
        assert abs(float(row[2]) - share) <= 5e-4 and abs(float(row[4]) - median) <= 5e-4
    drawn = page.eval_on_selector_all(".chart[data-kind=curves] .main-svg", "els => els.length")
    assert drawn >= 2  # one chart per method, drawn by Plotly
    assert opened.problems == []
