"""Rows whose similarities differ by less than fp32 can resolve are still ranked and listed exactly."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from journeys.indexer.vocabulary_index import VocabularyIndex
from journeys.indexer.vocabulary_scoring import (
    TOPK_BLOCKS,
    VocabularyScorer,
    count_true,
    padded_mask,
    top_candidates,
)


def crowded_vocabulary(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Word rows in tight clusters (copies nudged by ~1e-8), position rows, and queries near the clusters."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(6, 48))
    nudges = rng.normal(size=(6, 40, 48)) * 1e-8
    words = (centres[:, None, :] + nudges).reshape(-1, 48)
    words = np.concatenate([words, rng.normal(size=(60, 48)), np.zeros((1, 48))]).astype(np.float32)
    positions = (rng.normal(size=(8, 48)) * 0.3).astype(np.float32)
    queries = (centres[rng.integers(0, 6, size=30)] + rng.normal(size=(30, 48)) * 1e-3).astype(np.float32)
    return words, positions, queries


def float64_reference(query, words, offset, own, k):
    usable = np.flatnonzero(np.linalg.norm(words.astype(np.float64), axis=1) > 0)
    rows = words[usable].astype(np.float64) + offset.astype(np.float64)
    q = query.astype(np.float64)
    cosines = rows @ q / (np.linalg.norm(rows, axis=1) * np.linalg.norm(q))
    own_cos = cosines[np.flatnonzero(usable == own)[0]]
    order = sorted(range(len(usable)), key=lambda i: (-cosines[i], usable[i]))[:k]
    return int((cosines > own_cos).sum()), own_cos, [int(usable[i]) for i in order]


@pytest.mark.parametrize("with_positions", [True, False], ids=["both variants", "raw only (rotary models)"])
def test_crowded_clusters_match_float64_brute_force(with_positions):
    words, positions, queries = crowded_vocabulary()
    table = torch.from_numpy(positions) if with_positions else None
    scorer = VocabularyScorer(VocabularyIndex.build(words), torch.from_numpy(words), table)
    rng = np.random.default_rng(1)
    own_ids = torch.from_numpy(rng.integers(0, 240, size=len(queries)))
    position_ids = torch.from_numpy(rng.integers(0, 8, size=len(queries)))
    k = 12
    scores = scorer.score(
        torch.from_numpy(queries), own_ids, position_ids if with_positions else None, top_k=k
    )
    assert list(scores) == (["raw", "positional"] if with_positions else ["raw"])
    mid_pack_ranks = 0
    for variant, found in scores.items():
        for q in range(len(queries)):
            offset = positions[position_ids[q]] if variant == "positional" else np.zeros(48, dtype=np.float32)
            rank, similarity, neighbours = float64_reference(queries[q], words, offset, int(own_ids[q]), k)
            assert found.rank[q] == rank, (variant, q)
            assert abs(found.similarity[q] - similarity) < 1e-12
            assert found.neighbour_ids[q].tolist() == neighbours, (variant, q)
            mid_pack_ranks += 0 < rank < 39
    assert mid_pack_ranks > 0  # some own rows sit inside their cluster, where fp32 cannot tell rows apart


def test_fp32_alone_cannot_order_these_clusters():
    """Guards the test above: the clusters really are finer than fp32 cosines resolve."""
    words, _, queries = crowded_vocabulary()
    cluster = words[:40]
    fp32 = queries[0] @ (cluster / np.linalg.norm(cluster, axis=1, keepdims=True)).T
    exact64 = cluster.astype(np.float64) @ queries[0].astype(np.float64)
    exact64 /= np.linalg.norm(cluster.astype(np.float64), axis=1)
    assert len(np.unique(fp32)) < len(np.unique(exact64)) / 2


@pytest.mark.parametrize("num_columns", [50265, 30522, 1000, 513])
@pytest.mark.parametrize("fetch", [1, 19, 104])
def test_block_top_candidates_equal_a_full_top_k(num_columns, fetch):
    """The blocked search returns the same top scores as torch.topk, ties and the ragged tail included."""
    generator = torch.Generator().manual_seed(num_columns + fetch)
    continuous = torch.randn((6, num_columns), generator=generator)
    tied = torch.randint(0, 40, (6, num_columns), generator=generator).float()  # many equal scores
    tail_heavy = continuous.clone()
    tail_heavy[:, -(num_columns % TOPK_BLOCKS or 1) :] += 10  # the best scores sit in the tail
    for scores in (continuous, tied, tail_heavy):
        values, columns = top_candidates(scores, fetch)
        expected = scores.topk(fetch, dim=1).values
        assert torch.equal(values, expected)
        assert torch.equal(scores.gather(1, columns), values)
        assert all(len(set(row)) == fetch for row in columns.tolist())


@pytest.mark.parametrize("num_columns", [1, 7, 8, 9, 30522, 50265, 151936])
def test_counting_eight_entries_at_a_time_equals_a_plain_count(num_columns):
    """Rows not filling their last 8-byte word included: the padding never counts, full rows count whole."""
    generator = torch.Generator().manual_seed(num_columns)
    scores = torch.randn((5, num_columns), generator=generator)
    thresholds = torch.tensor([[-1e9], [1e9], [0.0], [1.5], [-0.3]])
    mask = torch.ge(scores, thresholds, out=padded_mask(*scores.shape))
    assert torch.equal(mask, scores >= thresholds)
    assert count_true(mask).tolist() == (scores >= thresholds).sum(1).tolist()
    assert count_true(mask)[:2].tolist() == [num_columns, 0]
