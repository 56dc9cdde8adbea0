"""`journey.to_pandas()`: the journey's CSV rows as a pandas DataFrame, with the view it was computed in
beside `method` (pandas is the optional `notebook` extra, so the engine, the server and the CLI never
import it)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from journeys.indexer.journey_csv import csv_columns, journey_rows
from journeys.indexer.records import Journey

if TYPE_CHECKING:
    import pandas

MISSING_PANDAS = "journey.to_pandas() needs pandas: pip install 'token-encoding-journeys[notebook]'"


def journey_frame(journey: Journey) -> pandas.DataFrame:
    """One row per variant x token x layer, the CSV's columns and, after `method`, the view: the analysis
    point, the reference rows ranked against ("input": the input embedding rows) and the metric; rank as a
    nullable whole number."""
    try:
        import pandas
    except ImportError as error:
        raise ImportError(MISSING_PANDAS) from error
    frame = pandas.DataFrame(list(journey_rows(journey)), columns=csv_columns(journey))
    after_method = frame.columns.get_loc("method") + 1
    for column, (name, value) in enumerate(journey.view.to_dict().items(), start=after_method):
        frame.insert(column, name, value)
    return frame.astype({"rank": "Int64"})
