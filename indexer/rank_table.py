"""The rank table `journeys analyze` prints: tokens as rows (index and text), layers as columns, the rank of
each token's own embedding in the cells (against the output head: of the variant's token, by logit), wrapped
into blocks of layers so that no line is wider than the terminal (100 columns at most)."""

from __future__ import annotations

import shutil
import textwrap

from journeys.indexer.records import Journey

#: Widest line printed, also when the terminal is wider (a table people read, and paste).
MAX_WIDTH = 100
#: Narrowest width wrapped to, however narrow the terminal says it is.
MIN_WIDTH = 40
#: Characters of token text shown; longer texts end in "…".
TOKEN_CHARS = 18
GAP = 2
#: Holds a heading part together when the heading is wrapped (textwrap breaks at ASCII spaces).
NO_BREAK = "\u00a0"


def terminal_width() -> int:
    """The terminal's width (COLUMNS, or 100 when output is not a terminal), kept within 40..100."""
    return max(MIN_WIDTH, min(MAX_WIDTH, shutil.get_terminal_size((MAX_WIDTH, 24)).columns))


def shown_token(text: str) -> str:
    """Token text with control characters escaped, cut to TOKEN_CHARS."""
    text = repr(text)[1:-1]
    return text if len(text) <= TOKEN_CHARS else text[: TOKEN_CHARS - 1] + "…"


def rank_table(journey: Journey, variant: str, width: int = MAX_WIDTH) -> str:
    """One variant's ranks, each block of layers under its own header, no line wider than `width`."""
    result = journey.variants[variant]
    count = len(journey.tokens)
    labels = [f"{i:>{len(str(count - 1))}} {shown_token(t.text)}" for i, t in enumerate(journey.tokens)]
    label_width = max(len(label) for label in labels)
    cells = [["-" if rank is None else str(rank) for rank in row] for row in result.rank]
    layers = journey.model.num_layers
    cell_width = GAP + max(len(f"L{layers - 1}"), *(len(cell) for row in cells for cell in row))
    per_block = max(1, (width - label_width) // cell_width)
    meaning = "0 = highest logit" if journey.is_lens else "0 = own row nearest"
    lines = [f"{variant} rank ({meaning})"]
    for start in range(0, layers, per_block):
        block = range(start, min(start + per_block, layers))
        lines.append("")
        lines.append(" " * label_width + "".join(f"L{layer}".rjust(cell_width) for layer in block))
        for label, row in zip(labels, cells, strict=True):
            lines.append(label.ljust(label_width) + "".join(row[layer].rjust(cell_width) for layer in block))
    return "\n".join(lines)


def rank_tables(journey: Journey, width: int | None = None) -> str:
    """The heading line and every variant's table, as `journeys analyze` prints them."""
    width = width or terminal_width()
    parts = [
        f"model {journey.model.name}",
        f"method {journey.method}",
        f"point {journey.view.point}",
        "reference output (logit lens)" if journey.is_lens else f"metric {journey.view.metric}",
        f"{len(journey.tokens)} tokens",
    ]
    tables = [rank_table(journey, variant, width) for variant in journey.variants]
    return "\n\n".join([heading_lines(parts, width), *tables])


def heading_lines(parts: list[str], width: int) -> str:
    """`parts` joined by commas and wrapped to `width` between parts, so a name stays beside its value (a part
    wider than `width` alone is cut)."""
    unbroken = ", ".join(part.replace(" ", NO_BREAK) for part in parts)
    lines = textwrap.wrap(unbroken, width, break_on_hyphens=False)
    return "\n".join(line.replace(NO_BREAK, " ") for line in lines)
