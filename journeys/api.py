"""The notebook entry points: load a model once, analyse texts, read back a downloaded journey."""

from __future__ import annotations

import functools
import json
from pathlib import Path

from journeys.indexer import config
from journeys.indexer.engine import JourneyEngine
from journeys.notebook_journey import NotebookJourney


@functools.cache
def load_model(
    name: str = config.DEFAULT_MODEL, causal_mask: bool = True, device: str = "auto", dtype: str = "auto"
) -> JourneyEngine:
    """The engine of a registry name, model folder or Hub id on `device` in `dtype` (auto: float32 on the
    CPU, the checkpoint's dtype on a GPU), loaded once per process and then reused."""
    return JourneyEngine.load(name, causal_mask, device, dtype)


def analyze(
    text: str,
    model: str | JourneyEngine = config.DEFAULT_MODEL,
    method: str = config.DEFAULT_METHOD,
    top_k: int = config.DEFAULT_TOP_K,
    device: str = "auto",
    dtype: str = "auto",
) -> NotebookJourney:
    """Rank, similarity and nearest vocabulary rows of every token of `text` at every layer, exactly what
    `journeys analyze --json` and POST /api/analyze give; `model` is a name or a loaded engine (whose own
    device and dtype then stand)."""
    engine = model if isinstance(model, JourneyEngine) else load_model(model, True, device, dtype)
    return NotebookJourney.of(engine.analyze(text, method=method, top_k=top_k))


def load_journey(path: str | Path) -> NotebookJourney:
    """A journey saved as JSON (the site's JSON download, or `journeys analyze --json` output)."""
    return NotebookJourney.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))
