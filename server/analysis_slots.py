"""The analysis slots of one server process: analyses run on a few long-lived threads, and a request waits
for one of them only so long, and only with so many others, before it is told to come back later.

On a fresh thread per request PyTorch is about 40% slower, and two analysis threads each keep an OpenMP
team, which slows both (see `server.app.load_app`); so the threads live as long as the process. They
start on first use, so none exist yet when gunicorn forks its workers.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

Result = TypeVar("Result")


class ServerBusy(Exception):
    """No analysis slot came free in time, or too many requests wait already (answered 503)."""

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(f"the server is busy with other analyses; try again in {retry_after_s} s")
        self.retry_after_s = retry_after_s


class ClientGone(Exception):
    """The client closed its connection while its request waited, so its analysis was not started."""


class AnalysisSlots:
    """At most `slots` analyses at once, on as many long-lived threads; at most `max_waiting` requests wait
    for one, each for at most `wait_s` seconds."""

    def __init__(self, slots: int, max_waiting: int, wait_s: float) -> None:
        self.wait_s = wait_s
        self.retry_after_s = max(1, math.ceil(wait_s))
        self._free = threading.BoundedSemaphore(slots)
        self._queue = threading.BoundedSemaphore(max_waiting)
        self._threads = ThreadPoolExecutor(slots, thread_name_prefix="analysis")

    def run(self, work: Callable[[], Result], client_waiting: Callable[[], bool]) -> Result:
        """`work()` on an analysis thread once a slot is free and if `client_waiting()` still holds;
        ServerBusy when the wait would be too long, ClientGone when the client left meanwhile."""
        if not self._queue.acquire(blocking=False):
            raise ServerBusy(self.retry_after_s)
        try:
            got_slot = self._free.acquire(timeout=self.wait_s)
        finally:
            self._queue.release()
        if not got_slot:
            raise ServerBusy(self.retry_after_s)
        try:
            if not client_waiting():
                raise ClientGone()
            return self._threads.submit(work).result()
        finally:
            self._free.release()
