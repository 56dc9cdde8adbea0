"""The `journeys analyze` command, run as a user runs it: a real process, its stdout, stderr and exit code."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest
import torch
from child_processes import finished

from journeys.indexer.engine import JourneyEngine
from journeys.indexer.views import View


def run_cli(
    *args: str, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess:
    return run_clis(args, env=env, timeout=timeout)[0]


def run_clis(
    *commands: tuple[str, ...], env: dict[str, str] | None = None, timeout: float = 120
) -> list[subprocess.CompletedProcess]:
    """Each command's `journeys` run, all started at once in processes of their own; results in order."""
    started = [
        subprocess.Popen(
            [sys.executable, "-m", "journeys.cli", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, **(env or {})},
        )
        for args in commands
    ]
    return [finished(process, timeout) for process in started]


def assert_refused(result: subprocess.CompletedProcess, *words: str) -> None:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for word in words:
        assert word in lines[0]
    assert result.stdout == ""


def test_json_output_is_one_object_matching_the_engine(tiny_model_folders, engine_settings):
    folder = str(tiny_model_folders["roberta"])
    result = run_cli(
        "analyze", "--model", folder, "--text", "Time flies like an arrow.", "--json", "--top-k", "4"
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) == {"model", "method", "point", "reference", "metric", "tokens", "variants"}
    assert (data["point"], data["reference"], data["metric"]) == ("post-attention", "input", "cosine")
    assert set(data["model"]) == {"name", "num_layers", "hidden_size", "vocab_size", "precision"}
    assert data["model"]["precision"] == {
        "device": "cpu",
        "dtype": "float32",
        "torch": torch.__version__,
        "matmul": torch.get_float32_matmul_precision(),
    }
    assert set(data["variants"]) == {"raw", "positional"}
    expected = (
        JourneyEngine.load(folder, settings=engine_settings)
        .analyze("Time flies like an arrow.", top_k=4)
        .to_dict()
    )
    assert data == json.loads(json.dumps(expected))
    layers = data["model"]["num_layers"]
    for variant in data["variants"].values():
        assert set(variant) == {"rank", "similarity", "neighbours"}
        assert len(variant["rank"]) == len(data["tokens"])
        assert all(len(row) == layers for row in variant["rank"])
        assert all(len(cell) == 4 for row in variant["neighbours"] for cell in row)


def test_dtype_is_what_the_model_computes_in_and_is_recorded(tiny_model_folders, engine_settings):
    folder = str(tiny_model_folders["roberta"])
    text = "Time flies like an arrow."
    result = run_cli("analyze", "--model", folder, "--text", text, "--json", "--dtype", "bfloat16")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["model"]["precision"]["dtype"] == "bfloat16"
    assert data["model"]["precision"]["device"] == "cpu"
    expected = JourneyEngine.load(folder, settings=engine_settings, dtype="bfloat16").analyze(text).to_dict()
    assert data == json.loads(json.dumps(expected))
    assert data != json.loads(
        json.dumps(JourneyEngine.load(folder, settings=engine_settings).analyze(text).to_dict())
    )


@pytest.mark.parametrize(
    ("option", "said"),
    [
        (
            ["--device", "tpu"],
            "journeys: error: device must be one of auto, cpu, cuda, cuda:N, mps, not 'tpu'\n",
        ),
        (["--device", "cuda"], "journeys: error: device cuda is not available: torch sees cpu\n"),
        (["--device", "cuda:3"], "journeys: error: device cuda:3 is not available: torch sees cpu\n"),
    ],
)
def test_a_device_torch_does_not_have_is_refused_in_one_line(tiny_model_folders, option, said):
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU, so cuda is not refused here")
    result = run_cli("analyze", "--model", str(tiny_model_folders["bert"]), "--text", "hi", *option)
    assert (result.returncode, result.stdout, result.stderr) == (2, "", said)


def test_block_output_json_matches_the_engine(tiny_model_folders, engine_settings):
    folder = str(tiny_model_folders["gpt2"])
    text = "Time flies like an arrow."
    result = run_cli("analyze", "--model", folder, "--text", text, "--json", "--point", "block-output")
    assert result.returncode == 0, result.stderr
    expected = JourneyEngine.load(folder, settings=engine_settings).analyze(
        text, view=View(point="block-output")
    )
    assert json.loads(result.stdout) == json.loads(json.dumps(expected.to_dict()))
    assert expected.view.point == "block-output"


def test_table_output_names_tokens_and_layers(tiny_model_folders):
    result = run_cli("analyze", "--model", str(tiny_model_folders["bert"]), "--text", "time flies")
    assert result.returncode == 0, result.stderr
    words = " ".join(result.stdout.split())  # the heading wraps between its parts to fit the terminal
    assert "method exact, point post-attention, metric cosine" in words
    assert "L0" in result.stdout and "L2" in result.stdout
    assert "flies" in result.stdout and "[CLS]" in result.stdout
    assert "raw" in result.stdout and "positional" in result.stdout


def test_seed_method_on_minilm_runs():
    result = run_cli("analyze", "--model", "minilm", "--text", "the bank", "--method", "seed", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["method"] == "seed"


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--text", ""], ["empty"]),
        (["--text", "   "], ["empty"]),
        (["--text", "word " * 80], ["tokens long", "at most 64"]),
        (["--text", "x", "--top-k", "0"], ["--top-k"]),
        (["--text", "x", "--top-k", "101"], ["--top-k"]),
        (["--text", "x", "--top-k", "many"], ["--top-k"]),
        (["--text", "x", "--method", "guess"], ["--method"]),
        (["--text", "x", "--point", "output"], ["--point", "post-attention", "block-output"]),
        (["--text", "x", "--method", "seed", "--point", "block-output"], ["post-attention point only"]),
        (["--text", "x", "--metric", "manhattan"], ["--metric", "cosine", "euclidean"]),
        (["--text", "x", "--method", "seed", "--metric", "euclidean"], ["--method seed", "cosine only"]),
        (["--text", "x", "--reference", "logits"], ["--reference", "input", "output"]),
        (["--text", "x", "--reference", "output"], ["has no output head", "input reference only"]),
        (["--text", "x", "--reference", "output", "--metric", "euclidean"], ["ranks by logit"]),
    ],
)
def test_bad_input_is_refused_with_one_line(tiny_model_folders, args, words):
    assert_refused(run_cli("analyze", "--model", str(tiny_model_folders["roberta"]), *args), *words)


def test_metric_euclidean_prints_distances_and_names_them(tiny_model_folders, engine_settings):
    """--json gives the engine's Euclidean journey; the table and the CSV say which metric they show."""
    folder = str(tiny_model_folders["gpt2"])
    common = ("analyze", "--model", folder, "--text", "Time flies.", "--top-k", "2", "--metric", "euclidean")
    result, table, csv = run_clis((*common, "--json"), common, (*common, "--csv"))
    assert result.returncode == 0, result.stderr
    expected = JourneyEngine.load(folder, settings=engine_settings).analyze(
        "Time flies.", top_k=2, view=View(metric="euclidean")
    )
    assert json.loads(result.stdout) == json.loads(expected.to_json())
    assert "metric euclidean" in table.stdout
    header = csv.stdout.splitlines()[0].split(",")
    assert "distance" in header and "neighbour_2_distance" in header and "similarity" not in header


def test_reference_output_prints_the_lens(headed_engine):
    """--json gives the engine's lens journey; the table and the CSV show ranks, logits and probabilities."""
    engine = headed_engine("llama")
    common = ("analyze", "--model", engine.info.name, "--text", "Time flies.", "--top-k", "2")
    common += ("--reference", "output")
    result, table, csv = run_clis((*common, "--json"), common, (*common, "--csv"))
    assert result.returncode == 0, result.stderr
    view = View(reference="output")
    assert json.loads(result.stdout) == json.loads(
        engine.analyze("Time flies.", top_k=2, view=view).to_json()
    )
    assert "reference output (logit lens)" in table.stdout and "next rank (0 = highest logit)" in table.stdout
    header = csv.stdout.splitlines()[0].split(",")
    assert header[7:10] == ["rank", "logit", "probability"] and "neighbour_2_probability" in header


def test_seed_on_a_decoder_is_refused(tiny_model_folders):
    result = run_cli("analyze", "--model", str(tiny_model_folders["gpt2"]), "--text", "x", "--method", "seed")
    assert_refused(result, "encoders in the BERT layout", "exact method only")


def test_unknown_model_is_refused():
    assert_refused(run_cli("analyze", "--model", "no-such-model", "--text", "x"), "unknown model", "minilm")


def test_folder_without_a_model_is_refused(tmp_path):
    assert_refused(run_cli("analyze", "--model", str(tmp_path), "--text", "x"), "config.json")


def test_unreachable_hub_fails_fast_naming_the_alternatives(tmp_path):
    """With no cached copy and no Hub, roberta-base fails within seconds, pointing at minilm and folders."""
    env = {"HF_HUB_OFFLINE": "0", "HF_HOME": str(tmp_path), "HF_ENDPOINT": "http://127.0.0.1:9"}
    started = time.monotonic()
    result = run_cli("analyze", "--model", "roberta-base", "--text", "x", env=env, timeout=60)
    assert_refused(result, "roberta-base", "cannot be reached", "--model minilm", "local folder")
    assert time.monotonic() - started < 60  # bounded by the subprocess timeout; a hang would raise
