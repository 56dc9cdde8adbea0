"""The `make bench` rows side by side: per shape and dtype, the 32-token analysis, the floor, their ratio,
the bf16 forward pass's speed-up over float32 (where both rows ran), and peak memory against its goal.
Reads the JSON each `benchmarks/analyze_speed.py` row saved under build/bench/ and prints a Markdown table."""

from __future__ import annotations

import json
import os

from journeys.indexer.settings import EngineSettings

COLUMNS = (
    "shape",
    "dtype",
    "analysis s",
    "floor s",
    "ratio",
    "forward s",
    "bf16 forward speed-up",
    "peak RSS less imports GB",
    "goal GB (1.15 x (weights + table))",
    "peak / (weights + table)",
)


def main() -> None:
    rows = [
        json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(
            (EngineSettings.from_environment(os.environ).build_dir / "bench").glob("analyze_speed-*-*.json")
        )
    ]
    forward = {(row["shape"], row["dtype"]): row["forward_pass_s"] for row in rows}
    print("| " + " | ".join(COLUMNS) + " |")
    print("|" + " --- |" * len(COLUMNS))
    for row in rows:
        full = forward.get((row["shape"], "float32"))
        speedup = f"{full / row['forward_pass_s']:.2f}x" if row["dtype"] == "bfloat16" and full else ""
        cells = (
            row["shape"],
            row["dtype"],
            f"{row['ours_exact_both_variants_s']:.3f}",
            f"{row['floor_forward_plus_one_matmul_s']:.3f}",
            f"{row['ratio_to_floor']:.2f}x",
            f"{row['forward_pass_s']:.3f}",
            speedup,
            f"{row['peak_rss_less_imports_gb']:.3f}",
            f"{row['memory_goal_gb']:.3f}",
            f"{row['peak_over_weights_plus_table']:.3f}",
        )
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
