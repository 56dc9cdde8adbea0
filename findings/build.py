"""What `make build` does for the findings of one model: analyse the corpus by every method the model
supports, its random-weights copy and the outside corpus by the exact method, and save the contextual
index from the exact encodings. The site (`gallery.findings_step`) renders the page from what this returns."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from journeys.contextual.index import ContextualIndex, contextual_folder
from journeys.corpus.corpus_analysis import CorpusAnalysis
from journeys.corpus.outside_corpus import OutsideCorpus, load_outside_corpus
from journeys.corpus.pos_tags import MissingPackageError
from journeys.corpus.reading import read_corpus
from journeys.corpus.shard_work import Cluster
from journeys.corpus.token_classes import CONTENT
from journeys.findings.other_passes import PassRequest, other_passes
from journeys.findings.report import (
    FindingsReport,
    analyze_methods,
    control_findings,
    outside_findings,
    report_from,
    supported_methods,
)
from journeys.findings.settings import FindingsSettings
from journeys.indexer.engine import JourneyEngine


@dataclass
class ModelFindings:
    """The outputs of one model's findings build."""

    report: FindingsReport
    contextual: ContextualIndex
    contextual_folder: Path
    example: dict[str, Any] | None  # the page's contextual-neighbours example


def build_model_findings(
    engine: JourneyEngine,
    corpus_path: Path | None = None,
    extra_sentences: list[str] | None = None,
    progress: bool = True,
    cluster: Cluster | None = None,
    cache_dir: Path | None = None,
    settings: FindingsSettings | None = None,
) -> ModelFindings:
    """Report, contextual index (saved beside the engine's indexes) and the page's contextual example.

    The corpus is `corpus_path` (default: the settings' corpus file); `extra_sentences` (the gallery's,
    say) join its sentences, duplicates dropped. The corpus pass writes its shards under `cache_dir`
    (default: the engine's cache folder), on `cluster` if given.
    """
    settings = settings or FindingsSettings()
    corpus = read_corpus(corpus_path or settings.corpus.corpus_file, engine, settings=settings.corpus)
    sentences = list(dict.fromkeys([*corpus.sentences, *(extra_sentences or [])]))
    corpus = replace(corpus, sentences=sentences)
    outside = outside_corpus_or_none(settings)
    started = time.perf_counter()
    methods = supported_methods(engine, "exact")
    analyses = analyze_methods(engine, sentences, methods, True, progress, cluster, cache_dir, settings)
    request = PassRequest(progress, cluster, cache_dir)
    others = other_passes(engine, analyses[methods[0]], request, settings)
    report = report_from(engine, corpus, analyses, time.perf_counter() - started, settings, others)
    report.control = control_findings(engine, sentences, progress=progress, settings=settings)
    if outside is not None:
        report.outside = outside_findings(engine, outside, progress=progress, settings=settings)
    contextual = ContextualIndex.from_analysis(engine, analyses["exact"])
    folder = contextual_folder(engine, "exact")
    example = contextual_example(engine, contextual, analyses["exact"])
    return ModelFindings(report, contextual, folder, example)


def outside_corpus_or_none(settings: FindingsSettings) -> OutsideCorpus | None:
    """The outside corpus, or None with a warning when its Debian packages are not installed."""
    try:
        return load_outside_corpus(settings=settings.corpus)
    except MissingPackageError as error:
        print(f"journeys: warning: the findings go without the outside corpus: {error}", file=sys.stderr)
        return None


def contextual_example(
    engine: JourneyEngine, contextual: ContextualIndex, analysis: CorpusAnalysis, k: int = 3
) -> dict[str, Any] | None:
    """The corpus's most frequent content word at its first occurrence, with its k nearest occurrences
    from other sentences at the first, middle and last layer (chosen by the data, for the page)."""
    content = analysis.groups == CONTENT
    if not content.any():
        return None
    counts = np.bincount(analysis.token_ids[content])
    token_id = int(np.argmax(counts))
    row = int(np.flatnonzero(content & (analysis.token_ids == token_id))[0])
    text = analysis.sentences[int(analysis.token_sentence[row])]
    position = int(analysis.token_position[row])
    found = contextual.query(engine, text, k, exclude_same_text=True)
    last = engine.info.num_layers - 1
    return {
        "sentence": text,
        "token": engine.vocabulary_texts[token_id],
        "occurrences": int(counts[token_id]),
        "layers": [
            {"layer": layer, "hits": [hit.to_dict() for hit in found.neighbours[position][layer]]}
            for layer in sorted({0, last // 2, last})
        ],
    }
