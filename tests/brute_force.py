"""A float64 brute force of every rank, similarity (or distance) and neighbour, written independently of
the engine's scorer: the tests and `benchmarks/gpu_check.py` compare the engine's journeys with it."""

from __future__ import annotations

import numpy as np

from journeys.indexer.engine import JourneyEngine
from journeys.indexer.views import STUDY_VIEW, View
from reference_spec import reference_spec


def brute_force(
    vectors: np.ndarray, token_ids: list[int], vocabulary: np.ndarray, offsets: np.ndarray, k: int
):
    """Per token and layer: rank of own row, its similarity, and the k best (id, similarity), in float64.

    `offsets[t]` is added to every vocabulary row for token t (zeros for the raw variant).
    Rows of zero norm in the word-embedding matrix are left out of the comparison.
    """
    usable = np.flatnonzero(np.linalg.norm(vocabulary, axis=1) > 0)
    ranks, similarities, neighbours = [], [], []
    for t, own in enumerate(token_ids):
        rows = vocabulary[usable] + offsets[t]
        row_norms = np.sqrt((rows * rows).sum(1))
        token_ranks, token_sims, token_neighbours = [], [], []
        for layer in range(vectors.shape[0]):
            h = vectors[layer, t]
            cosines = (rows @ h) / (row_norms * np.sqrt(h @ h))
            own_cos = cosines[np.flatnonzero(usable == own)[0]]
            token_ranks.append(int((cosines > own_cos).sum()))
            token_sims.append(own_cos)
            order = np.lexsort((usable, -cosines))[:k]  # most similar first, equal ones by lower id
            token_neighbours.append([(int(usable[i]), cosines[i]) for i in order])
        ranks.append(token_ranks)
        similarities.append(token_sims)
        neighbours.append(token_neighbours)
    return ranks, similarities, neighbours


def brute_force_distances(
    vectors: np.ndarray, token_ids: list[int], vocabulary: np.ndarray, offsets: np.ndarray, k: int
):
    """Per token and layer: rank of own row by Euclidean distance, its distance, and the k nearest
    (id, distance), in float64, each distance the norm of the difference itself.

    `offsets[t]` is added to every vocabulary row for token t. Rows of zero norm in the word-embedding
    matrix are left out of the comparison, but a token whose own row is zero still has its distance and rank.
    """
    usable = np.flatnonzero(np.linalg.norm(vocabulary, axis=1) > 0)
    ranks, distances, neighbours = [], [], []
    for t, own in enumerate(token_ids):
        rows = vocabulary[usable] + offsets[t]
        own_row = vocabulary[own] + offsets[t]
        token_ranks, token_distances, token_neighbours = [], [], []
        for layer in range(vectors.shape[0]):
            h = vectors[layer, t]
            to_rows = np.sqrt(((rows - h) ** 2).sum(1))
            at = np.flatnonzero(usable == own)
            own_distance = to_rows[at[0]] if len(at) else np.sqrt(((own_row - h) ** 2).sum())
            token_ranks.append(int((to_rows < own_distance).sum()))
            token_distances.append(own_distance)
            order = np.lexsort((usable, to_rows))[:k]  # nearest first, equal ones by lower id
            token_neighbours.append([(int(usable[i]), to_rows[i]) for i in order])
        ranks.append(token_ranks)
        distances.append(token_distances)
        neighbours.append(token_neighbours)
    return ranks, distances, neighbours


def assert_matches_brute_force(
    engine: JourneyEngine, text: str, method: str, k: int = 7, view: View = STUDY_VIEW
) -> None:
    """The engine's journey of `text` in `view` equals the float64 brute force over the encodings captured at
    the view's point, by its metric, in every variant (the same position rows at every point)."""
    encoded = engine.encodings(text, method, view.point)
    journey = engine.analyze(text, method=method, top_k=k, view=view)
    assert journey.view == view
    metric = view.metric
    vectors = encoded.vectors.cpu().double().numpy()
    spec = reference_spec(engine.loaded.model)
    vocabulary = spec.words.numpy()
    offsets = {"raw": np.zeros((len(encoded.token_ids), vocabulary.shape[1]))}
    if spec.positions is not None:
        first = spec.first_row if method == "seed" else spec.first_row + np.arange(len(encoded.token_ids))
        offsets["positional"] = spec.positions.numpy()[np.broadcast_to(first, len(encoded.token_ids))]
    assert list(journey.variants) == list(offsets)
    assert [token.id for token in journey.tokens] == encoded.token_ids
    compute = brute_force_distances if metric == "euclidean" else brute_force
    # Distances are not bounded by 1 as cosines are: compared to float64 rounding relative to their size.
    tolerance = {"rtol": 1e-13, "atol": 1e-13} if metric == "euclidean" else {"rtol": 0, "atol": 1e-12}
    for variant, variant_offsets in offsets.items():
        ranks, values, neighbours = compute(vectors, encoded.token_ids, vocabulary, variant_offsets, k)
        result = journey.variants[variant]
        assert result.rank == ranks, variant
        np.testing.assert_allclose(result.similarity, values, **tolerance)
        for t, token_layers in enumerate(result.neighbours):
            for layer, found in enumerate(token_layers):
                assert [n.id for n in found] == [i for i, _ in neighbours[t][layer]]
                np.testing.assert_allclose(
                    [n.similarity for n in found], [s for _, s in neighbours[t][layer]], **tolerance
                )


def brute_force_lens(normed: np.ndarray, targets: list[int | None], head, k: int):
    """Per token and layer, through an output head in float64: rank (0 = highest logit), logit and softmax
    probability of the token's target id (None where it has none), and the k highest (id, logit,
    probability), equal logits by lower id.

    `normed` is layers x tokens x d (the vectors the head's decoder reads); `head` is (weight V x d, bias V or
    None, soft cap or None) as float64 arrays.
    """
    weight, bias, softcap = head
    ranks, logits, probabilities, neighbours = [], [], [], []
    for t, target in enumerate(targets):
        token = ([], [], [], [])
        for layer in range(normed.shape[0]):
            values = weight @ normed[layer, t] + (0.0 if bias is None else bias)
            if softcap is not None:
                values = np.tanh(values / softcap) * softcap
            top = values.max()
            log_total = top + np.log(np.exp(values - top).sum())
            if target is None:
                token[0].append(None), token[1].append(None), token[2].append(None)
            else:
                token[0].append(int((values > values[target]).sum()))
                token[1].append(values[target])
                token[2].append(np.exp(values[target] - log_total))
            order = np.lexsort((np.arange(len(values)), -values))[:k]  # highest first, equal ones by lower id
            token[3].append([(i, values[i], np.exp(values[i] - log_total)) for i in order])
        for collected, part in zip((ranks, logits, probabilities, neighbours), token, strict=True):
            collected.append(part)
    return ranks, logits, probabilities, neighbours
