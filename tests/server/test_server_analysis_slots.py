"""Analysis slots: a bounded wait for a slot, a bounded number of waiting requests, nothing run for a client
that left."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from journeys.server.analysis_slots import AnalysisSlots, ClientGone, ServerBusy


def occupied(slots: AnalysisSlots) -> tuple[threading.Event, threading.Event]:
    """Take the one slot with work that holds it until released: (started, release)."""
    started, release = threading.Event(), threading.Event()

    def hold() -> str:
        started.set()
        release.wait(60)
        return "held"

    threading.Thread(target=slots.run, args=(hold, lambda: True), daemon=True).start()
    assert started.wait(60)
    return started, release


def test_work_runs_on_a_long_lived_analysis_thread():
    slots = AnalysisSlots(slots=1, max_waiting=2, wait_s=5)
    names = {slots.run(lambda: threading.current_thread().name, lambda: True) for _ in range(3)}
    assert len(names) == 1 and next(iter(names)).startswith("analysis")


def test_a_request_waits_at_most_the_bound_then_is_told_when_to_retry():
    slots = AnalysisSlots(slots=1, max_waiting=2, wait_s=0.2)
    _, release = occupied(slots)
    with pytest.raises(ServerBusy) as busy:
        slots.run(lambda: "never", lambda: True)
    assert busy.value.retry_after_s == 1 and "try again in 1 s" in str(busy.value)
    release.set()
    assert slots.run(lambda: "next", lambda: True) == "next"


def test_beyond_the_waiting_requests_one_more_is_refused_at_once():
    slots = AnalysisSlots(slots=1, max_waiting=1, wait_s=60)
    _, release = occupied(slots)
    with ThreadPoolExecutor(1) as waiting:
        queued = waiting.submit(slots.run, lambda: "queued", lambda: True)
        while slots._queue._value:  # until the queued request holds the one waiting place
            threading.Event().wait(0.01)
        with pytest.raises(ServerBusy):
            slots.run(lambda: "never", lambda: True)
        release.set()
        assert queued.result(60) == "queued"


def test_nothing_runs_for_a_client_that_left():
    slots = AnalysisSlots(slots=1, max_waiting=2, wait_s=5)
    ran = []
    with pytest.raises(ClientGone):
        slots.run(lambda: ran.append("ran"), lambda: False)
    assert ran == []
    assert slots.run(lambda: "still free", lambda: True) == "still free"
