"""The gallery's side-by-side pages: the two sentences of each pair a theme lists ("pairs" in
data/gallery_sentences.json), analysed by one model and shown next to each other, opened from disk like
the sentence pages.

Each page ships both sentences' compact page data (gallery/page_data.py) with, per side, the path of the
full-precision journey file beside that sentence's page (for downloads) and the download name:
    [{"page": compact page data, "file": path from this page, "name": str, "title": str}, ...]
"""

from __future__ import annotations

from journeys.gallery.corpus import all_sentences
from journeys.gallery.page_data import encode_page
from journeys.gallery.pages import BuildContext, script_json, sentence_journeys
from journeys.gallery.site import journey_file, pair_page, sentence_page


def write_pair_pages(context: BuildContext) -> None:
    """One side-by-side page per pair and model."""
    sentences = all_sentences(context.themes)
    for model, results in context.results.items():
        by_text = sentence_journeys(results, sentences)
        for theme in context.themes:
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
                            context.gallery_settings.similarity_decimals,
                        ),
                        "file": root + journey_file(model, s.slug),
                        "name": f"{s.slug}-{model.slug}",
                        "title": f"“{s.text}”",
                    }
                    for s in sides
                ]
                context.site.write_page(
                    "pair.html",
                    page,
                    model,
                    {other: pair_page(other, pair.slug) for other in context.results},
                    pair=pair,
                    theme=theme,
                    info=results.info,
                    sentence_pages=[sentence_page(model, s.slug) for s in sides],
                    pair_data=script_json(data),
                )
