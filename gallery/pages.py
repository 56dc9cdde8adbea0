"""The gallery's page steps: assets, sentence pages, the explorer, the indexes. Each takes what it reads
as arguments and returns the pages and files it asks `gallery.site.Site` to write."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import Any

from markupsafe import Markup

from journeys.gallery.corpus import GallerySentence, Theme, all_pairs, all_sentences
from journeys.gallery.findings_cache import SiteFindings
from journeys.gallery.journey_files import journey_file_script, views_file_script
from journeys.gallery.page_data import encode_page, encode_views
from journeys.gallery.precompute import ModelJourneys
from journeys.gallery.site import (
    ASSETS,
    EXPLORER_PAGE,
    Page,
    SiteFile,
    SiteModel,
    SitePlan,
    findings_page,
    index_page,
    journey_file,
    pair_page,
    sentence_page,
    views_file,
)
from journeys.gallery.sparkline import largest_rank, rank_sparkline
from journeys.indexer.options import METRICS
from journeys.indexer.records import Journey, ModelInfo


def script_json(data: Any) -> Markup:
    """JSON safe to place inside a <script> element (no `<` can close it)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return Markup(text.replace("<", "\\u003c"))


def asset_files(static: Path) -> Iterator[SiteFile]:
    """The site's CSS and JS from `static`, and plotly.js from the installed plotly package: nothing loads
    from a CDN."""
    for path in sorted(static.rglob("*")):
        if path.is_file():
            yield SiteFile(f"{ASSETS}/{path.relative_to(static).as_posix()}", path.read_bytes())
    plotly_js = resources.files("plotly") / "package_data" / "plotly.min.js"
    yield SiteFile(f"{ASSETS}/plotly.min.js", plotly_js.read_bytes())


def pair_links(themes: list[Theme], model: SiteModel, sentence: GallerySentence) -> list[dict[str, str]]:
    """The side-by-side pages `sentence` belongs to (site-relative), each with the other sentence's text."""
    return [
        {"href": pair_page(model, pair.slug), "other": other.text}
        for pair in all_pairs(themes)
        for one, other in ((pair.first, pair.second), (pair.second, pair.first))
        if one == sentence
    ]


def sentence_journeys(
    results: ModelJourneys, sentences: list[GallerySentence]
) -> dict[str, dict[str, Journey]]:
    """Per sentence text, its journey by every method the model offers."""
    return {
        sentence.text: {method: found[position] for method, found in results.journeys.items()}
        for position, sentence in enumerate(sentences)
    }


def views_offer(info: ModelInfo, file: str, neighbours: int) -> dict[str, Any]:
    """What a page's view switches offer: the model's points and references, the metrics, and the views
    file (its path from the page) holding `neighbours` neighbours per token and layer."""
    return {
        "file": file,
        "points": list(info.points),
        "references": list(info.references),
        "metrics": list(METRICS),
        "neighbours": neighbours,
    }


def sentence_pages(
    themes: list[Theme],
    journeys: Mapping[SiteModel, ModelJourneys],
    findings: Mapping[SiteModel, SiteFindings],
    top_k: int,
    decimals: int,
    view_neighbours: int,
) -> Iterator[Page | SiteFile]:
    """One page per sentence and model, carrying its journeys by every available method and the
    contextual neighbours its model's findings hold, with the full-precision journeys for download and
    the views beyond the study's (`view_neighbours` neighbours each) beside it."""
    sentences = all_sentences(themes)
    by_id = {theme.id: theme for theme in themes}
    for model, results in journeys.items():
        contextual = findings[model].contextual
        by_text = sentence_journeys(results, sentences)
        for position, sentence in enumerate(sentences):
            found = by_text[sentence.text]
            neighbours = [
                sentence_page(model, sentences[i].slug) if 0 <= i < len(sentences) else None
                for i in (position - 1, position + 1)
            ]
            data_file = journey_file(model, sentence.slug)
            full = encode_page(sentence.text, found, results.info, results.unavailable, decimals=None)
            yield SiteFile(data_file, journey_file_script(data_file, full).encode("utf-8"))
            views = None
            if results.views:
                path = views_file(model, sentence.slug)
                others = encode_views(
                    [found[position] for found in results.views.values()], decimals, view_neighbours
                )
                yield SiteFile(path, views_file_script(path, others).encode("utf-8"))
                views = script_json(views_offer(results.info, PurePosixPath(path).name, view_neighbours))
            values = {
                "sentence": sentence,
                "theme": by_id[sentence.theme_id],
                "info": results.info,
                "unavailable": results.unavailable,
                "page_data": script_json(
                    encode_page(sentence.text, found, results.info, results.unavailable, decimals)
                ),
                "contextual_data": script_json(contextual[sentence.text])
                if sentence.text in contextual
                else None,
                "previous_page": neighbours[0],
                "next_page": neighbours[1],
                "top_k": top_k,
                "journey_file": PurePosixPath(data_file).name,
                "download_name": f"{sentence.slug}-{model.slug}",
                "pairs": pair_links(themes, model, sentence),
                "views": views,
            }
            yield Page(
                "sentence.html",
                sentence_page(model, sentence.slug),
                model,
                values,
                {other: sentence_page(other, sentence.slug) for other in journeys},
            )


def explorer_page(top_k: int) -> Page:
    """The live explorer page (asking for `top_k` neighbours); it needs the server and says so when opened
    without it."""
    return Page("explore.html", EXPLORER_PAGE, None, {"top_k": top_k})


def index_pages(
    plan: SitePlan, themes: list[Theme], journeys: Mapping[SiteModel, ModelJourneys], method: str
) -> Iterator[Page]:
    """Each model's gallery index (its ranks by `method`), linking to its findings page when the plan writes
    one."""
    pages = {model: index_page(model, plan.default_model) for model in journeys}
    by_position = [sentence.text for sentence in all_sentences(themes)]
    for model, results in journeys.items():
        exact = results.journeys[method]
        largest = largest_rank(exact)
        by_text = dict(zip(by_position, exact, strict=True))
        entries = [
            {
                "theme": theme,
                "entries": [
                    {
                        "sentence": sentence,
                        "href": sentence_page(model, sentence.slug),
                        "sparkline": rank_sparkline(by_text[sentence.text], largest),
                    }
                    for sentence in theme.sentences
                ],
                "pairs": [
                    {
                        "href": pair_page(model, pair.slug),
                        "first": pair.first.text,
                        "second": pair.second.text,
                    }
                    for pair in theme.pairs
                ],
            }
            for theme in themes
        ]
        values = {
            "info": results.info,
            "themes": entries,
            "sentence_count": sum(len(theme.sentences) for theme in themes),
            "findings": plan.link(findings_page(model)),
            "unavailable": results.unavailable,
            "largest_rank": largest,
        }
        yield Page("index.html", pages[model], model, values, pages)
