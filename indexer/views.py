"""The view of an analysis: where each layer's encoding is read, which rows it is ranked against, and how it
is compared with them; one record so a new choice joins it rather than every signature."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class View:
    """Where an encoding is read and how it is compared: the analysis point, the reference rows and the
    metric; the default is the study's view."""

    point: str = "post-attention"
    reference: str = "input"
    metric: str = "cosine"

    def to_dict(self) -> dict[str, str]:
        """The JSON object: "point", "reference" and "metric"."""
        return {"point": self.point, "reference": self.reference, "metric": self.metric}

    def describe(self) -> str:
        """The view in a few words, for progress bars and logs: "block-output, input, euclidean"."""
        return f"{self.point}, {self.reference}, {self.metric}"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> View:
        """The view named in `data` (a journey's JSON); a key it lacks (an older journey's) takes the
        default."""
        default = cls()
        return cls(
            point=data.get("point", default.point),
            reference=data.get("reference", default.reference),
            metric=data.get("metric", default.metric),
        )


#: The study's view: the post-attention residual, ranked against the input embedding rows by cosine.
STUDY_VIEW = View()
