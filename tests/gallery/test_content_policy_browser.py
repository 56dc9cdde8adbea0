"""The site's Content-Security-Policy holds on its own pages: every kind of page, opened from disk (the
policy of its <meta> element) and served by the app (the header as well), draws in headless Chromium with
no violation reported and nothing logged as an error."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from journeys.indexer.settings import EngineSettings
from journeys.server.app import create_app
from loopback_server import serving

pytest_plugins = ["gallery_fixtures"]

#: Records every violation the page reports, from before its first script runs.
RECORD_VIOLATIONS = """
window.violations = [];
document.addEventListener("securitypolicyviolation",
  (event) => window.violations.push(`${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}`));
"""


@pytest.fixture(scope="module")
def served(built_site, family_engine) -> Iterator[str]:
    with serving(create_app([family_engine("bert"), family_engine("llama")], built_site.folder)) as url:
        yield url


def one_page_of_each_kind(site: Path) -> list[str]:
    """Every top-level page, and the first page of each folder of pages (sentences and pairs per model)."""
    folders = sorted(folder for folder in site.glob("*/*") if folder.is_dir() and any(folder.glob("*.html")))
    pages = sorted(site.glob("*.html")) + [min(folder.glob("*.html")) for folder in folders]
    return [str(page.relative_to(site)) for page in pages]


def problems_of(browser, url: str) -> list[str]:
    """The CSP violations and console errors of `url` once its charts have drawn."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))
    page.on(
        "response",
        lambda response: response.status >= 400 and errors.append(f"{response.status} {response.url}"),
    )
    page.route(
        "**/favicon.ico", lambda route: route.fulfill(status=204)
    )  # the browser's own request, no page's
    page.add_init_script(RECORD_VIOLATIONS)
    try:
        page.goto(url, wait_until="networkidle")
        page.wait_for_timeout(300)  # let charts that draw after load report anything they do
        return page.evaluate("window.violations") + errors
    finally:
        page.close()


def test_every_kind_of_page_from_disk_keeps_the_policy(built_site, browser):
    pages = one_page_of_each_kind(built_site.folder)
    assert {"index.html", "explore.html", "compare.html"} <= set(pages)
    assert any(page.startswith("findings-") for page in pages) and any("/" in page for page in pages)
    for page in pages:
        html = (built_site.folder / page).read_text(encoding="utf-8")
        assert (
            f'<meta http-equiv="Content-Security-Policy" content="{EngineSettings().site_content_policy}">'
            in (html.replace("&#39;", "'"))
        ), page
        assert "<script>" not in html and " onclick=" not in html, page
        assert problems_of(browser, (built_site.folder / page).as_uri()) == [], page


def test_every_kind_of_page_served_keeps_the_policy(built_site, browser, served):
    for page in one_page_of_each_kind(built_site.folder):
        assert problems_of(browser, f"{served}/{page}") == [], page
