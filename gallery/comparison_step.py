"""The comparison step of `journeys build`: when the site has more than one model, one page with every
model's verdicts side by side and their curves on a relative-depth axis."""

from __future__ import annotations

from journeys.gallery.comparison_page import comparison_context
from journeys.gallery.pages import BuildContext
from journeys.gallery.site import COMPARISON_PAGE, findings_page


def write_comparison_page(context: BuildContext) -> None:
    """Write `compare.html` from the findings the findings step left in `context`; nothing for one model."""
    models = list(context.findings)
    if len(models) < 2:
        return
    reports = {model.label: context.findings[model] for model in models}
    pages = {model.label: findings_page(model) for model in models}
    context.site.write_page(COMPARISON_PAGE, COMPARISON_PAGE, None, **comparison_context(reports, pages))
