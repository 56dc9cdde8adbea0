"""Token Encoding Journeys from Python, for notebooks: the same `Journey` records the command line, the
site and the API give, with `journey.to_pandas()` and `journey.plot()`.

    from journeys import analyze
    journey = analyze("Time flies like an arrow.", model="minilm")
    journey.to_pandas()            # one row per variant x token x layer
    journey.plot(token="flies")    # the site's similarity and rank charts
"""

from indexer.records import Journey
from journeys.api import analyze, load_journey, load_model
from journeys.notebook_journey import NotebookJourney

__all__ = ["Journey", "NotebookJourney", "analyze", "load_journey", "load_model"]
