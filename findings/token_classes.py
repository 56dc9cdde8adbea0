"""Sort every token of a text into one group: function word, content word, sub-word continuation piece,
other (punctuation, numbers, symbols) or special token.

Words come from the tokenizer's own pre-tokenisation (`word_ids`), so the rule is the same for
WordPiece (`##` pieces share their head's word), byte-level BPE (pieces after the first of a
space-delimited word, including the first word of a text, which has no leading space) and any other
fast tokenizer. The first piece of a word is classified by the whole word; the rest are continuations.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from transformers import PreTrainedTokenizerBase

from indexer import config

GROUPS = ("function", "content", "continuation", "other", "special")
FUNCTION, CONTENT, CONTINUATION, OTHER, SPECIAL = range(len(GROUPS))


@dataclass(frozen=True)
class ClassifiedText:
    """The tokens of one text with their group code (index into GROUPS) and character span."""

    token_ids: list[int]
    groups: np.ndarray  # (tokens,) int8
    offsets: np.ndarray  # (tokens, 2) int64 character start and end in the text; (0, 0) for specials


@cache
def load_function_words(path: Path = config.FUNCTION_WORDS_FILE) -> frozenset[str]:
    """The closed-class word list: every whitespace-separated word outside `#` comments, lower-cased."""
    words = set()
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        words.update(line.split("#", 1)[0].lower().split())
    return frozenset(words)


def word_group(word: str, function_words: frozenset[str]) -> int:
    """Group code of a whole word: function if listed, content if it has a letter, else other."""
    word = word.strip().lower()
    if word in function_words:
        return FUNCTION
    if any(char.isalpha() for char in word):
        return CONTENT
    return OTHER


def classify_text(tokenizer: PreTrainedTokenizerBase, text: str) -> ClassifiedText:
    """Token ids exactly as the engine tokenizes `text`, each with its group and character span."""
    encoding = tokenizer(text, add_special_tokens=True, truncation=False, return_offsets_mapping=True)
    token_ids = list(encoding["input_ids"])
    offsets = np.array(encoding["offset_mapping"], dtype=np.int64).reshape(-1, 2)
    word_ids = encoding.word_ids()
    special_ids = set(tokenizer.all_special_ids)
    function_words = load_function_words()
    word_spans: dict[int, tuple[int, int]] = {}
    for word_id, (start, end) in zip(word_ids, offsets.tolist(), strict=True):
        if word_id is not None:
            first, last = word_spans.get(word_id, (start, end))
            word_spans[word_id] = (min(first, start), max(last, end))
    groups = np.empty(len(token_ids), dtype=np.int8)
    seen_words: set[int] = set()
    for position, (token_id, word_id) in enumerate(zip(token_ids, word_ids, strict=True)):
        if token_id in special_ids or word_id is None:
            groups[position] = SPECIAL if token_id in special_ids else OTHER
        elif word_id in seen_words:
            groups[position] = CONTINUATION
        else:
            seen_words.add(word_id)
            start, end = word_spans[word_id]
            groups[position] = word_group(text[start:end], function_words)
    return ClassifiedText(token_ids=token_ids, groups=groups, offsets=offsets)
