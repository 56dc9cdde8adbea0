"""Verdicts follow their stated thresholds."""

from __future__ import annotations

import numpy as np
import pytest

from findings import verdicts


@pytest.mark.parametrize(
    ("share", "verdict"), [(0.6, "holds"), (0.5, "holds"), (0.3, "mixed"), (0.1, "does not hold")]
)
def test_movement(share, verdict):
    assert verdicts.movement(share).verdict == verdict


@pytest.mark.parametrize(
    ("gap", "verdict"), [(0.8, "holds"), (0.3, "mixed"), (0.1, "does not hold"), (-1.0, "does not hold")]
)
def test_function_vs_content(gap, verdict):
    assert verdicts.function_vs_content(gap, 0.05, 0.5, 0.2).verdict == verdict


@pytest.mark.parametrize(
    ("content", "function", "overall", "matched", "verdict"),
    [
        (0.5, 0.4, 1.0, 0.2, "holds"),
        (0.5, 0.4, 1.0, 0.6, "mixed"),
        (0.5, 0.4, 1.0, 0.9, "does not hold"),
        (0.3, 0.4, 1.0, 0.1, "does not hold"),
        (0.5, 0.4, 0.0, 0.0, "not testable"),
        (0.3, 0.4, 0.0, 0.0, "does not hold"),
    ],
)
def test_density(content, function, overall, matched, verdict):
    assert verdicts.density(content, function, overall, matched).verdict == verdict


def shifts(twelve_layer_values: dict[int, float]) -> np.ndarray:
    """Shifts of a 12-layer model (entry i is layer i+1), zero except the given layers."""
    values = np.zeros(11)
    for layer, value in twelve_layer_values.items():
        values[layer - 1] = value
    return values


def test_layer_spike():
    function = shifts({5: 0.6, 6: -0.5})
    assert verdicts.layer_spike(function, shifts({5: 0.1})).verdict == "holds"
    assert verdicts.layer_spike(function, shifts({5: 0.5})).verdict == "mixed"
    assert verdicts.layer_spike(shifts({3: 0.6}), shifts({})).verdict == "does not hold"
    six_layers = verdicts.layer_spike(np.array([0.1, 0.4, 0.0, 0.0, 0.0]), np.zeros(5))
    assert six_layers.verdict == "not testable" and "layer 2" in six_layers.evidence


def test_final_layer_divergence():
    assert verdicts.final_layer_divergence(shifts({}), shifts({11: 0.6})).verdict == "holds"
    assert verdicts.final_layer_divergence(shifts({}), shifts({11: 0.6, 4: 0.9})).verdict == "mixed"
    assert verdicts.final_layer_divergence(shifts({11: 0.5}), shifts({11: 0.4})).verdict == "does not hold"
    flat = verdicts.final_layer_divergence(np.zeros(5), np.zeros(5))
    assert flat.verdict == "does not hold" and "never" in flat.evidence


def test_follow_ups():
    assert verdicts.shared_direction(0.3).verdict == "holds"
    assert verdicts.shared_direction(0.0).verdict == "does not hold"
    assert verdicts.moving_together(0.1, 0.4).verdict == "holds"
    assert verdicts.moving_together(0.4, 0.1).verdict == "does not hold"
    assert verdicts.moving_together(0.4, 0.41).verdict == "mixed"
