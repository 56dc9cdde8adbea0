"""The gallery's side-by-side pages: the two sentences of each pair a theme lists ("pairs" in
data/gallery_sentences.json), analysed by one model and shown next to each other, opened from disk like
the sentence pages.

Each page ships both sentences' compact page data (gallery/page_data.py) with, per side, the path of the
full-precision journey file beside that sentence's page (for downloads), the download name, and what its
view switches offer with the path of the views file beside that sentence's page (`pages.views_offer`;
null for a model with no view beyond the study's):
    [{"page": compact page data, "file": path from this page, "name": str, "title": str,
      "views": {file, points, references, metrics, neighbours} | null}, ...]
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from journeys.gallery.corpus import Theme, all_sentences
from journeys.gallery.page_data import encode_page
from journeys.gallery.pages import script_json, sentence_journeys, views_offer
from journeys.gallery.precompute import ModelJourneys
from journeys.gallery.site import Page, SiteModel, journey_file, pair_page, sentence_page, views_file


def pair_pages(
    themes: list[Theme], journeys: Mapping[SiteModel, ModelJourneys], decimals: int, view_neighbours: int
) -> Iterator[Page]:
    """One side-by-side page per pair and model, similarities in its page data rounded to `decimals`, its
    other views read from the sentence pages' views files (`view_neighbours` neighbours each)."""
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
                        "views": views_offer(results.info, root + views_file(model, s.slug), view_neighbours)
                        if results.views
                        else None,
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
