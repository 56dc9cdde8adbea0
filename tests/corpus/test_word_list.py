"""The function-word list names every word once."""

from __future__ import annotations

from collections import Counter

from journeys.corpus.settings import CorpusSettings


def test_no_word_is_listed_twice():
    words = Counter()
    for line in CorpusSettings().function_words_file.read_text(encoding="utf-8").splitlines():
        words.update(line.split("#", 1)[0].lower().split())
    assert [word for word, count in words.items() if count > 1] == []
    assert {"the", "that", "than", "no", "to"} <= set(words)
