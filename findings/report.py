"""The findings report: the study's claims tested over a corpus, for one model, by the exact method and
the seed method side by side where the model supports both. Its JSON form is defined here only."""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from journeys.corpus.corpus_analysis import CorpusAnalysis, analyze_corpus
from journeys.corpus.corpus_pass import cluster_option, run_corpus_pass
from journeys.corpus.corpus_sources import SourceText
from journeys.corpus.outside_corpus import OutsideCorpus, load_outside_corpus
from journeys.corpus.reading import Corpus, read_corpus
from journeys.corpus.shard_work import Cluster
from journeys.corpus.token_classes import CONTENT, FUNCTION, GROUPS, classify_text
from journeys.findings import measures, uncertainty
from journeys.findings.control import CONTROL_SEED, load_control
from journeys.findings.density import vocabulary_density
from journeys.findings.other_passes import OtherPasses, PassRequest, other_passes
from journeys.findings.rogue import RogueDimensions
from journeys.findings.sensitivity import SENSITIVITY_RESAMPLES
from journeys.findings.settings import FindingsSettings
from journeys.findings.spike import Spike
from journeys.findings.statistics import Quartiles
from journeys.findings.summary import MethodFindings, group_density, summarise
from journeys.indexer.engine import JourneyEngine
from journeys.indexer.offload import offload_option
from journeys.indexer.records import ModelInfo
from journeys.indexer.settings import EngineSettings

#: The model the study used; the page of any other model says its verdicts are about that model.
STUDY_MODEL = "roberta-base"


@dataclass
class ControlFindings:
    """The findings of a model's random-weights copy (exact method, main analysis only)."""

    model: ModelInfo
    seed: int
    found: MethodFindings
    of_model: str  # the trained model's name

    def to_dict(self, overlap_k: int) -> dict[str, Any]:
        """The copy is named after the trained model, not by the folder it was saved in, so two builds of
        the same inputs in different folders write the same pages."""
        name = f"{self.of_model} with random weights (seed {self.seed})"
        found = _method_dict(self.found, overlap_k)
        return {"model": self.model.to_dict() | {"name": name}, "seed": self.seed, **found}


@dataclass
class OutsideFindings:
    """The findings over the outside corpus (exact method, main analysis), function words by tag."""

    corpus: OutsideCorpus  # the sentences analysed: the sample less those longer than the model takes
    too_long: int  # sampled sentences left out as longer than the model takes
    token_counts: dict[str, int]
    tag_agreement: float  # share of word tokens that tag and word list put in the same group
    found: MethodFindings

    def to_dict(self, overlap_k: int) -> dict[str, Any]:
        corpus = self.corpus
        return {
            "name": corpus.name,
            "packages": list(corpus.packages),
            "sentences": len(corpus.sentences),
            "too_long": self.too_long,
            "tokens": sum(self.token_counts.values()),
            "available": corpus.available,
            "dropped": dict(sorted(corpus.dropped.items())),
            "token_counts": self.token_counts,
            "tag_agreement": self.tag_agreement,
            **_method_dict(self.found, overlap_k),
        }


@dataclass
class FindingsReport:
    """The findings for one model and corpus; `methods` holds the chosen method first.

    For a page comparing models, `to_dict()` gives per model: `methods[method]["verdicts"]` (claim, outcome,
    estimate, low, high, n_sentences, n_tokens, ...) and `methods[method]["curves"]` (share displaced, mean
    log-rank and rank as a fraction of the vocabulary, per group, by `layers` and `relative_depth`).
    """

    model: ModelInfo
    corpus: Corpus
    variant: str
    token_counts: dict[str, int]
    density: dict[str, dict[str, float]]  # median local density per group, per occurrence and per word
    settings: FindingsSettings  # what the findings were computed with
    methods: dict[str, MethodFindings] = field(default_factory=dict)
    control: ControlFindings | None = None
    outside: OutsideFindings | None = None
    rogue: RogueDimensions | None = None  # of the first method's encodings, where kept
    seconds: float = 0.0  # the corpus's analyses, without the control's and the outside corpus's

    @property
    def method(self) -> str:
        return next(iter(self.methods))

    @property
    def is_study_model(self) -> bool:
        return self.model.name == STUDY_MODEL

    def to_dict(self) -> dict[str, Any]:
        """The JSON object printed by `journeys findings --json` (NaN written as null)."""
        num_layers = self.model.num_layers
        overlap_k = self.settings.corpus.overlap_k
        return _plain(
            {
                "model": self.model.to_dict(),
                "is_study_model": self.is_study_model,
                "study_model": STUDY_MODEL,
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
                "density": {"neighbours": self.settings.density_neighbours, "median_by_group": self.density},
                "depth": {
                    "num_layers": num_layers,
                    "relative_depth": [measures.relative_depth(i, num_layers) for i in range(num_layers)],
                    "study_layer": measures.STUDY_SPIKE_LAYER,
                    "study_num_layers": measures.STUDY_NUM_LAYERS,
                    "matching_layer": measures.matching_layer(num_layers),
                },
                "bootstrap": {
                    "unit": "sentence",
                    "resamples": uncertainty.N_RESAMPLES,
                    "sensitivity_resamples": SENSITIVITY_RESAMPLES,
                    "seed": uncertainty.SEED,
                    "confidence": uncertainty.CONFIDENCE,
                    "method": "percentile",
                },
                "seconds": self.seconds,
                "sentences_per_second": len(self.corpus.sentences) * len(self.methods) / self.seconds
                if self.seconds
                else None,
                "methods": {name: _method_dict(found, overlap_k) for name, found in self.methods.items()},
                "control": None if self.control is None else self.control.to_dict(overlap_k),
                "outside": None if self.outside is None else self.outside.to_dict(overlap_k),
                "rogue_dimensions": None if self.rogue is None else self.rogue.to_dict(),
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
    settings: FindingsSettings | None = None,
) -> dict[str, CorpusAnalysis]:
    """One resumable corpus pass per method (shards under `cache_dir`, on `cluster` if given); encodings
    are kept for the exact method only, if asked."""
    settings = settings or FindingsSettings()
    return {
        method: run_corpus_pass(
            engine,
            sentences,
            method,
            keep_encodings=keep_encodings and method == "exact",
            progress=progress,
            cluster=cluster,
            cache_dir=cache_dir,
            settings=settings.corpus,
        )
        for method in methods
    }


def report_from(
    engine: JourneyEngine,
    corpus: Corpus,
    analyses: dict[str, CorpusAnalysis],
    seconds: float,
    settings: FindingsSettings | None = None,
    others: OtherPasses | None = None,
) -> FindingsReport:
    """Summarise the analyses of a corpus into the report (the sensitivity table for the first method, with
    the rows of `others` where given)."""
    settings = settings or FindingsSettings()
    density = vocabulary_density(engine, settings.density_neighbours)
    first = next(iter(analyses.values()))
    return FindingsReport(
        model=first.model,  # the engine's, in the precision the pass computed in
        corpus=corpus,
        variant=first.variant,
        token_counts={name: int((first.groups == code).sum()) for code, name in enumerate(GROUPS)},
        density=group_density(first, density),
        settings=settings,
        methods={
            method: summarise(
                analysis,
                density,
                with_sensitivity=analysis is first,
                scatter_points=settings.scatter_points,
                other_passes=others.rows if others is not None and analysis is first else (),
            )
            for method, analysis in analyses.items()
        },
        rogue=None if others is None else others.rogue,
        seconds=seconds,
    )


def control_findings(
    engine: JourneyEngine,
    sentences: list[str],
    seed: int = CONTROL_SEED,
    progress: bool = True,
    settings: FindingsSettings | None = None,
) -> ControlFindings:
    """The exact-method findings of `engine`'s model with random weights, over the same sentences."""
    settings = settings or FindingsSettings()
    control = load_control(engine, seed)
    analysis = analyze_corpus(control, sentences, "exact", progress=progress, settings=settings.corpus)
    found = _summarised(analysis, vocabulary_density(control, settings.density_neighbours), settings)
    return ControlFindings(model=control.info, seed=seed, found=found, of_model=engine.info.name)


def tag_agreement(engine: JourneyEngine, sentences: list[str], by_tag: np.ndarray) -> float:
    """Share of the word tokens (function or content by either decision) that the part-of-speech tags
    (`by_tag`, the tagged analysis's groups in corpus order) and data/function_words.txt put in the same
    group."""
    by_list = np.concatenate([classify_text(engine.loaded.tokenizer, text).groups for text in sentences])
    word = np.isin(by_tag, (FUNCTION, CONTENT)) | np.isin(by_list, (FUNCTION, CONTENT))
    return float((by_tag == by_list)[word].mean()) if word.any() else float("nan")


def outside_findings(
    engine: JourneyEngine,
    corpus: OutsideCorpus,
    progress: bool = True,
    settings: FindingsSettings | None = None,
) -> OutsideFindings:
    """The exact-method findings over the outside corpus (`load_outside_corpus()`), function words decided
    by tag; sentences longer than the model takes are left out and counted."""
    settings = settings or FindingsSettings()
    fits = [
        len(engine.loaded.tokenizer(text)["input_ids"]) <= engine.info.max_tokens for text in corpus.sentences
    ]
    kept = [i for i, fit in enumerate(fits) if fit]
    corpus = replace(
        corpus,
        sentences=[corpus.sentences[i] for i in kept],
        tags=[corpus.tags[i] for i in kept],
        sources=[corpus.sources[i] for i in kept],
    )
    analysis = analyze_corpus(
        engine, corpus.sentences, "exact", progress=progress, tags=corpus.tags, settings=settings.corpus
    )
    return OutsideFindings(
        corpus=corpus,
        too_long=len(fits) - len(kept),
        token_counts={name: int((analysis.groups == code).sum()) for code, name in enumerate(GROUPS)},
        tag_agreement=tag_agreement(engine, corpus.sentences, analysis.groups),
        found=_summarised(analysis, vocabulary_density(engine, settings.density_neighbours), settings),
    )


def _summarised(analysis: CorpusAnalysis, density: np.ndarray, settings: FindingsSettings) -> MethodFindings:
    """The findings of a side analysis (the control's, the outside corpus's): no sensitivity table."""
    return summarise(analysis, density, with_sensitivity=False, scatter_points=settings.scatter_points)


def build_findings(
    engine: JourneyEngine,
    corpus_path: str | Path,
    method: str | None = None,
    progress: bool = True,
    layout: str = "auto",
    control: bool = False,
    outside: bool = False,
    cluster: Cluster | None = None,
    settings: FindingsSettings | None = None,
    source: SourceText | None = None,
) -> FindingsReport:
    """Read the corpus (`layout`: see corpus/corpus_sources.py; `source`, its lines where already read),
    analyse it by `method` (default: the engine's; and the other method where supported), and report; with
    `control`, the random-weights copy's findings too, and with `outside`, the findings over the outside
    corpus."""
    settings = settings or FindingsSettings()
    methods = supported_methods(engine, engine.settings.default_method if method is None else method)
    corpus = read_corpus(corpus_path, engine, layout=layout, settings=settings.corpus, source=source)
    # refused before any analysis
    outside_corpus = load_outside_corpus(settings=settings.corpus) if outside else None
    started = time.perf_counter()
    analyses = analyze_methods(engine, corpus.sentences, methods, True, progress, cluster, settings=settings)
    others = other_passes(engine, analyses[methods[0]], PassRequest(progress, cluster), settings)
    report = report_from(engine, corpus, analyses, time.perf_counter() - started, settings, others)
    if control:
        report.control = control_findings(engine, corpus.sentences, progress=progress, settings=settings)
    if outside_corpus is not None:
        report.outside = outside_findings(engine, outside_corpus, progress=progress, settings=settings)
    return report


def run_findings(
    args: argparse.Namespace, engine_settings: EngineSettings, settings: FindingsSettings, source: SourceText
) -> None:
    """`journeys findings` over the corpus's lines `source` (read from `args.corpus` before the model
    loads): one JSON object on stdout with --json, else a readable summary."""
    cluster = cluster_option(
        args.ray, args.ray_actors, settings.corpus.ray_connect_s, args.ray_gpus_per_actor
    )
    offload = offload_option(args.offload_folder, args.max_memory)
    engine = JourneyEngine.load(
        args.model,
        not args.no_causal_mask,
        engine_settings,
        device=args.device,
        dtype=args.dtype,
        offload=offload,
    )
    progress = not args.json or sys.stderr.isatty()
    report = build_findings(
        engine,
        args.corpus,
        args.method,
        progress,
        layout=args.corpus_layout,
        control=args.control,
        outside=args.outside_corpus,
        cluster=cluster,
        settings=settings,
        source=source,
    )
    if args.json:
        json.dump(report.to_dict(), sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        print(summary_text(report))


def summary_text(report: FindingsReport) -> str:
    """The report as plain text: corpus, verdicts with intervals per method, the spike, and flips."""
    corpus = report.corpus
    counts = ", ".join(f"{count} {name}" for name, count in report.token_counts.items())
    lines = [
        f"model {report.model.name} ({report.model.num_layers} layers), variant {report.variant}",
        f"corpus {corpus.path}: {len(corpus.sentences)} sentences, {len(corpus.skipped)} lines skipped; "
        f"tokens: {counts}",
        f"analysed in {report.seconds:.1f} s",
    ]
    if not report.is_study_model:
        lines.append(f"these verdicts are about {report.model.name}, not the study's {STUDY_MODEL}")
    sections = [(f"method {name}", found) for name, found in report.methods.items()]
    if report.control is not None:
        sections.append((f"random-weights control (seed {report.control.seed}), exact", report.control.found))
    if report.outside is not None:
        outside = report.outside
        sections.append(
            (
                f"outside corpus {outside.corpus.name} ({len(outside.corpus.sentences)} sentences, function "
                f"words by tag), exact",
                outside.found,
            )
        )
    if report.rogue is not None:
        rogue = report.rogue
        lines.append(
            "rogue dimensions (largest mean square; dominant where they carry half the squared norm): "
            + "; ".join(
                f"L{layer} {','.join(map(str, dims))} ({share:.0%}{', dominant' if dominant else ''})"
                for layer, (dims, share, dominant) in enumerate(
                    zip(rogue.dimensions, rogue.norm_share, rogue.dominant, strict=True)
                )
            )
        )
    for title, found in sections:
        lines += ["", f"== {title} =="]
        lines += [_verdict_line(v.to_dict()) for v in found.verdicts]
        lines.append(_spike_line(found.spike, report.model.num_layers))
        for row in found.sensitivity:
            lines.append(f"  flips under {row.label}: {', '.join(row.flips) or 'none'}")
    return "\n".join(lines)


def _verdict_line(verdict: dict[str, Any]) -> str:
    return (
        f"claim {verdict['claim']}: {verdict['outcome'].upper()} - {verdict['estimate']:.3g} "
        f"[{verdict['low']:.3g}, {verdict['high']:.3g}], {verdict['n_sentences']} sentences, "
        f"{verdict['n_tokens']} tokens"
    )


def _spike_line(spike: Spike, num_layers: int) -> str:
    if spike.layer is None:
        return f"spike from the data: none reaches {spike.min_height:g} (highest score {spike.height:.3f})"
    return (
        f"spike from the data: layer {spike.layer} of {num_layers} (depth {spike.relative_depth:.2f}), score "
        f"{spike.height:.3f}; same layer in {spike.resample_share:.0%} of resamples; shown by "
        f"{spike.sentence_share:.0%} of {spike.n_sentences} sentences"
    )


def _spike_dict(spike: Spike) -> dict[str, Any]:
    layers, counts = np.unique(spike.resample_layers, return_counts=True)
    return {
        "layer": spike.layer,
        "height": spike.height,
        "min_height": spike.min_height,
        "scores": spike.scores,
        "relative_depth": spike.relative_depth,
        "resample_layers": {str(layer): int(count) for layer, count in zip(layers, counts, strict=True)},
        "resample_share": spike.resample_share,
        "sentence_share": spike.sentence_share,
        "n_sentences": spike.n_sentences,
    }


def _quartiles_dict(found: Quartiles) -> dict[str, Any]:
    return {"median": found.median, "q1": found.q1, "q3": found.q3, "count": found.count}


def _method_dict(found: MethodFindings, overlap_k: int) -> dict[str, Any]:
    return {
        "variant": found.variant,
        "verdicts": [v.to_dict() for v in found.verdicts],
        "spike": _spike_dict(found.spike),
        "curves": found.curves.to_dict(),
        "sensitivity": [row.to_dict() for row in found.sensitivity],
        "rank": {group: _quartiles_dict(q) for group, q in found.rank.items()},
        "similarity": {group: _quartiles_dict(q) for group, q in found.similarity.items()},
        "neighbour_overlap": {"k": overlap_k, "median_by_group": found.overlap},
        "cohesion": _quartiles_dict(found.cohesion),
        "displacement_alignment": _quartiles_dict(found.alignment),
        "density_spearman": found.density_spearman,
        "density_scatter": found.scatter,
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
