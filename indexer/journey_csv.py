"""The CSV form of a journey, defined here once: `journeys analyze --csv`, `journey.to_pandas()` and the
pages' CSV download (site_templates/static/journey-csv.js mirrors it byte for byte).

One row per variant x token x layer, in that order, with the columns `FIXED_COLUMNS` then, for each of the
k nearest vocabulary rows, `neighbour_<n>_id`, `neighbour_<n>_text`, `neighbour_<n>_similarity`. A journey by
Euclidean distance names its values `distance` and `neighbour_<n>_distance` instead of the similarities; one
against the output head (the logit lens) has `logit` and `probability` in their place, for the variant's token
and for each of the top-k tokens (`neighbour_<n>_logit`, `neighbour_<n>_probability`), and its rank counts
from 1 (the highest logit).
`position` is the token's index in the text's token sequence (0 = the first token the model sees).
Numbers are written as Python's repr writes them (the shortest text that reads back to the same float);
a missing rank or similarity (a token whose own row is all zeros) is an empty field. A text field that begins
with `=`, `+`, `-`, `@`, a tab or a carriage return is prefixed with `'` (OWASP's advice against CSV
injection), so that a spreadsheet shows it as text instead of running it as a formula; numbers are never
prefixed. A field holding a comma, a double quote or a line break is quoted, doubling its quotes; lines end
with "\\n". `journey.to_pandas()` takes the rows' values as they are, unprefixed.
"""

from __future__ import annotations

from collections.abc import Iterator

from journeys.indexer.records import Journey

FIXED_COLUMNS = ("model", "method", "variant", "position", "token_id", "token_text", "layer", "rank")

Cell = str | int | float | None
#: First characters that make a spreadsheet read a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neighbour_count(journey: Journey) -> int:
    """k: how many nearest vocabulary rows each cell of the journey lists."""
    first = next(iter(journey.variants.values()))
    return len(first.neighbours[0][0]) if first.neighbours and first.neighbours[0] else 0


def csv_columns(journey: Journey) -> list[str]:
    """The header of the journey's CSV, its values named by the journey's metric (or the lens's)."""
    neighbours = [
        f"neighbour_{n}_{name}"
        for n in range(1, neighbour_count(journey) + 1)
        for name in ("id", "text", *journey.value_names)
    ]
    return [*FIXED_COLUMNS, *journey.value_names, *neighbours]


def journey_rows(journey: Journey) -> Iterator[list[Cell]]:
    """The CSV's rows as values (None where a rank or similarity is missing), in the CSV's order."""
    for variant, result in journey.variants.items():
        for position, token in enumerate(journey.tokens):
            for layer, neighbours in enumerate(result.neighbours[position]):
                cells: list[Cell] = [
                    journey.model.name,
                    journey.method,
                    variant,
                    position,
                    token.id,
                    token.text,
                    layer,
                    result.rank[position][layer],
                    *result.values_at(position, layer),
                ]
                for neighbour in neighbours:
                    cells += [neighbour.id, neighbour.text, *neighbour.values]
                yield cells


def csv_field(value: Cell) -> str:
    """One field as written: numbers by repr, None empty, text that a spreadsheet would read as a formula
    prefixed with `'`, text quoted only where it must be."""
    if value is None:
        return ""
    if not isinstance(value, str):
        return repr(value)
    if value.startswith(FORMULA_STARTS):
        value = "'" + value
    if any(character in value for character in ',"\r\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


def journey_csv(journey: Journey) -> str:
    """The whole CSV text: the header, then one line per variant x token x layer."""
    lines = [csv_columns(journey), *journey_rows(journey)]
    return "".join(",".join(csv_field(cell) for cell in line) + "\n" for line in lines)
