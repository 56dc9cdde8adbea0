"""The recent-analyses cache: least recently used entries go first, within a count and a size bound."""

from __future__ import annotations

from journeys.server.analysis_cache import AnalysisCache


def fill(cache: AnalysisCache, *keys: str) -> list[str]:
    computed = []

    def compute_for(key: str):
        def compute() -> str:
            computed.append(key)
            return key * 10

        return compute

    for key in keys:
        assert cache.get_or_compute(key, compute_for(key)) == key * 10
    return computed


def test_a_cached_key_is_not_computed_again():
    cache = AnalysisCache(max_entries=4, max_chars=1000)
    assert fill(cache, "a", "b", "a", "b") == ["a", "b"]


def test_the_least_recently_used_entry_is_evicted_first():
    cache = AnalysisCache(max_entries=2, max_chars=1000)
    fill(cache, "a", "b", "a", "c")  # "b" is now the least recently used
    assert len(cache) == 2
    assert fill(cache, "a", "c", "b") == ["b"]


def test_the_size_bound_evicts_and_an_oversized_value_is_not_kept():
    cache = AnalysisCache(max_entries=100, max_chars=25)
    fill(cache, "a", "b", "c")  # 10 characters each: "a" must go
    assert len(cache) == 2
    assert fill(cache, "b", "c", "a") == ["a"]
    assert cache.get_or_compute("big", lambda: "x" * 26) == "x" * 26
    assert len(cache) == 2
