"""What `make build` does for the findings of one model: analyse the corpus by every method the model
supports, save the contextual index from the exact encodings, and write the findings page."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from pathlib import Path

from findings.contextual import ContextualIndex
from findings.corpus import read_corpus
from findings.page import render_findings_page
from findings.report import FindingsReport, analyze_methods, report_from, supported_methods
from indexer import config
from indexer.engine import JourneyEngine


@dataclass
class ModelFindings:
    """The outputs of one model's findings build."""

    report: FindingsReport
    contextual: ContextualIndex
    contextual_folder: Path
    page: Path | None


def build_model_findings(
    engine: JourneyEngine,
    site_dir: Path | None = config.SITE_DIR,
    corpus_path: Path = config.CORPUS_FILE,
    extra_sentences: list[str] | None = None,
    progress: bool = True,
) -> ModelFindings:
    """Report, contextual index (saved under build/indexes) and, unless `site_dir` is None, the page.

    `extra_sentences` (the gallery's, say) join the corpus file's sentences, duplicates dropped.
    """
    corpus = read_corpus(corpus_path, engine)
    sentences = list(dict.fromkeys([*corpus.sentences, *(extra_sentences or [])]))
    corpus = replace(corpus, sentences=sentences)
    started = time.perf_counter()
    analyses = analyze_methods(engine, sentences, supported_methods(engine, "exact"), True, progress)
    report = report_from(engine, corpus, analyses, time.perf_counter() - started)
    contextual = ContextualIndex.from_analysis(analyses["exact"])
    folder = contextual.save(engine)
    page = None if site_dir is None else render_findings_page(report, Path(site_dir))
    return ModelFindings(report=report, contextual=contextual, contextual_folder=folder, page=page)
