"""Turn the raw body of POST /api/analyze or /api/contextual into a checked request, or a message a
person understands."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from journeys.indexer.options import (
    checked_count,
    checked_method,
    checked_top_k,
    checked_view,
    json_type,
    shown,
)
from journeys.indexer.text_input import is_blank
from journeys.indexer.views import View
from journeys.server.settings import ServerSettings

FIELDS = ("text", "model", "method", "point", "metric", "reference", "top_k")
CONTEXTUAL_FIELDS = ("text", "model", "k")


class RequestError(ValueError):
    """A malformed analysis request (answered with 400); the message is meant for the person who sent it."""


@dataclass(frozen=True)
class AnalyzeRequest:
    """A well-formed analysis request naming a loaded model; also the key of the analysis cache."""

    model: str
    method: str
    view: View
    top_k: int
    text: str


@dataclass(frozen=True)
class ContextualRequest:
    """A well-formed contextual-neighbours request naming a loaded model."""

    model: str
    k: int
    text: str


def parse_analyze_request(body: bytes, model_names: list[str], settings: ServerSettings) -> AnalyzeRequest:
    """Decode and check a JSON body; the model defaults to the first of `model_names`, the method, the view's
    point, metric and reference, and top-k to the engine settings'."""
    fields = _decode_fields(body, FIELDS)
    engine = settings.engine
    method = checked_method(fields.get("method", engine.default_method), name='"method"')
    return AnalyzeRequest(
        text=_text(fields.get("text"), settings.max_text_chars),
        model=_model(fields.get("model", model_names[0]), model_names),
        method=method,
        top_k=checked_top_k(fields.get("top_k", engine.default_top_k), engine.max_top_k, name='"top_k"'),
        view=checked_view(
            fields.get("point", engine.default_point),
            fields.get("metric", engine.default_metric),
            method,
            True,
            fields.get("reference", engine.default_reference),
        ),
    )


def parse_contextual_request(
    body: bytes, model_names: list[str], settings: ServerSettings
) -> ContextualRequest:
    """Decode and check a JSON body for /api/contextual, by the same rules as /api/analyze."""
    fields = _decode_fields(body, CONTEXTUAL_FIELDS)
    contextual = settings.contextual
    return ContextualRequest(
        text=_text(fields.get("text"), settings.max_text_chars),
        model=_model(fields.get("model", model_names[0]), model_names),
        k=checked_count('"k"', fields.get("k", contextual.default_k), contextual.max_k),
    )


def _decode_fields(body: bytes, allowed: tuple[str, ...]) -> dict[str, Any]:
    fields = _decode_object(body)
    unknown = sorted(set(fields) - set(allowed))
    if unknown:
        raise RequestError(f"unknown field {unknown[0]!r}: the fields are {', '.join(allowed)}")
    return fields


def _decode_object(body: bytes) -> dict[str, Any]:
    try:
        fields = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        raise RequestError("the request body is not UTF-8 text") from None
    except (ValueError, RecursionError) as error:
        raise RequestError(f"the request body is not valid JSON ({_first_line(error)})") from None
    if not isinstance(fields, dict):
        raise RequestError('the request body must be a JSON object such as {"text": "Time flies."}')
    return fields


def _first_line(error: BaseException) -> str:
    return str(error).splitlines()[0] if str(error) else type(error).__name__


def _text(text: Any, max_chars: int) -> str:
    if text is None:
        raise RequestError('"text" is missing: give the text to analyse')
    if not isinstance(text, str):
        raise RequestError(f'"text" must be a string, not {json_type(text)}')
    if is_blank(text):
        raise RequestError('"text" is empty: give at least one word')
    if len(text) > max_chars:
        raise RequestError(f'"text" is {len(text)} characters long; this server takes at most {max_chars}')
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise RequestError('"text" holds an unpaired surrogate escape (such as \\ud800)') from None
    return text


def _model(model: Any, model_names: list[str]) -> str:
    if not isinstance(model, str) or model not in model_names:
        raise RequestError(
            f"model {shown(model)} is not loaded on this server; choose one of: {', '.join(model_names)}"
        )
    return model
