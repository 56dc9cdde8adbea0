"""`journeys build`: precompute every model's journeys for the gallery sentences, then render the site.

The build is a row of steps called in order by `build_site`, each taking what it reads as arguments and
returning what it made: the plan of the site (`SitePlan`: which pages other pages link to, decided from
the models before anything is written), each model's journeys, each model's findings, then the pages and
files of every page step, which `Site`, the one writer, renders with the plan's navigation. A new kind
of page is a function returning `Page`s of a template extending `site_templates/base.html`, called here;
a page other pages link to is added to `SitePlan.for_models` first.
"""

from __future__ import annotations

import argparse
import functools
import os
import shutil
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from journeys.corpus.corpus_pass import cluster_option
from journeys.corpus.shard_work import Cluster
from journeys.findings.settings import FindingsSettings
from journeys.gallery.build_lock import exclusive_build
from journeys.gallery.comparison_step import comparison_page
from journeys.gallery.corpus import all_sentences, load_themes
from journeys.gallery.findings_cache import SiteFindings
from journeys.gallery.findings_step import findings_pages, site_findings
from journeys.gallery.pages import asset_files, explorer_page, index_pages, sentence_pages
from journeys.gallery.pair_pages import pair_pages
from journeys.gallery.precompute import EngineLoader, ModelJourneys, precompute
from journeys.gallery.settings import GallerySettings
from journeys.gallery.site import Site, SiteModel, SitePlan
from journeys.indexer.atomic_files import fsync_tree, replace_folder
from journeys.indexer.engine import JourneyEngine
from journeys.indexer.journey_cache import JourneyCache
from journeys.indexer.model_loading import planned_precision
from journeys.indexer.settings import EngineSettings


@dataclass(frozen=True)
class BuiltSite:
    """What a build wrote and from what: the site folder and its page count, and each model's journeys
    and findings, in build order."""

    folder: Path
    pages: int
    journeys: Mapping[SiteModel, ModelJourneys]
    findings: Mapping[SiteModel, SiteFindings]


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
    device: str = "auto",
    dtype: str = "auto",
) -> BuiltSite:
    """Precompute, then write the site into this build's own staging folder, which takes the old site's
    place in one step only once every step succeeded: a model that cannot load (or any other failure, or
    a kill) leaves the old site as it was. A second build of the same site waits for the first.

    Whatever is left as None comes from the settings (their defaults when None) at call time; models load
    with `load_engine`, by default `JourneyEngine.load` with the engine settings onto `device` in `dtype`,
    which key the cached results they are looked up in.
    """
    engine_settings = engine_settings or EngineSettings()
    gallery = gallery_settings or GallerySettings()
    findings_settings = findings_settings or FindingsSettings()
    load_engine = load_engine or functools.partial(
        JourneyEngine.load, settings=engine_settings, device=device, dtype=dtype
    )
    site_dir = Path(site_dir or engine_settings.site_dir)
    top_k, decimals = engine_settings.default_top_k, gallery.similarity_decimals
    with exclusive_build(site_dir):
        plan = SitePlan.for_models([SiteModel.named(name) for name in dict.fromkeys(models)])
        themes = load_themes(sentences_path or gallery.sentences_file)
        texts = [sentence.text for sentence in all_sentences(themes)]
        cache_dir = cache_dir or engine_settings.cache_dir
        cache = JourneyCache(cache_dir, engine_settings)
        journeys = {
            model: precompute(
                model.name,
                texts,
                cache,
                planned_precision(model.name, engine_settings, device, dtype),
                top_k,
                load_engine,
            )
            for model in plan.models
        }
        corpus_path = corpus_path or findings_settings.corpus.corpus_file
        findings = site_findings(
            journeys, texts, corpus_path, cache_dir, cluster, engine_settings, gallery, findings_settings
        )
        site = Site(
            fresh_staging_folder(site_dir), plan, gallery.templates_dir, engine_settings.site_content_policy
        )
        site.write(asset_files(site.templates / "static"))
        site.write(findings_pages(findings))
        if plan.compares:
            site.write([comparison_page(findings)])
        site.write(sentence_pages(themes, journeys, findings, top_k, decimals, gallery.other_view_neighbours))
        site.write(pair_pages(themes, journeys, decimals, gallery.other_view_neighbours))
        site.write([explorer_page(top_k)])
        site.write(index_pages(plan, themes, journeys, engine_settings.default_method))
        pages = site.finish()
        fsync_tree(site.folder)
        replace_folder(site.folder, site_dir)
    return BuiltSite(folder=site_dir, pages=pages, journeys=journeys, findings=findings)


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
    """Build the site for `args.models` (loaded by `load_engine`, by default onto `args.device` in
    `args.dtype`) and print one summary line."""
    started = time.perf_counter()
    findings_settings = findings_settings or FindingsSettings()
    cluster = cluster_option(
        args.ray, args.ray_actors, findings_settings.corpus.ray_connect_s, args.ray_gpus_per_actor
    )
    built = build_site(
        args.models,
        site_dir,
        sentences_path,
        cache_dir,
        load_engine,
        cluster=cluster,
        engine_settings=engine_settings,
        findings_settings=findings_settings,
        device=args.device,
        dtype=args.dtype,
    )
    names = ", ".join(model.label for model in built.journeys)
    count = len(built.journeys)
    print(
        f"built {built.pages} pages for {count} model{'s' * (count != 1)} ({names}) "
        f"in {time.perf_counter() - started:.1f} s; site {folder_size(built.folder) / 1e6:.1f} MB "
        f"at {built.folder}",
    )
