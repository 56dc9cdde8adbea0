"""`journey.to_pandas()`: the journey's CSV rows as a pandas DataFrame (pandas is the optional `notebook`
extra, so the engine, the server and the CLI never import it)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from journeys.indexer.journey_csv import csv_columns, journey_rows
from journeys.indexer.records import Journey

if TYPE_CHECKING:
    import pandas

MISSING_PANDAS = "journey.to_pandas() needs pandas: pip install 'token-encoding-journeys[notebook]'"


def journey_frame(journey: Journey) -> pandas.DataFrame:
    """One row per variant x token x layer, the CSV's columns with, after `method`, the rows compared with
    (`reference`: "input", the input embedding rows) and the `metric`; rank as a nullable whole number."""
    try:
        import pandas
    except ImportError as error:
        raise ImportError(MISSING_PANDAS) from error
    frame = pandas.DataFrame(list(journey_rows(journey)), columns=csv_columns(journey))
    after_method = frame.columns.get_loc("method") + 1
    frame.insert(after_method, "reference", "input")
    frame.insert(after_method + 1, "metric", journey.metric)
    return frame.astype({"rank": "Int64"})
