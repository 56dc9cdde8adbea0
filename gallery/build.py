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
from journeys.gallery.site import SiteModel, SiteWriter
from journeys.indexer import config
from journeys.indexer.atomic_files import fsync_tree, replace_folder
from journeys.indexer.engine import JourneyEngine
from journeys.indexer.journey_cache import JourneyCache
from journeys.indexer.model_loading import planned_precision

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
    load_engine: EngineLoader = JourneyEngine.load,
    corpus_path: Path | None = None,
    cluster: Cluster | None = None,
    device: str = "auto",
    dtype: str = "auto",
) -> BuildContext:
    """Precompute, then write the site into this build's own staging folder, which takes the old site's
    place in one step only once every step succeeded: a model that cannot load (or any other failure, or
    a kill) leaves the old site as it was. A second build of the same site waits for the first.

    Folders left as None come from `indexer.config` at call time. `load_engine` loads a model by name
    onto `device` in `dtype`, which key the cached results it is looked up in.
    """
    site_dir = Path(site_dir or config.SITE_DIR)
    with exclusive_build(site_dir):
        themes = load_themes(sentences_path or config.GALLERY_SENTENCES)
        texts = [sentence.text for sentence in all_sentences(themes)]
        cache_dir = cache_dir or config.CACHE_DIR
        cache = JourneyCache(cache_dir)
        site_models = [SiteModel.named(name) for name in dict.fromkeys(models)]
        results = {
            model: precompute(
                model.name,
                texts,
                cache,
                planned_precision(model.name, device, dtype),
                load_engine=load_engine,
            )
            for model in site_models
        }
        staging = fresh_staging_folder(site_dir)
        context = BuildContext(
            site=SiteWriter(staging, site_models),
            themes=themes,
            results=results,
            corpus_path=corpus_path or config.CORPUS_FILE,
            cache_dir=cache_dir,
            cluster=cluster,
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
) -> None:
    """Build the site for `args.models` (loaded by `load_engine`, by default onto `args.device` in
    `args.dtype`) and print one summary line."""
    started = time.perf_counter()
    cluster = cluster_option(args.ray, args.ray_actors, args.ray_gpus_per_actor)
    load_engine = load_engine or functools.partial(JourneyEngine.load, device=args.device, dtype=args.dtype)
    context = build_site(
        args.models,
        site_dir,
        sentences_path,
        cache_dir,
        load_engine,
        cluster=cluster,
        device=args.device,
        dtype=args.dtype,
    )
    site_dir = context.site.folder
    names = ", ".join(model.label for model in context.results)
    count = len(context.results)
    print(
        f"built {context.site.pages_written} pages for {count} model{'s' * (count != 1)} ({names}) "
        f"in {time.perf_counter() - started:.1f} s; site {folder_size(site_dir) / 1e6:.1f} MB "
        f"at {site_dir}",
    )
