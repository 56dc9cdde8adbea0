"""The findings step of `journeys build`: each model's findings page, and the contextual neighbours of
every gallery sentence for the sentence pages, computed once and then read from the findings cache."""

from __future__ import annotations

from journeys.corpus.shard_work import computing_precision
from journeys.findings.build import build_model_findings
from journeys.gallery.corpus import all_sentences
from journeys.gallery.findings_cache import FindingsCache, SiteFindings, rounded_contextual
from journeys.gallery.findings_page import findings_context
from journeys.gallery.pages import BuildContext
from journeys.gallery.precompute import LazyEngine
from journeys.gallery.site import findings_page

#: Nearest corpus occurrences shown per token and layer on a sentence page.
SENTENCE_CONTEXTUAL_K = 3


def write_findings_pages(context: BuildContext) -> None:
    """Write every model's findings page and keep its sentences' contextual neighbours in `context`."""
    texts = [sentence.text for sentence in all_sentences(context.themes)]
    cache = FindingsCache(context.cache_dir)
    pages = {model: findings_page(model) for model in context.results}
    for model, results in context.results.items():
        precision = computing_precision(results.info.precision, context.cluster)
        key = cache.key(model.name, precision, context.corpus_path, texts, SENTENCE_CONTEXTUAL_K)
        found = cache.get(key)
        if found is None:
            found = compute_site_findings(results.engine, context, texts)
            cache.put(key, found)
        context.contextual[model] = found.contextual
        context.findings[model] = found.page["findings"]
        context.site.write_page("findings.html", pages[model], model, pages, **found.page)


def compute_site_findings(engine: LazyEngine, context: BuildContext, texts: list[str]) -> SiteFindings:
    """Analyse the corpus and the gallery sentences (about a minute for MiniLM), then query the contextual
    index for each gallery sentence, leaving out its own occurrences. The time taken goes to the build's
    log, never into a page, so that two builds of the same inputs write the same bytes."""
    loaded = engine.get()
    built = build_model_findings(
        loaded,
        corpus_path=context.corpus_path,
        extra_sentences=texts,
        cluster=context.cluster,
        cache_dir=context.cache_dir,
    )
    report = built.report
    print(
        f"findings for {report.model.name}: {len(report.corpus.sentences)} sentences by "
        f"{' and '.join(report.methods)} in {report.seconds:.1f} s",
        flush=True,
    )
    contextual = {
        text: rounded_contextual(
            built.contextual.query(loaded, text, SENTENCE_CONTEXTUAL_K, exclude_same_text=True).to_dict()
        )
        for text in texts
    }
    return SiteFindings(page=findings_context(built.report, built.example), contextual=contextual)
