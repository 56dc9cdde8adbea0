"""gunicorn settings for `make serve-prod`; the bind address comes from the command line.

`preload_app` imports `server.wsgi` (which loads the models) once in the master before the workers
fork, so every worker shares the model's memory pages copy-on-write.
"""

from indexer import config

preload_app = True
workers = config.SERVER_WORKERS
worker_class = "gthread"
threads = config.SERVER_THREADS
# A long text on a large model takes seconds; a worker silent for this long is stuck and restarted.
timeout = 120
graceful_timeout = 10
