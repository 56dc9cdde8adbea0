"""Read the candidate sentences of a corpus: a text file, a folder of `.txt` files, or JSONL with a
`text` field, each line or record kept with where it came from so that a skipped one can be named.

Layouts: `lines` takes each line (or JSONL record) as one sentence; `running` splits running text into
sentences (corpus/sentence_split.py); `auto` reads a text file as running text when its paragraphs
are separated by blank lines and a sentence wraps onto a line that starts with a small letter, else one
sentence per line,
and splits JSONL records into sentences. Input that cannot be used at all raises InputError.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from journeys.corpus.sentence_split import looks_like_running_text, split_paragraphs, split_text
from journeys.indexer.errors import InputError

JSONL_SUFFIXES = (".jsonl", ".ndjson")


#: How a corpus text file is read: auto, one sentence per line, running text.
LAYOUTS = ("auto", "lines", "running")


@dataclass(frozen=True)
class SourceLine:
    """One candidate sentence (maybe blank) with the file and line it comes from."""

    source: str
    line_number: int
    text: str


@dataclass(frozen=True)
class SourceText:
    """Every candidate sentence of a corpus, in reading order, and the layout each file was read with."""

    lines: list[SourceLine]
    layouts: dict[str, str]  # file path -> "lines" or "running"


def read_source(path: str | Path, layout: str = "auto") -> SourceText:
    """The candidate sentences of a file or folder; refuses a missing, empty or binary input."""
    if layout not in LAYOUTS:
        raise InputError(f"corpus layout {layout!r} is not one of {', '.join(LAYOUTS)}")
    path = Path(path)
    if path.is_dir():
        files = sorted(file for file in path.rglob("*.txt") if file.is_file())
        if not files:
            raise InputError(f"corpus folder {path} has no .txt file")
    elif path.is_file():
        files = [path]
    elif path.exists():
        raise InputError(f"corpus {path} is not a regular file (a device, FIFO or socket is not read)")
    else:
        raise InputError(f"corpus {path} does not exist")
    lines: list[SourceLine] = []
    layouts: dict[str, str] = {}
    for file in files:
        reader = _jsonl_lines if file.suffix.lower() in JSONL_SUFFIXES else _text_lines
        file_lines, layouts[str(file)] = reader(file, _read_text(file), layout)
        lines.extend(file_lines)
    return SourceText(lines=lines, layouts=layouts)


def _read_text(path: Path) -> str:
    """The file's text; refuses an empty, binary or non-UTF-8 file in one line."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InputError(f"corpus file {path} cannot be read: {error.strerror}") from None
    if not data:
        raise InputError(f"corpus file {path} is empty")
    if b"\0" in data:
        raise InputError(f"corpus file {path} is a binary file (it holds NUL bytes), not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(f"corpus file {path} is not UTF-8 text (byte {error.start})") from None


def _text_lines(path: Path, text: str, layout: str) -> tuple[list[SourceLine], str]:
    """One candidate per line, or the sentences of running text with the line each starts on."""
    lines = text.splitlines()
    if layout == "running" or (layout == "auto" and looks_like_running_text(lines)):
        sentences = split_paragraphs(lines)
        return [SourceLine(str(path), s.line_number, s.text) for s in sentences], "running"
    return [SourceLine(str(path), number, line) for number, line in enumerate(lines, start=1)], "lines"


def _jsonl_lines(path: Path, text: str, layout: str) -> tuple[list[SourceLine], str]:
    """The `text` field of every JSONL record, as one sentence (`lines`) or split into sentences."""
    candidates = []
    for number, line in enumerate(text.splitlines(), start=1):
        record_text = _record_text(path, number, line) if line.strip() else ""
        if layout == "lines":
            candidates.append(SourceLine(str(path), number, " ".join(record_text.split())))
        else:
            sentences = split_text(record_text) or [""]
            candidates.extend(SourceLine(str(path), number, sentence) for sentence in sentences)
    return candidates, "lines" if layout == "lines" else "running"


def _record_text(path: Path, number: int, line: str) -> str:
    """The `text` string of one JSONL record; refuses a record that is not an object with one, and any
    record the decoder cannot read (malformed, nested too deeply, a number too long)."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        raise InputError(f"corpus file {path}:{number}: not valid JSON ({error.msg})") from None
    except RecursionError:
        raise InputError(f"corpus file {path}:{number}: not usable JSON (nested too deeply)") from None
    except (ValueError, MemoryError) as error:
        raise InputError(f"corpus file {path}:{number}: not usable JSON ({error})") from None
    if not isinstance(record, dict) or "text" not in record:
        raise InputError(f'corpus file {path}:{number}: the JSONL record has no "text" field')
    if not isinstance(record["text"], str):
        raise InputError(f'corpus file {path}:{number}: the "text" field is not a string')
    return record["text"]
