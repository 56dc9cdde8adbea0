"""English sentences nobody here wrote: the quotations of Debian's `fortunes` package, read as running
text with the attribution lines ("-- Mark Twain") left out, and kept only where they look like one
plain prose sentence (rules in `sentence_problem`).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from journeys.corpus.sentence_split import split_paragraphs

_ATTRIBUTION = re.compile(r"^\s*--")
_ALLOWED = re.compile(r"[A-Za-z0-9 .,;:!?'\"()%&$-]+")
_SPEAKER_LABEL = re.compile(r"^[A-Z][\w.']*:")
_SENTENCE_END = re.compile(r"[.!?][\"')]*$")


@dataclass(frozen=True)
class FortuneSentences:
    """The kept sentences in reading order, where each came from, and the others counted by reason."""

    sentences: list[str]
    sources: list[str]  # "file:line" of each kept sentence
    dropped: Counter[str]


def read_fortunes(folder: Path, names: tuple[str, ...], min_words: int, max_words: int) -> FortuneSentences:
    """The plain prose sentences of the named fortune files, each kept once."""
    sentences, sources, dropped, seen = [], [], Counter(), set()
    for name in names:
        lines = (folder / name).read_text(encoding="utf-8").splitlines()
        for sentence in split_paragraphs(_without_attributions(lines)):
            problem = sentence_problem(sentence.text, min_words, max_words)
            if not problem and sentence.text in seen:
                problem = "repeated"
            if problem:
                dropped[problem] += 1
                continue
            seen.add(sentence.text)
            sentences.append(sentence.text)
            sources.append(f"{name}:{sentence.line_number}")
    return FortuneSentences(sentences=sentences, sources=sources, dropped=dropped)


def _without_attributions(lines: list[str]) -> list[str]:
    """The lines with `%` separators turned into paragraph breaks and each entry's attribution (an
    indented "-- name" line and what follows it in the entry) blanked, keeping line numbers."""
    kept, in_attribution = [], False
    for line in lines:
        if line.strip() == "%":
            in_attribution = False
        elif _ATTRIBUTION.match(line):
            in_attribution = True
        kept.append("" if in_attribution or line.strip() == "%" else line)
    return kept


def sentence_problem(text: str, min_words: int, max_words: int) -> str:
    """Why a sentence is not plain prose, or an empty string when it is: it must have `min_words` to
    `max_words` words, start with a capital, end with . ! or ?, use only letters, digits and common
    punctuation, pair its double quotes, start with no "Speaker:" label and not be mostly capitals."""
    words = text.split()
    letters = [char for char in text if char.isalpha()]
    if not min_words <= len(words) <= max_words:
        return "length"
    if not text[0].isupper() or not _SENTENCE_END.search(text):
        return "not a whole sentence"
    if not _ALLOWED.fullmatch(text) or text.count('"') % 2 or _SPEAKER_LABEL.match(text):
        return "not plain prose"
    if sum(char.isupper() for char in letters) > len(letters) / 2:
        return "mostly capitals"
    return ""
