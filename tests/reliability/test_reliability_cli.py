"""`journeys analyze` fed what a hostile or unlucky user feeds it: standard input, bytes that are not
UTF-8, text with nothing visible, a reader that stops reading. One line and exit 2, or quiet; never a
traceback."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

TEXT = "Time flies like an arrow."


def journeys(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess:
    """`journeys ARGS` run as a user runs it, its output as bytes."""
    return subprocess.run(
        [sys.executable, "-m", "journeys.cli", *args], input=stdin, capture_output=True, timeout=300
    )


@pytest.fixture(scope="module")
def bert_folder(tiny_model_folders) -> str:
    return str(tiny_model_folders["bert"])


def test_text_dash_reads_standard_input(bert_folder):
    from_argument = journeys("analyze", "--model", bert_folder, "--text", TEXT, "--json")
    from_stdin = journeys(
        "analyze", "--model", bert_folder, "--text", "-", "--json", stdin=f"{TEXT}\n".encode()
    )
    assert from_stdin.returncode == 0, from_stdin.stderr
    assert json.loads(from_stdin.stdout) == json.loads(from_argument.stdout)


@pytest.mark.parametrize(
    ("text_argument", "stdin", "words"),
    [
        (os.fsdecode(b"caf\xe9 au lait"), b"", ["--text is not valid UTF-8", "character 4"]),
        ("-", b"caf\xe9 au lait", ["standard input is not valid UTF-8", "byte 3"]),
        ("\u200b\u200d\ufeff", b"", ["text is empty"]),
        ("-", b"\x00\x00\n", ["text is empty"]),
        ("-", b"", ["text is empty"]),
    ],
    ids=["argument not UTF-8", "stdin not UTF-8", "zero-width only", "NUL only", "empty stdin"],
)
def test_text_that_cannot_be_analysed_is_refused_in_one_line(bert_folder, text_argument, stdin, words):
    result = journeys("analyze", "--model", bert_folder, "--text", text_argument, stdin=stdin)
    stderr = result.stderr.decode()
    assert (result.returncode, result.stdout) == (2, b""), stderr
    assert len(stderr.strip().splitlines()) == 1 and "Traceback" not in stderr, stderr
    assert stderr.startswith("journeys: error: ") and all(word in stderr for word in words), stderr


def test_a_reader_that_stops_reading_ends_it_quietly(bert_folder):
    """Some 300 kB of JSON into `head -c 10`: more than a pipe holds, so a write meets the closed pipe."""
    analyze = [sys.executable, "-m", "journeys.cli", "analyze", "--model", bert_folder, "--text", TEXT * 3]
    pipeline = subprocess.run(
        [
            "bash",
            "-c",
            '"$@" --json --top-k 100 | head -c 10; echo " ${PIPESTATUS[0]}"',
            "pipeline",
            *analyze,
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert pipeline.stderr == ""
    assert pipeline.stdout.startswith('{"model"') and pipeline.stdout.endswith(" 141\n"), pipeline.stdout


CUSTOM_CODE = {
    "config.json": {
        "model_type": "journeys-custom",
        "auto_map": {"AutoConfig": "custom.CustomConfig", "AutoModel": "custom.CustomModel"},
    },
    "tokenizer_config.json": {"auto_map": {"AutoTokenizer": ["custom.CustomTokenizer", None]}},
}


@pytest.mark.parametrize("naming_file", list(CUSTOM_CODE))
def test_a_model_folders_own_code_never_runs_whatever_is_on_standard_input(
    bert_folder, tmp_path, naming_file
):
    """A folder whose settings name a module beside them, a module that leaves a marker when imported:
    refused in one line, never a prompt, and the marker never appears, even with `y` on standard input."""
    folder, marker = tmp_path / "custom-model", tmp_path / "the-folders-code-ran"
    shutil.copytree(bert_folder, folder)
    settings = json.loads((folder / naming_file).read_text(encoding="utf-8"))
    (folder / naming_file).write_text(json.dumps({**settings, **CUSTOM_CODE[naming_file]}), encoding="utf-8")
    (folder / "custom.py").write_text(f"open({str(marker)!r}, 'w').close()\n", encoding="utf-8")
    result = journeys("analyze", "--model", str(folder), "--text", TEXT, stdin=b"y\n" * 20)
    stderr = result.stderr.decode()
    assert not marker.exists()
    assert (result.returncode, result.stdout) == (2, b""), stderr
    assert len(stderr.strip().splitlines()) == 1 and "Traceback" not in stderr, stderr
    assert f"needs code of its own ({naming_file} has an auto_map)" in stderr and "never runs" in stderr
