"""A small thread-safe LRU cache of recent analyses' JSON, so a repeated query skips the model."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable


class AnalysisCache:
    """The most recently used JSON texts, bounded in count and in total characters.

    Two concurrent misses of one key both compute it; the values are equal, so either may be kept.
    """

    def __init__(self, max_entries: int, max_chars: int) -> None:
        self.max_entries = max_entries
        self.max_chars = max_chars
        self._entries: OrderedDict[Hashable, str] = OrderedDict()
        self._chars = 0
        self._lock = threading.Lock()

    def get_or_compute(self, key: Hashable, compute: Callable[[], str]) -> str:
        """The cached text for `key`, or `compute()` (run outside the lock) stored under it if it fits."""
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
        value = compute()
        if len(value) <= self.max_chars:
            with self._lock:
                self._chars += len(value) - len(self._entries.pop(key, ""))
                self._entries[key] = value
                while len(self._entries) > self.max_entries or self._chars > self.max_chars:
                    self._chars -= len(self._entries.popitem(last=False)[1])
        return value

    def __len__(self) -> int:
        return len(self._entries)
