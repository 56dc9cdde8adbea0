"""The page-producing steps of the gallery build: assets, sentence pages, the explorer, the indexes."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from journeys.findings.settings import FindingsSettings
from journeys.gallery.corpus import GallerySentence, Theme, all_pairs, all_sentences
from journeys.gallery.journey_files import journey_file_script
from journeys.gallery.page_data import encode_page
from journeys.gallery.precompute import ModelJourneys
from journeys.gallery.settings import GallerySettings
from journeys.gallery.site import (
    ASSETS,
    EXPLORER_PAGE,
    SiteModel,
    SiteWriter,
    findings_page,
    index_page,
    journey_file,
    pair_page,
    sentence_page,
)
from journeys.gallery.sparkline import largest_rank, rank_sparkline
from journeys.indexer.records import Journey
from journeys.indexer.settings import EngineSettings

if TYPE_CHECKING:
    from journeys.corpus.shard_work import Cluster


@dataclass
class BuildContext:
    """Everything a page step needs: where to write, the sentences, each model's results, the corpus and
    cache folder the findings step uses (its corpus passes run on `cluster` when given), the contextual
    neighbours it leaves for the sentence pages (per model, per sentence text: `ContextualResult.to_dict()`
    with rounded similarities), and each model's findings report as JSON (`FindingsReport.to_dict()`
    without timings) for the comparison page."""

    site: SiteWriter
    themes: list[Theme]
    results: dict[SiteModel, ModelJourneys]
    corpus_path: Path
    cache_dir: Path
    contextual: dict[SiteModel, dict[str, dict[str, Any]]] = field(default_factory=dict)
    findings: dict[SiteModel, dict[str, Any]] = field(default_factory=dict)
    cluster: Cluster | None = None
    engine_settings: EngineSettings = field(default_factory=EngineSettings)
    gallery_settings: GallerySettings = field(default_factory=GallerySettings)
    findings_settings: FindingsSettings = field(default_factory=FindingsSettings)


def script_json(data: Any) -> Markup:
    """JSON safe to place inside a <script> element (no `<` can close it)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return Markup(text.replace("<", "\\u003c"))


def copy_assets(context: BuildContext) -> None:
    """The site's CSS and JS, and plotly.js from the installed plotly package: nothing loads from a CDN."""
    target = context.site.folder / ASSETS
    shutil.copytree(context.site.templates / "static", target, dirs_exist_ok=True)
    plotly_js = resources.files("plotly") / "package_data" / "plotly.min.js"
    (target / "plotly.min.js").write_bytes(plotly_js.read_bytes())


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


def write_sentence_pages(context: BuildContext) -> None:
    """One page per sentence and model, carrying its journeys by every available method, with the
    full-precision journeys for download beside it."""
    sentences = all_sentences(context.themes)
    themes = {theme.id: theme for theme in context.themes}
    for model, results in context.results.items():
        contextual = context.contextual.get(model, {})
        by_text = sentence_journeys(results, sentences)
        for position, sentence in enumerate(sentences):
            journeys = by_text[sentence.text]
            neighbours = [
                sentence_page(model, sentences[i].slug) if 0 <= i < len(sentences) else None
                for i in (position - 1, position + 1)
            ]
            data_file = journey_file(model, sentence.slug)
            full = encode_page(sentence.text, journeys, results.info, results.unavailable, decimals=None)
            context.site.write_file(data_file, journey_file_script(data_file, full))
            context.site.write_page(
                "sentence.html",
                sentence_page(model, sentence.slug),
                model,
                {other: sentence_page(other, sentence.slug) for other in context.results},
                sentence=sentence,
                theme=themes[sentence.theme_id],
                info=results.info,
                unavailable=results.unavailable,
                page_data=script_json(
                    encode_page(
                        sentence.text,
                        journeys,
                        results.info,
                        results.unavailable,
                        context.gallery_settings.similarity_decimals,
                    )
                ),
                contextual_data=script_json(contextual[sentence.text])
                if sentence.text in contextual
                else None,
                previous_page=neighbours[0],
                next_page=neighbours[1],
                top_k=context.engine_settings.default_top_k,
                journey_file=PurePosixPath(data_file).name,
                download_name=f"{sentence.slug}-{model.slug}",
                pairs=pair_links(context.themes, model, sentence),
            )


def write_explorer(context: BuildContext) -> None:
    """The live explorer page; it needs the server and says so when opened without it."""
    top_k = context.engine_settings.default_top_k
    context.site.write_page("explore.html", EXPLORER_PAGE, None, top_k=top_k)


def write_index_pages(context: BuildContext) -> None:
    """Each model's gallery index, linking to the findings page when one was written."""
    site = context.site
    index_pages = {model: index_page(model, site.default_model) for model in context.results}
    for model, results in context.results.items():
        exact = results.journeys[context.engine_settings.default_method]
        largest = largest_rank(exact)
        by_text = dict(zip((s.text for s in all_sentences(context.themes)), exact, strict=True))
        themes = [
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
            for theme in context.themes
        ]
        site.write_page(
            "index.html",
            index_pages[model],
            model,
            index_pages,
            info=results.info,
            themes=themes,
            sentence_count=sum(len(theme.sentences) for theme in context.themes),
            findings=findings_page(model) if site.exists(findings_page(model)) else None,
            unavailable=results.unavailable,
            largest_rank=largest,
        )
