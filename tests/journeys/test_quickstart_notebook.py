"""notebooks/quickstart.ipynb run end to end by nbclient on the bundled model, its outputs checked against
the engine's own numbers."""

from __future__ import annotations

import nbformat
from nbclient import NotebookClient

from journeys.indexer.engine import JourneyEngine
from journeys.indexer.settings import REPO_ROOT

NOTEBOOK = REPO_ROOT / "notebooks" / "quickstart.ipynb"


def text_output(cell) -> str:
    """Everything a cell printed or displayed as plain text."""
    parts = []
    for output in cell.outputs:
        parts.append(output.get("text", ""))
        parts.append(output.get("data", {}).get("text/plain", ""))
    return "".join(parts)


def test_the_quickstart_notebook_runs_end_to_end(minilm_engine: JourneyEngine, tmp_path):
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code")
    NotebookClient(
        notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": tmp_path}}
    ).execute()
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert all(output.output_type != "error" for cell in code for output in cell.outputs)

    first = minilm_engine.analyze("Time flies like an arrow.")
    printed = text_output(code[0])
    assert (
        f"minilm {first.model.num_layers} layers, {len(first.tokens)} tokens, variants: ['raw', 'positional']"
        in printed
    )
    assert str([token.text for token in first.tokens]) in printed
    assert any("text/html" in output.get("data", {}) for output in code[1].outputs)  # the rank table

    figure = next(o.data["application/vnd.plotly.v1+json"] for o in code[3].outputs if "data" in o)
    assert len(figure["data"]) == 2 * len(first.tokens)

    lines = text_output(code[4]).splitlines()
    for line, text in zip(lines, ["Time flies like an arrow.", "Fruit flies like a banana."], strict=True):
        journey = minilm_engine.analyze(text)
        flies = next(i for i, token in enumerate(journey.tokens) if token.text == "flies")
        rank, similarity = (
            journey.variants["raw"].rank[flies][-1],
            journey.variants["raw"].similarity[flies][-1],
        )
        nearest = journey.variants["raw"].neighbours[flies][-1][0].text
        assert line.endswith(f"rank {rank}, similarity {similarity:.4f}, nearest {nearest}")
    assert "read back the same: True" in text_output(code[5])
