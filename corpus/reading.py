"""Read a corpus (corpus/corpus_sources.py) into the sentences the engine can analyse. Blank lines,
repeated sentences and sentences longer than the model takes are skipped, each counted with its reason
and reported; a sentence is never cut short.

Input that cannot be used at all (missing, empty, binary, not UTF-8, a JSONL record without text, a
folder without .txt files, no usable sentence) is refused with an InputError, which the command line
turns into one line on stderr and exit code 2.
"""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from journeys.corpus.corpus_sources import SourceLine, SourceText, read_source
from journeys.corpus.settings import CorpusSettings
from journeys.indexer.engine import JourneyEngine
from journeys.indexer.errors import InputError

#: Sentences tokenised together when counting tokens.
TOKEN_COUNT_BATCH = 512


@dataclass(frozen=True)
class SkippedLine:
    """A corpus line or sentence left out, with the reason, its kind and the file it is in."""

    line_number: int
    reason: str
    kind: str = ""  # "blank", "duplicate" or "too long"
    source: str = ""


@dataclass(frozen=True)
class Corpus:
    """The usable sentences of a corpus, with the lines that were skipped and how each file was read."""

    path: str
    sentences: list[str]
    skipped: list[SkippedLine]
    layouts: dict[str, str] = field(default_factory=dict)  # file -> "lines" or "running"


def read_corpus(
    path: str | Path,
    engine: JourneyEngine,
    max_chars: int | None = None,
    warnings: TextIO | None = None,
    layout: str = "auto",
    settings: CorpusSettings | None = None,
    source: SourceText | None = None,
) -> Corpus:
    """The sentences of `path` the engine can analyse, each at most `max_chars` characters (default: the
    settings'); each skipped line is reported on `warnings`. `source` is its lines where the caller has
    read them already (`read_source(path, layout)`)."""
    settings = settings or CorpusSettings()
    max_chars = settings.max_chars if max_chars is None else max_chars
    warnings = sys.stderr if warnings is None else warnings
    source = read_source(path, layout) if source is None else source
    kept: list[SourceLine] = []
    skipped: list[SkippedLine] = []
    first_seen: dict[str, SourceLine] = {}
    for line in source.lines:
        sentence = line.text.strip()
        kind, reason = _text_skip_reason(sentence, first_seen.get(sentence), max_chars)
        if kind:
            skipped.append(SkippedLine(line.line_number, reason, kind, line.source))
        else:
            first_seen[sentence] = line
            kept.append(SourceLine(line.source, line.line_number, sentence))
    sentences = []
    for line, num_tokens in zip(kept, _token_counts(engine, [line.text for line in kept]), strict=True):
        if num_tokens > engine.info.max_tokens:
            limit = f"{engine.info.name} takes at most {engine.info.max_tokens}"
            reason = f"sentence is {num_tokens} tokens long ({limit})"
            skipped.append(SkippedLine(line.line_number, reason, "too long", line.source))
        else:
            sentences.append(line.text)
    skipped.sort(key=lambda s: (s.source, s.line_number))
    if not sentences:
        raise InputError(f"corpus {path} has no usable sentence (skipped: {_counts(skipped)})")
    _report(path, source.layouts, len(sentences), skipped, warnings, settings.skips_listed)
    return Corpus(path=str(path), sentences=sentences, skipped=skipped, layouts=source.layouts)


def _text_skip_reason(sentence: str, earlier: SourceLine | None, max_chars: int) -> tuple[str, str]:
    """(kind, reason) when a stripped sentence is skipped before tokenising, else two empty strings."""
    if not sentence:
        return "blank", "blank line"
    if earlier is not None:
        return "duplicate", f"repeats the sentence of {earlier.source}:{earlier.line_number}"
    if len(sentence) > max_chars:
        return "too long", f"sentence is {len(sentence)} characters long (at most {max_chars})"
    return "", ""


def _token_counts(engine: JourneyEngine, sentences: list[str]) -> list[int]:
    """Tokens of each sentence with the model's special tokens, untruncated."""
    counts = []
    for start in range(0, len(sentences), TOKEN_COUNT_BATCH):
        batch = sentences[start : start + TOKEN_COUNT_BATCH]
        encoded = engine.loaded.tokenizer(batch, add_special_tokens=True, truncation=False)
        counts.extend(len(ids) for ids in encoded["input_ids"])
    return counts


def _counts(skipped: list[SkippedLine]) -> str:
    """Skipped lines counted by kind, e.g. "3 blank, 1 duplicate"."""
    by_kind = Counter(s.kind for s in skipped)
    return ", ".join(f"{count} {kind}" for kind, count in sorted(by_kind.items())) or "none"


def _report(
    path: str | Path,
    layouts: dict[str, str],
    kept: int,
    skipped: list[SkippedLine],
    warnings: TextIO,
    listed: int,
) -> None:
    """Name the first `listed` skipped lines with their reason, then count every skipped line by kind."""
    for line in skipped[:listed]:
        print(f"journeys: warning: {line.source}:{line.line_number}: {line.reason}; skipped", file=warnings)
    if len(skipped) > listed:
        print(
            f"journeys: warning: {len(skipped) - listed} more skipped lines not listed",
            file=warnings,
        )
    running = sorted(file for file, layout in layouts.items() if layout == "running")
    read_as = (
        f"; {len(running)} of {len(layouts)} files read as running text and split into sentences"
        " (--corpus-layout lines takes one sentence per line)"
        if running
        else ""
    )
    if skipped or running:
        print(
            f"journeys: corpus {path}: {kept} sentences kept, "
            f"{len(skipped)} skipped ({_counts(skipped)}){read_as}",
            file=warnings,
        )
