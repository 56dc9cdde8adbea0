"""The site's plan and its one writer: navigation follows what the build decided to write, never what lies
on disk, and a build cannot finish with a link to a page it never wrote."""

from __future__ import annotations

from pathlib import Path

import pytest

from journeys.gallery.site import (
    COMPARISON_PAGE,
    EXPLORER_PAGE,
    Page,
    Site,
    SiteModel,
    SitePlan,
    findings_page,
)

#: A template showing only the navigation base.html links to.
NAVIGATION = "{{ navigation.findings }}|{{ navigation.compare }}|{{ navigation.gallery }}"


@pytest.fixture
def templates(tmp_path: Path) -> Path:
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "nav.html").write_text(NAVIGATION, encoding="utf-8")
    return folder


def test_navigation_follows_the_plan_not_the_files_already_on_disk(tmp_path, templates):
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / COMPARISON_PAGE).write_text("left by another build", encoding="utf-8")
    alpha = SiteModel.named("alpha")
    plan = SitePlan.for_models([alpha])
    assert not plan.compares
    html = Site(folder, plan, templates).render(Page("nav.html", "sentences/alpha/one.html", alpha, {}))
    assert html == "../../findings-alpha.html|None|../../index.html"  # no findings page on disk yet


def test_a_site_of_two_models_links_the_comparison_and_each_models_own_pages(tmp_path, templates):
    alpha, beta = SiteModel.named("alpha"), SiteModel.named("beta")
    plan = SitePlan.for_models([alpha, beta])
    assert plan.compares
    site = Site(tmp_path / "site", plan, templates)
    assert (
        site.render(Page("nav.html", "one.html", beta, {}))
        == "findings-beta.html|compare.html|index-beta.html"
    )
    assert (
        site.render(Page("nav.html", COMPARISON_PAGE, None, {}))
        == "findings-alpha.html|compare.html|index.html"
    )


def test_finishing_refuses_a_site_missing_a_page_its_navigation_links_to(tmp_path, templates):
    alpha = SiteModel.named("alpha")
    site = Site(tmp_path / "site", SitePlan.for_models([alpha]), templates)
    site.write([Page("nav.html", EXPLORER_PAGE, None, {}), Page("nav.html", "index.html", alpha, {})])
    with pytest.raises(RuntimeError, match=r"never wrote: findings-alpha\.html$"):
        site.finish()
    site.write([Page("nav.html", findings_page(alpha), alpha, {})])
    assert site.finish() == 3
    written = (tmp_path / "site" / findings_page(alpha)).read_text(encoding="utf-8")
    assert written == "findings-alpha.html|None|index.html"
