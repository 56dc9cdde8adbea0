"""The corpus pass on Ray (a local 2-CPU cluster): the same numbers as in this process, bit for bit, and
one clear line when Ray is missing or the cluster cannot be reached."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from child_processes import finished

from journeys.corpus.corpus_pass import run_corpus_pass
from journeys.corpus.ray_address import checked_address
from journeys.corpus.settings import CorpusSettings
from journeys.corpus.shard_work import Cluster
from test_corpus_pass import CHILD_TIMEOUT_S, assert_same_analysis


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


def started_journeys(
    *args: str, build_dir: Path, before: str = "", env: dict[str, str] | None = None
) -> subprocess.Popen:
    """`journeys ARGS` started in a process of its own writing under `build_dir`; `before` is Python run
    first."""
    script = f"import sys\n{before}\nfrom journeys.cli import main\nsys.exit(main({list(args)!r}))\n"
    return subprocess.Popen(
        [sys.executable, "-c", script],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "JOURNEYS_BUILD_DIR": str(build_dir), **(env or {})},
    )


def journeys(
    *args: str, build_dir: Path, before: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """`journeys ARGS` run to its end in a process of its own (see `started_journeys`)."""
    return finished(started_journeys(*args, build_dir=build_dir, before=before, env=env), CHILD_TIMEOUT_S)


def test_findings_with_ray_auto_give_the_in_process_findings(tiny_model_folders, corpus_file, tmp_path):
    model = str(tiny_model_folders["gpt2"])
    arguments = ["findings", "--model", model, "--corpus", str(corpus_file), "--json"]
    # Both at once: the in-process run computes while the other starts its Ray cluster.
    started = [
        started_journeys(*arguments, *extra, build_dir=tmp_path / ("ray" if extra else "here"))
        for extra in ([], ["--ray", "auto", "--ray-actors", "1"])
    ]
    reports = []
    for result in (finished(process, CHILD_TIMEOUT_S) for process in started):
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
        (["--ray", "nowhere"], "", ["--ray takes auto or a cluster address host:port", "not 'nowhere'"]),
        (["--ray", "127.0.0.1:99999"], "", ["port 1 to 65535", "not '127.0.0.1:99999'"]),
        (["--ray", "[::1]:1"], "", ["no Ray cluster answers at [::1]:1"]),
        (["--ray-actors", "2"], "", ["--ray-actors needs --ray"]),
        (["--ray", "auto", "--ray-actors", "0"], "", ["--ray-actors", "at least 1"]),
    ],
    ids=[
        "ray not installed",
        "nothing at the address",
        "not an address",
        "port out of range",
        "nothing at an IPv6 address",
        "actors without ray",
        "no actors",
    ],
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


def test_a_listener_that_is_not_ray_is_refused_in_one_line_within_the_bound(
    tiny_model_folders, corpus_file, tmp_path
):
    """A TCP listener that accepts and never answers: Ray alone would retry for minutes, ignoring SIGTERM."""
    with socket.create_server(("127.0.0.1", 0)) as silent:
        address = f"127.0.0.1:{silent.getsockname()[1]}"
        arguments = ["findings", "--model", str(tiny_model_folders["bert"]), "--corpus", str(corpus_file)]
        started = time.monotonic()
        result = journeys(
            *arguments, "--ray", address, build_dir=tmp_path, env={"JOURNEYS_RAY_CONNECT_S": "3"}
        )
        seconds = time.monotonic() - started
    assert (result.returncode, result.stdout) == (2, ""), result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines == [
        f"journeys: error: what listens at {address} did not answer as a Ray cluster within 3 s; "
        "start one with `ray start --head` or use --ray auto"
    ]
    assert seconds < 3 + 60  # the bound, with a wide margin for Python's start on a busy machine


def test_a_ray_cluster_answers_the_check(ray_cluster):
    import ray

    address = ray.get_runtime_context().gcs_address
    assert checked_address(address, CorpusSettings().ray_connect_s) == address


def test_sigterm_ends_a_ray_pass_and_keeps_the_shards_written(tiny_model_folders, tmp_path):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("".join(f"Sentence {n} is one of many in this corpus.\n" for n in range(4000)))
    script = "import sys\nfrom journeys.cli import main\nsys.exit(main(sys.argv[1:]))\n"
    arguments = ["findings", "--model", str(tiny_model_folders["bert"]), "--corpus", str(corpus), "--json"]
    child = subprocess.Popen(
        [sys.executable, "-c", script, *arguments, "--ray", "auto", "--ray-actors", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "JOURNEYS_BUILD_DIR": str(tmp_path / "build")},
    )
    shards = tmp_path / "build" / "cache" / "corpus-passes"
    deadline = time.monotonic() + CHILD_TIMEOUT_S
    while not list(shards.glob("*/shard-*[0-9].json")):
        assert child.poll() is None and time.monotonic() < deadline, child.communicate()[1]
        time.sleep(0.05)
    child.send_signal(signal.SIGTERM)
    stdout, stderr = child.communicate(timeout=120)
    assert child.returncode == 128 + signal.SIGTERM, stderr
    assert stdout == "" and "Traceback" not in stderr
    assert "journeys: stopped by SIGTERM; the shards written so far are kept" in stderr
    kept = list(shards.glob("*/shard-*[0-9].json"))
    assert 1 <= len(kept) < 4000 // 16
