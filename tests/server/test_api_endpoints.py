"""The live API's answers, compared with direct engine calls: the server adds no numbers of its own."""

from __future__ import annotations

import json

import pytest

from journeys.indexer.engine import JourneyEngine
from journeys.indexer.journey_cache import JourneyCache
from journeys.indexer.views import View
from journeys.server.app import create_app

TEXT = "Time flies like an arrow."


def analyze(client, **fields):
    return client.post("/api/analyze", json=fields)


def test_health_lists_the_loaded_models(client, served_engines):
    response = client.get("/api/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "models": [e.info.name for e in served_engines]}


def test_models_describe_each_loaded_model(client, served_engines):
    response = client.get("/api/models")
    assert response.status_code == 200
    assert response.get_json() == {"models": [e.info.to_dict() for e in served_engines]}
    assert set(response.get_json()["models"][0]) == {
        "name",
        "num_layers",
        "hidden_size",
        "vocab_size",
        "max_tokens",
        "variants",
        "methods",
        "points",
        "references",
        "position_encoding",
        "precision",
    }


@pytest.mark.parametrize("family", ["roberta", "bert", "distilbert", "gpt2"])
def test_analyze_is_exactly_the_cli_json_of_the_engine(client, tiny_engines, family):
    engine = tiny_engines[family]
    response = analyze(client, text=TEXT, model=engine.info.name, method="exact", top_k=7)
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    expected = engine.analyze(TEXT, "exact", 7).to_dict()
    assert response.get_json() == expected
    assert response.get_data(as_text=True) == json.dumps(expected, ensure_ascii=False)


@pytest.mark.parametrize("family", ["roberta", "bert", "distilbert"])
def test_seed_method_matches_the_engine(client, tiny_engines, family):
    engine = tiny_engines[family]
    response = analyze(client, text=TEXT, model=engine.info.name, method="seed", top_k=3)
    assert response.status_code == 200
    assert response.get_json() == engine.analyze(TEXT, "seed", 3).to_dict()


@pytest.mark.parametrize("family", ["roberta", "gpt2"])
def test_block_output_matches_the_engine_and_is_cached_apart(served_engines, site_dir, tiny_engines, family):
    engine = tiny_engines[family]
    client = create_app(served_engines, site_dir).test_client()
    fields = {"text": TEXT, "model": engine.info.name, "top_k": 4}
    default = analyze(client, **fields).get_json()
    block_output = analyze(client, **fields, point="block-output").get_json()
    assert block_output == engine.analyze(TEXT, "exact", 4, View(point="block-output")).to_dict()
    assert block_output["point"] == "block-output" and default["point"] == "post-attention"
    assert analyze(client, **fields, point="post-attention").get_json() == default
    assert block_output["variants"] != default["variants"]


def test_defaults_are_the_first_model_exact_method_and_default_top_k(client, served_engines):
    response = analyze(client, text=TEXT)
    assert response.status_code == 200
    settings = served_engines[0].settings
    expected = served_engines[0].analyze(TEXT, settings.default_method, settings.default_top_k).to_dict()
    assert response.get_json() == expected


def test_unicode_text_round_trips(client, served_engines):
    text = "Café crème in Zürich costs $3.50 — naïve? 🙂"
    response = analyze(client, text=text, top_k=2)
    assert response.status_code == 200
    assert response.get_json() == served_engines[0].analyze(text, "exact", 2).to_dict()


def test_an_integral_float_top_k_counts_as_a_whole_number(client, served_engines):
    response = analyze(client, text=TEXT, top_k=3.0)
    assert response.get_json() == served_engines[0].analyze(TEXT, "exact", 3).to_dict()


def test_a_repeated_query_is_answered_from_the_recent_cache(served_engines, site_dir):
    app = create_app(served_engines, site_dir)
    client = app.test_client()
    first = analyze(client, text=TEXT, top_k=4)
    second = analyze(client, text=TEXT, top_k=4)
    other = analyze(client, text=TEXT, top_k=5)
    assert first.get_data() == second.get_data()
    assert first.get_data() != other.get_data()
    assert first.status_code == second.status_code == other.status_code == 200


def test_results_stored_by_the_build_are_served_without_recomputing(served_engines, site_dir, tmp_path):
    """The server reads the cache `journeys build` writes: a stored entry is what it answers."""
    engine = served_engines[0]
    stored = JourneyCache(tmp_path)
    planted = engine.analyze("A different sentence altogether.", "exact", 3)
    stored.put(engine.info.name, TEXT, 3, planted)
    client = create_app(served_engines, site_dir, stored).test_client()
    assert analyze(client, text=TEXT, top_k=3).get_json() == planted.to_dict()
    assert analyze(client, text=TEXT, top_k=4).get_json() == engine.analyze(TEXT, "exact", 4).to_dict()
    assert len(list(stored.folder.iterdir())) == 1  # the server never writes the build's cache


def test_a_request_never_loads_a_model(client, tiny_model_folders, served_engines, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a request tried to load a model")

    monkeypatch.setattr(JourneyEngine, "load", refuse)
    monkeypatch.setattr("journeys.indexer.engine.load_model", refuse)
    monkeypatch.setattr("journeys.indexer.model_loading.load_model", refuse)
    for name in ("minilm", "roberta-base", "/etc", str(tiny_model_folders["roberta"].parent)):
        response = analyze(client, text=TEXT, model=name)
        assert response.status_code == 400
        message = response.get_json()["error"]
        assert "not loaded" in message
        assert all(engine.info.name in message for engine in served_engines)
