"""Read a corpus file: one sentence per line. Blank and over-long lines are reported and skipped.

A file that cannot be used at all (missing, not UTF-8, no usable line) is refused with an
InputError, which the command line turns into one line on stderr and exit code 2.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from indexer import config
from indexer.engine import InputError, JourneyEngine


@dataclass(frozen=True)
class SkippedLine:
    """A corpus line left out, with the reason."""

    line_number: int
    reason: str


@dataclass(frozen=True)
class Corpus:
    """The usable sentences of a corpus file, with the lines that were skipped."""

    path: str
    sentences: list[str]
    skipped: list[SkippedLine]


def read_corpus(
    path: str | Path,
    engine: JourneyEngine,
    max_chars: int = config.CORPUS_MAX_CHARS,
    warnings: TextIO | None = None,
) -> Corpus:
    """The sentences of `path` the engine can analyse; each skipped line is reported on `warnings`."""
    warnings = sys.stderr if warnings is None else warnings
    text = _read_text(Path(path))
    sentences, skipped = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        sentence = line.strip()
        reason = _skip_reason(sentence, engine, max_chars)
        if reason:
            skipped.append(SkippedLine(number, reason))
            print(f"journeys: warning: {path}:{number}: {reason}; line skipped", file=warnings)
        else:
            sentences.append(sentence)
    if not sentences:
        raise InputError(f"corpus {path} has no usable line: give one sentence per line")
    return Corpus(path=str(path), sentences=sentences, skipped=skipped)


def _read_text(path: Path) -> str:
    if not path.is_file():
        raise InputError(f"corpus file {path} does not exist or is not a file")
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(f"corpus file {path} is not UTF-8 text (byte {error.start})") from None
    except OSError as error:
        raise InputError(f"corpus file {path} cannot be read: {error.strerror}") from None


def _skip_reason(sentence: str, engine: JourneyEngine, max_chars: int) -> str:
    """Why a stripped line cannot be analysed, or an empty string when it can."""
    if not sentence:
        return "blank line"
    if len(sentence) > max_chars:
        return f"line is {len(sentence)} characters long (at most {max_chars})"
    num_tokens = len(
        engine.loaded.tokenizer(sentence, add_special_tokens=True, truncation=False)["input_ids"]
    )
    if num_tokens > engine.info.max_tokens:
        return f"line is {num_tokens} tokens long ({engine.info.name} takes at most {engine.info.max_tokens})"
    return ""
