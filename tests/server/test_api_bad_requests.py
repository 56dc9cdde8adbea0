"""Every bad request gets a 4xx JSON error a person understands: never a 5xx, HTML or a traceback."""

from __future__ import annotations

import json

import pytest

from journeys.server.settings import ServerSettings

LIMITS = ServerSettings()

SEED_DECODER_REFUSAL = "encoders in the BERT layout"


def assert_refused(response, status: int, *words: str) -> str:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"}
    message = body["error"]
    assert message and "\n" not in message and "Traceback" not in message and "<" not in message
    for word in words:
        assert word in message, message
    return message


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({}, ['"text" is missing']),
        ({"text": None}, ['"text" is missing']),
        ({"text": ""}, ['"text" is empty']),
        ({"text": " \n\t "}, ['"text" is empty']),
        ({"text": "\u200b\u200c\ufeff"}, ['"text" is empty']),  # zero-width and format characters only
        ({"text": "\x00\x00 \x07"}, ['"text" is empty']),  # control characters only
        ({"text": 42}, ['"text" must be a string', "a number"]),
        ({"text": ["Time", "flies"]}, ['"text" must be a string', "an array"]),
        ({"text": {"a": 1}}, ['"text" must be a string', "an object"]),
        ({"text": "x" * (LIMITS.max_text_chars + 1)}, ["at most", str(LIMITS.max_text_chars)]),
        ({"text": "Time flies.", "top_k": 0}, ['"top_k"', "from 1 to 100", "not 0"]),
        ({"text": "Time flies.", "top_k": 101}, ['"top_k"', "not 101"]),
        ({"text": "Time flies.", "top_k": -3}, ['"top_k"', "not -3"]),
        ({"text": "Time flies.", "top_k": 2.5}, ['"top_k"', "whole number", "2.5"]),
        ({"text": "Time flies.", "top_k": 1e300}, ['"top_k"', "1e+300"]),
        ({"text": "Time flies.", "top_k": "5"}, ['"top_k"', '"5"']),
        ({"text": "Time flies.", "top_k": True}, ['"top_k"', "a boolean"]),
        ({"text": "Time flies.", "top_k": None}, ['"top_k"', "null"]),
        ({"text": "Time flies.", "top_k": 10**200}, ['"top_k"', "…"]),
        ({"text": "Time flies.", "method": "fast"}, ['"method"', "exact, seed", '"fast"']),
        ({"text": "Time flies.", "method": 1}, ['"method"', "exact, seed"]),
        ({"text": "Time flies.", "method": None}, ['"method"', "null"]),
        ({"text": "Time flies.", "model": "minilm"}, ["model", "not loaded", "choose one of"]),
        ({"text": "Time flies.", "model": 3}, ["model", "not loaded"]),
        ({"text": "Time flies.", "model": ["a"]}, ["model", "not loaded"]),
        ({"text": "Time flies.", "point": "output"}, ['"point"', "post-attention, block-output", '"output"']),
        ({"text": "Time flies.", "point": None}, ['"point"', "null"]),
        ({"text": "Time flies.", "method": "seed", "point": "block-output"}, ["post-attention point only"]),
        ({"text": "Time flies.", "metric": "manhattan"}, ['"metric"', "cosine, euclidean", '"manhattan"']),
        ({"text": "Time flies.", "metric": None}, ['"metric"', "null"]),
        ({"text": "Time flies.", "reference": "logits"}, ['"reference"', "input, output", '"logits"']),
        ({"text": "Time flies.", "reference": 3}, ['"reference"', "input, output"]),
        ({"text": "Time flies.", "method": "seed", "reference": "output"}, ["input reference only"]),
        (
            {"text": "Time flies.", "method": "seed", "metric": "euclidean"},
            ["--method seed", "by cosine only, not euclidean"],
        ),
        (
            {"text": "Time flies.", "colour": "red"},
            ["unknown field 'colour'", "text, model, method, point, metric, reference, top_k"],
        ),
        ({"text": "flies " * 200}, ["tokens long", "at most 64 tokens"]),
    ],
)
def test_bad_fields_are_refused_with_a_clear_message(client, fields, words):
    assert_refused(client.post("/api/analyze", json=fields), 400, *words)


def test_seed_on_a_decoder_model_is_refused(client, tiny_engines):
    response = client.post(
        "/api/analyze",
        json={"text": "Time flies.", "model": tiny_engines["gpt2"].info.name, "method": "seed"},
    )
    assert_refused(response, 400, SEED_DECODER_REFUSAL)


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"", ["not valid JSON"]),
        (b"{", ["not valid JSON"]),
        (b'{"text": "a",}', ["not valid JSON"]),
        (b"{'text': 'a'}", ["not valid JSON"]),
        (b'{"text": NaN}', ['"text" must be a string']),
        (b"\xff\xfe{}", ["not UTF-8"]),
        (b"[" * 20000 + b"]" * 20000, ["not valid JSON"]),
        (b'{"top_k": ' + b"9" * 5000 + b', "text": "a"}', ["not valid JSON"]),
        (b'"Time flies."', ["must be a JSON object"]),
        (b'["Time flies."]', ["must be a JSON object"]),
        (b"null", ["must be a JSON object"]),
        (b'{"text": "\\ud800 lone surrogate"}', ["surrogate"]),
    ],
)
def test_malformed_json_is_refused(client, body, words):
    response = client.post("/api/analyze", data=body, content_type="application/json")
    assert_refused(response, 400, *words)


@pytest.mark.parametrize(
    "content_type",
    [None, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"],
)
def test_a_body_that_is_not_json_is_415(client, content_type):
    body = json.dumps({"text": "Time flies."})
    response = client.post("/api/analyze", data=body, content_type=content_type)
    assert_refused(response, 415, "application/json")


def test_an_oversized_body_is_413_before_it_is_read(client):
    body = json.dumps({"text": "x" * LIMITS.max_body_bytes})
    response = client.post("/api/analyze", data=body, content_type="application/json")
    assert_refused(response, 413, str(LIMITS.max_body_bytes))


@pytest.mark.parametrize(
    ("method", "path", "status", "words"),
    [
        ("get", "/api/analyze", 405, ["GET is not allowed on /api/analyze", "use POST"]),
        ("put", "/api/analyze", 405, ["use POST"]),
        ("post", "/api/health", 405, ["use GET"]),
        ("delete", "/api/models", 405, ["use GET"]),
        ("get", "/api/nothing", 404, ["nothing at /api/nothing"]),
        ("get", "/api", 404, ["nothing at /api"]),
        ("post", "/index.html", 405, ["use GET"]),
    ],
)
def test_wrong_paths_and_methods_get_json_errors(client, method, path, status, words):
    assert_refused(getattr(client, method)(path), status, *words)


def test_405_names_the_allowed_methods_in_its_header(client):
    assert "POST" in client.get("/api/analyze").headers["Allow"]
