"""Journeys for every gallery sentence, by every method a model supports in the study's view and by the
exact method in every other view it offers, from the cache when possible."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from tqdm import tqdm

from journeys.gallery.page_data import view_key
from journeys.indexer.engine import JourneyEngine
from journeys.indexer.journey_cache import JourneyCache
from journeys.indexer.options import METHODS, METRICS, POINTS, REFERENCES, SEED_REFUSAL
from journeys.indexer.records import Journey, ModelInfo, Precision
from journeys.indexer.views import STUDY_VIEW, View

EngineLoader = Callable[[str], JourneyEngine]


class LazyEngine:
    """Loads the model on first use only, so a fully cached rebuild never loads it."""

    def __init__(self, name: str, load: EngineLoader) -> None:
        self.name = name
        self._load = load
        self._engine: JourneyEngine | None = None

    def get(self) -> JourneyEngine:
        if self._engine is None:
            self._engine = self._load(self.name)
        return self._engine


@dataclass(frozen=True)
class ModelJourneys:
    """One model's results: what it offers, per method one journey per text in text order (the study's
    view), methods it cannot run (with the reason), the engine, loaded only if something was computed, and
    per other view the model offers one journey per text by the exact method."""

    name: str
    info: ModelInfo
    journeys: dict[str, list[Journey]]
    unavailable: dict[str, str]
    engine: LazyEngine
    views: dict[View, list[Journey]] = field(default_factory=dict)


def other_views(info: ModelInfo) -> list[View]:
    """Every view `info`'s model offers beyond the study's: each point with each metric against the input
    rows, and each point against the output head where the model has one."""
    offered = [View(point, REFERENCES[0], metric) for point in POINTS for metric in METRICS]
    if REFERENCES[1] in info.references:
        offered += [View(point, REFERENCES[1], METRICS[0]) for point in POINTS]
    return [view for view in offered if view != STUDY_VIEW and view.point in info.points]


def precompute(
    model: str,
    texts: list[str],
    cache: JourneyCache,
    precision: Precision | None,
    top_k: int,
    load_engine: EngineLoader,
) -> ModelJourneys:
    """Analyse `texts` by each method the model offers, listing `top_k` neighbours (the server's default,
    so that it finds these in the cache), computing only what the cache lacks, with a progress bar. What the
    model offers is cached too, so a fully cached rebuild never loads it; the cache is read for the
    `precision` the model will compute in (None: known once it is loaded)."""
    engine = LazyEngine(model, load_engine)
    precision = precision or engine.get().precision
    info = cache.get_model_info(model, precision)
    if info is None:
        info = engine.get().info
        cache.put_model_info(model, info)
    journeys = {
        method: _method_journeys(engine, precision, method, texts, cache, top_k, STUDY_VIEW)
        for method in info.methods
    }
    views = {
        view: _method_journeys(engine, precision, METHODS[0], texts, cache, top_k, view)
        for view in other_views(info)
    }
    refusal = SEED_REFUSAL.format(model=info.name)
    unavailable = {method: refusal for method in METHODS if method not in info.methods}
    return ModelJourneys(
        name=model, info=info, journeys=journeys, unavailable=unavailable, engine=engine, views=views
    )


def _method_journeys(
    engine: LazyEngine,
    precision: Precision,
    method: str,
    texts: list[str],
    cache: JourneyCache,
    top_k: int,
    view: View,
) -> list[Journey]:
    found = {text: cache.get(engine.name, precision, method, text, top_k, view) for text in texts}
    missing = [text for text, journey in found.items() if journey is None]
    if missing:
        engine.get()  # load (or fail) before the progress bar starts, so a failure is one clean line
    with tqdm(
        total=len(found),
        initial=len(found) - len(missing),
        desc=f"{engine.name} {method}" + ("" if view == STUDY_VIEW else f" {view_key(view)}"),
        unit="sentence",
        leave=False,
    ) as progress:
        for text in missing:
            found[text] = journey = engine.get().analyze(text, method, top_k, view)
            cache.put(engine.name, text, top_k, journey)
            progress.update()
    return [found[text] for text in texts]
