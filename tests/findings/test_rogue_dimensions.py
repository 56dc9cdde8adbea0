"""Rogue dimensions: the finder on constructed vectors and on a tiny model with a planted dimension, the
ranks and similarities with them removed against a float64 brute force, and their sensitivity row."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from transformers import AutoModel, AutoTokenizer

from brute_force import brute_force
from journeys.corpus.corpus_analysis import CorpusAnalysis, analyze_corpus
from journeys.corpus.token_classes import CONTENT, FUNCTION, SPECIAL
from journeys.findings.claims import Choices, ClaimComputer, ClaimInputs
from journeys.findings.density import vocabulary_density
from journeys.findings.other_passes import rogue_row
from journeys.findings.report import build_findings
from journeys.findings.rescoring import rescored
from journeys.findings.rogue import MAX_DIMENSIONS, dominant_dimensions, find_rogue_dimensions
from journeys.findings.sensitivity import SENSITIVITY_RESAMPLES, sensitivity_table
from journeys.indexer.engine import JourneyEngine
from reference_spec import reference_spec

#: The dimension planted in the tiny BERT's residual stream, and the bias that plants it.
PLANTED, PLANTED_BIAS = 11, 40.0


def test_the_smallest_set_carrying_half_of_the_squared_norm():
    assert dominant_dimensions(np.array([1.0, 4.0, 2.0, 3.0])) == [1, 3]  # 7 of 10
    assert dominant_dimensions(np.array([2.0, 5.0, 3.0])) == [1]  # exactly half is enough
    assert dominant_dimensions(np.array([3.0, 3.0, 3.0])) == [0, 1]  # ties: the lower dimension first
    assert dominant_dimensions(np.zeros(4)) == []


def test_a_planted_dimension_is_found_and_the_cap_holds():
    generator = np.random.default_rng(0)
    vectors = generator.normal(size=(500, 48))
    vectors[:, 30] += 12.0  # mean square about 145 of about 192 in all
    assert dominant_dimensions(np.square(vectors).mean(axis=0)) == [30]
    spread = generator.normal(size=(500, 48))  # no dimension dominates: the five largest, no more
    found = dominant_dimensions(np.square(spread).mean(axis=0))
    assert len(found) == MAX_DIMENSIONS
    squares = np.square(spread).mean(axis=0)
    assert sorted(found) == sorted(np.argsort(-squares)[:MAX_DIMENSIONS].tolist())


@pytest.fixture(scope="module")
def planted_engine(family_folders, engine_settings, tmp_path_factory):
    """The tiny BERT with a large bias on one dimension of every LayerNorm that feeds the residual stream
    (BERT normalises after each block): every residual carries it, while the word rows, taken before the
    embedding LayerNorm, do not."""
    folder = tmp_path_factory.mktemp("planted-bert")
    model = AutoModel.from_pretrained(family_folders["bert"])
    with torch.no_grad():
        for norm in [model.embeddings.LayerNorm, *(layer.output.LayerNorm for layer in model.encoder.layer)]:
            norm.bias[PLANTED] = PLANTED_BIAS
    model.save_pretrained(folder)
    AutoTokenizer.from_pretrained(family_folders["bert"]).save_pretrained(folder)
    return JourneyEngine.load(str(folder), settings=engine_settings)


@pytest.fixture(scope="module")
def planted_analysis(planted_engine, sentences):
    return analyze_corpus(planted_engine, sentences, "exact", keep_encodings=True, progress=False)


def test_the_planted_dimension_is_found_at_every_layer(planted_engine, planted_analysis):
    found = find_rogue_dimensions(planted_engine, planted_analysis, "raw")
    assert [dimensions[:1] for dimensions in found.dimensions] == [[PLANTED]] * len(found.dimensions)
    assert all(found.dominant)
    rows = np.flatnonzero(planted_analysis.groups != SPECIAL)
    assert found.n_tokens == len(rows)
    # The share of the expected squared norm and of each own-row cosine, recomputed here in float64.
    words = reference_spec(planted_engine.loaded.model).words.numpy()
    for layer, dimensions in enumerate(found.dimensions):
        vectors = np.asarray(planted_analysis.encodings[rows, layer], dtype=np.float64)
        squares = (vectors**2).sum(axis=0)
        np.testing.assert_allclose(found.norm_share[layer], squares[dimensions].sum() / squares.sum())
        own = words[planted_analysis.token_ids[rows]]
        share = (vectors[:, dimensions] * own[:, dimensions]).sum(1) / (vectors * own).sum(1)
        np.testing.assert_allclose(found.contribution.median[layer], np.median(share), rtol=1e-12)


def _brute_force_without(engine, analysis, dimensions_by_layer, variant):
    """Rank and similarity (N, L) of every token with each layer's dimensions zeroed on both sides, by the
    float64 brute force, sentence by sentence."""
    spec = reference_spec(engine.loaded.model)
    rank = np.empty(analysis.rank.shape, dtype=np.int64)
    similarity = np.empty(analysis.rank.shape)
    for layer, dimensions in enumerate(dimensions_by_layer):
        words = spec.words.numpy().copy()
        words[:, dimensions] = 0.0
        for sentence in np.unique(analysis.token_sentence):
            rows = np.flatnonzero(analysis.token_sentence == sentence)
            vectors = np.asarray(analysis.encodings[rows, layer], dtype=np.float64)[None]
            vectors[..., dimensions] = 0.0
            offsets = np.zeros((len(rows), words.shape[1]))
            if variant == "positional":
                offsets = spec.positions.numpy()[spec.first_row + analysis.token_position[rows]].copy()
                offsets[:, dimensions] = 0.0
            ranks, sims, _ = brute_force(vectors, analysis.token_ids[rows].tolist(), words, offsets, 1)
            rank[rows, layer] = [r[0] for r in ranks]
            similarity[rows, layer] = [s[0] for s in sims]
    return rank, similarity


@pytest.mark.parametrize(("family", "variant"), [("bert", "raw"), ("roberta", "positional")])
def test_ranks_without_rogue_dimensions_equal_a_float64_brute_force(
    tiny_engines, tiny_analyses, family, variant
):
    engine, analysis = tiny_engines[family], tiny_analyses[family]
    found = find_rogue_dimensions(engine, analysis, variant)
    rank, similarity = rescored(engine, analysis, variant, zeroed=found.dimensions)
    expected_rank, expected_similarity = _brute_force_without(engine, analysis, found.dimensions, variant)
    np.testing.assert_array_equal(rank, expected_rank)
    np.testing.assert_allclose(similarity, expected_similarity, rtol=0, atol=1e-12)


def test_removing_the_planted_dimension_brings_the_own_rows_back(planted_engine, planted_analysis):
    """With the planted dimension every cosine is mostly that dimension, so few tokens find their own row;
    without it the ranks are the unplanted model's, which finds far more."""
    found = find_rogue_dimensions(planted_engine, planted_analysis, "raw")
    rank, _similarity = rescored(planted_engine, planted_analysis, "raw", zeroed=found.dimensions)
    words = planted_analysis.groups != SPECIAL
    assert (rank[words] == 0).mean() > (planted_analysis.rank[words] == 0).mean()


def test_the_rogue_row_is_the_claims_decided_on_the_brute_force_ranks(planted_engine, planted_analysis):
    """The row's outcomes are the claims decided on brute-force ranks without the dimensions, and it flips
    exactly the claims whose outcome differs from the main analysis."""
    density = vocabulary_density(planted_engine)
    main_inputs = ClaimInputs.from_analysis(planted_analysis, density, "raw")
    found, row = rogue_row(planted_engine, planted_analysis, main_inputs)
    rank, similarity = _brute_force_without(planted_engine, planted_analysis, found.dimensions, "raw")
    expected = ClaimInputs(**{**vars(main_inputs), "rank": rank, "similarity": similarity})
    decided = ClaimComputer(expected, Choices(), SENSITIVITY_RESAMPLES, with_halves=False).study_claims()
    found_row = ClaimComputer(row.inputs, Choices(), SENSITIVITY_RESAMPLES, with_halves=False).study_claims()
    assert [v.outcome for v in found_row] == [v.outcome for v in decided]
    assert row.label == "without rogue dimensions"


def test_the_report_shows_the_rogue_dimensions_and_their_row(planted_engine, corpus_file):
    report = build_findings(planted_engine, corpus_file, progress=False).to_dict()
    rogue = report["rogue_dimensions"]
    assert [dims[0] for dims in rogue["dimensions"]] == [PLANTED] * report["model"]["num_layers"]
    rows = {row["label"]: row for row in report["methods"]["exact"]["sensitivity"]}
    main = {v["claim"]: v["outcome"] for v in report["methods"]["exact"]["verdicts"]}
    row = rows["without rogue dimensions"]
    assert row["flips"] == [claim for claim, outcome in row["outcomes"].items() if outcome != main[claim]]


def _constructed_analysis(engine, planted: int, size: float) -> CorpusAnalysis:
    """40 sentences of three content and three function tokens whose encoding is their own word row at every
    layer, except that each content token's last-layer encoding has `size` times its norm added on dimension
    `planted`: content tokens look displaced at the last layer only through that one dimension."""
    generator = np.random.default_rng(1)
    words = reference_spec(engine.loaded.model).words.numpy()
    usable = np.flatnonzero(np.linalg.norm(words, axis=1) > 0)
    sentences, per_sentence, layers = 40, 6, engine.info.num_layers
    token_ids = np.concatenate(
        [generator.choice(usable, per_sentence, replace=False) for _ in range(sentences)]
    )
    groups = np.tile([CONTENT, FUNCTION] * (per_sentence // 2), sentences)
    encodings = np.repeat(words[token_ids][:, None, :], layers, axis=1).astype(np.float32)
    content = groups == CONTENT
    encodings[content, -1, planted] += size * np.linalg.norm(words[token_ids[content]], axis=1)
    num_tokens = len(token_ids)
    own = torch.as_tensor(token_ids).repeat_interleave(layers)
    queries = torch.from_numpy(encodings.reshape(num_tokens * layers, -1))
    scores = engine.scorer.score(queries, own, None, top_k=1)["raw"]
    rank, similarity = scores.rank.reshape(num_tokens, layers), scores.similarity.reshape(num_tokens, layers)
    return CorpusAnalysis(
        model=engine.info,
        method="exact",
        variant="raw",
        sentences=[f"sentence {i}" for i in range(sentences)],
        token_sentence=np.repeat(np.arange(sentences), per_sentence),
        token_position=np.tile(np.arange(per_sentence), sentences),
        token_ids=token_ids,
        groups=groups,
        offsets=np.zeros((num_tokens, 2), dtype=np.int64),
        rank=rank,
        similarity=similarity,
        overlap=np.zeros((num_tokens, layers - 1)),
        cohesion=np.zeros((sentences, layers)),
        alignment=np.zeros((sentences, layers - 1)),
        encodings=encodings,
        by_variant={"raw": {"rank": rank, "similarity": similarity}},
    )


def test_a_verdict_resting_on_a_planted_dimension_flips_in_its_row(tiny_engines):
    """Content tokens displaced at the last layer only by one huge dimension: claim 2 holds in the main
    analysis, the finder names that dimension at the last layer, and without it the claim flips."""
    engine = tiny_engines["bert"]
    analysis = _constructed_analysis(engine, planted=5, size=50.0)
    inputs = ClaimInputs.from_analysis(analysis, vocabulary_density(engine), "raw")
    found, row = rogue_row(engine, analysis, inputs)
    assert found.dimensions[-1] == [5] and found.dominant[-1]
    main = ClaimComputer(inputs, Choices(), SENSITIVITY_RESAMPLES, with_halves=False).study_claims()
    assert {v.claim: v.outcome for v in main}["2"] == "holds"
    rows = sensitivity_table(main, inputs, {}, SENSITIVITY_RESAMPLES, (row,))
    table_row = next(found_row for found_row in rows if found_row.label == row.label)
    assert "2" in table_row.flips
    # Without the dimension each encoding is its own row again: every own row is the nearest.
    np.testing.assert_array_equal(row.inputs.rank, 0)
