"""`journey.plot()`: the similarity and rank charts the site draws for one journey, as Plotly figures.

The traces and layout are those of site_templates/static/journey-charts.js for a journey shown on its own
(every token a faint line, the selected one highlighted, the selected layer marked by a dotted line);
keep the two in step (tests/journeys/test_journey_figure.py compares them in Chromium).
"""

from __future__ import annotations

import re
from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from journeys.indexer.records import Journey, VariantResult

FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif'
ACCENT = "#c2410c"
FAINT = "rgba(71, 85, 105, 0.22)"
SPECIAL_TOKEN = re.compile(
    r"^(\[(CLS|SEP|PAD|MASK|UNK)\]|</?s>|<\|endoftext\|>|<pad>|<mask>|<unk>|<bos>|<eos>)$"
)
CHARTS = ("similarity", "rank")
#: The value chart's axis title, by the journey's metric.
VALUE_TITLES = {"cosine": "cosine similarity", "euclidean": "Euclidean distance"}


def selected_token(journey: Journey, token: int | str | None) -> int:
    """The token index to highlight: given, found by its text (ignoring case and the word-start mark ␣),
    or, as on the site, the first token that is not a special token."""
    if token is None:
        return next((i for i, t in enumerate(journey.tokens) if not SPECIAL_TOKEN.match(t.text)), 0)
    if isinstance(token, int):
        if not 0 <= token < len(journey.tokens):
            raise IndexError(f"token {token} is outside 0..{len(journey.tokens) - 1}")
        return token
    texts = [t.text for t in journey.tokens]
    if token in texts:
        return texts.index(token)
    wanted = token.lstrip("␣▁").lower()
    for index, text in enumerate(texts):
        if text.lstrip("␣▁").lower() == wanted:
            return index
    raise ValueError(f"no token {token!r} in this journey; its tokens are {texts}")


def rank_ticks(vocab_size: int) -> dict[str, list]:
    """Tick positions (rank + 1) and labels (the rank) at powers of ten, as journey-charts.js places them."""
    values, labels, power = [], [], 1
    while power <= vocab_size * 10:
        values.append(1 if power == 1 else power + 1)
        labels.append("0" if power == 1 else f"{power // 1000}k" if power >= 1000 else str(power))
        power *= 10
    return {"tickvals": values, "ticktext": labels}


def traces(
    values: list[list[Any]], hover: list[list[Any]], journey: Journey, selected: int, value_format: str
) -> list[dict[str, Any]]:
    """Every token's line, the selected token's last (drawn on top)."""
    layers = list(range(journey.model.num_layers))
    order = [i for i in range(len(journey.tokens)) if i != selected] + [selected]
    return [
        {
            "x": layers,
            "y": values[index],
            "customdata": [[layer, value] for layer, value in enumerate(hover[index])],
            "meta": index,
            "name": journey.tokens[index].text,
            "type": "scatter",
            "mode": "lines+markers" if index == selected else "lines",
            "line": {
                "color": ACCENT if index == selected else FAINT,
                "width": 3 if index == selected else 1.5,
            },
            "marker": {"size": 7, "color": ACCENT},
            "hovertemplate": "<b>%{fullData.name}</b><br>layer %{customdata[0]}<br>"
            + value_format
            + "<extra></extra>",
        }
        for index in order
    ]


def chart_traces(chart: str, result: VariantResult, journey: Journey, selected: int) -> list[dict[str, Any]]:
    """The traces of the similarity (or distance) or the rank chart (rank plotted as rank + 1 on a log
    axis)."""
    if chart == "similarity":
        value_format = journey.value_name + " %{customdata[1]:.4f}"
        return traces(result.similarity, result.similarity, journey, selected, value_format)
    plotted = [[None if r is None else r + 1 for r in row] for row in result.rank]
    return traces(plotted, result.rank, journey, selected, "rank %{customdata[1]:,}")


def y_axis(chart: str, vocab_size: int, metric: str = "cosine") -> dict[str, Any]:
    axis: dict[str, Any] = {"gridcolor": "#e2e8f0", "zeroline": False}
    if chart == "similarity":
        return {**axis, "title": {"text": VALUE_TITLES[metric]}}
    return {
        **axis,
        "title": {"text": "rank (log scale)"},
        "type": "log",
        "autorange": "reversed",
        **rank_ticks(vocab_size),
    }


def layout(chart: str, vocab_size: int, layer: int | None, metric: str = "cosine") -> dict[str, Any]:
    """The layout journey-charts.js gives one chart of a journey shown on its own (by `metric`)."""
    shapes = []
    if layer is not None:
        shapes.append(
            {
                "type": "line",
                "xref": "x",
                "yref": "paper",
                "x0": layer,
                "x1": layer,
                "y0": 0,
                "y1": 1,
                "line": {"color": ACCENT, "width": 1.5, "dash": "dot"},
            }
        )
    return {
        "template": "none",  # Plotly.js's own look, as on the site (plotly.py would add its default template)
        "height": 320,
        "margin": {"l": 56, "r": 16, "t": 8, "b": 44},
        "font": {"family": FONT, "size": 13, "color": "#1e293b"},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "showlegend": False,
        "hovermode": "closest",
        "xaxis": {"gridcolor": "#e2e8f0", "zeroline": False, "title": {"text": "layer"}, "dtick": 1},
        "yaxis": y_axis(chart, vocab_size, metric),
        "shapes": shapes,
    }


def journey_figure(
    journey: Journey,
    token: int | str | None = None,
    variant: str = "raw",
    layer: int | None = None,
    chart: str = "both",
) -> go.Figure:
    """One chart exactly as the site draws it, or ("both") the two side by side in one figure; the site draws
    journeys against the input reference only, so a logit-lens journey is refused."""
    if journey.is_lens:
        raise ValueError(
            "plot() draws journeys against the input reference, as the site does; "
            "read this logit-lens journey with to_pandas()"
        )
    if variant not in journey.variants:
        raise ValueError(
            f"variant {variant!r} is not offered here; this journey has {list(journey.variants)}"
        )
    if layer is not None and not 0 <= layer < journey.model.num_layers:
        raise IndexError(f"layer {layer} is outside 0..{journey.model.num_layers - 1}")
    if chart not in (*CHARTS, "both"):
        raise ValueError(f"chart must be one of {', '.join(CHARTS)} or both, not {chart!r}")
    selected = selected_token(journey, token)
    result = journey.variants[variant]
    vocab_size = journey.model.vocab_size
    if chart != "both":
        return go.Figure(
            chart_traces(chart, result, journey, selected),
            layout(chart, vocab_size, layer, journey.view.metric),
        )
    figure = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=(f"{journey.value_name.capitalize()} across layers", "Rank across layers"),
        horizontal_spacing=0.1,
    )
    for column, name in enumerate(CHARTS, start=1):
        for trace in chart_traces(name, result, journey, selected):
            figure.add_trace(go.Scatter(trace), row=1, col=column)
        single = layout(name, vocab_size, layer, journey.view.metric)
        figure.update_xaxes(single["xaxis"], row=1, col=column)
        figure.update_yaxes(single["yaxis"], row=1, col=column)
        if layer is not None:
            figure.add_vline(x=layer, line=single["shapes"][0]["line"], row=1, col=column)
    shared = layout("rank", vocab_size, None)
    for key in ("xaxis", "yaxis", "shapes"):
        del shared[key]
    figure.update_layout(shared, height=380, margin={"t": 36})
    return figure
