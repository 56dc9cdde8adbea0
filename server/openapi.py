"""The OpenAPI 3.1 document of the live API, served at /api/openapi.json and checked against real responses.

Its limits come from the server's `ServerSettings`, so the document cannot drift from what the server
enforces.
"""

from __future__ import annotations

from typing import Any

from journeys.indexer.options import METHODS, METRICS, POINTS, REFERENCES
from journeys.indexer.precision import DTYPES
from journeys.indexer.reference_rows import POSITIONAL, RAW
from journeys.server.settings import ServerSettings


def _object(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
        "additionalProperties": False,
    }


def _array(items: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": items}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json_response(description: str, schema: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref(schema)}}}


COUNT = {"type": "integer", "minimum": 0}
NULLABLE_RANK = {"type": ["integer", "null"], "minimum": 0}
#: Cosines are computed in float64, which may overshoot ±1 by a rounding error.
SIMILARITY = {"type": "number", "minimum": -1.000001, "maximum": 1.000001}
NULLABLE_SIMILARITY = {**SIMILARITY, "type": ["number", "null"]}
POINT_DESCRIPTION = (
    "where each layer's encoding is read: post-attention, the residual right after attention is added; "
    "block-output, the block's output, which the next block receives"
)
#: A Euclidean distance; a token's own distance is never null (a zero row has one too).
DISTANCE = {"type": "number", "minimum": 0}
REFERENCE_DESCRIPTION = (
    "what encodings are ranked against: input, the input embedding rows; output, the model's output head "
    "through its final norm (the logit lens; models list it in `references` where they have a head, and "
    "it takes the exact method and the cosine metric only)"
)
LOGIT = {"type": "number"}
PROBABILITY = {"type": "number", "minimum": 0, "maximum": 1}

SCHEMAS: dict[str, Any] = {
    "Error": _object({"error": {"type": "string", "minLength": 1}}),
    "Health": _object({"status": {"const": "ok"}, "models": _array({"type": "string"})}),
    "Model": _object(
        {
            "name": {"type": "string"},
            "num_layers": COUNT,
            "hidden_size": COUNT,
            "vocab_size": COUNT,
            "max_tokens": COUNT,
            "variants": _array({"enum": [RAW, POSITIONAL]}),
            "methods": _array({"enum": list(METHODS)}),
            "points": _array({"enum": list(POINTS)}),
            "position_encoding": {"type": "string"},
            "references": _array({"enum": list(REFERENCES)}),
            "precision": _ref("Precision"),
        }
    ),
    "Precision": _object(
        {
            "device": {"enum": ["cpu", "cuda", "mps"], "description": "the kind of device the model ran on"},
            "dtype": {"enum": list(DTYPES), "description": "the dtype the model computed in"},
            "torch": {"type": "string", "description": "the torch version"},
            "matmul": {
                "enum": ["highest", "high", "medium"],
                "description": "torch's float32 matmul precision during the model's forward pass (the "
                "scoring always runs at highest)",
            },
        }
    ),
    "Models": _object({"models": _array(_ref("Model"))}),
    "ContextualHit": _object(
        {
            "sentence": COUNT,
            "position": COUNT,
            "token": {"type": "string"},
            "similarity": SIMILARITY,
            "context": _object({part: {"type": "string"} for part in ("before", "match", "after")}),
        }
    ),
    "Contextual": _object(
        {
            "model": _object({"name": {"type": "string"}, "num_layers": COUNT}),
            "method": {"enum": list(METHODS)},
            "k": COUNT,
            "corpus_sentences": COUNT,
            "tokens": _array(_ref("Token")),
            "neighbours": _array(_array(_array(_ref("ContextualHit")))),
        }
    ),
    "Token": _object({"id": COUNT, "text": {"type": "string"}}),
    "Neighbour": _object({"id": COUNT, "text": {"type": "string"}, "similarity": SIMILARITY}),
    "Variant": _object(
        {
            "rank": _array(_array(NULLABLE_RANK)),
            "similarity": _array(_array(NULLABLE_SIMILARITY)),
            "neighbours": _array(_array(_array(_ref("Neighbour")))),
        }
    ),
    "DistanceNeighbour": _object({"id": COUNT, "text": {"type": "string"}, "distance": DISTANCE}),
    "DistanceVariant": {
        **_object(
            {
                "rank": _array(_array(COUNT)),
                "distance": _array(_array(DISTANCE)),
                "neighbours": _array(_array(_array(_ref("DistanceNeighbour")))),
            }
        ),
        "description": "a variant of a journey by Euclidean distance: distances, nearest first",
    },
    "LensNeighbour": _object(
        {"id": COUNT, "text": {"type": "string"}, "logit": LOGIT, "probability": PROBABILITY}
    ),
    "LensVariant": {
        **_object(
            {
                "rank": _array(_array({"type": ["integer", "null"], "minimum": 1})),
                "logit": _array(_array({**LOGIT, "type": ["number", "null"]})),
                "probability": _array(_array({**PROBABILITY, "type": ["number", "null"]})),
                "neighbours": _array(_array(_array(_ref("LensNeighbour")))),
            }
        ),
        "description": "a variant of a journey against the output head, per token and layer: the rank of the "
        "variant's token by logit (0 = highest, as in the input reference), its logit and softmax "
        "probability (null where the token has none: the last token has no next one), and the top-k tokens, "
        "highest logit first",
    },
    "Journey": _object(
        {
            "model": _object(
                {
                    "name": {"type": "string"},
                    "num_layers": COUNT,
                    "hidden_size": COUNT,
                    "vocab_size": COUNT,
                    "precision": _ref("Precision"),
                }
            ),
            "method": {"enum": list(METHODS)},
            "point": {"enum": list(POINTS), "description": POINT_DESCRIPTION},
            "reference": {"enum": list(REFERENCES), "description": REFERENCE_DESCRIPTION},
            "metric": {
                "enum": list(METRICS),
                "description": "cosine: the variants hold similarities; euclidean: distances; with the "
                "output reference always cosine and unused (the lens ranks by logit)",
            },
            "tokens": _array(_ref("Token")),
            "variants": {
                "oneOf": [
                    _object(
                        {
                            name: {"oneOf": [_ref("Variant"), _ref("DistanceVariant")]}
                            for name in (RAW, POSITIONAL)
                        },
                        required=[RAW],  # positional: only for models with a learned absolute position table
                    ),
                    {
                        # next: only for causal decoders, whose next token the head predicts
                        **_object(
                            {"own": _ref("LensVariant"), "next": _ref("LensVariant")}, required=["own"]
                        ),
                        "description": "against the output head (reference output): the token's own id, "
                        "and the next token's",
                    },
                ]
            },
        }
    ),
}


def request_schemas(settings: ServerSettings) -> dict[str, Any]:
    """The request bodies' schemas, with the limits and defaults the server enforces."""
    return {
        "AnalyzeRequest": _object(
            {
                "text": {"type": "string", "minLength": 1, "maxLength": settings.max_text_chars},
                "model": {"type": "string", "description": "a loaded model; default: the first one loaded"},
                "method": {"enum": list(METHODS), "default": settings.engine.default_method},
                "point": {
                    "enum": list(POINTS),
                    "default": settings.engine.default_point,
                    "description": POINT_DESCRIPTION,
                },
                "metric": {
                    "enum": list(METRICS),
                    "default": settings.engine.default_metric,
                    "description": "cosine similarity, or Euclidean distance (the exact method only)",
                },
                "reference": {
                    "enum": list(REFERENCES),
                    "default": settings.engine.default_reference,
                    "description": REFERENCE_DESCRIPTION,
                },
                "top_k": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": settings.engine.max_top_k,
                    "default": settings.engine.default_top_k,
                },
            },
            required=["text"],
        ),
        "ContextualRequest": _object(
            {
                "text": {"type": "string", "minLength": 1, "maxLength": settings.max_text_chars},
                "model": {"type": "string", "description": "a loaded model; default: the first one loaded"},
                "k": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": settings.contextual.max_k,
                    "default": settings.contextual.default_k,
                },
            },
            required=["text"],
        ),
    }


def openapi_document(settings: ServerSettings) -> dict[str, Any]:
    """The API's paths and schemas, with the limits of `settings`; `Journey` is exactly the JSON of
    `journeys analyze --json`."""
    bad_request = _json_response("a malformed request; `error` says what to change", "Error")
    busy = {
        **_json_response("every analysis slot stayed taken for the longest wait: try again later", "Error"),
        "headers": {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}},
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Token Encoding Journeys live API",
            "version": settings.engine.engine_version,
            "description": "Rank, similarity and nearest vocabulary tokens of every token at every layer.",
        },
        "paths": {
            "/api/health": {"get": {"responses": {"200": _json_response("the models are loaded", "Health")}}},
            "/api/models": {
                "get": {"responses": {"200": _json_response("the models this server loaded", "Models")}}
            },
            "/api/analyze": {
                "post": {
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": _ref("AnalyzeRequest")}},
                    },
                    "responses": {
                        "200": _json_response("the journey of every token", "Journey"),
                        "400": bad_request,
                        "413": _json_response("the request body is too large", "Error"),
                        "415": _json_response("the request body is not JSON", "Error"),
                        "503": busy,
                    },
                }
            },
            "/api/contextual": {
                "post": {
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": _ref("ContextualRequest")}},
                    },
                    "responses": {
                        "200": _json_response(
                            "per token and layer, the nearest corpus occurrences there (exact method)",
                            "Contextual",
                        ),
                        "400": bad_request,
                        "404": _json_response("the model has no contextual index on this server", "Error"),
                        "413": _json_response("the request body is too large", "Error"),
                        "415": _json_response("the request body is not JSON", "Error"),
                        "503": busy,
                    },
                }
            },
            "/api/openapi.json": {"get": {"responses": {"200": {"description": "this document"}}}},
        },
        "components": {"schemas": {**SCHEMAS, **request_schemas(settings)}},
    }
