"""`benchmarks/gpu_check.py` on the CPU, end to end, so that the GPU checks cannot rot between the rare runs
on a GPU: every part runs (tiny families, the timing code, `journeys serve`) and every check passes."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import torch

from journeys.indexer.settings import REPO_ROOT


def gpu_check(*options: str) -> subprocess.CompletedProcess:
    """`python -m benchmarks.gpu_check OPTIONS`, run from the repository's root as docs/speed.md says."""
    return subprocess.run(
        [sys.executable, "-m", "benchmarks.gpu_check", *options],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_the_gpu_check_passes_on_the_cpu(tmp_path):
    out = tmp_path / "gpu-check.json"
    run = gpu_check("--device", "cpu", "--quick", "--out", str(out))
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-4000:]
    report = json.loads(out.read_text())
    checks = report["checks"]
    assert report["passed"] and all(check["passed"] for check in checks)
    # 3 families x 2 dtypes x 3 checks, the tiny shape's timing, the server's answer
    assert [check["part"] for check in checks] == ["families"] * 18 + ["tiny-roberta", "serve"]
    placed = [check["detail"] for check in checks if check["name"].endswith(": scores on cpu")]
    assert placed == ["tables on cpu, sharing FAISS's storage"] * 6
    assert set(report["families"]) == {
        f"{f} {d}" for f in ("roberta", "gpt2", "llama") for d in ("float32", "bfloat16")
    }
    figures = report["shapes"]["tiny-roberta"]
    assert figures["precision"]["device"] == "cpu" and figures["corpus_pass"]["tokens"] > 0
    assert figures["peak_gpu_memory_gb"] is None and "device_floor_s" not in figures
    assert report["machine"]["device"].startswith("cpu (")
    assert "20 of 20 checks passed" in run.stdout


@pytest.mark.skipif(torch.cuda.is_available(), reason="torch sees a GPU here")
def test_a_device_torch_does_not_see_is_refused_in_one_line():
    run = gpu_check("--device", "cuda")
    assert run.returncode == 2
    assert run.stderr.strip().splitlines()[-1].endswith("device cuda is not available: torch sees cpu")
