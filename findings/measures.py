"""Per-token measures over the corpus arrays that see the whole distribution, not just group medians.

Arrays are token-major, (tokens, layers). A rank of -1 (own row of zero norm) is missing: every
measure is NaN on such a row, so group means taken with `np.nanmean` leave it out. Indicator measures
are floats (1.0 / 0.0 / NaN) for the same reason.

Movement both ways counts a move only when it is large and above a floor:
- by rank, a token moves **away** when some later layer's rank exceeds `factor * max(r, floor)` for
  the rank r of an earlier layer, and moves **back** when some earlier layer's rank exceeds
  `factor * max(r, floor)` for the rank r of a later layer. With factor 2 and floor 1, ranks 0, 1 and 2
  never count against each other (0 <-> 1 and 0 <-> 2 flips are not moves); 0 -> 3 and 5 -> 11 are.
- by similarity to the own row, a token moves **away** when its similarity at some later layer is at
  least `delta` below that at an earlier layer, and **back** when it is at least `delta` above.
A token moves **both ways** when it moves away and back (in either order).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

#: Movement by rank: a move is a change by more than this factor, ...
MOVE_FACTOR = 2.0
#: ... with ranks below this floor raised to it first, so 0 <-> 1 <-> 2 flips never count.
MOVE_FLOOR = 1
#: Movement by similarity: a move is a change of the cosine to the own row of at least this much.
MOVE_DELTA = 0.1
#: The study's model: 12 layers (roberta-base), with its spike at layer 5 (0-based).
STUDY_NUM_LAYERS, STUDY_SPIKE_LAYER = 12, 5


@dataclass(frozen=True)
class Movement:
    """Per token (1.0 / 0.0, NaN if missing): moved away from the own row, moved back, moved both ways."""

    away: np.ndarray
    back: np.ndarray
    both: np.ndarray


def _ranks(rank: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Ranks as float64 with NaN for missing entries, and which token rows have any missing entry."""
    rank = np.asarray(rank, dtype=np.float64)
    rank = np.where(rank >= 0, rank, np.nan)
    return rank, np.isnan(rank).any(axis=-1)


def _indicator(mask: np.ndarray, missing: np.ndarray) -> np.ndarray:
    """A boolean array as 1.0 / 0.0, NaN where `missing`."""
    return np.where(missing, np.nan, mask.astype(np.float64))


def displaced(rank: np.ndarray) -> np.ndarray:
    """1.0 where the own row is no longer the nearest (rank > 0), 0.0 where it is, NaN if missing."""
    rank = np.asarray(rank)
    return _indicator(rank > 0, rank < 0)


def log_rank(rank: np.ndarray) -> np.ndarray:
    """log10(rank + 1), NaN where the rank is missing."""
    rank, _missing = _ranks(rank)
    return np.log10(rank + 1)


def paired_change(values: np.ndarray, start: int, stop: int) -> np.ndarray:
    """Per token, the value at layer `stop` minus its own value at layer `start` (NaN if either is)."""
    values = np.asarray(values, dtype=np.float64)
    return values[:, stop] - values[:, start]


def rank_movement(rank: np.ndarray, factor: float = MOVE_FACTOR, floor: float = MOVE_FLOOR) -> Movement:
    """Which tokens move away from / back to their own row by rank, above the floor (see module doc)."""
    rank, missing = _ranks(rank)
    floored = np.maximum(np.nan_to_num(rank), floor)
    lowest_before = np.minimum.accumulate(floored, axis=1)[:, :-1]
    highest_before = np.maximum.accumulate(floored, axis=1)[:, :-1]
    later, later_floored = np.nan_to_num(rank)[:, 1:], floored[:, 1:]
    away = (later > factor * lowest_before).any(axis=1)
    back = (highest_before > factor * later_floored).any(axis=1)
    return Movement(_indicator(away, missing), _indicator(back, missing), _indicator(away & back, missing))


def similarity_movement(similarity: np.ndarray, delta: float = MOVE_DELTA) -> Movement:
    """Which tokens' similarity to their own row falls / rises by at least `delta` between two layers."""
    similarity = np.asarray(similarity, dtype=np.float64)
    missing = np.isnan(similarity).any(axis=1)
    filled = np.nan_to_num(similarity)
    highest_before = np.maximum.accumulate(filled, axis=1)[:, :-1]
    lowest_before = np.minimum.accumulate(filled, axis=1)[:, :-1]
    away = (filled[:, 1:] <= highest_before - delta).any(axis=1)
    back = (filled[:, 1:] >= lowest_before + delta).any(axis=1)
    return Movement(_indicator(away, missing), _indicator(back, missing), _indicator(away & back, missing))


def relative_depth(layer: int, num_layers: int) -> float:
    """Where layer `layer` (0-based) sits in a `num_layers`-layer model: 0.0 first, 1.0 last."""
    return layer / (num_layers - 1) if num_layers > 1 else 0.0


def matching_layer(
    num_layers: int, study_layer: int = STUDY_SPIKE_LAYER, study_num_layers: int = STUDY_NUM_LAYERS
) -> int:
    """The layer of a `num_layers` model nearest the relative depth of `study_layer` of the study's model.

    Rounds relative_depth * (num_layers - 1) to the nearest layer, halves upwards: layer 5 of 12 is
    layer 2 of 6, 5 of 12, 10 of 24 and 14 of 32.
    """
    return math.floor(relative_depth(study_layer, study_num_layers) * (num_layers - 1) + 0.5)
