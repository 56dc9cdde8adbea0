"""Concurrent requests never mix: every answer under load equals the single-threaded answer."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from journeys.indexer.options import POINTS
from journeys.indexer.views import View
from journeys.server.app import create_app
from journeys.server.settings import ServerSettings

THREADS = 8
WORDS = [
    "time",
    "flies",
    "like",
    "an",
    "arrow",
    "fruit",
    "bananas",
    "the",
    "bank",
    "by",
    "river",
    "was",
    "closed",
    "dog",
    "bark",
    "loud",
    "keys",
    "table",
]


def distinct_texts(count: int) -> list[str]:
    """Texts of different lengths and words, so a mixed-up answer cannot look right by chance."""
    return [" ".join(WORDS[(i * 7 + j) % len(WORDS)] for j in range(2 + i % 11)) + "." for i in range(count)]


def test_threaded_answers_equal_single_threaded_ones(served_engines, site_dir):
    settings = ServerSettings(analysis_slots=THREADS)  # let every request run the model at once
    client = create_app(served_engines, site_dir, settings=settings).test_client()
    jobs = [
        (engine, text, method)
        for index, text in enumerate(distinct_texts(40))
        for engine in (served_engines[index % len(served_engines)],)
        for method in engine.info.methods
    ]
    expected = [engine.analyze(text, method, 5).to_dict() for engine, text, method in jobs]

    def ask(job):
        engine, text, method = job
        body = {"text": text, "model": engine.info.name, "method": method, "top_k": 5}
        response = client.post("/api/analyze", json=body)
        return response.status_code, response.get_json()

    with ThreadPoolExecutor(THREADS) as pool:
        answers = list(pool.map(ask, jobs * 2))  # the second round comes from the cache, also concurrently
    assert [status for status, _ in answers] == [200] * len(jobs) * 2
    assert [answer for _, answer in answers] == expected * 2


def test_threaded_engine_calls_equal_single_threaded_ones(served_engines):
    """The engine itself, shared by threads with no server around it."""
    texts = distinct_texts(16)
    engine = served_engines[0]
    expected = [engine.analyze(text, "exact", 4).to_dict() for text in texts]
    with ThreadPoolExecutor(THREADS) as pool:
        answers = list(pool.map(lambda text: engine.analyze(text, "exact", 4).to_dict(), texts * 3))
    assert answers == expected * 3


def test_threads_reading_different_points_never_see_each_others_tensors(served_engines):
    """Both points' hooks stay registered on the shared model; each thread's pass fills only its own point."""
    jobs = [(text, point) for text in distinct_texts(8) for point in POINTS]
    engine = served_engines[0]
    expected = [engine.analyze(text, "exact", 4, View(point=point)).to_dict() for text, point in jobs]
    with ThreadPoolExecutor(THREADS) as pool:
        answers = list(
            pool.map(lambda job: engine.analyze(job[0], "exact", 4, View(point=job[1])).to_dict(), jobs * 2)
        )
    assert answers == expected * 2
