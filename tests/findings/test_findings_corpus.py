"""Reading a corpus file: skipped lines are reported, unusable files refused in one line."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest

from findings.corpus import read_corpus
from indexer.engine import InputError


def test_blank_and_over_long_lines_are_reported_and_skipped(tmp_path, tiny_engines):
    engine = tiny_engines["bert"]
    path = tmp_path / "corpus.txt"
    lines = ["The dog barked.", "", "   ", "x" * 250, "a " * 70, "  The bank was closed.  "]
    path.write_text("\n".join(lines), encoding="utf-8")
    warnings = io.StringIO()
    corpus = read_corpus(path, engine, max_chars=200, warnings=warnings)
    assert corpus.sentences == ["The dog barked.", "The bank was closed."]
    assert [(s.line_number, s.reason.split()[0]) for s in corpus.skipped] == [
        (2, "blank"),
        (3, "blank"),
        (4, "line"),
        (5, "line"),
    ]
    assert "250 characters" in corpus.skipped[2].reason
    assert "tokens long" in corpus.skipped[3].reason and "at most 64" in corpus.skipped[3].reason
    reported = warnings.getvalue().splitlines()
    assert len(reported) == 4
    assert all(f"{path}:" in line and "skipped" in line for line in reported)


def test_windows_line_endings_and_byte_order_mark(tmp_path, tiny_engines):
    path = tmp_path / "corpus.txt"
    path.write_bytes("\ufeffThe dog barked.\r\nThe bank was closed.\r\n".encode())
    corpus = read_corpus(path, tiny_engines["bert"], warnings=io.StringIO())
    assert corpus.sentences == ["The dog barked.", "The bank was closed."]


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (None, "does not exist"),
        (b"", "no usable line"),
        (b"\n  \n\n", "no usable line"),
        (b"caf\xe9 au lait\n", "not UTF-8"),
    ],
)
def test_unusable_files_are_refused(tmp_path, tiny_engines, content, words):
    path = tmp_path / "corpus.txt"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(InputError, match=words):
        read_corpus(path, tiny_engines["bert"], warnings=io.StringIO())


def test_a_folder_is_refused(tmp_path, tiny_engines):
    with pytest.raises(InputError, match="not a file"):
        read_corpus(tmp_path, tiny_engines["bert"], warnings=io.StringIO())


def test_cli_refuses_a_bad_corpus_in_one_line(tmp_path, tiny_model_folders):
    path = tmp_path / "latin1.txt"
    path.write_bytes(b"na\xefve\n")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "indexer.cli",
            "findings",
            "--model",
            str(tiny_model_folders["bert"]),
            "--corpus",
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "not UTF-8" in lines[0] and "Traceback" not in result.stderr
