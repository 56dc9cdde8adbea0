"""The OpenAPI document at /api/openapi.json is kept true: real responses, errors included, validate."""

from __future__ import annotations

import jsonschema
import pytest

from journeys.indexer.options import METHODS, POINTS
from journeys.indexer.views import View
from journeys.server.app import create_app
from journeys.server.settings import ServerSettings

LIMITS = ServerSettings()

TEXT = "Time flies like an arrow."


@pytest.fixture(scope="module")
def document(served_engines, site_dir):
    response = create_app(served_engines, site_dir).test_client().get("/api/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def schema_of(document: dict, reference: dict) -> dict:
    """A standalone JSON Schema for a `$ref` into the document's components."""
    return {**reference, "components": document["components"]}


def assert_documented(document: dict, path: str, method: str, response) -> None:
    operation = document["paths"][path][method]
    documented = operation["responses"][str(response.status_code)]
    schema = documented["content"][response.mimetype]["schema"]
    jsonschema.Draft202012Validator(schema_of(document, schema)).validate(response.get_json())


def test_the_document_is_openapi_3_1_with_valid_schemas(document):
    assert document["openapi"].startswith("3.1")
    for schema in document["components"]["schemas"].values():
        jsonschema.Draft202012Validator.check_schema(schema)


def test_every_api_route_is_documented_and_every_documented_path_exists(client, document):
    routes = {
        (rule.rule, method.lower())
        for rule in client.application.url_map.iter_rules()
        if rule.rule.startswith("/api/")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    documented = {(path, method) for path, item in document["paths"].items() for method in item}
    assert routes == documented


def test_health_and_models_responses_match(client, document):
    assert_documented(document, "/api/health", "get", client.get("/api/health"))
    assert_documented(document, "/api/models", "get", client.get("/api/models"))


@pytest.mark.parametrize("family", ["roberta", "bert", "distilbert", "gpt2"])
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("point", POINTS)
def test_analyze_responses_match(client, document, tiny_engines, family, method, point):
    model = tiny_engines[family].info.name
    body = {"text": TEXT, "model": model, "method": method, "point": point, "top_k": 5}
    jsonschema.validate(body, schema_of(document, {"$ref": "#/components/schemas/AnalyzeRequest"}))
    response = client.post("/api/analyze", json=body)
    refused = method == "seed" and (family == "gpt2" or point != "post-attention")
    assert response.status_code == (400 if refused else 200)
    assert_documented(document, "/api/analyze", "post", response)


@pytest.mark.parametrize("family", ["roberta", "gpt2"])
def test_euclidean_analyze_responses_match_and_are_not_mixed_with_cosine_ones(
    client, document, tiny_engines, family
):
    engine = tiny_engines[family]
    cosine = {"text": TEXT, "model": engine.info.name, "top_k": 3}
    euclidean = {**cosine, "metric": "euclidean"}
    jsonschema.validate(euclidean, schema_of(document, {"$ref": "#/components/schemas/AnalyzeRequest"}))
    first, second = client.post("/api/analyze", json=cosine), client.post("/api/analyze", json=euclidean)
    for response in (first, second):
        assert response.status_code == 200
        assert_documented(document, "/api/analyze", "post", response)
    assert first.get_json()["metric"] == "cosine" and "similarity" in first.get_json()["variants"]["raw"]
    assert second.get_json() == engine.analyze(TEXT, top_k=3, view=View(metric="euclidean")).to_dict()


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'{"text": ""}', "application/json"),
        (b'{"text": "a", "top_k": 0}', "application/json"),
        (b"{", "application/json"),
        (b'{"text": "a"}', "text/plain"),
        (b'{"text": "' + b"x" * LIMITS.max_body_bytes + b'"}', "application/json"),
    ],
)
def test_error_responses_match(client, document, body, content_type):
    response = client.post("/api/analyze", data=body, content_type=content_type)
    assert response.status_code in (400, 413, 415)
    assert_documented(document, "/api/analyze", "post", response)


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"text": ""},
        {"text": "x" * (LIMITS.max_text_chars + 1)},
        {"text": "a", "top_k": 0},
        {"text": "a", "top_k": 101},
        {"text": "a", "top_k": 2.5},
        {"text": "a", "method": "fast"},
        {"text": "a", "point": "block_output"},
        {"text": "a", "colour": "red"},
    ],
)
def test_requests_the_document_forbids_are_refused(client, document, body):
    request_schema = schema_of(document, {"$ref": "#/components/schemas/AnalyzeRequest"})
    assert not jsonschema.Draft202012Validator(request_schema).is_valid(body)
    assert client.post("/api/analyze", json=body).status_code == 400


def test_lens_responses_match_and_headless_models_refuse_the_output_reference(
    client, document, headed_engine, site_dir
):
    engine = headed_engine("gpt2")
    lens_client = create_app([engine], site_dir).test_client()
    body = {"text": TEXT, "point": "block-output", "reference": "output", "top_k": 3}
    jsonschema.validate(body, schema_of(document, {"$ref": "#/components/schemas/AnalyzeRequest"}))
    response = lens_client.post("/api/analyze", json=body)
    assert response.status_code == 200
    assert_documented(document, "/api/analyze", "post", response)
    view = View(point="block-output", reference="output")
    assert response.get_json() == engine.analyze(TEXT, top_k=3, view=view).to_dict()
    models = lens_client.get("/api/models")
    assert_documented(document, "/api/models", "get", models)
    assert models.get_json()["models"][0]["references"] == ["input", "output"]
    refused = client.post("/api/analyze", json={"text": TEXT, "reference": "output"})
    assert refused.status_code == 400 and "has no output head" in refused.get_json()["error"]
    assert_documented(document, "/api/analyze", "post", refused)
    wrong = client.post("/api/analyze", json={"text": TEXT, "reference": "output", "metric": "euclidean"})
    assert wrong.status_code == 400 and "ranks by logit" in wrong.get_json()["error"]
