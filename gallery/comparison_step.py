"""The comparison step of `journeys build`: when the site has more than one model, one page with every
model's verdicts side by side and their curves on a relative-depth axis."""

from __future__ import annotations

from collections.abc import Mapping

from journeys.gallery.comparison_page import comparison_context
from journeys.gallery.findings_cache import SiteFindings
from journeys.gallery.site import COMPARISON_PAGE, Page, SiteModel, findings_page


def comparison_page(findings: Mapping[SiteModel, SiteFindings]) -> Page:
    """`compare.html` from every model's findings, in build order."""
    reports = {model.label: found.page["findings"] for model, found in findings.items()}
    pages = {model.label: findings_page(model) for model in findings}
    return Page(COMPARISON_PAGE, COMPARISON_PAGE, None, comparison_context(reports, pages))
