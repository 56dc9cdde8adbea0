"""The sensitivity rows of the other views: each decides the study claims again on that view's ranks, taken
here from the engine's own journeys of each sentence (proven against float64 brute forces in
tests/indexer), and the logit lens is offered only where the model has an output head."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from journeys.corpus.corpus_analysis import analyze_corpus
from journeys.findings.claims import Choices, ClaimComputer, ClaimInputs
from journeys.findings.density import vocabulary_density
from journeys.findings.report import build_findings
from journeys.findings.sensitivity import SENSITIVITY_RESAMPLES
from journeys.indexer.views import View


def journey_ranks(engine, sentences: list[str], view: View, variant: str) -> np.ndarray:
    """(N, L) ranks of `variant` from the engine's journey of each sentence in `view`, token-major."""
    rows = []
    for text in sentences:
        journey = engine.analyze(text, view=view)
        rows += [[-1 if r is None else r for r in token] for token in journey.variants[variant].rank]
    return np.array(rows, dtype=np.int64)


def decided(inputs: ClaimInputs) -> dict[str, str]:
    verdicts = ClaimComputer(inputs, Choices(), SENSITIVITY_RESAMPLES, with_halves=False).study_claims()
    return {v.claim: v.outcome for v in verdicts}


@pytest.fixture(scope="module")
def main_inputs(tiny_engines, sentences):
    engine = tiny_engines["roberta"]
    analysis = analyze_corpus(engine, sentences, "exact", progress=False)
    return ClaimInputs.from_analysis(analysis, vocabulary_density(engine), "raw")


@pytest.fixture(scope="module")
def roberta_rows(tiny_engines, corpus_file):
    report = build_findings(tiny_engines["roberta"], corpus_file, progress=False).to_dict()
    return {row["label"]: row for row in report["methods"]["exact"]["sensitivity"]}


def test_the_block_output_row_decides_on_the_block_outputs(
    tiny_engines, sentences, roberta_rows, main_inputs
):
    engine = tiny_engines["roberta"]
    view = View(point="block-output")
    block = analyze_corpus(engine, sentences, "exact", progress=False, view=view)
    np.testing.assert_array_equal(block.rank, journey_ranks(engine, sentences, view, "raw"))
    expected = ClaimInputs.from_analysis(block, vocabulary_density(engine), "raw")
    assert roberta_rows["block-output point"]["outcomes"] == decided(expected)


def test_the_euclidean_row_ranks_by_distance_and_keeps_the_cosine(
    tiny_engines, sentences, roberta_rows, main_inputs
):
    engine = tiny_engines["roberta"]
    ranks = journey_ranks(engine, sentences, View(metric="euclidean"), "raw")
    row = roberta_rows["Euclidean distance"]
    assert row["outcomes"] == decided(replace(main_inputs, rank=ranks))
    assert "keep the cosine" in row["change"]


def test_the_logit_lens_row_only_where_the_model_has_a_head(
    headed_engine, roberta_rows, corpus_file, sentences
):
    assert "logit lens" not in roberta_rows  # the tiny RoBERTa is saved without its head
    engine = headed_engine("gpt2")
    report = build_findings(engine, corpus_file, progress=False).to_dict()
    rows = {row["label"]: row for row in report["methods"]["exact"]["sensitivity"]}
    analysis = analyze_corpus(engine, sentences, "exact", progress=False)
    inputs = ClaimInputs.from_analysis(analysis, vocabulary_density(engine), "raw")
    lens_ranks = journey_ranks(engine, sentences, View(reference="output"), "own")
    assert rows["logit lens"]["outcomes"] == decided(replace(inputs, rank=lens_ranks))
    labels = list(rows)
    assert (
        labels.index("block-output point") < labels.index("logit lens") < labels.index("word-type weighting")
    )


def test_the_seed_method_gets_no_view_rows(tiny_engines, corpus_file):
    report = build_findings(tiny_engines["bert"], corpus_file, method="seed", progress=False).to_dict()
    labels = [row["label"] for row in report["methods"]["seed"]["sensitivity"]]
    assert "bfloat16 instead of float32" in labels
    assert not {"block-output point", "Euclidean distance", "without rogue dimensions"} & set(labels)
    assert report["rogue_dimensions"] is None
