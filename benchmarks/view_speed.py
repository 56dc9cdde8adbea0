"""Speed of the views beyond the study's (`make bench`): each row a 32-token analysis against its own floor,
the forward pass plus one float32 product of the queries per reference table they are compared with.

- roberta-base-shaped, float32: the study's view (which must not regress), the block output, Euclidean
  distance, and both points together (`analyze_views`: one forward pass; its floor has the product of both
  points' queries).
- Qwen3-0.6B-shaped with its tied head, bfloat16: the output reference (the logit lens), whose floor's product
  is against the head's decoder rows.

Medians over interleaved rounds (`analyze_speed.median_seconds`); printed and saved under build/bench/.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from collections.abc import Callable

import torch

from benchmarks.analyze_speed import RUNS, TOP_K, median_seconds
from benchmarks.shaped_models import (
    BENCH_TEXT,
    QWEN3_BENCH_TEXT,
    save_qwen3_shaped_causal_lm,
    save_roberta_shaped_model,
)
from journeys.indexer.atomic_files import write_bytes_atomic
from journeys.indexer.engine import JourneyEngine
from journeys.indexer.settings import EngineSettings
from journeys.indexer.views import STUDY_VIEW, View

BLOCK_OUTPUT = View(point="block-output")
EUCLIDEAN = View(metric="euclidean")
LENS = View(reference="output")


def floor(engine: JourneyEngine, text: str, views: list[View], table: torch.Tensor) -> Callable[[], None]:
    """The forward pass reading every point of `views`, plus one float32 product of all their queries
    against `table` (the normalised vocabulary rows, or the head's decoder rows)."""
    wanted = list(dict.fromkeys((view.point, view.reference) for view in views))

    def run() -> None:
        encoded = engine.view_encodings(text, wanted)
        queries = torch.cat([item.vectors.reshape(-1, engine.info.hidden_size) for item in encoded.values()])
        queries @ table.T

    return run


def rows(engine: JourneyEngine, text: str, cases: dict[str, list[View]], table: torch.Tensor, runs: int):
    """Per case: our analysis of its views (one `analyze_views` call) and its floor, timed together."""
    actions: dict[str, Callable[[], object]] = {}
    for name, views in cases.items():
        actions[f"{name}:ours"] = lambda views=views: engine.analyze_views(text, views, top_k=TOP_K)
        actions[f"{name}:floor"] = floor(engine, text, views, table)
    medians = median_seconds(actions, runs=runs)
    return {
        name: {
            "ours_s": medians[f"{name}:ours"],
            "floor_s": medians[f"{name}:floor"],
            "ratio_to_floor": medians[f"{name}:ours"] / medians[f"{name}:floor"],
        }
        for name in cases
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=RUNS, help="timed rounds after the warm-up")
    args = parser.parse_args()
    torch.set_grad_enabled(False)
    settings = EngineSettings.from_environment(os.environ)
    roberta = JourneyEngine.load(str(save_roberta_shaped_model()), settings=settings, dtype="float32")
    roberta.analyze(BENCH_TEXT)  # position tables built once, as in analyze_speed
    found = rows(
        roberta,
        BENCH_TEXT,
        {
            "roberta float32, study view": [STUDY_VIEW],
            "roberta float32, block output": [BLOCK_OUTPUT],
            "roberta float32, Euclidean": [EUCLIDEAN],
            "roberta float32, both points together": [STUDY_VIEW, BLOCK_OUTPUT],
        },
        roberta.scorer.unit_rows,
        args.runs,
    )
    del roberta
    qwen3 = JourneyEngine.load(str(save_qwen3_shaped_causal_lm()), settings=settings, dtype="bfloat16")
    decoder = qwen3.checked_lens().head.weight.float()
    found |= rows(qwen3, QWEN3_BENCH_TEXT, {"qwen3 bfloat16, logit lens": [LENS]}, decoder, args.runs)
    results = {
        "machine": f"{platform.machine()}, {torch.get_num_threads()} threads, torch {torch.__version__}",
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "load_average_after": [round(value, 2) for value in os.getloadavg()],
        "rounds": args.runs,
        "rows": found,
    }
    out = settings.build_dir / "bench" / "view_speed.json"
    write_bytes_atomic(out, json.dumps(results, indent=2).encode())
    width = max(map(len, found))
    for name, row in found.items():
        print(
            f"{name.ljust(width)}  ours {row['ours_s']:.3f} s  floor {row['floor_s']:.3f} s  "
            f"ratio {row['ratio_to_floor']:.2f}x"
        )
    print(f"(saved to {out}; load average after {results['load_average_after']})")


if __name__ == "__main__":
    main()
