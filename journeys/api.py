"""The notebook entry points: load a model once, analyse texts, read back a downloaded journey.

A notebook has no `main`: a `load_model` call without `settings` is where its program starts, so that is
where the environment is read (JOURNEYS_BUILD_DIR), as `journeys` reads it when it starts.
"""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path

from journeys.indexer.engine import JourneyEngine
from journeys.indexer.settings import EngineSettings
from journeys.indexer.views import View
from journeys.notebook_journey import NotebookJourney


def load_model(
    name: str | None = None,
    causal_mask: bool = True,
    settings: EngineSettings | None = None,
    device: str = "auto",
    dtype: str = "auto",
) -> JourneyEngine:
    """The engine of a registry name, model folder or Hub id (default: the settings' default model) on
    `device` in `dtype` (auto: float32 on the CPU, the checkpoint's dtype on a GPU), loaded once per process
    and then reused."""
    settings = settings or EngineSettings.from_environment(os.environ)
    return _loaded(name or settings.default_model, causal_mask, settings, device, dtype)


@functools.cache
def _loaded(name: str, causal_mask: bool, settings: EngineSettings, device: str, dtype: str) -> JourneyEngine:
    return JourneyEngine.load(name, causal_mask, settings, device=device, dtype=dtype)


def analyze(
    text: str,
    model: str | JourneyEngine | None = None,
    method: str | None = None,
    top_k: int | None = None,
    device: str = "auto",
    dtype: str = "auto",
    point: str | None = None,
    metric: str | None = None,
    reference: str | None = None,
) -> NotebookJourney:
    """Rank, similarity (or distance) and nearest vocabulary rows of every token of `text` at every layer,
    exactly what `journeys analyze --json` and POST /api/analyze give; `model` is a name or a loaded engine
    (default: the default model; a loaded engine keeps its own device and dtype), `method`, `top_k`, `point`
    (post-attention or block-output), `metric` ("cosine" or "euclidean") and `reference` ("input", or
    "output": the logit lens, where the model has an output head) default to the engine's settings."""
    engine = model if isinstance(model, JourneyEngine) else load_model(model, device=device, dtype=dtype)
    default = engine.settings.default_view  # the engine checks the view it is given
    view = View(
        point=default.point if point is None else point,
        reference=default.reference if reference is None else reference,
        metric=default.metric if metric is None else metric,
    )
    return NotebookJourney.of(engine.analyze(text, method=method, top_k=top_k, view=view))


def load_journey(path: str | Path) -> NotebookJourney:
    """A journey saved as JSON (the site's JSON download, or `journeys analyze --json` output)."""
    return NotebookJourney.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))
