"""Journeys for every gallery sentence, by every method a model supports, from the cache when possible."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tqdm import tqdm

from gallery.result_cache import JourneyCache
from indexer import config
from indexer.adapters import UnsupportedModelError
from indexer.engine import JourneyEngine
from indexer.records import Journey, ModelInfo

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


@dataclass
class ModelJourneys:
    """One model's results: per method, one journey per text in text order; methods it cannot run; and
    the engine, loaded only if something was computed, for later steps to share."""

    name: str
    journeys: dict[str, list[Journey]]
    unavailable: dict[str, str]
    engine: LazyEngine

    @property
    def info(self) -> ModelInfo:
        return self.journeys[config.DEFAULT_METHOD][0].model


def precompute(
    model: str,
    texts: list[str],
    cache: JourneyCache,
    top_k: int = config.GALLERY_TOP_K,
    load_engine: EngineLoader = JourneyEngine.load,
) -> ModelJourneys:
    """Analyse `texts` by each method, computing only what the cache lacks, with a progress bar.

    A method other than the default that the model refuses (seed on a decoder) is recorded as unavailable.
    """
    engine = LazyEngine(model, load_engine)
    journeys, unavailable = {}, {}
    for method in config.METHODS:
        try:
            journeys[method] = _method_journeys(engine, method, texts, cache, top_k)
        except UnsupportedModelError as error:
            if method == config.DEFAULT_METHOD:
                raise
            unavailable[method] = str(error)
    return ModelJourneys(name=model, journeys=journeys, unavailable=unavailable, engine=engine)


def _method_journeys(
    engine: LazyEngine, method: str, texts: list[str], cache: JourneyCache, top_k: int
) -> list[Journey]:
    found = {text: cache.get(engine.name, method, text, top_k) for text in texts}
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
