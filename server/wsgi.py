"""WSGI entry point for gunicorn (`make serve-prod`): the models named in JOURNEYS_MODELS load here,
at import, in the master process, so forked workers share their memory pages instead of loading again.
The server's settings are read from the environment here, once (`ServerSettings.from_environment`).
"""

from __future__ import annotations

import gc
import os
import sys

from journeys.indexer.errors import ENGINE_ERRORS
from journeys.server.app import load_app
from journeys.server.settings import ServerSettings

try:
    SETTINGS = ServerSettings.from_environment(os.environ)
    MODEL_NAMES = os.environ.get("JOURNEYS_MODELS", SETTINGS.engine.default_model).split()
    app = load_app(MODEL_NAMES, SETTINGS)
except ENGINE_ERRORS as error:
    raise SystemExit(f"journeys: error: {error}") from None
# Objects alive now are never collected; keeping the collector off them keeps their pages shared.
gc.freeze()
print(f"journeys: loaded {', '.join(MODEL_NAMES)}; forking workers", file=sys.stderr, flush=True)
