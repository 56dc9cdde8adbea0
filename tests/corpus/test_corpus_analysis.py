"""The corpus analysis and the report's statistics on tiny models, against direct float64 computations."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from journeys.corpus.token_classes import GROUPS, SPECIAL
from journeys.findings.density import vocabulary_density
from journeys.findings.summary import summarise
from reference_spec import reference_spec


def cosines_to_vocabulary(engine, vector: torch.Tensor) -> np.ndarray:
    """float64 cosine of one encoding to every vocabulary row (NaN for zero rows)."""
    words = reference_spec(engine.loaded.model).words.numpy()
    query = vector.double().numpy()
    norms = np.linalg.norm(words, axis=1) * np.linalg.norm(query)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(norms > 0, words @ query / norms, np.nan)


@pytest.mark.parametrize("family", ["roberta", "bert", "gpt2"])
def test_ranks_similarities_and_overlap_match_brute_force(tiny_engines, tiny_analyses, sentences, family):
    engine, analysis = tiny_engines[family], tiny_analyses[family]
    layers = engine.info.num_layers
    row = 0
    for sentence_index, text in enumerate(sentences):
        encoded = engine.encodings(text, "exact")
        for position, token_id in enumerate(encoded.token_ids):
            assert analysis.token_sentence[row] == sentence_index
            assert analysis.token_position[row] == position
            assert analysis.token_ids[row] == token_id
            top = []
            for layer in range(layers):
                cosines = cosines_to_vocabulary(engine, encoded.vectors[layer, position])
                own = cosines[token_id]
                assert analysis.similarity[row, layer] == pytest.approx(own, abs=1e-9)
                assert analysis.rank[row, layer] == int(np.sum(cosines[np.isfinite(cosines)] > own))
                finite = np.flatnonzero(np.isfinite(cosines))
                top.append(set(finite[np.argsort(-cosines[finite], kind="stable")[:100]].tolist()))
            for layer in range(layers - 1):
                expected = len(top[layer] & top[layer + 1]) / 100
                assert analysis.overlap[row, layer] == pytest.approx(expected, abs=0.011)
            row += 1
    assert row == len(analysis.token_ids)


def test_cohesion_and_alignment_match_loops(tiny_engines, tiny_analyses, sentences):
    engine, analysis = tiny_engines["roberta"], tiny_analyses["roberta"]
    for sentence_index, text in enumerate(sentences):
        vectors = engine.encodings(text, "exact").vectors.double().numpy()
        words = vectors[:, analysis.groups[analysis.token_sentence == sentence_index] != SPECIAL]
        for layer in range(engine.info.num_layers):
            units = words[layer] / np.linalg.norm(words[layer], axis=1, keepdims=True)
            n = len(units)
            pairs = [units[i] @ units[j] for i in range(n) for j in range(i + 1, n)]
            assert analysis.cohesion[sentence_index, layer] == pytest.approx(np.mean(pairs), abs=1e-5)
        moves = np.diff(words, axis=0)
        moves /= np.linalg.norm(moves, axis=2, keepdims=True)
        for layer in range(engine.info.num_layers - 1):
            n = moves.shape[1]
            pairs = [moves[layer, i] @ moves[layer, j] for i in range(n) for j in range(i + 1, n)]
            assert analysis.alignment[sentence_index, layer] == pytest.approx(np.mean(pairs), abs=1e-5)


def test_encodings_are_kept_token_major(tiny_engines, tiny_analyses, sentences):
    engine, analysis = tiny_engines["bert"], tiny_analyses["bert"]
    encoded = engine.encodings(sentences[2], "exact")
    rows = np.flatnonzero(analysis.token_sentence == 2)
    np.testing.assert_allclose(analysis.encodings[rows], encoded.vectors.transpose(0, 1).numpy(), rtol=1e-6)


def test_density_matches_brute_force_and_is_cached(tiny_engines):
    engine = tiny_engines["bert"]
    density = vocabulary_density(engine, k=10)
    words = reference_spec(engine.loaded.model).words.numpy()
    norms = np.linalg.norm(words, axis=1)
    for token_id in range(len(words)):
        if norms[token_id] == 0:
            assert np.isnan(density[token_id])
            continue
        others = [i for i in range(len(words)) if i != token_id and norms[i] > 0]
        cosines = words[others] @ words[token_id] / (norms[others] * norms[token_id])
        assert density[token_id] == pytest.approx(np.sort(cosines)[-10:].mean(), abs=1e-5)
    again = vocabulary_density(engine, k=10)
    np.testing.assert_array_equal(again, density)


def brute_spearman(x, y) -> float:
    """Pearson correlation of average ranks, ranks counted pair by pair."""

    def ranks(values):
        return [sum(v < w for v in values) + (sum(v == w for v in values) + 1) / 2 for w in values]

    return float(np.corrcoef(ranks(list(x)), ranks(list(y)))[0, 1])


def test_report_statistics_match_loops_over_the_analysis(tiny_engines, tiny_analyses):
    engine, analysis = tiny_engines["roberta"], tiny_analyses["roberta"]
    density = vocabulary_density(engine)
    found = summarise(analysis, density, n_resamples=50)
    layers = engine.info.num_layers
    for code, group in enumerate(GROUPS):
        rows = [i for i in range(len(analysis.groups)) if analysis.groups[i] == code]
        for layer in range(layers):
            ranks = [analysis.rank[i, layer] for i in rows]
            assert found.rank[group].median[layer] == pytest.approx(np.median(ranks))
            sims = [analysis.similarity[i, layer] for i in rows]
            assert found.similarity[group].q3[layer] == pytest.approx(np.percentile(sims, 75))
        for layer in range(layers - 1):
            assert found.overlap[group][layer] == pytest.approx(
                np.median([analysis.overlap[i, layer] for i in rows])
            )
    content = analysis.groups == GROUPS.index("content")
    expected = brute_spearman(density[analysis.token_ids[content]], np.log10(analysis.rank[content, -1] + 1))
    assert found.density_spearman["content"] == pytest.approx(expected)
    claims = [v.claim for v in found.verdicts]
    assert claims[:3] == ["1 (rank)", "1 (similarity)", "2"] and claims[-2:] == ["F1", "F2"]
    assert {v.outcome for v in found.verdicts} <= {
        "holds",
        "reversed",
        "does not hold",
        "undecided",
        "cannot be judged",
    }
    assert found.sensitivity[0].label == "positional variant"  # roberta has a position table


def test_every_variant_is_kept_and_the_chosen_one_is_the_rank(tiny_analyses):
    analysis = tiny_analyses["roberta"]
    assert set(analysis.by_variant) == {"raw", "positional"}
    np.testing.assert_array_equal(analysis.by_variant[analysis.variant]["rank"], analysis.rank)
    assert not np.array_equal(analysis.by_variant["positional"]["similarity"], analysis.similarity)
