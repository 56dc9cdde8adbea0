"""Reading a corpus: text files (lines or running text), folders of .txt files and JSONL; skipped lines
are counted and reported with their reason, unusable input refused in one line by the real CLI."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from transformers import AutoTokenizer

from journeys.corpus.corpus_sources import read_source
from journeys.corpus.reading import read_corpus
from journeys.corpus.settings import CorpusSettings
from journeys.indexer.errors import InputError


def read(path, engine, **options):
    warnings = io.StringIO()
    corpus = read_corpus(path, engine, warnings=warnings, **options)
    return corpus, warnings.getvalue().splitlines()


def test_lines_read_already_are_not_read_again(tmp_path, tiny_engines):
    """`journeys findings` reads the corpus before the model loads and hands its lines on: the file is not
    read a second time (here it is gone by then)."""
    path = tmp_path / "corpus.txt"
    path.write_text("The dog barked.\nThe bank was closed.\n", encoding="utf-8")
    source = read_source(path)
    path.unlink()
    corpus, _ = read(path, tiny_engines["bert"], source=source)
    assert corpus.sentences == ["The dog barked.", "The bank was closed."]


def test_blank_duplicate_and_over_long_lines_are_reported_and_skipped(tmp_path, tiny_engines):
    engine = tiny_engines["bert"]
    path = tmp_path / "corpus.txt"
    lines = [
        "The dog barked.",
        "",
        "   ",
        "x" * 250,
        "a " * 70,
        "  The bank was closed.  ",
        "The dog barked.",
    ]
    path.write_text("\n".join(lines), encoding="utf-8")
    corpus, reported = read(path, engine, max_chars=200, layout="lines")
    assert corpus.sentences == ["The dog barked.", "The bank was closed."]
    assert corpus.layouts == {str(path): "lines"}
    assert [(s.line_number, s.kind) for s in corpus.skipped] == [
        (2, "blank"),
        (3, "blank"),
        (4, "too long"),
        (5, "too long"),
        (7, "duplicate"),
    ]
    assert "250 characters" in corpus.skipped[2].reason
    assert "72 tokens long" in corpus.skipped[3].reason and "at most 64" in corpus.skipped[3].reason
    assert corpus.skipped[4].reason == f"repeats the sentence of {path}:1"
    assert len(reported) == 6
    assert all(line.startswith(f"journeys: warning: {path}:") for line in reported[:5])
    assert reported[5] == (
        f"journeys: corpus {path}: 2 sentences kept, 5 skipped (2 blank, 1 duplicate, 2 too long)"
    )


def test_the_token_count_of_a_refused_sentence_is_the_tokenizers(tmp_path, tiny_engines):
    engine = tiny_engines["roberta"]
    text = "Sentences this long are refused whole rather than cut short at the limit " * 3
    path = tmp_path / "corpus.txt"
    path.write_text(f"A short one.\n{text}\n", encoding="utf-8")
    corpus, _ = read(path, engine)
    expected = len(engine.loaded.tokenizer(text.strip(), truncation=False)["input_ids"])
    assert expected > engine.info.max_tokens
    assert corpus.sentences == ["A short one."]
    assert f"{expected} tokens long" in corpus.skipped[0].reason


def test_only_the_first_skipped_lines_are_named_and_all_are_counted(tmp_path, tiny_engines):
    path = tmp_path / "corpus.txt"
    path.write_text("One sentence.\n" * (CorpusSettings().skips_listed + 6), encoding="utf-8")
    corpus, reported = read(path, tiny_engines["bert"])
    assert len(corpus.skipped) == CorpusSettings().skips_listed + 5
    assert len(reported) == CorpusSettings().skips_listed + 2
    assert reported[-2] == "journeys: warning: 5 more skipped lines not listed"
    assert "25 skipped (25 duplicate)" in reported[-1]


def test_windows_line_endings_and_byte_order_mark(tmp_path, tiny_engines):
    path = tmp_path / "corpus.txt"
    path.write_bytes("\ufeffThe dog barked.\r\nThe bank was closed.\r\n".encode())
    corpus, reported = read(path, tiny_engines["bert"])
    assert corpus.sentences == ["The dog barked.", "The bank was closed."]
    assert reported == []


RUNNING_TEXT = """The old lighthouse keeper climbed the stairs
every evening. He lit the lamp, wound the clock and
wrote in the log.

Mr. Hale, his neighbour, came by on Sundays. They talked
about the weather."""


def test_wrapped_paragraphs_are_read_as_running_text(tmp_path, tiny_engines):
    path = tmp_path / "story.txt"
    path.write_text(RUNNING_TEXT, encoding="utf-8")
    corpus, reported = read(path, tiny_engines["bert"])
    assert corpus.sentences == [
        "The old lighthouse keeper climbed the stairs every evening.",
        "He lit the lamp, wound the clock and wrote in the log.",
        "Mr. Hale, his neighbour, came by on Sundays.",
        "They talked about the weather.",
    ]
    assert corpus.layouts == {str(path): "running"}
    assert "1 of 1 files read as running text" in reported[-1]


def test_the_layout_can_be_forced_either_way(tmp_path, tiny_engines):
    path = tmp_path / "story.txt"
    path.write_text(RUNNING_TEXT, encoding="utf-8")
    as_lines, _ = read(path, tiny_engines["bert"], layout="lines")
    assert as_lines.sentences[0] == "The old lighthouse keeper climbed the stairs"
    assert [s.kind for s in as_lines.skipped] == ["blank"]
    one_line = tmp_path / "one.txt"
    one_line.write_text("It rained. We stayed in.\nThe sun came out.\n", encoding="utf-8")
    assert read(one_line, tiny_engines["bert"])[0].sentences == [
        "It rained. We stayed in.",
        "The sun came out.",
    ]
    as_running, _ = read(one_line, tiny_engines["bert"], layout="running")
    assert as_running.sentences == ["It rained.", "We stayed in.", "The sun came out."]


def test_a_file_of_sentences_with_blank_lines_and_headlines_stays_one_sentence_per_line(
    tmp_path, tiny_engines
):
    path = tmp_path / "corpus.txt"
    path.write_text("Time flies like an arrow\nThe dog barked.\n\nFruit flies like a banana\nIt rained.\n")
    corpus, _ = read(path, tiny_engines["bert"])
    assert corpus.layouts == {str(path): "lines"}
    assert corpus.sentences[0] == "Time flies like an arrow"


def test_the_bundled_corpus_is_read_one_sentence_per_line(tiny_engines):
    corpus, _ = read(CorpusSettings().corpus_file, tiny_engines["roberta"])
    lines = CorpusSettings().corpus_file.read_text(encoding="utf-8").splitlines()
    assert corpus.layouts == {str(CorpusSettings().corpus_file): "lines"}
    assert {s.kind for s in corpus.skipped} <= {"too long"}  # only for the tiny model's 64 positions
    kept_or_long = {*corpus.sentences, *(lines[s.line_number - 1] for s in corpus.skipped)}
    assert len(corpus.sentences) + len(corpus.skipped) == len(lines) == len(kept_or_long)


def test_skipped_sentences_of_running_text_name_the_line_they_start_on(tmp_path, tiny_engines):
    path = tmp_path / "story.txt"
    path.write_text("It rained all day. We stayed\nin. It rained all day.\n\nThe end.", encoding="utf-8")
    corpus, _ = read(path, tiny_engines["bert"])
    assert corpus.sentences == ["It rained all day.", "We stayed in.", "The end."]
    assert [(s.line_number, s.kind) for s in corpus.skipped] == [(2, "duplicate")]


def test_a_folder_reads_its_txt_files_in_name_order_and_below(tmp_path, tiny_engines):
    (tmp_path / "b.txt").write_text("The second file.\nThe first file.\n", encoding="utf-8")
    (tmp_path / "a.txt").write_text("The first file.\n", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "c.txt").write_text("A nested file.\n", encoding="utf-8")
    (tmp_path / "notes.md").write_text("Not a corpus file.\n", encoding="utf-8")
    corpus, _ = read(tmp_path, tiny_engines["bert"])
    assert corpus.sentences == ["The first file.", "The second file.", "A nested file."]
    assert [(s.source, s.line_number, s.kind) for s in corpus.skipped] == [
        (str(tmp_path / "b.txt"), 2, "duplicate")
    ]
    assert corpus.skipped[0].reason == f"repeats the sentence of {tmp_path / 'a.txt'}:1"


def test_jsonl_records_give_their_text_split_into_sentences(tmp_path, tiny_engines):
    path = tmp_path / "corpus.jsonl"
    records = [{"text": "The dog barked. The cat slept.", "id": 1}, {"text": ""}, {"text": "The dog barked."}]
    path.write_text("\n".join(json.dumps(r) for r in records[:2]) + "\n\n" + json.dumps(records[2]) + "\n")
    corpus, _ = read(path, tiny_engines["bert"])
    assert corpus.sentences == ["The dog barked.", "The cat slept."]
    assert [(s.line_number, s.kind) for s in corpus.skipped] == [(2, "blank"), (3, "blank"), (4, "duplicate")]
    whole, _ = read(path, tiny_engines["bert"], layout="lines")
    assert whole.sentences == ["The dog barked. The cat slept.", "The dog barked."]


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("missing.txt", None, "does not exist"),
        ("empty.txt", b"", "is empty"),
        ("blank.txt", b"\n  \n\n", "no usable sentence (skipped: 3 blank)"),
        ("latin1.txt", b"caf\xe9 au lait\n", "not UTF-8"),
        ("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file"),
        (
            "no-text.jsonl",
            b'{"text": "A fine line."}\n{"body": "No text field."}\n',
            ':2: the JSONL record has no "text"',
        ),
        ("not-json.jsonl", b'{"text": "A fine line."}\nplain words\n', ":2: not valid JSON"),
        ("not-string.jsonl", b'{"text": ["A", "list"]}\n', ':1: the "text" field is not a string'),
    ],
)
def test_unusable_input_is_refused(tmp_path, tiny_engines, name, content, words):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(InputError, match=words.replace("(", r"\(").replace(")", r"\)")):
        read(path, tiny_engines["bert"])


def test_a_folder_without_txt_files_is_refused(tmp_path, tiny_engines):
    (tmp_path / "corpus.jsonl").write_text('{"text": "Only JSONL here."}\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"has no \.txt file"):
        read(tmp_path, tiny_engines["bert"])


def run_findings(model_folder, corpus_path):
    command = [sys.executable, "-m", "journeys.cli", "findings", "--model", str(model_folder)]
    return subprocess.run(
        [*command, "--corpus", str(corpus_path)], capture_output=True, text=True, timeout=600
    )


CLI_REFUSALS = {
    "missing.txt": (None, "does not exist"),
    "empty.txt": (b"", "is empty"),
    "binary.txt": (b"\x7fELF\x02\x01\x01\x00\x00\x00", "is a binary file"),
    "latin1.txt": (b"na\xefve\n", "not UTF-8"),
    "no-text.jsonl": (
        b'{"text": "Fine."}\n{"title": "No text."}\n',
        'no-text.jsonl:2: the JSONL record has no "text"',
    ),
    "too-long.txt": (("word " * 80 + "\n").encode(), "no usable sentence (skipped: 1 too long)"),
    "folder": ("folder", "has no .txt file"),
    "deep.jsonl": (b'{"text": ' + b"[" * 200_000 + b"]" * 200_000 + b"}\n", "deep.jsonl:1: not usable JSON"),
    "long-number.jsonl": (
        b'{"text": "Fine.", "n": ' + b"9" * 100_000 + b"}\n",
        "long-number.jsonl:1: not usable",
    ),
    "fifo": ("fifo", "is not a regular file"),
    "/dev/zero": ("device", "/dev/zero is not a regular file"),
}


@pytest.mark.parametrize("name", list(CLI_REFUSALS))
def test_cli_refuses_bad_corpus_input_in_one_line(tmp_path, tiny_model_folders, name):
    content, words = CLI_REFUSALS[name]
    path = tmp_path / name
    if content == "folder":
        path.mkdir()
        (path / "readme.md").write_text("No text files here.\n", encoding="utf-8")
    elif content == "fifo":
        os.mkfifo(path)
    elif content == "device":
        path = Path(name)
    elif content is not None:
        path.write_bytes(content)
    result = run_findings(tiny_model_folders["bert"], path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("journeys: error: corpus") and words in lines[0]


def test_cli_reports_a_skipped_over_long_sentence_and_goes_on(tmp_path, tiny_model_folders):
    path = tmp_path / "corpus.txt"
    path.write_text("The dog barked.\n" + "word " * 80 + "\nThe cat slept.\n", encoding="utf-8")
    result = run_findings(tiny_model_folders["bert"], path)
    assert result.returncode == 0, result.stderr
    tokenizer = AutoTokenizer.from_pretrained(tiny_model_folders["bert"])
    tokens = len(tokenizer("word " * 79 + "word")["input_ids"])
    assert f"journeys: warning: {path}:2: sentence is {tokens} tokens long" in result.stderr
    assert "2 sentences kept, 1 skipped (1 too long)" in result.stderr
    assert "2 sentences" in result.stdout


def test_a_bad_corpus_is_refused_before_any_model_loads(tmp_path):
    """The corpus is read first: with a model that does not exist either, the refusal names the corpus."""
    result = run_findings(tmp_path / "no-such-model", tmp_path / "missing.txt")
    assert result.returncode == 2
    assert result.stderr == f"journeys: error: corpus {tmp_path / 'missing.txt'} does not exist\n"
