"""The findings report: the study's claims tested over a corpus, for one model, by the exact method and
the seed method side by side where the model supports both. Its JSON form is defined here only."""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from findings.corpus import Corpus, read_corpus
from findings.corpus_analysis import CorpusAnalysis
from findings.corpus_pass import Cluster, cluster_option, run_corpus_pass
from findings.density import vocabulary_density
from findings.statistics import Quartiles
from findings.summary import MethodFindings, group_density, summarise
from findings.token_classes import GROUPS
from indexer import config
from indexer.engine import JourneyEngine
from indexer.records import ModelInfo


@dataclass
class FindingsReport:
    """The findings for one model and corpus; `methods` holds the chosen method first."""

    model: ModelInfo
    corpus: Corpus
    variant: str
    token_counts: dict[str, int]
    density: dict[str, float]  # median local density of each group's token occurrences
    methods: dict[str, MethodFindings] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def method(self) -> str:
        return next(iter(self.methods))

    def to_dict(self) -> dict[str, Any]:
        """The JSON object printed by `journeys findings --json` (NaN written as null)."""
        return _plain(
            {
                "model": self.model.to_dict(),
                "method": self.method,
                "variant": self.variant,
                "corpus": {
                    "path": self.corpus.path,
                    "sentences": len(self.corpus.sentences),
                    "tokens": sum(self.token_counts.values()),
                    "skipped_lines": [vars(s) for s in self.corpus.skipped],
                },
                "groups": list(GROUPS),
                "token_counts": self.token_counts,
                "density": {"neighbours": config.DENSITY_NEIGHBOURS, "median_by_group": self.density},
                "seconds": self.seconds,
                "sentences_per_second": len(self.corpus.sentences) * len(self.methods) / self.seconds
                if self.seconds
                else None,
                "methods": {name: _method_dict(found) for name, found in self.methods.items()},
            }
        )


def supported_methods(engine: JourneyEngine, method: str) -> list[str]:
    """`method` first, then the other methods this model offers; refuses a method it does not offer."""
    engine.checked_method(method)
    return [method, *(m for m in engine.info.methods if m != method)]


def analyze_methods(
    engine: JourneyEngine,
    sentences: list[str],
    methods: list[str],
    keep_encodings: bool,
    progress: bool,
    cluster: Cluster | None = None,
    cache_dir: Path | None = None,
) -> dict[str, CorpusAnalysis]:
    """One resumable corpus pass per method (shards under `cache_dir`, on `cluster` if given); encodings
    are kept for the exact method only, if asked."""
    return {
        method: run_corpus_pass(
            engine,
            sentences,
            method,
            keep_encodings=keep_encodings and method == "exact",
            progress=progress,
            cluster=cluster,
            cache_dir=cache_dir,
        )
        for method in methods
    }


def report_from(
    engine: JourneyEngine, corpus: Corpus, analyses: dict[str, CorpusAnalysis], seconds: float
) -> FindingsReport:
    """Summarise the analyses of a corpus into the report."""
    density = vocabulary_density(engine)
    first = next(iter(analyses.values()))
    return FindingsReport(
        model=engine.info,
        corpus=corpus,
        variant=first.variant,
        token_counts={name: int((first.groups == code).sum()) for code, name in enumerate(GROUPS)},
        density=group_density(first, density),
        methods={method: summarise(analysis, density) for method, analysis in analyses.items()},
        seconds=seconds,
    )


def build_findings(
    engine: JourneyEngine,
    corpus_path: str | Path,
    method: str = config.DEFAULT_METHOD,
    progress: bool = True,
    cluster: Cluster | None = None,
) -> FindingsReport:
    """Read the corpus, analyse it by `method` (and the other method where supported), and report."""
    methods = supported_methods(engine, method)
    corpus = read_corpus(corpus_path, engine)
    started = time.perf_counter()
    analyses = analyze_methods(engine, corpus.sentences, methods, False, progress, cluster)
    return report_from(engine, corpus, analyses, time.perf_counter() - started)


def run_findings(args: argparse.Namespace) -> None:
    """`journeys findings`: one JSON object on stdout with --json, else a readable summary."""
    cluster = cluster_option(args.ray, args.ray_actors)
    engine = JourneyEngine.load(args.model, causal_mask=not args.no_causal_mask)
    progress = not args.json or sys.stderr.isatty()
    report = build_findings(engine, args.corpus, args.method, progress, cluster)
    if args.json:
        json.dump(report.to_dict(), sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        print(summary_text(report))


def summary_text(report: FindingsReport) -> str:
    """The report as plain text: corpus, verdicts per method, and median ranks per layer."""
    corpus = report.corpus
    counts = ", ".join(f"{count} {name}" for name, count in report.token_counts.items())
    lines = [
        f"model {report.model.name} ({report.model.num_layers} layers), variant {report.variant}",
        f"corpus {corpus.path}: {len(corpus.sentences)} sentences, {len(corpus.skipped)} lines skipped; "
        f"tokens: {counts}",
        f"analysed in {report.seconds:.1f} s",
    ]
    for name, found in report.methods.items():
        lines += ["", f"== method {name} =="]
        lines += [f"claim {v.claim}: {v.verdict.upper()} - {v.evidence}" for v in found.verdicts]
        lines.append("median rank per layer: " + "  ".join(f"L{i}" for i in range(report.model.num_layers)))
        for group in ("function", "content", "continuation"):
            medians = "  ".join("-" if math.isnan(m) else f"{m:.0f}" for m in found.rank[group].median)
            lines.append(f"  {group:<13} {medians}")
    return "\n".join(lines)


def _quartiles_dict(found: Quartiles) -> dict[str, Any]:
    return {"median": found.median, "q1": found.q1, "q3": found.q3, "count": found.count}


def _method_dict(found: MethodFindings) -> dict[str, Any]:
    return {
        "rank": {group: _quartiles_dict(q) for group, q in found.rank.items()},
        "similarity": {group: _quartiles_dict(q) for group, q in found.similarity.items()},
        "log_rank_median": found.log_rank_median,
        "layer_shifts": found.shifts,
        "layer_shifts_upper_quartile": found.upper_shifts,
        "opposite_layers": [i + 1 for i in np.flatnonzero(found.opposite)],
        "neighbour_overlap": {"k": config.FINDINGS_OVERLAP_K, "median_by_group": found.overlap},
        "cohesion": _quartiles_dict(found.cohesion),
        "displacement_alignment": _quartiles_dict(found.alignment),
        "density_spearman": found.density_spearman,
        "density_scatter": found.scatter,
        "verdicts": [v.to_dict() for v in found.verdicts],
    }


def _plain(value: Any) -> Any:
    """Numpy arrays and scalars as JSON-ready lists and numbers, NaN as None."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [_plain(item) for item in value]
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) else float(value)
    return value
