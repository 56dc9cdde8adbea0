"""Journeys for every gallery sentence, by every method a model supports, from the cache when possible."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tqdm import tqdm

from journeys.indexer.engine import JourneyEngine
from journeys.indexer.journey_cache import JourneyCache
from journeys.indexer.options import METHODS, SEED_REFUSAL
from journeys.indexer.records import Journey, ModelInfo, Precision

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
    """One model's results: what it offers, per method one journey per text in text order, methods it
    cannot run (with the reason), and the engine, loaded only if something was computed."""

    name: str
    info: ModelInfo
    journeys: dict[str, list[Journey]]
    unavailable: dict[str, str]
    engine: LazyEngine


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
        method: _method_journeys(engine, precision, method, texts, cache, top_k) for method in info.methods
    }
    refusal = SEED_REFUSAL.format(model=info.name)
    unavailable = {method: refusal for method in METHODS if method not in info.methods}
    return ModelJourneys(name=model, info=info, journeys=journeys, unavailable=unavailable, engine=engine)


def _method_journeys(
    engine: LazyEngine, precision: Precision, method: str, texts: list[str], cache: JourneyCache, top_k: int
) -> list[Journey]:
    found = {text: cache.get(engine.name, precision, method, text, top_k) for text in texts}
    missing = [text for text, journey in found.items() if journey is None]
    if missing:
        engine.get()  # load (or fail) before the progress bar starts, so a failure is one clean line
    with tqdm(
        total=len(found),
        initial=len(found) - len(missing),
        desc=f"{engine.name} {method}",
        unit="sentence",
        leave=False,
    ) as progress:
        for text in missing:
            found[text] = journey = engine.get().analyze(text, method, top_k)
            cache.put(engine.name, text, top_k, journey)
            progress.update()
    return [found[text] for text in texts]
