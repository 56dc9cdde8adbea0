"""POST /api/contextual: the nearest corpus occurrences, exactly what the contextual index answers,
refused by the same rules as /api/analyze, and a plain 404 for a model without an index."""

from __future__ import annotations

import jsonschema
import pytest

from journeys.contextual.index import ContextualIndex
from journeys.contextual.settings import ContextualSettings
from journeys.corpus.corpus_analysis import CorpusAnalysis, analyze_corpus
from journeys.server.app import create_app

CORPUS = [
    "The bank by the river was closed.",
    "She paid the money into her bank account.",
    "Time flies like an arrow.",
    "The dog barked at the horse in the field.",
]


@pytest.fixture(scope="module")
def roberta_analysis(tiny_engines) -> CorpusAnalysis:
    return analyze_corpus(tiny_engines["roberta"], CORPUS, "exact", keep_encodings=True, progress=False)


@pytest.fixture(scope="module")
def roberta_index(tiny_engines, roberta_analysis) -> ContextualIndex:
    return ContextualIndex.from_analysis(tiny_engines["roberta"], roberta_analysis)


@pytest.fixture(scope="module")
def contextual_client(served_engines, site_dir, roberta_index):
    """Every tiny model served; only the default (roberta) has a contextual index."""
    name = served_engines[0].info.name
    return create_app(served_engines, site_dir, contextual={name: roberta_index}).test_client()


def test_answer_equals_the_index_query(contextual_client, tiny_engines, roberta_index):
    response = contextual_client.post("/api/contextual", json={"text": "The bank of the river.", "k": 2})
    assert response.status_code == 200
    expected = roberta_index.query(tiny_engines["roberta"], "The bank of the river.", k=2).to_dict()
    assert response.get_json() == expected
    assert all(len(layer) == 2 for token in expected["neighbours"] for layer in token)


def test_a_corpus_sentence_finds_itself_first(contextual_client):
    data = contextual_client.post("/api/contextual", json={"text": CORPUS[1]}).get_json()
    assert data["k"] == ContextualSettings().default_k
    for position, layers in enumerate(data["neighbours"]):
        for hits in layers:
            assert (hits[0]["sentence"], hits[0]["position"]) == (1, position)


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"text": ""}, ["empty"]),
        ({"text": "a", "k": 0}, ['"k"', "1 to 50"]),
        ({"text": "a", "k": 51}, ['"k"']),
        ({"text": "a", "k": True}, ['"k"']),
        ({"text": "a", "top_k": 3}, ["unknown field"]),
        ({"text": "a", "model": "elsewhere"}, ["not loaded"]),
        ({"text": "word " * 200}, ["tokens long"]),
    ],
)
def test_bad_requests_are_400_with_a_message(contextual_client, body, words):
    response = contextual_client.post("/api/contextual", json=body)
    assert response.status_code == 400
    message = response.get_json()["error"]
    assert all(word in message for word in words), message


def test_non_json_is_415(contextual_client):
    response = contextual_client.post("/api/contextual", data="text=a", content_type="text/plain")
    assert response.status_code == 415 and "error" in response.get_json()


def test_a_model_without_an_index_is_a_plain_404(contextual_client, tiny_engines):
    response = contextual_client.post(
        "/api/contextual", json={"text": "time flies", "model": tiny_engines["bert"].info.name}
    )
    assert response.status_code == 404
    assert "no contextual index" in response.get_json()["error"]
    assert "make build" in response.get_json()["error"]


@pytest.mark.parametrize(
    "body",
    [
        {"text": "Time flies.", "k": 3},
        {"text": ""},
        {"text": "x", "model": "bert-ish"},
        {"text": "x", "k": 0},
    ],
)
def test_responses_match_the_openapi_document(contextual_client, body, tiny_engines):
    document = contextual_client.get("/api/openapi.json").get_json()
    response = contextual_client.post("/api/contextual", json=body)
    documented = document["paths"]["/api/contextual"]["post"]["responses"][str(response.status_code)]
    schema = {**documented["content"]["application/json"]["schema"], "components": document["components"]}
    jsonschema.Draft202012Validator(schema).validate(response.get_json())


def test_saved_index_is_found_again_for_the_same_weights(tiny_engines, roberta_analysis):
    engine = tiny_engines["roberta"]
    ContextualIndex.from_analysis(engine, roberta_analysis)
    again = ContextualIndex.load_saved(engine)
    assert again is not None and again.sentences == CORPUS
    assert ContextualIndex.load_saved(engine, sentences=["another corpus"]) is None
