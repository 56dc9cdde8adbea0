"""The GPU checks of issue 23 as one prepared script, for the few minutes a GPU machine is at hand.

1. Every tiny family (tests/tiny_families.py), in float32 and bfloat16 on DEVICE: the scorer holds its
   tables and takes the captures there (on a GPU, its vocabulary table is a copy of FAISS's; on the CPU,
   FAISS's own storage); the residuals captured there, scored there and by a CPU engine of the same dtype,
   give the same ranks and similarities within 1e-6; and the device engine's journey, scored on DEVICE,
   equals a float64 brute force (tests/brute_force.py) of its own captures.
2. Random models shaped like roberta-base, Qwen3-0.6B and Llama-3.1-8B (benchmarks/shaped_models.py),
   each in its checkpoint's dtype: a 32-token analysis against the floor (the forward pass plus one float32
   product of the queries against the vocabulary, on DEVICE, where the scoring runs), corpus-pass
   tokens/s, and the peak GPU memory beside the weights' size. The 8B shape is timed on a GPU only and
   deleted afterwards.
3. `journeys serve --device DEVICE` on a tiny model answers one POST /api/analyze over loopback, recording
   DEVICE, with the very journey the engine gives in this process.

Writes one JSON (every check, every figure, the date, the GPU and the versions) after each part, prints a
summary, and exits 1 if any check failed. On a GPU: `bash benchmarks/gpu_check.sh OUT_DIR` (docs/speed.md);
`make test` runs `python -m benchmarks.gpu_check --device cpu --quick` so that it cannot rot.
"""

from __future__ import annotations

import argparse
import datetime
import functools
import gc
import io
import json
import os
import platform
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
import transformers

from benchmarks.analyze_speed import TOP_K, floor, median_seconds
from benchmarks.corpus_pass_speed import timed_pass
from benchmarks.shaped_models import (
    BENCH_TEXT,
    LLAMA_8B_FOLDER,
    QWEN3_BENCH_TEXT,
    save_llama_8b_shaped_model,
    save_qwen3_shaped_model,
    save_roberta_shaped_model,
)
from journeys.corpus.reading import read_corpus
from journeys.corpus.settings import CorpusSettings
from journeys.indexer.atomic_files import write_bytes_atomic
from journeys.indexer.engine import Encodings, JourneyEngine
from journeys.indexer.errors import InputError
from journeys.indexer.precision import resolve_device
from journeys.indexer.settings import EngineSettings
from journeys.server.process import running_server, serve_command

# The tests' tiny family builders and float64 brute force, imported from tests/ (one copy of each).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from brute_force import assert_matches_brute_force
from tiny_families import FAMILY_BUILDERS, SUPPORTED_FAMILIES

TEXT = "The old man the boat, and the dog's bark was loud in Zürich!"
DTYPES = ("float32", "bfloat16")
SIMILARITY_TOLERANCE = 1e-6
#: Per shape: how its folder is saved (given the device and the tiny families' root folder), its sentence
#: (32 tokens but for the tiny one), and whether a CPU runs it. The tiny RoBERTa keeps the figures' code
#: running in `make test`, in seconds.
SHAPES: dict[str, tuple[Callable[[str, Path], Path], str, bool]] = {
    "tiny-roberta": (lambda device, root: family_folder(root, "roberta"), TEXT, True),
    "roberta-base": (lambda device, root: save_roberta_shaped_model(), BENCH_TEXT, True),
    "qwen3-0.6b": (lambda device, root: save_qwen3_shaped_model(), QWEN3_BENCH_TEXT, True),
    "llama-3.1-8b": (
        lambda device, root: save_llama_8b_shaped_model(),
        QWEN3_BENCH_TEXT,
        False,
    ),
}
CHECKPOINT_SHAPES = ("roberta-base", "qwen3-0.6b", "llama-3.1-8b")
#: What --quick checks: an encoder with learned positions, a decoder with them, a rotary decoder.
QUICK_FAMILIES = ("roberta", "gpt2", "llama")


@dataclass
class Check:
    """One check's name, verdict and, when it failed, why."""

    name: str
    passed: bool
    detail: str = ""


def failed(name: str, error: Exception) -> Check:
    """The check `name`, failed by `error`, whose traceback goes to stderr."""
    traceback.print_exc()
    return Check(name, False, f"{type(error).__name__}: {(str(error).strip() or '?').splitlines()[0][:300]}")


def attempt(name: str, action: Callable[[], str]) -> Check:
    """Run `action` as the check `name`: passed unless it raises, AssertionError or any other error (one
    failure never stops the run); `action` returns what a pass found."""
    try:
        return Check(name, True, action())
    except Exception as error:
        return failed(name, error)


def same_scores(on_device: JourneyEngine, on_cpu: JourneyEngine, encoded: Encodings) -> str:
    """The device engine and a CPU engine of the same dtype score the same captures alike: equal ranks,
    similarities (own and neighbours') within SIMILARITY_TOLERANCE."""
    found, expected = on_device.score([encoded], TOP_K), on_cpu.score([encoded], TOP_K)
    assert list(found) == list(expected), f"variants {list(found)} against {list(expected)}"
    gaps = []
    for variant, scores in expected.items():
        np.testing.assert_array_equal(found[variant].rank, scores.rank, err_msg=f"{variant} ranks")
        for field in ("similarity", "neighbour_similarity"):
            ours, theirs = getattr(found[variant], field), getattr(scores, field)
            np.testing.assert_allclose(ours, theirs, rtol=0, atol=SIMILARITY_TOLERANCE, err_msg=variant)
            gaps.append(float(np.nanmax(np.abs(ours - theirs))))
    return f"largest similarity gap {max(gaps):.1e}"


def family_folder(root: Path, family: str) -> Path:
    """The tiny model of `family` saved under `root`, built on first use."""
    folder = root / family
    if not folder.is_dir():
        folder.mkdir()
        FAMILY_BUILDERS[family](folder)
    return folder


def scored_on(engine: JourneyEngine, device: torch.device) -> str:
    """The engine's scorer holds every table on `device` and leaves the captures there; its vocabulary table
    is FAISS's own storage on the CPU and a copy of it anywhere else."""
    scorer = engine.scorer
    tables = {
        "unit rows": scorer.unit_rows,
        "words": scorer.words,
        "row norms": scorer.row_norms64,
        "Euclidean term": scorer.negative_half_squares,
        "column of id": scorer.column_of_id,
        "captures": engine.encodings(TEXT).vectors,
    }
    if scorer.positions is not None:
        tables["position rows"] = scorer.positions
    elsewhere = {name: str(table.device) for name, table in tables.items() if table.device != device}
    assert not elsewhere, f"not on {device}: {elsewhere}"
    shared = scorer.unit_rows.data_ptr() == engine.index.vectors.ctypes.data
    assert shared == (device.type == "cpu"), f"the table {'is' if shared else 'is not'} FAISS's storage"
    return f"tables on {device}, {'sharing' if shared else 'copied from'} FAISS's storage"


def brute_forced(engine: JourneyEngine) -> str:
    """The engine's journey of TEXT equals a float64 brute force of its own captures."""
    assert_matches_brute_force(engine, TEXT, "exact")
    return "ranks, similarities and neighbours equal"


def family_checks(
    families: list[str], device: str, root: Path
) -> tuple[list[Check], dict[str, dict[str, object]]]:
    """Each of `families` (tests/tiny_families.py), in each of DTYPES on `device`: scores equal to the
    CPU's on the same captures, and the journey equal to a float64 brute force of them. Figures: how far the
    device's forward pass lands from the CPU's in the same dtype (not a check: their kernels differ)."""
    checks, figures = [], {}
    for family in families:
        folder = str(family_folder(root, family))
        for dtype in DTYPES:
            name = f"{family} {dtype}"
            try:
                on_device = JourneyEngine.load(folder, device=device, dtype=dtype)
                on_cpu = JourneyEngine.load(folder, device="cpu", dtype=dtype)
                encoded = on_device.encodings(TEXT)
            except Exception as error:
                checks.append(failed(f"{name}: loads on {device} and on the cpu", error))
                continue
            checks.append(
                attempt(
                    f"{name}: scores on {device}",
                    functools.partial(scored_on, on_device, resolve_device(device)),
                )
            )
            checks.append(
                attempt(
                    f"{name}: the cpu scores the {device} captures alike",
                    functools.partial(same_scores, on_device, on_cpu, encoded),
                )
            )
            checks.append(
                attempt(
                    f"{name}: equals a float64 brute force of its own captures",
                    functools.partial(brute_forced, on_device),
                )
            )
            gap = (encoded.vectors - on_cpu.encodings(TEXT).vectors).abs().max().item()
            figures[name] = {"residual_gap_to_cpu_forward": gap, "precision": on_device.precision.to_dict()}
    return checks, figures


def gpu_memory_gb(device: torch.device) -> float | None:
    """The most memory torch has held on `device` since the last reset, in GB (None off CUDA)."""
    return torch.cuda.max_memory_allocated(device) / 1e9 if device.type == "cuda" else None


def shape_figures(
    figures: dict[str, object], shape: str, device: torch.device, root: Path, runs: int, sentences: int
) -> str:
    """Load, analysis against the floor, a corpus pass and the peak GPU memory of one shaped model, into
    `figures`; the analysis against its floor in words."""
    save_model, text, _ = SHAPES[shape]
    folder = save_model(str(device), root)
    gc.collect()
    if device.type == "cuda":
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats(device)
    started = time.perf_counter()
    engine = JourneyEngine.load(str(folder), device=str(device))
    load_s = time.perf_counter() - started
    weights = sum(parameter.nbytes for parameter in engine.loaded.model.parameters())
    medians = median_seconds(
        {
            "analysis": lambda: engine.analyze(text, top_k=TOP_K),
            "floor": lambda: floor(engine, text),
            "forward": lambda: engine.encodings(text),
        },
        runs=runs,
    )
    corpus = read_corpus(CorpusSettings().corpus_file, engine, warnings=io.StringIO()).sentences[:sentences]
    corpus_pass = timed_pass(engine, corpus, None)
    peak = gpu_memory_gb(device)
    figures |= {
        "precision": engine.precision.to_dict(),
        "tokens": len(engine.tokenize(text)),
        "layers": engine.info.num_layers,
        "vocabulary_rows": engine.info.vocab_size,
        "load_s": load_s,
        "analysis_s": medians["analysis"],
        "forward_s": medians["forward"],
        "floor_s": medians["floor"],
        "ratio_to_floor": medians["analysis"] / medians["floor"],
        "corpus_pass": corpus_pass,
        "weights_gb": weights / 1e9,
        "peak_gpu_memory_gb": peak,
        "peak_over_weights": None if peak is None else peak * 1e9 / weights,
    }
    if folder == LLAMA_8B_FOLDER:
        shutil.rmtree(folder)
    memory = "" if peak is None else f"; peak GPU memory {peak:.2f} GB for {weights / 1e9:.2f} GB of weights"
    speed = corpus_pass["tokens_per_second"]
    analysis = f"analysis {medians['analysis']:.3f} s ({figures['ratio_to_floor']:.2f}x the floor)"
    return f"{analysis}; corpus pass {speed} tokens/s{memory}"


def serve_check(device: str, root: Path) -> str:
    """`journeys serve --device DEVICE` on the tiny RoBERTa answers one analysis over loopback: recording
    DEVICE, and with the journey an engine on the same device gives in this process."""
    folder = family_folder(root, "roberta")
    expected = JourneyEngine.load(str(folder), device=device).analyze(TEXT).to_dict()
    with running_server([*serve_command([str(folder)]), "--device", device]) as server:
        status, answer = server.request("POST", "/api/analyze", {"text": TEXT})
    assert status == 200, f"status {status}: {answer}"
    recorded = answer["model"]["precision"]["device"]
    assert recorded == resolve_device(device).type, f"the answer records device {recorded!r}"
    assert answer == expected, "the served journey differs from the engine's"
    return f"200, precision {answer['model']['precision']}"


def machine(device: torch.device) -> dict[str, object]:
    """The date, the device in words and the versions the figures come from."""
    name = (
        torch.cuda.get_device_name(device)
        if device.type == "cuda"
        else f"cpu ({platform.machine()}, {torch.get_num_threads()} torch threads)"
    )
    return {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "device": name,
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "transformers": transformers.__version__,
        "python": platform.python_version(),
    }


def summary(report: dict[str, object]) -> str:
    """The report in lines a person reads: every failure, and what the timing and serving checks found."""
    where = report["machine"]
    lines = [f"{where['device']}, torch {where['torch']}, {where['date']}"]
    for check in report["checks"]:
        if not check["passed"] or check["part"] != "families":
            lines.append(f"{'ok' if check['passed'] else 'FAIL'} {check['name']}: {check['detail']}")
    for shape, figures in report["shapes"].items():
        if "skipped" in figures:
            lines.append(f"skipped {shape}: {figures['skipped']}")
    passed = sum(check["passed"] for check in report["checks"])
    lines.append(
        f"{passed} of {len(report['checks'])} checks passed; seconds: {json.dumps(report['seconds'])}"
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda", help="cuda, cuda:N or cpu (default cuda)")
    parser.add_argument("--families", nargs="*", choices=SUPPORTED_FAMILIES, help="(default all)")
    parser.add_argument(
        "--shapes", nargs="*", choices=SHAPES, help="shaped models to time (default all but tiny-roberta)"
    )
    parser.add_argument("--runs", type=int, default=5, help="timed rounds per figure, after a warm-up")
    parser.add_argument("--sentences", type=int, default=16, help="corpus-pass sentences per shape")
    parser.add_argument(
        "--quick", action="store_true", help="three families, tiny-roberta timed once on 4 sentences"
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=EngineSettings.from_environment(os.environ).build_dir / "bench" / "gpu-check.json",
    )
    args = parser.parse_args()
    try:
        device = resolve_device(args.device)
    except InputError as refusal:
        parser.error(str(refusal))
    families = args.families or list(QUICK_FAMILIES if args.quick else SUPPORTED_FAMILIES)
    shapes = args.shapes or (["tiny-roberta"] if args.quick else list(CHECKPOINT_SHAPES))
    runs, sentences = (1, 4) if args.quick else (args.runs, args.sentences)
    torch.set_grad_enabled(False)
    report: dict[str, object] = {"machine": machine(device), "checks": [], "families": {}, "shapes": {}}
    seconds: dict[str, float] = {}
    report["seconds"] = seconds
    started = part_started = time.perf_counter()

    def record(checks: list[Check], part: str) -> None:
        """Add `checks`, time `part` and save the report so far (a run cut short keeps what it did)."""
        nonlocal part_started
        report["checks"] += [{"part": part, **asdict(check)} for check in checks]
        report["passed"] = all(check["passed"] for check in report["checks"])
        seconds[part] = round(time.perf_counter() - part_started, 1)
        seconds["total"] = round(time.perf_counter() - started, 1)
        part_started = time.perf_counter()
        write_bytes_atomic(args.out, json.dumps(report, indent=2).encode())
        print(f"[{part}: {seconds[part]} s]", file=sys.stderr, flush=True)

    with tempfile.TemporaryDirectory(prefix="gpu-check-") as folder:
        root = Path(folder)
        checks, report["families"] = family_checks(families, args.device, root)
        record(checks, "families")
        for shape in shapes:
            figures: dict[str, object] = {}
            report["shapes"][shape] = figures
            if device.type != "cuda" and not SHAPES[shape][2]:
                figures["skipped"] = "timed on a GPU only (16 GB of bfloat16 weights)"
                continue
            timing = functools.partial(shape_figures, figures, shape, device, root, runs, sentences)
            record([attempt(f"{shape}-shaped model: analysis, floor, corpus pass", timing)], shape)
        served = attempt(
            f"journeys serve --device {args.device} answers POST /api/analyze",
            functools.partial(serve_check, args.device, root),
        )
        record([served], "serve")
    print(summary(report))
    print(f"(saved to {args.out})")
    sys.exit(0 if report["passed"] else 1)


if __name__ == "__main__":
    main()
