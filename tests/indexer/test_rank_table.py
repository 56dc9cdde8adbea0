"""The rank table `journeys analyze` prints: no line over 100 columns (or the terminal's width), layers
wrapped into blocks, every rank shown once under its layer."""

from __future__ import annotations

import random
import re

from journeys.indexer.rank_table import rank_tables
from journeys.indexer.records import Journey, ModelShape, Precision, Token, VariantResult
from journeys.indexer.views import View
from test_cli import run_cli


def deep_journey(tokens: int, layers: int) -> Journey:
    """A journey of a deep model with large ranks and long token texts (numbers made up here)."""
    generator = random.Random(0)
    rank = [[generator.choice([None, 0, 7, 49_999]) for _ in range(layers)] for _ in range(tokens)]
    return Journey(
        model=ModelShape("deep", layers, 8, 50_265, Precision("cpu", "float32", "2.13.0+cpu", "highest")),
        method="exact",
        tokens=[Token(i, "␣" + "supercalifragilistic"[: 3 + i % 18]) for i in range(tokens)],
        variants={"raw": VariantResult(rank=rank, similarity=[[0.5] * layers] * tokens, neighbours=[])},
    )


def blocks(table: str) -> list[list[str]]:
    """The table's blocks of lines, each starting with its header of layer labels."""
    found, current = [], None
    for line in table.splitlines():
        if re.fullmatch(r"\s+(L\d+\s*)+", line):
            current = [line]
            found.append(current)
        elif current is not None and line:
            current.append(line)
    return found


def test_a_deep_model_wraps_its_layers_into_blocks_no_wider_than_the_width():
    journey = deep_journey(tokens=40, layers=36)
    for width in (100, 60):
        table = rank_tables(journey, width=width)
        assert max(len(line) for line in table.splitlines()) <= width
        found = blocks(table)
        assert len(found) > 1
        layers = [label for block in found for label in block[0].split()]
        assert layers == [f"L{layer}" for layer in range(36)]
        for position in range(40):
            cells = [cell for block in found for cell in block[1 + position].split()[2:]]
            assert cells == ["-" if r is None else str(r) for r in journey.variants["raw"].rank[position]]


def test_long_token_texts_are_cut():
    table = rank_tables(deep_journey(tokens=20, layers=3), width=100)
    assert "␣supercalifragili…" in table
    assert "␣supercalifragilistic" not in table


def test_the_command_fits_100_columns_for_a_long_text(tiny_model_folders):
    text = " ".join(["The old man the boat, and the horse raced past the barn fell."] * 2)
    result = run_cli("analyze", "--model", str(tiny_model_folders["roberta"]), "--text", text)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) > 80 and max(len(line) for line in lines) <= 100
    assert "raw rank" in result.stdout and "positional rank" in result.stdout


def test_a_narrow_terminal_gets_a_narrower_table(tiny_model_folders):
    result = run_cli(
        "analyze", "--model", str(tiny_model_folders["bert"]), "--text", "time flies", env={"COLUMNS": "40"}
    )
    assert result.returncode == 0, result.stderr
    assert max(len(line) for line in result.stdout.splitlines()) <= 40


def test_the_heading_wraps_between_its_parts_only():
    """A narrow terminal parts the heading at its commas, never a name from its value."""
    journey = deep_journey(tokens=2, layers=3)
    journey.view = View(point="block-output", metric="euclidean")
    heading = rank_tables(journey, width=40).split("\n\n")[0].splitlines()
    assert heading == ["model deep, method exact,", "point block-output, metric euclidean,", "2 tokens"]
