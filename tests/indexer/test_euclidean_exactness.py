"""By Euclidean distance, ranks, distances and neighbours equal a float64 brute force of the norms of the
differences (tests/brute_force.py), for every family, MiniLM, a bf16 model, and rows closer together than
fp32 can tell apart; the JSON names the values distances."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from test_near_ties import crowded_vocabulary

from brute_force import assert_matches_brute_force, brute_force_distances
from journeys.indexer.engine import JourneyEngine
from journeys.indexer.errors import InputError
from journeys.indexer.records import Journey
from journeys.indexer.views import View
from journeys.indexer.vocabulary_index import VocabularyIndex
from journeys.indexer.vocabulary_scoring import VocabularyScorer
from tiny_families import SUPPORTED_FAMILIES

TEXT = "The keys to the cabinet are on the table, said the old man in Zürich."


@pytest.mark.parametrize("family", SUPPORTED_FAMILIES)
def test_every_family_matches_a_float64_brute_force(family_engine, family):
    """BERT, RoBERTa, GPT-2, OPT ... with a position table (both variants), Llama-style without one."""
    assert_matches_brute_force(family_engine(family), TEXT, "exact", view=View(metric="euclidean"))


def test_bundled_minilm_matches_a_float64_brute_force(minilm_engine):
    assert_matches_brute_force(
        minilm_engine, "The bank by the river bank was closed.", "exact", k=5, view=View(metric="euclidean")
    )


@pytest.mark.parametrize("family", ["bert", "gpt2", "llama"])
def test_block_output_by_distance_matches_a_float64_brute_force(family_engine, family):
    """Both view choices at once: block-output encodings ranked by Euclidean distance."""
    view = View(point="block-output", metric="euclidean")
    assert_matches_brute_force(family_engine(family), TEXT, "exact", view=view)


@pytest.mark.parametrize("family", ["gpt2", "llama"])
def test_a_bf16_model_matches_a_float64_brute_force(family_folders, engine_settings, family):
    engine = JourneyEngine.load(str(family_folders[family]), settings=engine_settings, dtype="bfloat16")
    assert engine.scorer.words.dtype == torch.bfloat16  # its own rows, widened only when settled
    assert_matches_brute_force(engine, TEXT, "exact", view=View(metric="euclidean"))


def test_an_own_row_of_zero_norm_is_ranked_by_its_distance(tiny_engines):
    """Cosine gives a zero row no direction (None); its distance is defined, so it is ranked."""
    engine = tiny_engines["roberta"]
    text = "a <pad> b"
    assert_matches_brute_force(engine, text, "exact", view=View(metric="euclidean"))
    journey = engine.analyze(text, view=View(metric="euclidean"))
    vectors = engine.encodings(text).vectors.double()
    pad = [token.id for token in journey.tokens].index(engine.loaded.tokenizer.pad_token_id)
    assert None not in journey.variants["raw"].rank[pad]
    distances = vectors[:, pad].norm(dim=1)  # from the origin, where the zero row lies
    np.testing.assert_allclose(journey.variants["raw"].similarity[pad], distances, rtol=1e-14)


def _scored_against_crowded_clusters(with_positions: bool, k: int):
    """Queries next to their own rows, which sit in clusters of copies nudged by ~1e-8, and one own row of
    zero norm; scored by distance."""
    words, positions, queries = crowded_vocabulary()
    rng = np.random.default_rng(2)
    own_ids = rng.integers(0, 240, size=len(queries))
    own_ids[5] = len(words) - 1  # the all-zero row
    queries = (words[own_ids] + rng.normal(size=queries.shape) * 1e-3).astype(np.float32)
    table = torch.from_numpy(positions) if with_positions else None
    position_ids = torch.from_numpy(rng.integers(0, len(positions), size=len(queries)))
    scorer = VocabularyScorer(VocabularyIndex.build(words), torch.from_numpy(words), table)
    scores = scorer.score(
        torch.from_numpy(queries),
        torch.from_numpy(own_ids),
        position_ids if with_positions else None,
        top_k=k,
        metric="euclidean",
    )
    return words, positions, queries, own_ids, position_ids, scores


@pytest.mark.parametrize("with_positions", [True, False], ids=["both variants", "raw only (rotary models)"])
def test_crowded_clusters_match_a_float64_brute_force(with_positions):
    k = 12
    words, positions, queries, own_ids, position_ids, scores = _scored_against_crowded_clusters(
        with_positions, k
    )
    assert list(scores) == (["raw", "positional"] if with_positions else ["raw"])
    mid_pack_ranks = 0
    for variant, found in scores.items():
        for q in range(len(queries)):
            offset = positions[position_ids[q]] if variant == "positional" else np.zeros(48)
            ranks, distances, neighbours = brute_force_distances(
                queries[q].astype(np.float64)[None, None],
                [int(own_ids[q])],
                words.astype(np.float64),
                offset.astype(np.float64)[None],
                k,
            )
            assert found.rank[q] == ranks[0][0], (variant, q)
            np.testing.assert_allclose(found.similarity[q], distances[0][0], rtol=1e-14)
            assert found.neighbour_ids[q].tolist() == [i for i, _ in neighbours[0][0]], (variant, q)
            np.testing.assert_allclose(
                found.neighbour_similarity[q], [d for _, d in neighbours[0][0]], rtol=1e-14
            )
            mid_pack_ranks += 0 < ranks[0][0] < 39
    assert mid_pack_ranks > 0  # own rows inside their cluster, where fp32 cannot tell the rows apart


def _sphere_of_near_ties(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A query and 40 fp32 rows around it whose distances to it differ by about one fp32 ulp each (plus
    30 far rows), so that fp32 scores cannot order them and float64 must."""
    rng = np.random.default_rng(seed)
    query = rng.normal(size=32).astype(np.float32)
    directions = rng.normal(size=(40, 32))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    radii = 2.0 * (1 + 2.0**-24 * rng.integers(-2, 3, size=40))
    rows = (query.astype(np.float64) + radii[:, None] * directions).astype(np.float32)
    return query, np.concatenate([rows, rng.normal(size=(30, 32)).astype(np.float32) * 4])


def test_rows_at_equal_distance_up_to_an_ulp_are_ordered_as_float64_orders_them():
    query, words = _sphere_of_near_ties()
    scorer = VocabularyScorer(VocabularyIndex.build(words), torch.from_numpy(words), None)
    own_ids = np.arange(40)
    found = scorer.score(
        torch.from_numpy(np.repeat(query[None], 40, axis=0)), torch.from_numpy(own_ids), None, 10, "euclidean"
    )["raw"]
    distances = np.linalg.norm(words.astype(np.float64) - query.astype(np.float64), axis=1)
    assert found.rank.tolist() == [int((distances < distances[own]).sum()) for own in own_ids]
    np.testing.assert_allclose(found.similarity, distances[:40], rtol=1e-14)
    expected = sorted(range(len(words)), key=lambda i: (distances[i], i))[:10]
    assert found.neighbour_ids[0].tolist() == expected
    # Guards the test: fp32 alone, by the scorer's own formula, gives most of these rows equal scores.
    unit = words / np.linalg.norm(words.astype(np.float64), axis=1, keepdims=True).astype(np.float32)
    norms = np.linalg.norm(words.astype(np.float64), axis=1).astype(np.float32)
    fp32 = (unit[:40] @ query) * norms[:40] - (norms[:40] ** 2 / 2)
    assert len(np.unique(fp32)) < len(np.unique(distances[:40])) / 2


def test_a_euclidean_journey_calls_its_values_distances(tiny_engines):
    engine = tiny_engines["gpt2"]
    journey = engine.analyze(TEXT, top_k=3, view=View(metric="euclidean"))
    data = json.loads(journey.to_json())
    assert data["metric"] == "euclidean"
    for variant in data["variants"].values():
        assert set(variant) == {"rank", "distance", "neighbours"}
        assert {key for token in variant["neighbours"] for layer in token for n in layer for key in n} == {
            "id",
            "text",
            "distance",
        }
    assert Journey.from_dict(data) == journey
    cosine = json.loads(engine.analyze(TEXT, top_k=3).to_json())
    assert cosine["metric"] == "cosine"
    assert set(cosine["variants"]["raw"]) == {"rank", "similarity", "neighbours"}
    del cosine["metric"]  # a journey saved before the metric existed reads back as cosine
    assert Journey.from_dict(cosine).view.metric == "cosine"


def test_the_metrics_rank_differently(tiny_engines):
    """Guards the brute-force tests against the Euclidean path quietly computing cosine ranks."""
    engine = tiny_engines["bert"]
    by_cosine = engine.analyze(TEXT).variants["raw"]
    by_distance = engine.analyze(TEXT, view=View(metric="euclidean")).variants["raw"]
    assert by_cosine.rank != by_distance.rank
    assert min(d for row in by_distance.similarity for d in row) > 0


def test_a_bad_metric_and_seed_by_distance_are_refused_in_one_line(tiny_engines):
    engine = tiny_engines["bert"]
    with pytest.raises(InputError, match=r'^metric must be one of cosine, euclidean, not "manhattan"$'):
        engine.analyze(TEXT, view=View(metric="manhattan"))
    with pytest.raises(InputError, match=r"^the published demo's computation \(--method seed\) compares by"):
        engine.analyze(TEXT, method="seed", view=View(metric="euclidean"))
