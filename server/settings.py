"""The live server's settings: request limits, the per-process answer cache, gunicorn's workers and
threads, analysis slots, and the deadlines for slow, impatient and vanished clients (both `journeys serve`
and `make serve-prod`). Read from the environment only by `ServerSettings.from_environment`, which the
program's entry points (`journeys serve`, `server/wsgi.py`) call."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from journeys.contextual.settings import ContextualSettings
from journeys.indexer.settings import EngineSettings, environment_value


@dataclass(frozen=True)
class ServerSettings:
    """The limits and deadlines of one server, with the engine and contextual settings it serves by."""

    engine: EngineSettings = field(default_factory=EngineSettings)
    contextual: ContextualSettings = field(default_factory=ContextualSettings)
    #: Longest text an analysis request may carry (JOURNEYS_MAX_TEXT_CHARS).
    max_text_chars: int = 2000
    max_body_bytes: int = 64 * 1024
    cache_entries: int = 256
    #: Characters of JSON the live server caches per process (one long text can take tens of millions).
    cache_max_chars: int = 100_000_000
    #: gunicorn (`make serve-prod`): worker processes forked after the models load (JOURNEYS_WORKERS), and
    #: request threads per worker (JOURNEYS_THREADS). One worker by default: it runs one analysis at a time
    #: on every core. With more workers each gets an equal share of the cores as torch threads (two workers
    #: of two threads each on two cores measured a third of one worker's throughput). Request threads mostly
    #: wait for the analysis thread, so there are more of them than analyses that may run or wait
    #: (`max_waiting`, below).
    workers: int = 1
    threads: int = 32
    #: Analyses one server process runs at once (JOURNEYS_ANALYSIS_SLOTS); further requests wait their turn,
    #: for a bounded time (`slot_wait_s`, below), which bounds memory and CPU. One analysis already uses
    #: every torch thread; a second one in parallel made both slower here.
    analysis_slots: int = 1
    #: Seconds a client has to send a whole request, head and body; a slower one is treated as gone
    #: (JOURNEYS_REQUEST_READ_S).
    request_read_s: float = 10.0
    #: Seconds one write of a response may wait on a client that does not read (`journeys serve`).
    send_timeout_s: float = 60.0
    #: Seconds a request waits for an analysis slot before it is answered 503 with Retry-After
    #: (JOURNEYS_SLOT_WAIT_S).
    slot_wait_s: float = 10.0
    #: Requests that may wait for an analysis slot at once per process (JOURNEYS_MAX_WAITING); one more is
    #: answered 503 at once. gunicorn's request threads (`threads`) must outnumber the slots and these
    #: waiting requests, so that a thread is always free for /api/health and the site's files.
    max_waiting: int = 16
    #: Where the served models compute and in which precision (JOURNEYS_DEVICE, JOURNEYS_DTYPE; `journeys
    #: serve --device/--dtype` override them): see `journeys.indexer.precision`.
    device: str = "auto"
    dtype: str = "auto"

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> ServerSettings:
        """The defaults, with each JOURNEYS_* variable above that is set (JOURNEYS_BUILD_DIR included)."""
        return cls(
            engine=EngineSettings.from_environment(environ),
            max_text_chars=environment_value(environ, "JOURNEYS_MAX_TEXT_CHARS", int, cls.max_text_chars),
            workers=environment_value(environ, "JOURNEYS_WORKERS", int, cls.workers),
            threads=environment_value(environ, "JOURNEYS_THREADS", int, cls.threads),
            analysis_slots=environment_value(environ, "JOURNEYS_ANALYSIS_SLOTS", int, cls.analysis_slots),
            request_read_s=environment_value(environ, "JOURNEYS_REQUEST_READ_S", float, cls.request_read_s),
            slot_wait_s=environment_value(environ, "JOURNEYS_SLOT_WAIT_S", float, cls.slot_wait_s),
            max_waiting=environment_value(environ, "JOURNEYS_MAX_WAITING", int, cls.max_waiting),
            device=environ.get("JOURNEYS_DEVICE", cls.device),
            dtype=environ.get("JOURNEYS_DTYPE", cls.dtype),
        )
