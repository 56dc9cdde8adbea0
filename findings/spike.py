"""The spike layer, found from the data: a layer where function words are pushed away from their own
embeddings and come back at the next layer, while content words hold.

Per layer l, a group's curve g[l] is the mean over its tokens of a per-token measure (by default
`measures.displaced`: the share of tokens whose own row is no longer the nearest). At an inner layer l a
group's **bump** is its peak min(g[l] - g[l-1], g[l] - g[l+1]) where that is positive (l stands above both
neighbours), minus its dip min(g[l-1] - g[l], g[l+1] - g[l]) where that is positive (l stands below both),
and 0 where the curve only rises or only falls through l. The **spike score** is function words' peak less
content words' own peak, where function words peak; less their dip beyond content words' own dip, where
function words dip; 0 otherwise. So a steady rise or fall scores 0, a function-word dip scores below 0, and
a layer that pushes every token away is not a function-word spike. The spike layer is the inner layer of
highest score, if that score is at least `min_height`; otherwise there is none. First and last layers
cannot spike.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from journeys.findings import measures
from journeys.findings.uncertainty import (
    N_RESAMPLES,
    SEED,
    RowStatistic,
    SentenceRows,
    resampled_weights,
    weighted_mean,
)

#: Smallest spike score that counts as a spike: 5 percentage points of the share displaced.
MIN_HEIGHT = 0.05
#: The layer recorded for a resample (or a model) with no spike.
NO_SPIKE = -1


@dataclass(frozen=True)
class Spike:
    """The spike layer of a corpus, how stable it is over sentence resamples and within sentences."""

    layer: int | None
    height: float  # the spike score at `layer` (the highest score, even if below min_height)
    scores: np.ndarray  # (L,) spike score per layer, NaN at the first and last
    relative_depth: float | None
    resample_layers: np.ndarray  # (n_resamples,) spike layer of each sentence resample, NO_SPIKE if none
    resample_share: float  # share of resamples whose spike layer is `layer` (or none, if there is none)
    sentence_share: float  # share of sentences with both groups whose own score at `layer` >= min_height
    n_sentences: int  # sentences with at least one function-word and one content-word token
    min_height: float = MIN_HEIGHT  # the score a layer needed to count as a spike


def _bumps(curves: np.ndarray) -> np.ndarray:
    """Per inner layer of (..., L) curves, its peak (> 0), its dip (< 0) or 0 on a monotone stretch; NaN at
    both ends."""
    curves = np.asarray(curves, dtype=np.float64)
    inner, before, after = curves[..., 1:-1], curves[..., :-2], curves[..., 2:]
    bumps = np.full(curves.shape, np.nan)
    peak = np.minimum(inner - before, inner - after)
    dip = np.minimum(before - inner, after - inner)
    bumps[..., 1:-1] = np.maximum(peak, 0) - np.maximum(dip, 0)
    return bumps


def _score(function_curve: np.ndarray, content_curve: np.ndarray) -> np.ndarray:
    """Spike score per layer from the two groups' curves: function words' peak beyond content words' own
    peak (> 0), their dip beyond content words' own dip (< 0), else 0."""
    function, content = _bumps(function_curve), _bumps(content_curve)
    spike = np.maximum(function - np.maximum(content, 0), 0)
    dip = np.maximum(-function - np.maximum(-content, 0), 0)
    return spike - dip


def _group_curve(values: np.ndarray, members: np.ndarray) -> np.ndarray:
    """Mean per layer over the member rows, NaN rows left out."""
    chosen = values[members]
    if len(chosen) == 0:
        return np.full(values.shape[1], np.nan)
    counts = np.isfinite(chosen).sum(axis=0)
    return np.where(counts > 0, np.nansum(chosen, axis=0) / np.maximum(counts, 1), np.nan)


def spike_scores(values: np.ndarray, is_function: np.ndarray, is_content: np.ndarray) -> np.ndarray:
    """Spike score per layer of (tokens, layers) `values`: (L,), NaN at the first and last layer."""
    values = np.asarray(values, dtype=np.float64)
    return _score(_group_curve(values, np.asarray(is_function)), _group_curve(values, np.asarray(is_content)))


def spike_layer(scores: np.ndarray, min_height: float = MIN_HEIGHT) -> int | None:
    """The layer of highest score if it reaches `min_height`, else None."""
    if np.isnan(scores).all():
        return None
    best = int(np.nanargmax(scores))
    return best if scores[best] >= min_height else None


def weighted_scores(
    values: np.ndarray, is_function: np.ndarray, is_content: np.ndarray, weights: np.ndarray
) -> np.ndarray:
    """Spike score per layer for each row of token `weights` (resamples, N): (resamples, L)."""
    function = weighted_mean(values[is_function], weights[:, is_function])
    content = weighted_mean(values[is_content], weights[:, is_content])
    return _score(function, content)


class ScoreAt(RowStatistic):
    """The spike score at `layer` among the given rows, for the bootstrap and the rules."""

    def __init__(
        self, layer: int, values: np.ndarray, is_function: np.ndarray, is_content: np.ndarray
    ) -> None:
        self.layer, self.values = layer, np.asarray(values, dtype=np.float64)
        self.is_function = np.asarray(is_function, dtype=bool)
        self.is_content = np.asarray(is_content, dtype=bool)

    def __call__(self, rows: np.ndarray) -> float:
        return float(
            spike_scores(self.values[rows], self.is_function[rows], self.is_content[rows])[self.layer]
        )

    def weighted(self, weights: np.ndarray) -> np.ndarray:
        return weighted_scores(self.values, self.is_function, self.is_content, weights)[:, self.layer]


def sentence_scores(
    values: np.ndarray, is_function: np.ndarray, is_content: np.ndarray, token_sentence: np.ndarray
) -> np.ndarray:
    """Each sentence's own spike scores: (sentences in sorted id order, L); NaN rows for sentences
    without a function-word or without a content-word token."""
    values = np.asarray(values, dtype=np.float64)
    sentences = SentenceRows(token_sentence)
    is_function, is_content = np.asarray(is_function, dtype=bool), np.asarray(is_content, dtype=bool)
    scores = np.full((sentences.n_sentences, values.shape[1]), np.nan)
    for position in range(sentences.n_sentences):
        rows = sentences.rows(np.array([position]))
        if is_function[rows].any() and is_content[rows].any():
            scores[position] = spike_scores(values[rows], is_function[rows], is_content[rows])
    return scores


def find_spike(
    values: np.ndarray,
    is_function: np.ndarray,
    is_content: np.ndarray,
    token_sentence: np.ndarray,
    min_height: float = MIN_HEIGHT,
    n_resamples: int = N_RESAMPLES,
    seed: int = SEED,
) -> Spike:
    """The spike layer of (tokens, layers) `values`, its spread over sentence resamples, and the share of
    sentences that show it on their own."""
    values = np.asarray(values, dtype=np.float64)
    is_function, is_content = np.asarray(is_function, dtype=bool), np.asarray(is_content, dtype=bool)
    scores = spike_scores(values, is_function, is_content)
    layer = spike_layer(scores, min_height)
    resample_layers = np.array(
        [
            _or_none(spike_layer(found, min_height))
            for weights in resampled_weights(token_sentence, n_resamples, seed)
            for found in weighted_scores(values, is_function, is_content, weights)
        ],
        dtype=np.int64,
    )
    own = sentence_scores(values, is_function, is_content, token_sentence)
    usable = ~np.isnan(own).all(axis=1)
    if layer is None or not usable.any():
        sentence_share = float("nan")
    else:
        sentence_share = float(np.mean(own[usable, layer] >= min_height))
    num_layers = values.shape[1]
    return Spike(
        layer=layer,
        height=float(np.nanmax(scores)) if not np.isnan(scores).all() else float("nan"),
        scores=scores,
        relative_depth=None if layer is None else measures.relative_depth(layer, num_layers),
        resample_layers=resample_layers,
        resample_share=float(np.mean(resample_layers == _or_none(layer))) if n_resamples else float("nan"),
        sentence_share=sentence_share,
        n_sentences=int(usable.sum()),
        min_height=min_height,
    )


def _or_none(layer: int | None) -> int:
    return NO_SPIKE if layer is None else layer
