"""Split running text into sentences, and tell running text from a file of one sentence per line.

The rule is plain punctuation: a sentence ends at `.`, `!` or `?` (closing quotes and brackets kept with
it) followed by white space and a capital letter, a digit or an opening quote or bracket, unless the
word before the full stop is a common abbreviation or a single initial ("Mr.", "e.g.", "J. S. Bach").
Paragraphs (blocks between blank lines) never share a sentence.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

_ABBREVIATION_TEXT = (
    "mr mrs ms dr prof st jr sr vs etc e.g i.e cf no vol fig approx dept est inc ltd co corp gen gov "
    "lt col sgt capt rev mt ft jan feb mar apr jun jul aug sep sept oct nov dec u.s u.k a.m p.m"
)
ABBREVIATIONS = frozenset(_ABBREVIATION_TEXT.split())
_BOUNDARY = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s+[\"'“‘(\[]*[A-Z0-9])")
_ENDS_SENTENCE = re.compile(r"[.!?:;][\"'”’)\]]*$")


@dataclass(frozen=True)
class Sentence:
    """One sentence of running text with the line it starts on (1-based, in the file or JSONL)."""

    line_number: int
    text: str


def split_text(text: str) -> list[str]:
    """The sentences of one paragraph, white space collapsed."""
    text = " ".join(text.split())
    sentences, start = [], 0
    for match in _BOUNDARY.finditer(text):
        word = text[: match.start()].rsplit(" ", 1)[-1].lower()
        if match.group().startswith(".") and (word in ABBREVIATIONS or re.fullmatch(r"[a-z]", word)):
            continue
        sentences.append(text[start : match.end()].strip())
        start = match.end()
    sentences.append(text[start:].strip())
    return [sentence for sentence in sentences if sentence]


def split_paragraphs(lines: Sequence[str], first_line_number: int = 1) -> list[Sentence]:
    """The sentences of running text given as lines; each carries the line its first word is on."""
    sentences: list[Sentence] = []
    block: list[tuple[int, str]] = []
    for number, line in enumerate([*lines, ""], start=first_line_number):
        if line.strip():
            block.append((number, line.strip()))
            continue
        if block:
            sentences.extend(_split_block(block))
            block = []
    return sentences


def _split_block(block: list[tuple[int, str]]) -> list[Sentence]:
    """Sentences of one paragraph, each mapped back to the line where it starts."""
    starts, words_before = [], 0
    for _, line in block:
        starts.append(words_before)
        words_before += len(line.split())
    sentences, words_seen = [], 0
    for text in split_text(" ".join(line for _, line in block)):
        line_index = bisect_right(starts, words_seen) - 1
        sentences.append(Sentence(block[line_index][0], text))
        words_seen += len(text.split())
    return sentences


def looks_like_running_text(lines: Sequence[str]) -> bool:
    """True when paragraphs are separated by blank lines and a sentence runs on from one line to the
    next (a line without closing punctuation followed by a line that starts with a small letter)."""
    stripped = [line.strip() for line in lines]
    filled = [index for index, line in enumerate(stripped) if line]
    has_paragraphs = bool(filled) and not all(stripped[filled[0] : filled[-1] + 1])
    wraps = any(
        line and following[:1].islower() and not _ENDS_SENTENCE.search(line)
        for line, following in pairwise(stripped)
    )
    return has_paragraphs and wraps
