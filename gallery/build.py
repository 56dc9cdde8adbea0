"""`journeys build`: precompute every model's journeys for the gallery sentences, then render the site.

The site is written by `PAGE_STEPS`, then by `LINKING_STEPS`, whose pages link to what the first
ones wrote. A new kind of page is a function `step(context: BuildContext) -> None` added to
`PAGE_STEPS`; it renders a template extending `site_templates/base.html` with
`context.site.write_page(template, page, model, model_pages, **values)`. The findings step writes
`gallery.site.findings_page(model)`, which every later page's navigation links to.
"""

from __future__ import annotations

import argparse
import functools
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

from journeys.corpus.corpus_pass import cluster_option
from journeys.corpus.shard_work import Cluster
from journeys.findings.settings import FindingsSettings
from journeys.gallery.build_lock import exclusive_build
from journeys.gallery.comparison_step import write_comparison_page
from journeys.gallery.corpus import all_sentences, load_themes
from journeys.gallery.findings_step import write_findings_pages
from journeys.gallery.pages import (
    BuildContext,
    copy_assets,
    write_explorer,
    write_index_pages,
    write_sentence_pages,
)
from journeys.gallery.pair_pages import write_pair_pages
from journeys.gallery.precompute import EngineLoader, precompute
from journeys.gallery.settings import GallerySettings
from journeys.gallery.site import SiteModel, SiteWriter
from journeys.indexer.atomic_files import fsync_tree, replace_folder
from journeys.indexer.engine import JourneyEngine
from journeys.indexer.journey_cache import JourneyCache
from journeys.indexer.settings import EngineSettings

PageStep = Callable[[BuildContext], None]
PAGE_STEPS: list[PageStep] = [copy_assets, write_findings_pages, write_comparison_page]
LINKING_STEPS: list[PageStep] = [write_sentence_pages, write_pair_pages, write_explorer, write_index_pages]


def folder_size(folder: Path) -> int:
    """Bytes in all files under `folder`."""
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def build_site(
    models: list[str],
    site_dir: Path | None = None,
    sentences_path: Path | None = None,
    cache_dir: Path | None = None,
    load_engine: EngineLoader | None = None,
    corpus_path: Path | None = None,
    cluster: Cluster | None = None,
    engine_settings: EngineSettings | None = None,
    gallery_settings: GallerySettings | None = None,
    findings_settings: FindingsSettings | None = None,
) -> BuildContext:
    """Precompute, then write the site into this build's own staging folder, which takes the old site's
    place in one step only once every step succeeded: a model that cannot load (or any other failure, or
    a kill) leaves the old site as it was. A second build of the same site waits for the first.

    Whatever is left as None comes from the settings (their defaults when None) at call time; models load
    with `load_engine`, by default `JourneyEngine.load` with the engine settings.
    """
    engine_settings = engine_settings or EngineSettings()
    gallery_settings = gallery_settings or GallerySettings()
    findings_settings = findings_settings or FindingsSettings()
    load_engine = load_engine or functools.partial(JourneyEngine.load, settings=engine_settings)
    site_dir = Path(site_dir or engine_settings.site_dir)
    with exclusive_build(site_dir):
        themes = load_themes(sentences_path or gallery_settings.sentences_file)
        texts = [sentence.text for sentence in all_sentences(themes)]
        cache_dir = cache_dir or engine_settings.cache_dir
        cache = JourneyCache(cache_dir, engine_settings)
        site_models = [SiteModel.named(name) for name in dict.fromkeys(models)]
        top_k = engine_settings.default_top_k
        results = {model: precompute(model.name, texts, cache, top_k, load_engine) for model in site_models}
        staging = fresh_staging_folder(site_dir)
        context = BuildContext(
            site=SiteWriter(
                staging, site_models, gallery_settings.templates_dir, engine_settings.site_content_policy
            ),
            themes=themes,
            results=results,
            corpus_path=corpus_path or findings_settings.corpus.corpus_file,
            cache_dir=cache_dir,
            cluster=cluster,
            engine_settings=engine_settings,
            gallery_settings=gallery_settings,
            findings_settings=findings_settings,
        )
        for step in [*PAGE_STEPS, *LINKING_STEPS]:
            step(context)
        fsync_tree(staging)
        replace_folder(staging, site_dir)
    context.site.folder = site_dir
    return context


def fresh_staging_folder(site_dir: Path) -> Path:
    """An empty folder beside `site_dir` for this build, after deleting those that killed builds left."""
    for stale in site_dir.parent.glob(f".{site_dir.name}.building*"):
        shutil.rmtree(stale)
    staging = site_dir.with_name(f".{site_dir.name}.building-{os.getpid()}")
    staging.mkdir(parents=True)
    return staging


def run_build(
    args: argparse.Namespace,
    site_dir: Path | None = None,
    sentences_path: Path | None = None,
    cache_dir: Path | None = None,
    load_engine: EngineLoader | None = None,
    engine_settings: EngineSettings | None = None,
    findings_settings: FindingsSettings | None = None,
) -> None:
    """Build the site for `args.models` and print one summary line."""
    started = time.perf_counter()
    findings_settings = findings_settings or FindingsSettings()
    cluster = cluster_option(args.ray, args.ray_actors, findings_settings.corpus.ray_connect_s)
    context = build_site(
        args.models,
        site_dir,
        sentences_path,
        cache_dir,
        load_engine,
        cluster=cluster,
        engine_settings=engine_settings,
        findings_settings=findings_settings,
    )
    site_dir = context.site.folder
    names = ", ".join(model.label for model in context.results)
    count = len(context.results)
    print(
        f"built {context.site.pages_written} pages for {count} model{'s' * (count != 1)} ({names}) "
        f"in {time.perf_counter() - started:.1f} s; site {folder_size(site_dir) / 1e6:.1f} MB "
        f"at {site_dir}",
    )
