"""Where each page of the static site lives, and rendering templates into it with shared navigation."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
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


def views_file(model: SiteModel, sentence_slug: str) -> str:
    """The views beyond the study's that a sentence page (and its pairs) load when one is chosen."""
    return f"sentences/{model.slug}/{sentence_slug}.views.js"


def pair_page(model: SiteModel, pair_slug: str) -> str:
    """The side-by-side page of two gallery sentences."""
    return f"pairs/{model.slug}/{pair_slug}.html"


def findings_page(model: SiteModel) -> str:
    """Where the findings step writes a model's findings."""
    return f"findings-{model.slug}.html"


@dataclass(frozen=True)
class SitePlan:
    """The pages a build writes that every page's navigation may link to, decided from the build's inputs
    before any page is written: each model's gallery index and findings page, the explorer, and the
    comparison page when there are two models or more. Navigation follows the plan, never the disk."""

    models: tuple[SiteModel, ...]
    linked: frozenset[str]

    @classmethod
    def for_models(cls, models: Sequence[SiteModel]) -> SitePlan:
        """The plan of a build of `models`, in build order (the first is the default)."""
        linked = {EXPLORER_PAGE}
        linked |= {index_page(model, models[0]) for model in models}
        linked |= {findings_page(model) for model in models}
        if len(models) > 1:
            linked.add(COMPARISON_PAGE)
        return cls(models=tuple(models), linked=frozenset(linked))

    @property
    def default_model(self) -> SiteModel:
        return self.models[0]

    @property
    def compares(self) -> bool:
        """Whether the build writes the page comparing its models."""
        return COMPARISON_PAGE in self.linked

    def link(self, page: str, prefix: str = "") -> str | None:
        """`page` reached through `prefix`, or None when the build does not write it."""
        return prefix + page if page in self.linked else None

    def navigation(self, page: str, model: SiteModel | None) -> dict[str, str | None]:
        """The links base.html's header shows on `page` (site-relative) of `model` (None: site-wide)."""
        prefix = "../" * page.count("/")  # from the page's folder back to the site root
        nav_model = model or self.default_model
        return {
            "gallery": prefix + index_page(nav_model, self.default_model),
            "findings": self.link(findings_page(nav_model), prefix),
            "explorer": prefix + EXPLORER_PAGE,
            "compare": self.link(COMPARISON_PAGE, prefix),
        }


@dataclass(frozen=True)
class Page:
    """One page a step asks for: `template` rendered to `path` (site-relative) for `model` (None for a
    site-wide page) with the template's own `values`; `model_pages` feeds the model switcher."""

    template: str
    path: str
    model: SiteModel | None
    values: Mapping[str, Any]
    model_pages: Mapping[SiteModel, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SiteFile:
    """A file of the site that is not a page (an asset, a page's data), at `path` (site-relative)."""

    path: str
    data: bytes


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


class Site:
    """The one writer of the site folder: renders the pages the steps ask for, each with the navigation
    its plan gives, and writes their files."""

    def __init__(
        self, folder: Path, plan: SitePlan, templates: Path | None = None, content_policy: str | None = None
    ) -> None:
        """A writer into `folder`; templates and policy default to the gallery's and the engine's settings."""
        self.folder = Path(folder)
        self.plan = plan
        self.templates = Path(templates or GallerySettings().templates_dir)
        self.environment = site_environment(
            self.templates, content_policy or EngineSettings().site_content_policy
        )
        self._pages: set[str] = set()

    def render(self, page: Page) -> str:
        """The HTML of `page`, with the navigation context base.html needs."""
        prefix = "../" * page.path.count("/")
        switcher = [
            {"label": m.label, "href": prefix + target, "current": m == page.model}
            for m, target in page.model_pages.items()
        ]
        return self.environment.get_template(page.template).render(
            root=prefix,
            assets=prefix + ASSETS + "/",
            model=page.model,
            navigation=self.plan.navigation(page.path, page.model),
            switcher=switcher,
            **page.values,
        )

    def write(self, outputs: Iterable[Page | SiteFile]) -> None:
        """Write each page and file a step produced, in its order."""
        for output in outputs:
            if isinstance(output, Page):
                self._write(output.path, self.render(output).encode("utf-8"))
                self._pages.add(output.path)
            else:
                self._write(output.path, output.data)

    def finish(self) -> int:
        """The number of pages written, once every page the plan promised links to is among them."""
        missing = self.plan.linked - self._pages
        if missing:
            raise RuntimeError(f"the site links to pages its build never wrote: {', '.join(sorted(missing))}")
        return len(self._pages)

    def _write(self, path: str, data: bytes) -> None:
        target = self.folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
