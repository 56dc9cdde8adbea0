"""Sort every token of a text into one group: function word, content word, sub-word continuation piece,
other (punctuation, numbers, symbols) or special token.

Words come from the tokenizer's own pre-tokenisation (`word_ids`), so the rule is the same for
WordPiece (`##` pieces share their head's word), byte-level BPE (pieces after the first of a
space-delimited word, including the first word of a text, which has no leading space) and any other
fast tokenizer. The first piece of a word is classified by the whole word; the rest are continuations.
A whole word is a function word when data/function_words.txt lists it, or, for a text with
part-of-speech tags (corpus/pos_tags.py), when its tag is a closed class.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from transformers import PreTrainedTokenizerBase

from journeys.corpus.pos_tags import TaggedSentence
from journeys.corpus.settings import CorpusSettings

GROUPS = ("function", "content", "continuation", "other", "special")
FUNCTION, CONTENT, CONTINUATION, OTHER, SPECIAL = range(len(GROUPS))


@dataclass(frozen=True)
class ClassifiedText:
    """The tokens of one text with their group code (index into GROUPS) and character span."""

    token_ids: list[int]
    groups: np.ndarray  # (tokens,) int8
    offsets: np.ndarray  # (tokens, 2) int64 character start and end in the text; (0, 0) for specials


@cache
def load_function_words(path: Path | None = None) -> frozenset[str]:
    """The closed-class word list (default: the corpus settings' file): every whitespace-separated word
    outside `#` comments, lower-cased."""
    words = set()
    for line in Path(path or CorpusSettings().function_words_file).read_text(encoding="utf-8").splitlines():
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


def tagged_word_group(text: str, start: int, end: int, tags: TaggedSentence) -> int:
    """Group code of the word text[start:end] by part-of-speech tag: other if it has no letter, else
    function when the tagger token its first letter or digit falls in has a closed-class tag."""
    word = text[start:end]
    if not any(char.isalpha() for char in word):
        return OTHER
    first = start + next(index for index, char in enumerate(word) if char.isalnum())
    return FUNCTION if tags.is_function_at(first) else CONTENT


def classify_text(
    tokenizer: PreTrainedTokenizerBase, text: str, tags: TaggedSentence | None = None
) -> ClassifiedText:
    """Token ids exactly as the engine tokenizes `text`, each with its group and character span.
    Function words come from data/function_words.txt, or from the part-of-speech `tags` when given."""
    if tags is not None and tags.text != text:
        raise ValueError("the part-of-speech tags are of another text")
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
            if tags is None:
                groups[position] = word_group(text[start:end], function_words)
            else:
                groups[position] = tagged_word_group(text, start, end, tags)
    return ClassifiedText(token_ids=token_ids, groups=groups, offsets=offsets)
