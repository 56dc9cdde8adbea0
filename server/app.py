"""The Flask app: the live analysis API over engines loaded at start-up, and the built static site.

A request can only choose among the engines handed to `create_app`; nothing a client sends makes the
server load, download or read a model. Every refusal is a 4xx JSON `{"error": ...}`.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

from flask import Flask, Response, jsonify, request, send_from_directory
from werkzeug.exceptions import (
    ClientDisconnected,
    HTTPException,
    NotFound,
    RequestEntityTooLarge,
    UnsupportedMediaType,
)
from werkzeug.routing import PathConverter
from werkzeug.security import safe_join

from journeys.contextual.index import ContextualIndex
from journeys.indexer.engine import JourneyEngine
from journeys.indexer.errors import InputError, UnsupportedModelError
from journeys.indexer.journey_cache import JourneyCache
from journeys.server.analysis_cache import AnalysisCache
from journeys.server.analysis_slots import AnalysisSlots, ClientGone, ServerBusy
from journeys.server.analyze_request import (
    AnalyzeRequest,
    ContextualRequest,
    RequestError,
    parse_analyze_request,
    parse_contextual_request,
)
from journeys.server.client_presence import client_is_waiting
from journeys.server.openapi import openapi_document
from journeys.server.security_headers import security_headers
from journeys.server.settings import ServerSettings
from journeys.server.threaded_server import make_guarded_server

#: Where an app keeps its `ServerSettings`, for the gunicorn worker serving it.
SETTINGS_KEY = "JOURNEYS_SERVER_SETTINGS"

SITE_NOT_BUILT = (
    "The site is not built yet: run `make build`, then reload this page.\n"
    "The live API works already: GET /api/health, GET /api/models, POST /api/analyze, POST /api/contextual "
    "(described at /api/openapi.json).\n"
)


class NoContextualIndex(NotFound):
    """The model is loaded but `journeys build` saved no contextual index for it."""


class SitePathConverter(PathConverter):
    """A path outside /api/, so that e.g. GET /api/analyze is a 405, not a missing site file."""

    regex = r"(?!api/)[^/].*?"


class Analyst:
    """Answers checked requests with `Journey.to_dict()` JSON: from recent answers, the build's cached
    results, or the engine, which runs in `AnalysisSlots` (a bounded wait for one of a few long-lived
    threads, and nothing run for a client that has left)."""

    def __init__(
        self,
        engines: list[JourneyEngine],
        stored: JourneyCache | None,
        contextual: dict[str, ContextualIndex],
        settings: ServerSettings,
    ) -> None:
        self.engines = {engine.info.name: engine for engine in engines}
        self.stored = stored
        self.contextual = contextual
        self.recent = AnalysisCache(settings.cache_entries, settings.cache_max_chars)
        self.slots = AnalysisSlots(settings.analysis_slots, settings.max_waiting, settings.slot_wait_s)

    def answer(self, query: AnalyzeRequest, client_waiting: Callable[[], bool]) -> str:
        """The journey of `query.text` as JSON text, byte for byte what `journeys analyze --json` prints."""
        return self.recent.get_or_compute(query, lambda: self._analyse(query, client_waiting))

    def _analyse(self, query: AnalyzeRequest, client_waiting: Callable[[], bool]) -> str:
        journey = None
        engine = self.engines[query.model]
        if self.stored is not None:
            journey = self.stored.get(
                query.model, engine.precision, query.method, query.text, query.top_k, query.view
            )
        if journey is None:
            journey = self.slots.run(
                lambda: engine.analyze(query.text, query.method, query.top_k, query.view), client_waiting
            )
        return json.dumps(journey.to_dict(), ensure_ascii=False)

    def contextual_neighbours(self, query: ContextualRequest, client_waiting: Callable[[], bool]) -> str:
        """The nearest corpus occurrences of every token at every layer, as JSON text."""
        index = self.contextual.get(query.model)
        if index is None:
            raise NoContextualIndex(
                f"model {query.model!r} has no contextual index on this server: "
                f"run `make build MODELS={query.model}`, then restart the server"
            )
        engine = self.engines[query.model]
        found = self.slots.run(lambda: index.query(engine, query.text, query.k), client_waiting)
        return json.dumps(found.to_dict(), ensure_ascii=False)


def create_app(
    engines: list[JourneyEngine],
    site_dir: Path | None = None,
    stored: JourneyCache | None = None,
    contextual: dict[str, ContextualIndex] | None = None,
    settings: ServerSettings | None = None,
) -> Flask:
    """The app over `engines` (the first is the default model), serving the site from `site_dir` (default:
    the settings' site folder), with the limits of `settings` (the defaults when None).

    `stored` is the cache `journeys build` fills; the server reads it and never writes it.
    `contextual` maps model names to the contextual-neighbour indexes `journeys build` saved.
    """
    if not engines:
        raise ValueError("the server needs at least one loaded model")
    settings = settings or ServerSettings()
    analyst = Analyst(engines, stored, contextual or {}, settings)
    model_names = list(analyst.engines)
    site_root = Path(site_dir or settings.engine.site_dir).resolve()
    headers = security_headers(settings.engine.site_content_policy)
    app = Flask(__name__, static_folder=None)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.config[SETTINGS_KEY] = settings
    app.url_map.converters["site_path"] = SitePathConverter

    @app.get("/api/health")
    def health() -> Response:
        return jsonify(status="ok", models=model_names)

    @app.get("/api/models")
    def models() -> Response:
        return jsonify(models=[engine.info.to_dict() for engine in analyst.engines.values()])

    @app.get("/api/openapi.json")
    def openapi() -> Response:
        return jsonify(openapi_document(settings))

    @app.post("/api/analyze")
    def analyze() -> Response | tuple[Response, int]:
        return _json_answer(
            lambda body: analyst.answer(parse_analyze_request(body, model_names, settings), _client_waiting),
            settings,
        )

    @app.post("/api/contextual")
    def contextual_neighbours() -> Response | tuple[Response, int]:
        return _json_answer(
            lambda body: analyst.contextual_neighbours(
                parse_contextual_request(body, model_names, settings), _client_waiting
            ),
            settings,
        )

    @app.get("/")
    def index() -> Response:
        if not (site_root / "index.html").is_file():
            return Response(SITE_NOT_BUILT, mimetype="text/plain")
        return send_from_directory(site_root, "index.html")

    @app.get("/<site_path:filename>")
    def site_file(filename: str) -> Response:
        if not _inside(site_root, filename):
            raise NotFound()
        return send_from_directory(site_root, filename)

    @app.after_request
    def secured(response: Response) -> Response:
        response.headers.update(headers)
        return response

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[Response, int]:
        response = jsonify(error=_http_error_message(error, settings.max_body_bytes))
        if error.code == 405 and getattr(error, "valid_methods", None):
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response, error.code or 500

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception) -> tuple[Response, int]:
        app.logger.exception("unexpected error on %s %s", request.method, request.path)
        return jsonify(error="the server failed on this request; its log has the details"), 500

    return app


def _json_answer(answer: Callable[[bytes], str], settings: ServerSettings) -> Response | tuple[Response, int]:
    """Run `answer` on the request's JSON body; a refused request is a 400 with a message, a busy server a
    503 with Retry-After."""
    if not request.is_json:
        raise UnsupportedMediaType('send a JSON body with "Content-Type: application/json"')
    try:
        body = request.get_data(cache=False)
    except (TimeoutError, ClientDisconnected) as error:
        if not isinstance(error, TimeoutError) and not isinstance(error.__context__, TimeoutError):
            raise  # the client closed its side before the body was whole: werkzeug's 400
        seconds = f"{settings.request_read_s:g}"
        return jsonify(error=f"the request body did not arrive within {seconds} s"), 408
    if request.content_length is None and len(body) >= settings.max_body_bytes:
        raise RequestEntityTooLarge()  # Werkzeug cuts a chunked body at the cap without saying so
    try:
        return Response(answer(body), mimetype="application/json")
    except (RequestError, InputError, UnsupportedModelError) as error:
        return jsonify(error=str(error)), 400
    except ServerBusy as busy:
        response = jsonify(error=str(busy))
        response.headers["Retry-After"] = str(busy.retry_after_s)
        return response, 503
    except ClientGone:
        return jsonify(error="the client closed its connection before its analysis started"), 499


def _client_waiting() -> bool:
    """Whether the client of the current request is still connected."""
    return client_is_waiting(request.environ)


def _inside(root: Path, filename: str) -> bool:
    """True when `filename` names a path under `root`, symbolic links resolved."""
    path = None if "\0" in filename else safe_join(str(root), filename)
    return path is not None and Path(path).resolve().is_relative_to(root)


def _http_error_message(error: HTTPException, max_body_bytes: int) -> str:
    """A one-line message for a person, instead of Werkzeug's HTML page."""
    if error.code == 404:
        if isinstance(error, NoContextualIndex):
            return error.description
        return f"there is nothing at {request.path}"
    if error.code == 405:
        allowed = " or ".join(m for m in getattr(error, "valid_methods", None) or [] if m in ("GET", "POST"))
        return f"{request.method} is not allowed on {request.path}; use {allowed}"
    if error.code == 413:
        return f"the request body is larger than the {max_body_bytes} bytes this server accepts"
    return error.description or error.name


def server_settings(app: Flask) -> ServerSettings:
    """The settings `create_app` built `app` with."""
    return app.config[SETTINGS_KEY]


def load_app(model_names: list[str], settings: ServerSettings, causal_mask: bool = True) -> Flask:
    """Load each named model once (duplicates ignored) with the settings' engine settings, onto the settings'
    device in their dtype, and build the app over the built site.

    The loading runs on a thread that ends when it is done. PyTorch's OpenMP runtime keeps a team of
    worker threads for every thread that has run parallel work, and once it manages more threads than
    there are cores it cuts its spin-waits short, which slowed every later analysis by about a quarter
    (roberta-base-shaped: 0.28 s instead of 0.225 s). With the loader's team gone, the analysis thread's
    team is the only one in the process (and in gunicorn's workers, forked after this).
    """
    names = list(dict.fromkeys(model_names))

    def load() -> tuple[list[JourneyEngine], dict[str, ContextualIndex]]:
        engines = [
            JourneyEngine.load(
                name, causal_mask, settings.engine, device=settings.device, dtype=settings.dtype
            )
            for name in names
        ]
        contextual = {
            engine.info.name: ContextualIndex.load_saved(engine, settings=settings.contextual)
            for engine in engines
        }
        return engines, {name: index for name, index in contextual.items() if index is not None}

    with ThreadPoolExecutor(1, thread_name_prefix="loading") as loader:
        engines, contextual = loader.submit(load).result()
    return create_app(engines, None, JourneyCache(None, settings.engine), contextual, settings)


def run_server(args: argparse.Namespace, settings: ServerSettings) -> None:
    """`journeys serve`: load the models, then serve on host:port, printing the URL once ready."""
    models = args.model or [settings.engine.default_model]
    settings = replace(settings, device=args.device or settings.device, dtype=args.dtype or settings.dtype)
    app = load_app(models, settings, causal_mask=not args.no_causal_mask)
    host = f"[{args.host}]" if ":" in args.host else args.host
    server = make_guarded_server(args.host, args.port, app, settings)
    print(f"journeys: serving on http://{host}:{server.server_port}/ (Ctrl+C to stop)", flush=True)
    server.serve_forever()
