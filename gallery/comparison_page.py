"""The study's open question across models: one column of verdicts per model, and each model's group
curves on a relative-depth axis with rank as a fraction of its vocabulary, so that models of different
depths and vocabulary sizes share one scale.

Built from the findings reports' JSON form (`FindingsReport.to_dict()`), so the comparison page shows
exactly the numbers each model's own findings page shows.
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
import plotly.io
from markupsafe import Markup

from journeys.gallery.findings_charts import GROUP_COLOURS, LAYOUT

#: The groups whose curves are compared: the study's claims are about these two.
COMPARED_GROUPS = ("function", "content")
#: Line style of each model's curves, in the order the models were built (cycled past the last).
MODEL_DASHES = ("solid", "dash", "dot", "dashdot", "longdash")
#: Per-layer measures drawn, each with its y-axis.
CURVES = {
    "share_displaced": ("share of tokens displaced (own row not the nearest)", {"range": [0, 1]}),
    "rank_fraction": ("mean rank of own row, as a fraction of the vocabulary", {"type": "log"}),
}


def main_findings(report: dict[str, Any]) -> dict[str, Any]:
    """The findings of a report's chosen method: its verdicts and curves."""
    return report["methods"][report["method"]]


def claim_rows(reports: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per claim, in the first model's order: the claim's statement and rule, and each model's
    verdict (None where that model has no verdict for the claim)."""
    by_model = {
        label: {v["claim"]: v for v in main_findings(report)["verdicts"]} for label, report in reports.items()
    }
    claims: dict[str, dict[str, Any]] = {}
    for verdicts in by_model.values():
        for claim, verdict in verdicts.items():
            claims.setdefault(claim, verdict)
    return [
        {"claim": claim, "lead": lead, "by_model": {label: by_model[label].get(claim) for label in reports}}
        for claim, lead in claims.items()
    ]


def curve_figure(reports: dict[str, dict[str, Any]], measure: str) -> go.Figure:
    """`measure` per layer for every model and compared group, against relative depth."""
    title, yaxis = CURVES[measure]
    figure = go.Figure()
    figure.update_layout(
        title={"text": title, "font": {"size": 14}},
        xaxis={"title": "relative depth (layer / (layers − 1))", "range": [-0.02, 1.02]},
        yaxis=yaxis,
        **LAYOUT,
    )
    for number, (label, report) in enumerate(reports.items()):
        curves = main_findings(report)["curves"]
        for group in COMPARED_GROUPS:
            figure.add_trace(
                go.Scatter(
                    x=curves["relative_depth"],
                    y=curves[measure][group],
                    customdata=curves["layers"],
                    name=f"{label} · {group}",
                    mode="lines+markers",
                    line={"color": GROUP_COLOURS[group], "dash": MODEL_DASHES[number % len(MODEL_DASHES)]},
                    hovertemplate=f"{label} · {group}<br>layer %{{customdata}}: %{{y:.4g}}<extra></extra>",
                )
            )
    return figure


def comparison_context(reports: dict[str, dict[str, Any]], findings_pages: dict[str, str]) -> dict[str, Any]:
    """Everything `site_templates/compare.html` needs besides base.html's navigation, for reports keyed
    by model label in build order, and each model's findings page by label."""
    figures = {measure: curve_figure(reports, measure) for measure in CURVES}
    figures_json = plotly.io.to_json(figures, validate=False)
    return {
        "reports": reports,
        "findings_pages": findings_pages,
        "claim_rows": claim_rows(reports),
        "confidence": next(iter(reports.values()))["bootstrap"]["confidence"],
        "curve_kinds": list(CURVES),
        "dashes": MODEL_DASHES,
        "figures_json": Markup(figures_json.replace("</", "<\\/")),
    }
