"""Index sparklines: ranks on a log scale, rank 0 at the top, the gallery's largest rank at the bottom."""

from __future__ import annotations

import pytest

from journeys.gallery.sparkline import HEIGHT, PAD, geometric_mean_rank, largest_rank, rank_sparkline


def heights(points: str) -> list[float]:
    return [float(pair.split(",")[1]) for pair in points.split()]


def test_geometric_mean_of_ranks():
    assert geometric_mean_rank([0, 0, 0]) == 0
    assert geometric_mean_rank([0, 99]) == pytest.approx(9)
    assert geometric_mean_rank([]) is None


def test_sparklines_span_rank_zero_to_the_largest(tiny_engines):
    journeys = [tiny_engines["bert"].analyze(text) for text in ("The old man the boat.", "Time flies.")]
    largest = largest_rank(journeys)
    ranks = [r for j in journeys for row in j.variants["raw"].rank for r in row]
    assert largest == max(ranks) > 0
    lines = [rank_sparkline(journey, largest) for journey in journeys]
    every_height = [h for line in lines for points in line.token_lines for h in heights(points)]
    assert len(every_height) == len(ranks)
    assert max(every_height) == HEIGHT - PAD
    assert (min(every_height) == PAD) == (0 in ranks)
    assert all(PAD <= h <= HEIGHT - PAD for h in every_height)
    assert len(heights(lines[0].mean_line)) == journeys[0].model.num_layers
    assert lines[0].description.startswith("Geometric mean rank by layer: ")
