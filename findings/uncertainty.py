"""How sure a number is: sentence-level bootstrap intervals and a half-split check.

Tokens of one sentence are not independent (they share a context and often a word), so every
interval resamples whole SENTENCES with replacement, never single tokens. A statistic is any function
of the token rows it is given (an index array into the caller's token-major arrays, repeats allowed);
the bootstrap hands it the rows of the resampled sentences.

Every statistic here also takes many resamples at once, as token weights (how often each token's
sentence was drawn): `RowStatistic.weighted`. The subclasses that matter for speed do that in one array
operation per batch of resamples; the draws are the same either way.

Intervals are percentile intervals (`scipy.stats.bootstrap(method="percentile")`) with a fixed seed:
they stay inside the range the statistic can take (a share in [0, 1] stays there), are defined even
when every resample gives the same value (BCa then returns NaN), and need no jackknife pass over
hundreds of sentences. BCa can be asked for with `method="BCa"`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

#: Bootstrap resamples and the seed of their generator, fixed so a rebuild gives the same intervals.
N_RESAMPLES, SEED = 2000, 0
#: Coverage of every interval.
CONFIDENCE = 0.95

#: Token weights held in memory at once: resamples per batch x token rows (about 32 MB of float64).
WEIGHTS_PER_BATCH = 1 << 22


class RowStatistic:
    """A number computed from token rows (an index array into the caller's token-major arrays, repeats
    counted), and from many resamples at once as token weights. Subclasses give `__call__`."""

    def __call__(self, rows: np.ndarray) -> float:
        raise NotImplementedError

    def weighted(self, weights: np.ndarray) -> np.ndarray:
        """One value per row of `weights` (resamples x token rows, whole numbers): the statistic of the rows
        repeated that many times. Here one resample at a time; subclasses do it in one array operation."""
        tokens = np.arange(weights.shape[1])
        return np.array([self(np.repeat(tokens, row.astype(np.int64))) for row in weights], dtype=np.float64)


@dataclass(frozen=True)
class Estimate:
    """A statistic on all sentences, its bootstrap interval and the sample it rests on."""

    estimate: float
    low: float
    high: float
    n_sentences: int  # sentences with at least one of the token rows given
    n_tokens: int  # token rows given (pass only the rows the statistic is about)
    confidence: float = CONFIDENCE
    method: str = "percentile"


@dataclass(frozen=True)
class HalfSplit:
    """The statistic on each half of the sentences (even / odd positions, or a seeded random half)."""

    first: float
    second: float
    n_sentences_first: int
    n_sentences_second: int


class SentenceRows:
    """The token rows of each sentence, so a set of sentence positions maps to its token rows quickly."""

    def __init__(self, token_sentence: np.ndarray) -> None:
        token_sentence = np.asarray(token_sentence)
        self.order = np.argsort(token_sentence, kind="stable")
        self.sentence_ids, self.starts, self.counts = np.unique(
            token_sentence[self.order], return_index=True, return_counts=True
        )
        self.n_tokens = len(token_sentence)
        self.position = np.empty(self.n_tokens, dtype=np.int64)  # each token row's sentence position
        self.position[self.order] = np.repeat(np.arange(len(self.counts)), self.counts)

    @property
    def n_sentences(self) -> int:
        return len(self.sentence_ids)

    def weights(self, drawn: np.ndarray) -> np.ndarray:
        """(resamples, token rows): how often each token's sentence is in each row of sentence positions."""
        drawn = np.asarray(drawn, dtype=np.int64).reshape(-1, drawn.shape[-1])
        offsets = np.arange(len(drawn))[:, None] * self.n_sentences
        counts = np.bincount((drawn + offsets).ravel(), minlength=len(drawn) * self.n_sentences)
        return counts.reshape(len(drawn), self.n_sentences)[:, self.position].astype(np.float64)

    def batch(self) -> int:
        """Resamples per batch so that their token weights stay within WEIGHTS_PER_BATCH."""
        return max(1, WEIGHTS_PER_BATCH // max(self.n_tokens, 1))

    def rows(self, sentences: np.ndarray) -> np.ndarray:
        """Token rows of the sentences at these positions (0..n_sentences-1), repeats kept."""
        sentences = np.asarray(sentences, dtype=np.int64)
        counts = self.counts[sentences]
        within = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        return self.order[np.repeat(self.starts[sentences], counts) + within]


def sentence_bootstrap(
    statistic: RowStatistic,
    token_sentence: np.ndarray,
    n_resamples: int = N_RESAMPLES,
    confidence: float = CONFIDENCE,
    seed: int = SEED,
    method: str = "percentile",
) -> Estimate:
    """`statistic` over all token rows, with a bootstrap interval from resampling whole sentences (each
    batch of resamples handed to `statistic.weighted` at once)."""
    sentences = SentenceRows(token_sentence)
    estimate = float(statistic(np.arange(sentences.n_tokens)))
    if sentences.n_sentences < 2 or not np.isfinite(estimate):
        nan = float("nan")
        return Estimate(estimate, nan, nan, sentences.n_sentences, sentences.n_tokens, confidence, method)

    def over_resamples(drawn: np.ndarray, axis: int = -1, **_: Any) -> np.ndarray:
        return statistic.weighted(sentences.weights(drawn))

    result = stats.bootstrap(
        (np.arange(sentences.n_sentences),),
        over_resamples,
        n_resamples=n_resamples,
        batch=sentences.batch(),
        vectorized=True,
        confidence_level=confidence,
        method=method,
        rng=np.random.default_rng(seed),
    )
    interval = result.confidence_interval
    return Estimate(
        estimate,
        float(interval.low),
        float(interval.high),
        sentences.n_sentences,
        sentences.n_tokens,
        confidence,
        method,
    )


def resampled_weights(token_sentence: np.ndarray, n_resamples: int, seed: int = SEED) -> Iterator[np.ndarray]:
    """Token weights of `n_resamples` sentence resamples (with replacement, from a seeded generator), in
    batches, for statistics that are not numbers with an interval (such as the spike layer)."""
    sentences = SentenceRows(token_sentence)
    generator = np.random.default_rng(seed)
    for start in range(0, n_resamples, sentences.batch()):
        drawn = [
            generator.integers(0, sentences.n_sentences, sentences.n_sentences)
            for _ in range(min(sentences.batch(), n_resamples - start))
        ]
        yield sentences.weights(np.stack(drawn))


def weighted_mean(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Per row of `weights` (..., N), the weighted mean of (N,) or (N, L) `values`, NaN values left out;
    NaN where no weight falls on a finite value."""
    finite = np.isfinite(values)
    totals = weights @ np.where(finite, values, 0.0)
    counts = weights @ finite.astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, totals / counts, np.nan)


class NanMean(RowStatistic):
    """The mean of `values` over the given rows, NaN rows left out (occurrence weighting)."""

    def __init__(self, values: np.ndarray) -> None:
        self.values = np.asarray(values, dtype=np.float64)

    def __call__(self, rows: np.ndarray) -> float:
        chosen = self.values[rows]
        chosen = chosen[np.isfinite(chosen)]
        return float(chosen.mean()) if len(chosen) else float("nan")

    def weighted(self, weights: np.ndarray) -> np.ndarray:
        return weighted_mean(self.values, weights)


def half_split(statistic: RowStatistic, token_sentence: np.ndarray, seed: int | None = SEED) -> HalfSplit:
    """`statistic` on two disjoint halves of the sentences: a seeded random half vs the rest, or, with
    seed None, even vs odd positions in sentence order.

    The random half is the default because a corpus written in a pattern makes even and odd lines
    differ: in data/corpus.txt, MiniLM displaces 52% of function-word tokens at the last layer on even
    lines and 30% on odd ones."""
    sentences = SentenceRows(token_sentence)
    positions = np.arange(sentences.n_sentences)
    if seed is None:
        first = positions[::2]
    else:
        shuffled = np.random.default_rng(seed).permutation(positions)
        first = np.sort(shuffled[: (len(positions) + 1) // 2])
    second = np.setdiff1d(positions, first)
    return HalfSplit(
        float(statistic(sentences.rows(first))),
        float(statistic(sentences.rows(second))),
        len(first),
        len(second),
    )
