"""Every token's rank and similarity computed again from a corpus pass's kept encodings, layer by layer, by
the engine's exact scorer: by another metric, or with some dimensions set to zero on both sides (a scorer
over the reduced reference rows). The sensitivity rows that change how an encoding is compared, not where it
is read, need no forward pass."""

from __future__ import annotations

import numpy as np
import torch

from journeys.corpus.corpus_analysis import CorpusAnalysis
from journeys.indexer.engine import JourneyEngine
from journeys.indexer.vocabulary_index import VocabularyIndex
from journeys.indexer.vocabulary_scoring import VocabularyScorer


def rescored(
    engine: JourneyEngine,
    analysis: CorpusAnalysis,
    variant: str,
    metric: str = "cosine",
    zeroed: list[list[int]] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Rank and similarity (distance by the Euclidean metric) of `variant`, (N, L), from `analysis`'s kept
    encodings; with `zeroed`, each layer's listed dimensions are set to zero in its encodings and in every
    vocabulary (and position) row."""
    num_tokens, num_layers = len(analysis.token_ids), analysis.model.num_layers
    rank = np.empty((num_tokens, num_layers), dtype=np.int64)
    similarity = np.empty((num_tokens, num_layers), dtype=np.float64)
    own_ids = torch.as_tensor(analysis.token_ids, dtype=torch.int64)
    position_ids = None
    if engine.reference.positions is not None:
        position_ids = torch.as_tensor(analysis.token_position, dtype=torch.int64)
        position_ids = position_ids + engine.reference.positions.first_row
    scorers: dict[tuple[int, ...], VocabularyScorer] = {(): engine.scorer}
    for layer in range(num_layers):
        key = tuple(sorted(zeroed[layer])) if zeroed else ()
        if key not in scorers:
            # One reduced table at a time besides the engine's: layers sharing a set mostly follow each other.
            scorers = {(): engine.scorer, key: reduced_scorer(engine, list(key))}
        queries = layer_vectors(analysis, layer).copy()
        queries[:, list(key)] = 0.0
        scores = scorers[key].score(torch.from_numpy(queries), own_ids, position_ids, 1, metric)[variant]
        rank[:, layer] = scores.rank
        similarity[:, layer] = scores.similarity
    return rank, similarity


def reduced_scorer(engine: JourneyEngine, dimensions: list[int]) -> VocabularyScorer:
    """A scorer over the engine's reference rows with `dimensions` set to zero, on the engine's scoring
    device."""
    words = engine.reference.words.detach().to("cpu", torch.float32).clone()
    words[:, dimensions] = 0.0
    positions = None
    if engine.reference.positions is not None:
        positions = engine.reference.positions.rows.detach().to("cpu", torch.float32).clone()
        positions[:, dimensions] = 0.0
    fingerprint = f"{engine.index.fingerprint}-without-{'-'.join(map(str, dimensions))}"
    index = VocabularyIndex.build(words, fingerprint)
    return VocabularyScorer(index, words, positions, engine.scorer.device)


def layer_vectors(analysis: CorpusAnalysis, layer: int) -> np.ndarray:
    """Every token's kept encoding at `layer`, (N, H) float32 as the corpus pass kept it: read-only (it may
    be a view of the memory-mapped shards), so copy it to change it."""
    if analysis.encodings is None:
        raise ValueError("rescoring needs the corpus pass's encodings (keep_encodings)")
    return analysis.encodings[:, layer]
