"""The corpus pass on Ray (a local 2-CPU cluster): the same numbers as in this process, bit for bit, and
one clear line when Ray is missing or the cluster cannot be reached."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from findings.corpus_pass import Cluster, run_corpus_pass
from test_findings_corpus_pass import CHILD_TIMEOUT_S, assert_same_analysis


def test_the_ray_pass_equals_the_in_process_pass_on_minilm(minilm_engine, sentences, tmp_path, ray_cluster):
    corpus = [*sentences, *(f"{text} Then it rained." for text in sentences), *sentences[:4]]  # 20: 2 shards
    here = run_corpus_pass(
        minilm_engine, corpus, "exact", keep_encodings=True, progress=False, cache_dir=tmp_path / "here"
    )
    on_ray = run_corpus_pass(
        minilm_engine,
        corpus,
        "exact",
        keep_encodings=True,
        progress=False,
        cluster=Cluster("auto", actors=2),
        cache_dir=tmp_path / "ray",
    )
    assert set(here.by_variant) == {"raw", "positional"}  # both variants' ranks and similarities compared
    assert_same_analysis(on_ray, here)
    assert len(on_ray.encodings.chunks) == 2


def journeys(*args: str, build_dir: Path, before: str = "") -> subprocess.CompletedProcess:
    """`journeys ARGS` in a process of its own writing under `build_dir`; `before` is Python run first."""
    script = f"import sys\n{before}\nfrom indexer.cli import main\nsys.exit(main({list(args)!r}))\n"
    return subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT_S,
        env={**os.environ, "JOURNEYS_BUILD_DIR": str(build_dir)},
    )


def test_findings_with_ray_auto_give_the_in_process_findings(tiny_model_folders, corpus_file, tmp_path):
    model = str(tiny_model_folders["gpt2"])
    arguments = ["findings", "--model", model, "--corpus", str(corpus_file), "--json"]
    reports = []
    for extra in ([], ["--ray", "auto", "--ray-actors", "1"]):
        result = journeys(*arguments, *extra, build_dir=tmp_path / ("ray" if extra else "here"))
        assert result.returncode == 0, result.stderr
        report = json.loads(result.stdout)
        reports.append({key: value for key, value in report.items() if "second" not in key})
    assert reports[0] == reports[1]


@pytest.mark.parametrize(
    ("options", "before", "words"),
    [
        (
            ["--ray", "auto"],
            "sys.modules['ray'] = None",
            ["--ray needs Ray, which is not installed", "[cluster]"],
        ),
        (["--ray", "127.0.0.1:1"], "", ["no Ray cluster answers at 127.0.0.1:1", "ray start --head"]),
        (["--ray", "nowhere"], "", ["--ray takes auto or a cluster address host:port, not 'nowhere'"]),
        (["--ray-actors", "2"], "", ["--ray-actors needs --ray"]),
        (["--ray", "auto", "--ray-actors", "0"], "", ["--ray-actors", "at least 1"]),
    ],
    ids=["ray not installed", "nothing at the address", "not an address", "actors without ray", "no actors"],
)
def test_a_cluster_that_cannot_be_used_is_refused_in_one_line(
    tiny_model_folders, corpus_file, tmp_path, options, before, words
):
    model = str(tiny_model_folders["bert"])
    arguments = ["findings", "--model", model, "--corpus", str(corpus_file), *options]
    result = journeys(*arguments, build_dir=tmp_path, before=before)
    assert (result.returncode, result.stdout) == (2, ""), result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert all(word in lines[0] for word in words), lines
