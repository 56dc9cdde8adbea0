"""The resumable corpus pass: shards read back equal the in-memory analysis bit for bit, a damaged shard is
said and recomputed, a pass killed by SIGKILL resumes to the same numbers, and nothing of Ray is imported
unless asked for."""

from __future__ import annotations

import dataclasses
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from benchmarks.corpus_pass_speed import findings_child, without_timings
from journeys.corpus import shard_work
from journeys.corpus.corpus_analysis import CorpusAnalysis, analyze_corpus
from journeys.corpus.corpus_pass import run_corpus_pass
from journeys.indexer.engine import JourneyEngine
from journeys.indexer.sealed_files import file_digest
from journeys.indexer.views import View

#: Seconds a child `journeys findings` may take on a tiny model (generous for a busy 2-core machine).
CHILD_TIMEOUT_S = 1200


def assert_same_arrays(one: np.ndarray, other: np.ndarray, name: str) -> None:
    """Same dtype, shape and bytes (NaN where NaN)."""
    assert one.dtype == other.dtype and one.shape == other.shape, name
    assert one.tobytes() == other.tobytes(), name


def assert_same_analysis(first: CorpusAnalysis, second: CorpusAnalysis) -> None:
    """Every array of the two analyses equal bit for bit (NaN where NaN), encodings and every variant's
    arrays included, and the same sentences."""
    for field in dataclasses.fields(CorpusAnalysis):
        one, other = getattr(first, field.name), getattr(second, field.name)
        if field.name == "encodings" and one is not None:
            one, other = np.asarray(one), np.asarray(other)
        if isinstance(one, np.ndarray):
            assert_same_arrays(one, other, field.name)
    assert first.sentences == second.sentences
    assert first.by_variant.keys() == second.by_variant.keys()
    for variant, arrays in first.by_variant.items():
        assert arrays.keys() == second.by_variant[variant].keys(), variant
        for name, values in arrays.items():
            assert_same_arrays(values, second.by_variant[variant][name], f"{variant} {name}")


def shard_records(folder: Path) -> list[Path]:
    return sorted(folder.glob("corpus-passes/*/shard-*[0-9].json"))


@pytest.fixture
def counted_chunks(monkeypatch) -> list[int]:
    """The first sentence of every chunk the pass computes, in order."""
    computed: list[int] = []
    compute = shard_work.analyze_chunk

    def counting(engine, chunk, first, *args, **kwargs):
        computed.append(first)
        return compute(engine, chunk, first, *args, **kwargs)

    monkeypatch.setattr(shard_work, "analyze_chunk", counting)
    return computed


def test_shards_read_back_equal_the_in_memory_analysis_and_are_reused(
    tiny_engines, sentences, tmp_path, capfd, counted_chunks
):
    engine = tiny_engines["bert"]
    corpus = sentences * 5  # 40 sentences: three shards of 16, 16 and 8
    expected = analyze_corpus(engine, corpus, "exact", keep_encodings=True, progress=False)
    first = run_corpus_pass(engine, corpus, "exact", keep_encodings=True, progress=False, cache_dir=tmp_path)
    assert_same_analysis(first, expected)
    assert counted_chunks == [0, 16, 32]
    assert [len(chunk) for chunk in first.encodings.chunks] == [
        int(np.isin(expected.token_sentence, range(start, start + 16)).sum()) for start in (0, 16, 32)
    ]
    capfd.readouterr()
    again = run_corpus_pass(engine, corpus, "exact", keep_encodings=True, progress=False, cache_dir=tmp_path)
    assert counted_chunks == [0, 16, 32]  # nothing computed the second time
    assert capfd.readouterr().err == ""  # a pass found whole is read back without a word
    assert_same_analysis(again, expected)
    other = run_corpus_pass(
        engine, corpus[:-1], "exact", keep_encodings=True, progress=False, cache_dir=tmp_path
    )
    assert counted_chunks[3:] == [0, 16, 32]  # another corpus is another pass
    assert len(other.sentences) == 39


def test_a_bf16_pass_never_reads_float32_shards(
    family_folders, engine_settings, sentences, tmp_path, counted_chunks
):
    """The same model, corpus and cache folder in two precisions: two shard folders, each computed, and the
    bf16 pass equals its own in-memory analysis, not the float32 one."""
    full = JourneyEngine.load(str(family_folders["llama"]), settings=engine_settings)
    reduced = JourneyEngine.load(str(family_folders["llama"]), settings=engine_settings, dtype="bfloat16")
    first = run_corpus_pass(full, sentences, "exact", progress=False, cache_dir=tmp_path)
    second = run_corpus_pass(reduced, sentences, "exact", progress=False, cache_dir=tmp_path)
    assert counted_chunks == [0, 0]  # the bf16 pass computed its shard rather than reading float32's
    folders = sorted(path.name for path in (tmp_path / "corpus-passes").iterdir())
    assert len(folders) == 2 and [name.split("-")[-2] for name in folders] == ["bfloat16", "float32"]
    assert_same_analysis(second, analyze_corpus(reduced, sentences, "exact", progress=False))
    assert not np.array_equal(first.by_variant["raw"]["similarity"], second.by_variant["raw"]["similarity"])


@pytest.mark.parametrize(
    ("damage", "said"),
    [("flip a byte of its arrays", True), ("cut its encodings short", True), ("lose its record", False)],
)
def test_a_damaged_or_unfinished_shard_is_recomputed(
    tiny_engines, sentences, tmp_path, capfd, counted_chunks, damage, said
):
    engine = tiny_engines["roberta"]
    corpus = sentences * 5
    clean = run_corpus_pass(engine, corpus, "exact", keep_encodings=True, progress=False, cache_dir=tmp_path)
    # A copy in memory: the damage below is done in place, where the analysis's memory maps would see it.
    clean = dataclasses.replace(clean, encodings=np.array(clean.encodings))
    (folder,) = (tmp_path / "corpus-passes").iterdir()
    arrays, encodings, record = (folder / f"shard-000001{end}" for end in (".npz", "-encodings.npy", ".json"))
    if damage == "flip a byte of its arrays":
        data = bytearray(arrays.read_bytes())
        data[len(data) // 2] ^= 0x01
        arrays.write_bytes(bytes(data))
    elif damage == "cut its encodings short":
        encodings.write_bytes(encodings.read_bytes()[:-100])
    else:
        record.unlink()
    capfd.readouterr()
    again = run_corpus_pass(engine, corpus, "exact", keep_encodings=True, progress=False, cache_dir=tmp_path)
    assert counted_chunks == [0, 16, 32, 16]
    assert_same_analysis(again, clean)
    stderr = capfd.readouterr().err
    warnings = [line for line in stderr.splitlines() if "warning" in line]
    assert "resuming the exact corpus pass: 2 of 3 shards already computed" in stderr
    if said:
        assert len(warnings) == 1 and "does not match its recorded digest" in warnings[0], warnings
        assert warnings[0].endswith("; computing shard 1 again"), warnings
    else:
        assert warnings == []
    stored = json.loads(record.read_text())["record"]["files"]
    assert stored == {arrays.name: file_digest(arrays), encodings.name: file_digest(encodings)}


def finished_findings(child: subprocess.Popen) -> tuple[dict, str]:
    """The findings JSON of a child run to its end (without its timings), and its stderr."""
    stdout, stderr = child.communicate(timeout=CHILD_TIMEOUT_S)
    assert child.returncode == 0, stderr
    return without_timings(stdout), stderr


def test_a_pass_killed_at_a_random_shard_resumes_to_the_same_findings(tiny_model_folders, tmp_path):
    model = str(tiny_model_folders["bert"])
    corpus = tmp_path / "corpus.txt"
    lines = [
        f"Sentence {i} says the bank by the river {'was' if i % 3 else 'is'} closed." for i in range(160)
    ]
    corpus.write_text("\n".join(lines) + "\n", encoding="utf-8")
    # Four passes of 160 sentences in shards of 16: exact and seed, then exact again for the sensitivity
    # table's rows: in bfloat16 and at the block output.
    passes = ["exact", "seed", "exact", "exact (block-output, input, cosine)"]
    total = len(passes) * 10
    whole, resumed = tmp_path / "uninterrupted", tmp_path / "killed"
    kill_after = random.randint(1, total - 2)
    # The uninterrupted pass runs beside the one to be killed: the test waits on both at once.
    uninterrupted = findings_child(model, corpus, whole)
    child = findings_child(model, corpus, resumed)
    deadline = time.monotonic() + CHILD_TIMEOUT_S
    while len(shard_records(resumed / "cache")) < kill_after:
        assert child.poll() is None, f"the pass ended before {kill_after} shards were written"
        assert time.monotonic() < deadline
        time.sleep(0.01)
    child.send_signal(signal.SIGKILL)
    child.communicate(timeout=60)
    written = len(shard_records(resumed / "cache"))
    assert child.returncode == -signal.SIGKILL and kill_after <= written < total, (kill_after, written)
    expected, _ = finished_findings(uninterrupted)
    assert len(shard_records(whole / "cache")) == total

    report, stderr = finished_findings(findings_child(model, corpus, resumed))
    if written % 10 == 0:  # killed between two passes: the earlier ones whole, the next not begun
        assert "resuming" not in stderr, stderr
    else:
        said = (
            f"journeys: resuming the {passes[written // 10]} corpus pass: {written % 10} of 10 shards already"
        )
        assert said in stderr, stderr
    assert report == expected
    for record in shard_records(whole / "cache"):
        twin = resumed / record.relative_to(whole)
        for suffix in (".npz",):
            with np.load(record.with_suffix(suffix)) as one, np.load(twin.with_suffix(suffix)) as other:
                assert one.files == other.files
                for name in one.files:
                    assert one[name].tobytes() == other[name].tobytes(), (record.name, name)


def test_without_the_ray_flag_nothing_of_ray_is_imported(tiny_model_folders, corpus_file, tmp_path):
    script = (
        "import sys\n"
        "from journeys.cli import main\n"
        "import gallery.build\n"
        f"code = main(['findings', '--model', {str(tiny_model_folders['bert'])!r}, '--corpus', "
        f"{str(corpus_file)!r}, '--json'])\n"
        "assert code == 0, code\n"
        "assert not [name for name in sys.modules if name == 'ray' or name.startswith('ray.')]\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        env={**os.environ, "JOURNEYS_BUILD_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT_S,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["corpus"]["sentences"] == 8


def test_each_view_is_a_pass_of_its_own(tiny_engines, headed_engine, sentences, tmp_path, counted_chunks):
    """The study's view, the block output, Euclidean distance and the output head over one corpus and cache
    folder: four shard folders, each computed and equal to its own in-memory analysis."""
    views = [View(), View(point="block-output"), View(metric="euclidean")]
    engine = tiny_engines["roberta"]
    for view in views:
        found = run_corpus_pass(engine, sentences, "exact", progress=False, cache_dir=tmp_path, view=view)
        assert found.view == view
        assert_same_analysis(found, analyze_corpus(engine, sentences, "exact", progress=False, view=view))
    lens, headed = View(reference="output"), headed_engine("gpt2")
    found = run_corpus_pass(
        headed, sentences, "exact", variant="own", progress=False, cache_dir=tmp_path, view=lens
    )
    assert list(found.by_variant) == ["own", "next"]
    expected = analyze_corpus(headed, sentences, "exact", variant="own", progress=False, view=lens)
    assert_same_analysis(found, expected)
    assert counted_chunks == [0, 0, 0, 0]
    assert len(list((tmp_path / "corpus-passes").iterdir())) == 4
