"""WSGI entry point for gunicorn (`make serve-prod`): the models named in JOURNEYS_MODELS load here,
at import, in the master process, so forked workers share their memory pages instead of loading again.
"""

from __future__ import annotations

import gc
import os
import sys

from journeys.indexer import config
from journeys.indexer.errors import ENGINE_ERRORS
from journeys.server.app import load_app

MODEL_NAMES = os.environ.get("JOURNEYS_MODELS", config.DEFAULT_MODEL).split()

try:
    app = load_app(MODEL_NAMES)
except ENGINE_ERRORS as error:
    raise SystemExit(f"journeys: error: {error}") from None
# Objects alive now are never collected; keeping the collector off them keeps their pages shared.
gc.freeze()
print(f"journeys: loaded {', '.join(MODEL_NAMES)}; forking workers", file=sys.stderr, flush=True)
