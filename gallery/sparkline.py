"""A small inline SVG of ranks across layers, for the gallery index."""

from __future__ import annotations

import math
from dataclasses import dataclass

from journeys.indexer.records import Journey

WIDTH = 120
HEIGHT = 36
PAD = 3


@dataclass(frozen=True)
class Sparkline:
    """Polyline points for every token (faint) and their geometric mean (bold), plus a text description."""

    token_lines: list[str]
    mean_line: str
    description: str
    width: int = WIDTH
    height: int = HEIGHT


def _points(ranks: list[float | None], largest: int) -> str:
    top = math.log10(largest + 1) or 1.0
    step = (WIDTH - 2 * PAD) / max(len(ranks) - 1, 1)
    points = []
    for layer, rank in enumerate(ranks):
        if rank is not None:
            y = PAD + (HEIGHT - 2 * PAD) * math.log10(rank + 1) / top
            points.append(f"{PAD + layer * step:.1f},{y:.1f}")
    return " ".join(points)


def largest_rank(journeys: list[Journey], variant: str = "raw") -> int:
    """The largest rank in `journeys`: the common bottom of their sparklines."""
    return max(
        (r for j in journeys for row in j.variants[variant].rank for r in row if r is not None), default=0
    )


def rank_sparkline(journey: Journey, largest: int, variant: str = "raw") -> Sparkline:
    """Rank of each token's own embedding by layer, log scale, 0 at the top and `largest` at the bottom."""
    ranks = journey.variants[variant].rank
    mean = [geometric_mean_rank([r for r in layer if r is not None]) for layer in zip(*ranks, strict=True)]
    described = ", ".join("–" if m is None else f"{m:.3g}" for m in mean)
    return Sparkline(
        token_lines=[_points(list(row), largest) for row in ranks],
        mean_line=_points(mean, largest),
        description=f"Geometric mean rank by layer: {described}",
    )


def geometric_mean_rank(ranks: list[int]) -> float | None:
    """exp(mean(log(rank + 1))) - 1: the average that suits a log scale; one outlier does not dominate."""
    if not ranks:
        return None
    return math.exp(sum(math.log1p(r) for r in ranks) / len(ranks)) - 1
