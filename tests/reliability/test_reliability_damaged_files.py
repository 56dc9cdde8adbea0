"""Bytes flipped, files truncated or edited under build/: each damaged file is named in one warning line and
rebuilt, and every number is a clean build's; never a traceback, never a wrong number."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from journeys.contextual.index import ContextualIndex
from journeys.indexer.engine import JourneyEngine
from journeys.indexer.journey_cache import JourneyCache
from journeys.server.app import create_app

pytest_plugins = ["reliability_fixtures"]

TEXT = "Time flies like an arrow."


def overwrite_middle(path: Path) -> None:
    """Overwrite up to 1 MiB in the middle of the file with other bytes; the size stays."""
    data = bytearray(path.read_bytes())
    start, length = len(data) // 4, min(1 << 20, len(data) // 2)
    data[start : start + length] = bytes((b + 97) % 256 for b in data[start : start + length])
    path.write_bytes(bytes(data))


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def garbage(path: Path) -> None:
    path.write_bytes(b"\x00\xffnot what was written\n")


def not_utf8(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] = 0xFF
    path.write_bytes(bytes(data))


def edit_a_rank(path: Path) -> None:
    """Change one rank to 777, keeping the file valid JSON (and its recorded digest as it was)."""
    stored = json.loads(path.read_text(encoding="utf-8"))
    stored["record"]["journey"]["variants"]["raw"]["rank"][1][-1] = 777
    path.write_text(json.dumps(stored, separators=(",", ":"), ensure_ascii=False), encoding="utf-8")


def edit_a_number(path: Path) -> None:
    """Change the first number after the file's seal, keeping it valid JSON."""
    text = path.read_text(encoding="utf-8")
    seal_end = text.index('"record":') + len('"record":')
    first_digit = next(i for i in range(seal_end, len(text)) if text[i].isdigit())
    path.write_text(text[:first_digit] + "9" + text[first_digit + 1 :], encoding="utf-8")


def analyze_minilm(build_dir: Path) -> subprocess.CompletedProcess:
    """`journeys analyze --json` of TEXT with MiniLM, its indexes under `build_dir`."""
    return subprocess.run(
        [sys.executable, "-m", "journeys.cli", "analyze", "--model", "minilm", "--text", TEXT, "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "JOURNEYS_BUILD_DIR": str(build_dir)},
    )


@pytest.fixture(scope="module")
def minilm_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """A build folder holding MiniLM's vocabulary index, and the clean answer for TEXT."""
    build_dir = tmp_path_factory.mktemp("minilm-build")
    clean = analyze_minilm(build_dir)
    assert clean.returncode == 0, clean.stderr
    return build_dir, json.loads(clean.stdout)


def assert_one_warning(stderr: str, damaged: Path) -> None:
    lines = [line for line in stderr.splitlines() if line.strip() and "%|" not in line]  # tqdm bars aside
    assert len(lines) == 1, stderr
    assert lines[0].startswith(f"journeys: warning: {damaged} "), lines[0]
    assert "Traceback" not in stderr


@pytest.mark.parametrize(
    ("name", "damage"),
    [
        ("vocabulary.faiss", overwrite_middle),
        ("vocabulary.faiss", truncate),
        ("vocabulary_row_ids.npy", truncate),
        ("vocabulary-meta.json", garbage),
    ],
)
def test_a_damaged_vocabulary_index_is_rebuilt_and_the_ranks_stay_right(minilm_build, name, damage):
    build_dir, clean = minilm_build
    damaged = build_dir / "indexes" / "minilm" / name
    damage(damaged)
    again = analyze_minilm(build_dir)
    assert again.returncode == 0, again.stderr
    assert_one_warning(again.stderr, damaged)
    assert json.loads(again.stdout) == clean
    assert [row[-1] for row in clean["variants"]["raw"]["rank"]] == [0, 0, 0, 0, 0, 0, 0, 7]


#: A damaged build file, and the caches to set aside so that the rebuild reads it.
BUILD_FILES = {
    "result cache, a rank edited": ("cache/journeys/*.json", edit_a_rank, []),
    "result cache, not UTF-8": ("cache/journeys/*.json", not_utf8, []),
    "findings cache, a number edited": ("cache/findings/*.json", edit_a_number, []),
    "vocabulary index, bytes overwritten": ("indexes/*/vocabulary.faiss", overwrite_middle, ["cache"]),
    "vocabulary density, a number edited": ("indexes/*/density-*.json", edit_a_number, ["cache/findings"]),
    "vocabulary density, truncated": ("indexes/*/density-*.json", truncate, ["cache/findings"]),
}


@pytest.mark.parametrize("case", BUILD_FILES)
def test_a_rebuild_over_a_damaged_file_says_so_once_and_writes_the_clean_site(
    case, build_folder, clean_site, capfd
):
    pattern, damage, set_aside = BUILD_FILES[case]
    build_folder.build()
    damaged = sorted(build_folder.root.glob(pattern))[0]
    damage(damaged)
    for folder in set_aside:
        shutil.rmtree(build_folder.root / folder)
    capfd.readouterr()
    build_folder.build()
    assert_one_warning(capfd.readouterr().err, damaged)
    assert build_folder.site_files() == clean_site
    build_folder.build()
    assert "warning" not in capfd.readouterr().err


def test_the_server_answers_right_over_a_damaged_cache_entry(build_folder, fault_inputs, capfd):
    build_folder.build()
    engine = JourneyEngine.load(fault_inputs.model, settings=build_folder.settings)
    stored = JourneyCache(build_folder.cache, build_folder.settings)
    text = "The old man the boat."
    damaged = stored.path(
        engine.info.name, engine.precision, "exact", text, build_folder.settings.default_top_k
    )
    edit_a_rank(damaged)
    capfd.readouterr()
    response = (
        create_app([engine], build_folder.site, stored)
        .test_client()
        .post("/api/analyze", json={"text": text})
    )
    assert response.status_code == 200
    assert response.get_json() == json.loads(json.dumps(engine.analyze(text).to_dict()))
    assert_one_warning(capfd.readouterr().err, damaged)


@pytest.mark.parametrize(
    ("name", "damage"),
    [("layer-01.faiss", truncate), ("vectors-01.f32", truncate), ("manifest.json", not_utf8)],
)
def test_a_damaged_contextual_index_is_not_used_until_a_build_writes_it_again(
    name, damage, build_folder, fault_inputs, capfd
):
    build_folder.build()
    engine = JourneyEngine.load(fault_inputs.model, settings=build_folder.settings)
    saved = ContextualIndex.load_saved(engine)
    assert saved is not None
    before = saved.query(engine, TEXT, 3).to_dict()  # its encodings are mapped from the file damaged next
    damaged = sorted(build_folder.indexes.glob(f"*/contextual-exact/{name}"))[0]
    damage(damaged)
    capfd.readouterr()
    assert ContextualIndex.load_saved(engine) is None
    assert_one_warning(capfd.readouterr().err, damaged)
    shutil.rmtree(build_folder.cache / "findings")
    build_folder.build()
    again = ContextualIndex.load_saved(engine)
    assert again is not None and again.query(engine, TEXT, 3).to_dict() == before
