"""A journey with its DataFrame and its charts: what the notebook API returns. The engine's records carry
data only; pandas and Plotly come in here, when asked for."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

from journeys.indexer.records import Journey

if TYPE_CHECKING:
    import pandas
    import plotly.graph_objects


@dataclass
class NotebookJourney(Journey):
    """A `Journey` that also converts itself to a DataFrame and draws the site's charts."""

    @classmethod
    def of(cls, journey: Journey) -> NotebookJourney:
        """The same record, with the notebook conversions."""
        return cls(**{field.name: getattr(journey, field.name) for field in fields(Journey)})

    def to_pandas(self) -> pandas.DataFrame:
        """One row per variant x token x layer, with the columns of the journey's CSV
        (`indexer.journey_csv`); needs pandas (`pip install '.[notebook]'`)."""
        from journeys.journey_frame import journey_frame

        return journey_frame(self)

    def plot(
        self,
        token: int | str | None = None,
        variant: str = "raw",
        layer: int | None = None,
        chart: str = "both",
    ) -> plotly.graph_objects.Figure:
        """The Plotly figure the site draws for this journey (`journeys.journey_figure`): `chart`
        "similarity", "rank", or "both" side by side; `token` by index or text."""
        from journeys.journey_figure import journey_figure

        return journey_figure(self, token=token, variant=variant, layer=layer, chart=chart)
