"""The findings' settings: how local density is measured, how many points the density scatter draws, and
the corpus settings the analyses run with."""

from __future__ import annotations

from dataclasses import dataclass, field

from journeys.corpus.settings import CorpusSettings


@dataclass(frozen=True)
class FindingsSettings:
    """How the findings analyse and summarise a corpus."""

    #: Nearest other vocabulary rows averaged into a row's local density.
    density_neighbours: int = 10
    #: Points per token group drawn in the density scatter (a fixed-seed sample; statistics use all).
    scatter_points: int = 1500
    #: How the corpus, the outside corpus and the corpus passes are read and run.
    corpus: CorpusSettings = field(default_factory=CorpusSettings)
