"""Token Encoding Journeys, under one import name: the engine (`journeys.indexer`), the corpus pass
(`journeys.corpus`), the contextual index, the findings, the site, the server, and on top the command line
and the notebook API, whose entry points load on first use so that importing a part stays light:

    from journeys import analyze
    journey = analyze("Time flies like an arrow.", model="minilm")
    journey.to_pandas()            # one row per variant x token x layer
    journey.plot(token="flies")    # the site's similarity and rank charts
"""

from __future__ import annotations

from typing import Any

__all__ = ["Journey", "NotebookJourney", "analyze", "load_journey", "load_model"]


def __getattr__(name: str) -> Any:
    """The notebook API, imported when first asked for (it loads torch and the engine)."""
    if name in ("analyze", "load_journey", "load_model"):
        from journeys import api

        return getattr(api, name)
    if name == "NotebookJourney":
        from journeys.notebook_journey import NotebookJourney

        return NotebookJourney
    if name == "Journey":
        from journeys.indexer.records import Journey

        return Journey
    raise AttributeError(f"module 'journeys' has no attribute {name!r}")
