"""gunicorn settings for `make serve-prod`; the bind address comes from the command line.

`preload_app` imports `server.wsgi` (which loads the models) once in the master before the workers
fork, so every worker shares the model's memory pages copy-on-write (on the CPU; a model on a GPU is loaded
by each worker, since a GPU context does not survive a fork). Worker and thread counts come
from `ServerSettings.from_environment` (JOURNEYS_WORKERS, JOURNEYS_THREADS). The workers are gthread workers
that read each request whole in their event loop first (`server.gunicorn_worker`), so slow clients
cannot hold the request threads; they keep beating the heartbeat while their threads compute, so a long
analysis is not mistaken for a stuck worker.
"""

# Module-level names are read as gunicorn settings; names it does not know are ignored.
import os

import torch

from journeys.server.settings import ServerSettings

SETTINGS = ServerSettings.from_environment(os.environ)
# A CUDA or MPS context does not survive a fork: on a GPU each worker loads the models itself, after forking.
preload_app = SETTINGS.device == "cpu" or (SETTINGS.device == "auto" and not torch.cuda.is_available())
workers = SETTINGS.workers
worker_class = "journeys.server.gunicorn_worker.BufferingThreadWorker"
threads = SETTINGS.threads
# A long text on a large model takes seconds; a worker silent for this long is stuck and restarted.
timeout = 120
graceful_timeout = 10
# No `gunicornc` control socket: it lives at one path per user, so two servers would contend for it.
control_socket_disable = True
# The threads torch would use in one process (cores, or OMP_NUM_THREADS), shared out among the workers.
TORCH_THREADS_PER_WORKER = max(1, torch.get_num_threads() // SETTINGS.workers)


def post_fork(server: object, worker: object) -> None:
    """Give each worker its share of the cores, so workers computing at once do not oversubscribe them."""
    torch.set_num_threads(TORCH_THREADS_PER_WORKER)
