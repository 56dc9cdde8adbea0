"""The journey cache the build fills and the server reads: one file per key, the Journey JSON inside."""

from __future__ import annotations

import json
from dataclasses import replace

from journeys.indexer.journey_cache import JourneyCache
from journeys.indexer.options import METRICS, POINTS
from journeys.indexer.records import Journey
from journeys.indexer.settings import EngineSettings
from journeys.indexer.views import View

TEXT = "Time flies like an arrow."


def test_a_stored_journey_comes_back_as_the_same_json(tiny_engines, tmp_path):
    engine = tiny_engines["roberta"]
    journey = engine.analyze(TEXT, "exact", 5)
    cache = JourneyCache(tmp_path)
    assert cache.get(engine.info.name, engine.precision, "exact", TEXT, 5) is None
    cache.put(engine.info.name, TEXT, 5, journey)
    assert cache.get(engine.info.name, engine.precision, "exact", TEXT, 5).to_dict() == journey.to_dict()
    stored = json.loads(
        cache.path(engine.info.name, engine.precision, "exact", TEXT, 5).read_text(encoding="utf-8")
    )
    assert stored["record"]["journey"] == journey.to_dict()


def test_a_lens_journey_is_stored_apart_and_comes_back_as_the_same_json(headed_engine, tmp_path):
    engine = headed_engine("gpt2")
    lens = View(reference="output")
    journey = engine.analyze(TEXT, "exact", 5, lens)
    cache = JourneyCache(tmp_path)
    cache.put(engine.info.name, TEXT, 5, journey)
    assert cache.get(engine.info.name, engine.precision, "exact", TEXT, 5) is None
    assert (
        cache.get(engine.info.name, engine.precision, "exact", TEXT, 5, lens).to_dict() == journey.to_dict()
    )


def test_every_part_of_the_key_matters(tiny_engines, tmp_path):
    engine = tiny_engines["bert"]
    cache = JourneyCache(tmp_path)
    cache.put(engine.info.name, TEXT, 5, engine.analyze(TEXT, "exact", 5))
    name = engine.info.name
    assert cache.get(name, engine.precision, "seed", TEXT, 5) is None
    assert cache.get(name, engine.precision, "exact", TEXT + " ", 5) is None
    assert cache.get(name, engine.precision, "exact", TEXT, 6) is None
    assert cache.get(name, engine.precision, "exact", TEXT, 5, View(point="block-output")) is None
    assert cache.get("another-model", engine.precision, "exact", TEXT, 5) is None
    assert cache.get(name, engine.precision, "exact", TEXT, 5, View(metric="euclidean")) is None
    for other in ({"dtype": "bfloat16"}, {"device": "cuda"}, {"torch": "2.11.0+cu128"}, {"matmul": "high"}):
        assert cache.get(name, replace(engine.precision, **other), "exact", TEXT, 5) is None
    settings = EngineSettings()
    next_engine = JourneyCache(tmp_path, replace(settings, engine_version=settings.engine_version + "-next"))
    assert next_engine.folder == cache.folder
    assert next_engine.get(name, engine.precision, "exact", TEXT, 5) is None


def test_journeys_at_each_point_are_stored_apart(tiny_engines, tmp_path):
    engine = tiny_engines["bert"]
    cache = JourneyCache(tmp_path)
    name, precision = engine.info.name, engine.precision
    journeys = {point: engine.analyze(TEXT, "exact", 5, View(point=point)) for point in POINTS}
    for journey in journeys.values():
        cache.put(name, TEXT, 5, journey)
    for point, journey in journeys.items():
        assert cache.get(name, precision, "exact", TEXT, 5, View(point=point)).to_dict() == journey.to_dict()
    assert cache.get(name, precision, "exact", TEXT, 5).view.point == "post-attention"
    assert journeys["block-output"].to_dict() != journeys["post-attention"].to_dict()


def test_a_journey_saved_before_views_reads_back_in_the_default_view(tiny_engines):
    saved = tiny_engines["bert"].analyze(TEXT, "exact", 2).to_dict()
    for key in ("point", "reference", "metric"):
        del saved[key]
    assert Journey.from_dict(saved).view == View()


def test_journeys_by_either_metric_are_kept_apart(tiny_engines, tmp_path):
    engine = tiny_engines["gpt2"]
    cache = JourneyCache(tmp_path)
    by_distance = engine.analyze(TEXT, "exact", 5, View(metric="euclidean"))
    cache.put(engine.info.name, TEXT, 5, by_distance)
    assert cache.get(engine.info.name, engine.precision, "exact", TEXT, 5) is None
    found = cache.get(engine.info.name, engine.precision, "exact", TEXT, 5, View(metric="euclidean"))
    assert found.to_dict() == by_distance.to_dict()


def test_every_view_is_stored_apart(tiny_engines, tmp_path):
    """Both branches' choices together: four views, four entries, each read back as it was stored."""
    engine = tiny_engines["gpt2"]
    cache = JourneyCache(tmp_path)
    name, precision = engine.info.name, engine.precision
    views = [View(point=point, metric=metric) for point in POINTS for metric in METRICS]
    journeys = {view: engine.analyze(TEXT, "exact", 3, view) for view in views}
    for journey in journeys.values():
        cache.put(name, TEXT, 3, journey)
    assert len({cache.path(name, precision, "exact", TEXT, 3, view) for view in views}) == len(views)
    for view, journey in journeys.items():
        assert cache.get(name, precision, "exact", TEXT, 3, view).to_dict() == journey.to_dict()


def test_a_damaged_file_is_a_miss_said_in_one_line(tiny_engines, tmp_path, capsys):
    engine = tiny_engines["bert"]
    cache = JourneyCache(tmp_path)
    cache.put(engine.info.name, TEXT, 5, engine.analyze(TEXT, "exact", 5))
    path = cache.path(engine.info.name, engine.precision, "exact", TEXT, 5)
    path.write_text('{"key": ', encoding="utf-8")
    assert cache.get(engine.info.name, engine.precision, "exact", TEXT, 5) is None
    warning = capsys.readouterr().err.splitlines()
    assert len(warning) == 1 and warning[0].startswith(f"journeys: warning: {path} ")
