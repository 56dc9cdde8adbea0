"""Where each page of the static site lives, and rendering templates into it with shared navigation."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from journeys.gallery.corpus import slugify
from journeys.gallery.settings import GallerySettings
from journeys.indexer.settings import EngineSettings

ASSETS = "assets"
EXPLORER_PAGE = "explore.html"
#: The page comparing every model's findings, written when the site has more than one model.
COMPARISON_PAGE = "compare.html"


@dataclass(frozen=True)
class SiteModel:
    """A model as the site names it: the name given to the build, a label and a file-name slug."""

    name: str
    label: str
    slug: str

    @classmethod
    def named(cls, name: str) -> SiteModel:
        """Registry names keep their spelling; a model folder is labelled by its last component."""
        label = Path(name).name or name
        return cls(name=name, label=label, slug=slugify(label, max_words=20))


def index_page(model: SiteModel, default: SiteModel) -> str:
    """The gallery index of `model`: `index.html` for the default (first) model."""
    return "index.html" if model == default else f"index-{model.slug}.html"


def sentence_page(model: SiteModel, sentence_slug: str) -> str:
    return f"sentences/{model.slug}/{sentence_slug}.html"


def journey_file(model: SiteModel, sentence_slug: str) -> str:
    """The full-precision journeys a sentence page offers for download, beside the page."""
    return f"sentences/{model.slug}/{sentence_slug}.journey.js"


def pair_page(model: SiteModel, pair_slug: str) -> str:
    """The side-by-side page of two gallery sentences."""
    return f"pairs/{model.slug}/{pair_slug}.html"


def findings_page(model: SiteModel) -> str:
    """Where the findings step writes a model's findings; pages link to it only once it exists."""
    return f"findings-{model.slug}.html"


def site_environment(templates: Path, content_policy: str) -> Environment:
    """The site's one Jinja environment: strict about missing values, HTML escaped, every page given the
    site's Content-Security-Policy (base.html carries it, for pages opened from disk)."""
    environment = Environment(
        loader=FileSystemLoader(templates),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.globals["content_policy"] = content_policy
    return environment


class SiteWriter:
    """Renders templates into the site folder; every page gets the navigation context base.html needs."""

    def __init__(
        self,
        folder: Path,
        models: list[SiteModel],
        templates: Path | None = None,
        content_policy: str | None = None,
    ) -> None:
        """A writer into `folder`; templates and policy default to the gallery's and the engine's settings."""
        self.folder = Path(folder)
        self.models = models
        self.templates = Path(templates or GallerySettings().templates_dir)
        self.pages_written = 0
        self.environment = site_environment(
            self.templates, content_policy or EngineSettings().site_content_policy
        )

    @property
    def default_model(self) -> SiteModel:
        return self.models[0]

    def exists(self, page: str) -> bool:
        return (self.folder / page).is_file()

    def write_file(self, path: str, text: str) -> None:
        """Write a file that is not a page (a site-relative path), such as a page's data."""
        target = self.folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")

    def write_page(
        self,
        template: str,
        page: str,
        model: SiteModel | None,
        model_pages: dict[SiteModel, str] | None = None,
        **context: Any,
    ) -> None:
        """Render `template` to `page` (a site-relative path); `model_pages` feeds the model switcher."""
        prefix = "../" * page.count("/")  # from the page's folder back to the site root
        nav_model = model or self.default_model
        findings = findings_page(nav_model)
        navigation = {
            "gallery": prefix + index_page(nav_model, self.default_model),
            "findings": prefix + findings if self.exists(findings) or page == findings else None,
            "explorer": prefix + EXPLORER_PAGE,
            "compare": prefix + COMPARISON_PAGE if len(self.models) > 1 else None,
        }
        switcher = [
            {"label": m.label, "href": prefix + target, "current": m == model}
            for m, target in (model_pages or {}).items()
        ]
        html = self.environment.get_template(template).render(
            root=prefix,
            assets=prefix + ASSETS + "/",
            model=model,
            navigation=navigation,
            switcher=switcher,
            **context,
        )
        target = self.folder / page
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(html, encoding="utf-8")
        self.pages_written += 1
