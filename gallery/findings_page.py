"""Render the findings page of one model from its report: claims, numbers, generated verdicts, charts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import plotly.io
from markupsafe import Markup

from journeys.corpus.token_classes import GROUPS
from journeys.findings import measures
from journeys.findings.report import STUDY_MODEL, FindingsReport
from journeys.gallery.findings_charts import report_figures
from journeys.indexer.settings import REPO_ROOT

METHOD_LABELS = {
    "exact": "exact (what the model computes)",
    "seed": "seed (the published demo's computation)",
}


#: The claims table's column of the outside corpus.
OUTSIDE_COLUMN = "outside corpus, by tag"


def findings_context(report: FindingsReport, example: dict[str, Any] | None = None) -> dict[str, Any]:
    """Everything `site_templates/findings.html` needs besides base.html's navigation; `example` is
    `findings.build.contextual_example`'s, shown when given."""
    data = report.to_dict()
    for timing in ("seconds", "sentences_per_second"):  # the build's log has them; pages stay reproducible
        data.pop(timing)
    methods = list(report.methods)
    figures = plotly.io.to_json(report_figures(report, report.settings.corpus.overlap_k), validate=False)
    main = data["methods"][report.method]
    columns = [(f"{m}", data["methods"][m]) for m in methods]
    if data["control"] is not None:
        columns.append(("random weights", data["control"]))
    if data["outside"] is not None:
        columns.append((OUTSIDE_COLUMN, data["outside"]))
    return {
        "findings": data,
        "corpus_label": _display_path(report.corpus.path),
        "contextual_example": example,
        "methods": methods,
        "method_labels": METHOD_LABELS,
        "outside_column": OUTSIDE_COLUMN,
        "main": main,
        "columns": columns,
        "verdict_rows": _verdict_rows(columns),
        "groups": GROUPS,
        "layers": list(range(report.model.num_layers)),
        "is_study_model": report.is_study_model,
        "study_model": STUDY_MODEL,
        "scatter_points": report.settings.scatter_points,
        "thresholds": {
            "move_factor": measures.MOVE_FACTOR,
            "move_floor": measures.MOVE_FLOOR,
            "move_delta": measures.MOVE_DELTA,
        },
        "figures_json": Markup(figures.replace("</", "<\\/")),
    }


def _verdict_rows(columns: list[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """One row per claim: the main column's rule and statement, and each column's verdict by claim."""
    first = columns[0][1]["verdicts"]
    by_column = {name: {v["claim"]: v for v in found["verdicts"]} for name, found in columns}
    return [
        {
            "claim": v["claim"],
            "lead": v,
            "by_column": {name: by_column[name].get(v["claim"]) for name, _ in columns},
        }
        for v in first
    ]


def _display_path(path: str) -> str:
    """A corpus path relative to the repository when it lies inside it."""
    try:
        return str(Path(path).resolve().relative_to(REPO_ROOT))
    except ValueError:
        return path
