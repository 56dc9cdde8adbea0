"""The findings step of `journeys build`: each model's findings page, and the contextual neighbours of
every gallery sentence for the sentence pages, computed once and then read from the findings cache."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from journeys.corpus.shard_work import computing_precision
from journeys.findings.build import build_model_findings
from journeys.findings.settings import FindingsSettings
from journeys.gallery.findings_cache import FindingsCache, SiteFindings, rounded_contextual
from journeys.gallery.findings_page import findings_context
from journeys.gallery.precompute import LazyEngine, ModelJourneys
from journeys.gallery.settings import GallerySettings
from journeys.gallery.site import Page, SiteModel, findings_page
from journeys.indexer.settings import EngineSettings

if TYPE_CHECKING:
    from journeys.corpus.shard_work import Cluster

#: Nearest corpus occurrences shown per token and layer on a sentence page.
SENTENCE_CONTEXTUAL_K = 3


def site_findings(
    journeys: Mapping[SiteModel, ModelJourneys],
    texts: list[str],
    corpus_path: Path,
    cache_dir: Path,
    cluster: Cluster | None,
    engine_settings: EngineSettings,
    gallery_settings: GallerySettings,
    findings_settings: FindingsSettings,
) -> dict[SiteModel, SiteFindings]:
    """Every model's findings over `corpus_path` with the contextual neighbours of `texts` (the gallery
    sentences), from the findings cache under `cache_dir` or computed (corpus passes on `cluster`), keyed
    by the precision that computes them."""
    cache = FindingsCache(cache_dir, engine_settings, findings_settings.corpus)
    found: dict[SiteModel, SiteFindings] = {}
    for model, results in journeys.items():
        precision = computing_precision(results.info.precision, cluster)
        key = cache.key(model.name, precision, corpus_path, texts, SENTENCE_CONTEXTUAL_K)
        cached = cache.get(key)
        if cached is None:
            cached = compute_site_findings(
                results.engine, texts, corpus_path, cache_dir, cluster, gallery_settings, findings_settings
            )
            cache.put(key, cached)
        found[model] = cached
    return found


def findings_pages(findings: Mapping[SiteModel, SiteFindings]) -> Iterator[Page]:
    """Every model's findings page."""
    pages = {model: findings_page(model) for model in findings}
    for model, found in findings.items():
        yield Page("findings.html", pages[model], model, found.page, pages)


def compute_site_findings(
    engine: LazyEngine,
    texts: list[str],
    corpus_path: Path,
    cache_dir: Path,
    cluster: Cluster | None,
    gallery_settings: GallerySettings,
    findings_settings: FindingsSettings,
) -> SiteFindings:
    """Analyse the corpus and the gallery sentences (about a minute for MiniLM), then query the contextual
    index for each gallery sentence, leaving out its own occurrences. The time taken goes to the build's
    log, never into a page, so that two builds of the same inputs write the same bytes."""
    loaded = engine.get()
    built = build_model_findings(
        loaded,
        corpus_path=corpus_path,
        extra_sentences=texts,
        cluster=cluster,
        cache_dir=cache_dir,
        settings=findings_settings,
    )
    report = built.report
    print(
        f"findings for {report.model.name}: {len(report.corpus.sentences)} sentences by "
        f"{' and '.join(report.methods)} in {report.seconds:.1f} s",
        flush=True,
    )
    contextual = {
        text: rounded_contextual(
            built.contextual.query(loaded, text, SENTENCE_CONTEXTUAL_K, exclude_same_text=True).to_dict(),
            gallery_settings.similarity_decimals,
        )
        for text in texts
    }
    return SiteFindings(page=findings_context(built.report, built.example), contextual=contextual)
