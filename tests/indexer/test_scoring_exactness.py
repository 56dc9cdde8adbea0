"""Ranks, similarities and neighbours equal a float64 brute force (tests/brute_force.py), for every family."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from brute_force import assert_matches_brute_force, brute_force
from journeys.indexer import vocabulary_scoring
from journeys.indexer.views import View
from reference_spec import reference_spec
from tiny_families import SUPPORTED_FAMILIES

#: Encoders in the BERT layout, where the published demo's computation is defined.
SEED_FAMILIES = ("roberta", "bert", "distilbert", "xlm-roberta", "electra")

TEXTS = [
    "Time flies like an arrow. Fruit flies like a banana.",
    "The keys to the cabinet are on the table, said the old man in Zürich.",
]


@pytest.mark.parametrize("family", SUPPORTED_FAMILIES)
@pytest.mark.parametrize("text", TEXTS)
def test_exact_method_matches_brute_force(family_engine, family, text):
    assert_matches_brute_force(family_engine(family), text, "exact")


@pytest.mark.parametrize("family", SUPPORTED_FAMILIES)
def test_block_output_matches_brute_force(family_engine, family):
    """At block-output (whose vectors test_block_output.py proves), with the same position rows."""
    assert_matches_brute_force(family_engine(family), TEXTS[0], "exact", view=View(point="block-output"))


@pytest.mark.parametrize("family", SEED_FAMILIES)
def test_seed_method_matches_brute_force(family_engine, family):
    assert family_engine(family).info.methods == ("exact", "seed")
    assert_matches_brute_force(family_engine(family), TEXTS[0], "seed")


def test_bundled_minilm_matches_brute_force(minilm_engine):
    assert_matches_brute_force(minilm_engine, "The bank by the river bank was closed.", "exact", k=5)


def test_tiny_models_move_tokens_away_from_their_embeddings(family_engine):
    """Guards the brute-force tests against a degenerate case where every rank is 0."""
    for family in SUPPORTED_FAMILIES:
        engine = family_engine(family)
        ranks = np.array(engine.analyze(TEXTS[1]).variants["raw"].rank, dtype=float)
        assert (ranks > 0).any(), family


def test_scoring_texts_together_gives_the_same_ranks_and_neighbours(tiny_engines):
    """Batched scoring (the findings use it) agrees with each text alone, to float64 rounding."""
    engine = tiny_engines["roberta"]
    encoded = [engine.encodings(text) for text in TEXTS]
    together = engine.score(encoded, top_k=5)
    alone = [engine.score([item], top_k=5) for item in encoded]
    for variant, scores in together.items():
        for field in ("rank", "neighbour_ids"):
            joined = np.concatenate([getattr(found[variant], field) for found in alone])
            np.testing.assert_array_equal(getattr(scores, field), joined)
        joined = np.concatenate([found[variant].similarity for found in alone])
        np.testing.assert_allclose(scores.similarity, joined, rtol=0, atol=1e-13)


def test_analysing_a_text_again_gives_identical_numbers(tiny_engines):
    engine = tiny_engines["roberta"]
    engine.analyze(TEXTS[1], top_k=5)
    assert engine.analyze(TEXTS[0], top_k=5).to_dict() == engine.analyze(TEXTS[0], top_k=5).to_dict()


def test_zero_norm_rows_are_never_counted_or_listed(tiny_engines):
    engine = tiny_engines["roberta"]
    words = reference_spec(engine.loaded.model).words
    zero_ids = torch.nonzero(words.norm(dim=1) == 0).flatten().tolist()
    assert zero_ids == [engine.loaded.tokenizer.pad_token_id]
    every_row = len(engine.index.row_ids)
    assert every_row == words.shape[0] - len(zero_ids)
    for scores in engine.score([engine.encodings(TEXTS[0])], top_k=every_row).values():
        assert not set(scores.neighbour_ids.flatten().tolist()) & set(zero_ids)
        assert scores.rank.max() < every_row


def test_own_row_of_zero_norm_has_no_rank(tiny_engines):
    engine = tiny_engines["roberta"]
    journey = engine.analyze("a <pad> b")
    pad_positions = [
        i for i, token in enumerate(journey.tokens) if token.id == engine.loaded.tokenizer.pad_token_id
    ]
    assert pad_positions
    for result in journey.variants.values():
        for position in pad_positions:
            assert result.rank[position] == [None] * engine.info.num_layers
            assert result.similarity[position] == [None] * engine.info.num_layers


def test_encodings_far_from_their_own_rows_match_brute_force(minilm_engine):
    """Ranks in the thousands: the own similarity sits in the thick of the vocabulary, where many rows fall
    inside the fp32 rounding window and every one of them must be settled in float64. A third of the queries
    sit next to their own rows, so one chunk mixes queries settled from the top candidates with queries
    counted over the whole vocabulary."""
    scorer = minilm_engine.scorer
    generator = torch.Generator().manual_seed(3)
    queries = torch.randn((24, scorer.words.shape[1]), generator=generator)
    own_ids = scorer.row_ids[torch.randint(0, scorer.num_rows, (24,), generator=generator)]
    queries[::3] = scorer.words[own_ids[::3]] * 5 + queries[::3] * 1e-3
    position_ids = torch.randint(0, 20, (24,), generator=generator)
    k = 10
    found = scorer.score(queries, own_ids, position_ids, top_k=k)
    vocabulary = scorer.words.double().numpy()
    positions = scorer.positions.double().numpy()
    for variant, scores in found.items():
        offsets = positions[position_ids.numpy()] if variant == "positional" else np.zeros((24, 1))
        for q in range(24):
            ranks, similarities, neighbours = brute_force(
                queries[q].double().numpy()[None, None, :],
                [int(own_ids[q])],
                vocabulary,
                offsets[q][None],
                k,
            )
            assert scores.rank[q] == ranks[0][0], (variant, q)
            assert abs(scores.similarity[q] - similarities[0][0]) < 1e-12
            assert scores.neighbour_ids[q].tolist() == [i for i, _ in neighbours[0][0]], (variant, q)
    far = np.ones(24, dtype=bool)
    far[::3] = False
    assert np.median(found["raw"].rank[far]) > 1000
    assert (found["raw"].rank[~far] < 20).all()


def test_neighbours_deep_in_the_vocabulary_match_brute_force(minilm_engine, monkeypatch):
    """With k in the thousands the k-th neighbour sits in the thick of the vocabulary, so rows beyond the fp32
    candidates fall inside its rounding window and each query's top k is taken from every row that may
    belong to it (its contenders, gathered in the fp32 pass): the neighbours still equal the brute force."""
    widened = []
    best_per_query = vocabulary_scoring._best_per_query

    def spied(queries, *rest):
        widened.append(queries)
        return best_per_query(queries, *rest)

    monkeypatch.setattr(vocabulary_scoring, "_best_per_query", spied)
    scorer = minilm_engine.scorer
    generator = torch.Generator().manual_seed(5)
    queries = torch.randn((6, scorer.words.shape[1]), generator=generator)
    own_ids = scorer.row_ids[torch.randint(0, scorer.num_rows, (6,), generator=generator)]
    k = 3000
    found = scorer.score(queries, own_ids, None, top_k=k)["raw"]
    contenders_per_query = torch.cat(widened).unique(return_counts=True)[1]
    assert len(contenders_per_query) > 1  # several queries, in one settling
    assert int(contenders_per_query.max()) > k + vocabulary_scoring.TOPK_MARGIN  # past the candidates
    vocabulary = scorer.words.double().numpy()
    for q in range(6):
        _ranks, _similarities, neighbours = brute_force(
            queries[q].double().numpy()[None, None, :], [int(own_ids[q])], vocabulary, np.zeros((1, 1)), k
        )
        assert found.neighbour_ids[q].tolist() == [i for i, _ in neighbours[0][0]], q
        np.testing.assert_allclose(
            found.neighbour_similarity[q], [s for _, s in neighbours[0][0]], rtol=1e-12
        )
