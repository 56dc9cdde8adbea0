"""A model offloaded to disk (--offload-folder, --max-memory) gives the in-memory model's journeys exactly,
for an encoder and a decoder; the options that cannot work are refused in one line before any model loads."""

from __future__ import annotations

import subprocess
import sys

import pytest
from accelerate.utils import compute_module_sizes

from journeys.cli import main
from journeys.corpus.shard_work import weights_digest
from journeys.indexer.engine import JourneyEngine
from journeys.indexer.offload import Offload, memory_limits
from journeys.indexer.views import View
from tiny_models import TRAINING_TEXT


@pytest.mark.parametrize(("family", "methods"), [("bert", ("exact", "seed")), ("llama", ("exact",))])
def test_an_offloaded_model_gives_the_in_memory_journeys(
    family_engine, family_folders, tmp_path, family, methods
):
    in_memory = family_engine(family)
    weights = compute_module_sizes(in_memory.loaded.model)[""]
    limit = {"cpu": int(weights * 0.8)}  # the embeddings fit, the last blocks go to disk
    offloaded = JourneyEngine.load(str(family_folders[family]), offload=Offload(str(tmp_path), limit))
    placed = set(offloaded.loaded.model.hf_device_map.values())
    assert placed == {"cpu", "disk"}, offloaded.loaded.model.hf_device_map
    assert offloaded.precision == in_memory.precision  # offloading changes no number, so no key
    assert weights_digest(offloaded.loaded.model) == weights_digest(in_memory.loaded.model)
    for method in methods:
        for text in TRAINING_TEXT[:3]:
            assert offloaded.analyze(text, method).to_dict() == in_memory.analyze(text, method).to_dict()
    text = TRAINING_TEXT[0]
    offloaded_blocks = offloaded.analyze(text, view=View(point="block-output")).to_dict()
    assert offloaded_blocks == in_memory.analyze(text, view=View(point="block-output")).to_dict()


def test_memory_limits_read_as_accelerate_takes_them():
    assert memory_limits("cpu=8GiB, cuda:1=1.5GB,0=500MB,mps=2048") == {
        "cpu": 8 * 2**30,
        1: 1_500_000_000,
        0: 500_000_000,
        "mps": 2048,
    }


@pytest.mark.parametrize(
    ("options", "words"),
    [
        (["--max-memory", "cpu=1GB"], ["--max-memory needs --offload-folder PATH"]),
        (["--offload-folder", "{tmp}", "--max-memory", "cpu=lots"], ["DEVICE=SIZE", "not 'cpu=lots'"]),
        (["--offload-folder", "{tmp}", "--max-memory", "cuda:0=1GB"], ["limits cuda:0", "it uses cpu"]),
        (["--offload-folder", "{tmp}", "--max-memory", "cpu=1KB"], ["no room for the input embeddings"]),
    ],
    ids=["limits without a folder", "not a size", "a device the model does not use", "no room at all"],
)
def test_offload_options_that_cannot_work_are_refused_in_one_line(
    family_folders, tmp_path, capsys, options, words
):
    model = str(family_folders["bert"])
    arguments = ["analyze", "--model", model, "--text", "hi", "--device", "cpu"]
    status = main([*arguments, *(option.format(tmp=tmp_path) for option in options)])
    out, err = capsys.readouterr()
    assert (status, out) == (2, ""), err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and all(word in lines[0] for word in words), lines


def test_offloading_without_accelerate_is_refused_naming_the_extra(family_folders, tmp_path):
    arguments = ["analyze", "--model", str(family_folders["bert"]), "--text", "hi"]
    script = (
        "import sys\nsys.modules['accelerate'] = None\nfrom journeys.cli import main\n"
        f"sys.exit(main({[*arguments, '--offload-folder', str(tmp_path)]!r}))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert (result.returncode, result.stdout) == (2, ""), result.stderr
    assert result.stderr.strip().splitlines() == [
        "journeys: error: --offload-folder needs accelerate, which is not installed: "
        "install the offload extra: pip install 'token-encoding-journeys[offload]'"
    ]
