"""The gallery's side-by-side pages: the two sentences of each pair a theme lists ("pairs" in
data/gallery_sentences.json), analysed by one model and shown next to each other, opened from disk like
the sentence pages.

Each page ships both sentences' compact page data (gallery/page_data.py) with, per side, the path of the
full-precision journey file beside that sentence's page (for downloads) and the download name:
    [{"page": compact page data, "file": path from this page, "name": str, "title": str}, ...]
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from journeys.gallery.corpus import Theme, all_sentences
from journeys.gallery.page_data import encode_page
from journeys.gallery.pages import script_json, sentence_journeys
from journeys.gallery.precompute import ModelJourneys
from journeys.gallery.site import Page, SiteModel, journey_file, pair_page, sentence_page


def pair_pages(
    themes: list[Theme], journeys: Mapping[SiteModel, ModelJourneys], decimals: int
) -> Iterator[Page]:
    """One side-by-side page per pair and model, similarities in its page data rounded to `decimals`."""
    sentences = all_sentences(themes)
    for model, results in journeys.items():
        by_text = sentence_journeys(results, sentences)
        for theme in themes:
            for pair in theme.pairs:
                page = pair_page(model, pair.slug)
                root = "../" * page.count("/")
                sides = [pair.first, pair.second]
                data = [
                    {
                        "page": encode_page(
                            s.text,
                            by_text[s.text],
                            results.info,
                            results.unavailable,
                            decimals,
                        ),
                        "file": root + journey_file(model, s.slug),
                        "name": f"{s.slug}-{model.slug}",
                        "title": f"“{s.text}”",
                    }
                    for s in sides
                ]
                values = {
                    "pair": pair,
                    "theme": theme,
                    "info": results.info,
                    "sentence_pages": [sentence_page(model, s.slug) for s in sides],
                    "pair_data": script_json(data),
                }
                yield Page(
                    "pair.html",
                    page,
                    model,
                    values,
                    {other: pair_page(other, pair.slug) for other in journeys},
                )
