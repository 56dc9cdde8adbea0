"""Plotly figures of the findings report, one set per method, as plain figure dictionaries."""

from __future__ import annotations

from typing import Any

import numpy as np
import plotly.graph_objects as go

from journeys.findings.report import FindingsReport
from journeys.findings.statistics import Quartiles
from journeys.findings.summary import MethodFindings

GROUP_COLOURS = {
    "function": "#1f77b4",
    "content": "#d62728",
    "continuation": "#2ca02c",
    "other": "#7f7f7f",
    "special": "#9467bd",
}
#: Groups drawn in the per-layer charts (special tokens are in the tables).
CHART_GROUPS = ("function", "content", "continuation", "other")
LAYOUT = {
    "height": 340,
    "margin": {"l": 60, "r": 10, "t": 40, "b": 45},
    "legend": {"orientation": "h", "y": -0.2},
    "template": "simple_white",
}


def _band(
    figure: go.Figure, x: np.ndarray, found: Quartiles, name: str, colour: str, offset: float = 0.0
) -> None:
    """Median line with a shaded inter-quartile band, shown and hidden together in the legend."""
    figure.add_trace(
        go.Scatter(
            x=np.r_[x, x[::-1]],
            y=np.r_[found.q3 + offset, (found.q1 + offset)[::-1]],
            fill="toself",
            mode="lines",
            fillcolor=colour,
            opacity=0.15,
            line={"width": 0},
            hoverinfo="skip",
            showlegend=False,
            legendgroup=name,
        )
    )
    figure.add_trace(
        go.Scatter(
            x=x,
            y=found.median + offset,
            name=name,
            mode="lines+markers",
            line={"color": colour},
            legendgroup=name,
        )
    )


def _figure(title: str, **layout: Any) -> go.Figure:
    figure = go.Figure()
    figure.update_layout(title={"text": title, "font": {"size": 14}}, **LAYOUT, **layout)
    return figure


def _group_bands(
    title: str, by_group: dict[str, Quartiles], yaxis: dict[str, Any], offset: float
) -> go.Figure:
    """One median line with an inter-quartile band per group, across the layers."""
    figure = _figure(title, yaxis=yaxis, xaxis={"title": "layer", "dtick": 1})
    for group in CHART_GROUPS:
        layers = np.arange(len(by_group[group].median))
        _band(figure, layers, by_group[group], group, GROUP_COLOURS[group], offset)
    return figure


def rank_figure(found: MethodFindings) -> go.Figure:
    """Median rank + 1 (log axis) with its inter-quartile range, per layer and group."""
    title = f"rank of own row + 1, median and IQR ({found.method})"
    return _group_bands(title, found.rank, {"type": "log", "title": "rank + 1"}, offset=1.0)


def similarity_figure(found: MethodFindings) -> go.Figure:
    """Median cosine to the own row with its inter-quartile range, per layer and group."""
    title = f"similarity to own row, median and IQR ({found.method})"
    return _group_bands(title, found.similarity, {"title": "cosine"}, offset=0.0)


def density_figure(found: MethodFindings) -> go.Figure:
    """Local density of each token's own row against its final-layer rank + 1 (log), per group; drawn in SVG,
    since plotly's WebGL traces compile code at run time, which the site's Content-Security-Policy forbids."""
    figure = _figure(
        f"density vs final-layer rank ({found.method})",
        yaxis={"type": "log", "title": "final-layer rank + 1"},
        xaxis={"title": "density of own row"},
    )
    for group, points in found.scatter.items():
        rho = found.density_spearman[group]
        figure.add_trace(
            go.Scatter(
                x=points["density"],
                y=np.asarray(points["rank"]) + 1,
                mode="markers",
                name=f"{group} (ρ = {rho:.2f})",
                marker={"color": GROUP_COLOURS[group], "size": 4, "opacity": 0.45},
            )
        )
    return figure


def curves_figure(found: MethodFindings, control: MethodFindings | None) -> go.Figure:
    """Share of each group's tokens whose own row is no longer the nearest, per layer; the random-weights
    control dashed beside it when there is one."""
    figure = _figure(
        f"share displaced (rank > 0) by layer ({found.method})",
        yaxis={"title": "share of tokens", "range": [0, 1]},
        xaxis={"title": "layer", "dtick": 1},
    )
    for name, shown, dash in (("trained", found, "solid"), ("random weights", control, "dash")):
        if shown is None:
            continue
        for group in CHART_GROUPS:
            figure.add_trace(
                go.Scatter(
                    x=shown.curves.layers,
                    y=shown.curves.share_displaced[group],
                    name=f"{group} ({name})",
                    mode="lines+markers",
                    line={"color": GROUP_COLOURS[group], "dash": dash},
                )
            )
    return figure


def spike_figure(found: MethodFindings, num_layers: int) -> go.Figure:
    """Spike score per inner layer, with the threshold a spike must reach."""
    figure = _figure(
        f"spike score by layer ({found.method})",
        yaxis={"title": "function-word rise and fall, less content words'"},
        xaxis={"title": "layer", "dtick": 1},
    )
    figure.add_trace(
        go.Bar(x=np.arange(num_layers), y=found.spike.scores, name="spike score", marker_color="#1f77b4")
    )
    figure.add_hline(y=found.spike.min_height, line_dash="dot", annotation_text="threshold")
    return figure


def overlap_figure(found: MethodFindings, num_layers: int, k: int) -> go.Figure:
    """Median share of the top-k vocabulary rows kept from each layer to the next, per group."""
    figure = _figure(
        f"top-{k} neighbour overlap, layer to layer ({found.method})",
        yaxis={"title": "share kept", "range": [0, 1]},
        xaxis={"title": "from layer l-1 to layer l", "dtick": 1},
    )
    for group in CHART_GROUPS:
        figure.add_trace(
            go.Scatter(
                x=np.arange(1, num_layers),
                y=found.overlap[group],
                name=group,
                mode="lines+markers",
                line={"color": GROUP_COLOURS[group]},
            )
        )
    return figure


def cohesion_figure(found: MethodFindings, num_layers: int) -> go.Figure:
    """Per-sentence cohesion per layer and displacement alignment per transition, medians and IQRs."""
    figure = _figure(
        f"sentence cohesion and shared direction ({found.method})",
        yaxis={"title": "mean pairwise cosine"},
        xaxis={"title": "layer", "dtick": 1},
    )
    _band(figure, np.arange(num_layers), found.cohesion, "cohesion (encodings)", "#6a1b9a")
    _band(figure, np.arange(1, num_layers) - 0.5, found.alignment, "alignment (displacements)", "#ef6c00")
    return figure


def report_figures(report: FindingsReport, overlap_k: int) -> dict[str, dict[str, dict[str, Any]]]:
    """Every chart of the page: figure kind -> method -> Plotly figure as a JSON-ready dict."""
    layers = report.model.num_layers
    control = None if report.control is None else report.control.found
    makers = {
        "rank": rank_figure,
        "similarity": similarity_figure,
        "density": density_figure,
        "curves": lambda f: curves_figure(f, control),
        "spike": lambda f: spike_figure(f, layers),
        "overlap": lambda f: overlap_figure(f, layers, overlap_k),
        "cohesion": lambda f: cohesion_figure(f, layers),
    }
    return {
        kind: {method: make(found).to_plotly_json() for method, found in report.methods.items()}
        for kind, make in makers.items()
    }
