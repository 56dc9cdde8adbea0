"""The notebook API (`journeys`): the same records as the engine, a DataFrame equal to the CSV, a figure
built like the site's, and journeys read back from the JSON the site offers for download."""

from __future__ import annotations

import io

import pandas
import pytest

from journeys import analyze, load_journey, load_model
from journeys.indexer.errors import InputError
from journeys.indexer.journey_csv import FORMULA_STARTS, journey_csv
from journeys.indexer.records import Token
from journeys.indexer.views import View

TEXT = "Time flies like an arrow."


@pytest.fixture(scope="module")
def folder(tiny_model_folders) -> str:
    return str(tiny_model_folders["roberta"])


def test_analyze_returns_the_engines_record_and_loads_a_model_once(folder, tiny_engines):
    assert load_model(folder) is load_model(folder)
    journey = analyze(TEXT, model=folder, method="seed", top_k=3)
    assert journey.to_dict() == tiny_engines["roberta"].analyze(TEXT, "seed", 3).to_dict()
    assert analyze(TEXT, model=tiny_engines["bert"]).model.name == tiny_engines["bert"].info.name


@pytest.mark.parametrize("text", ["", "  \n", "\u200b\u200d\ufeff", "\x00"])
def test_analyze_refuses_text_that_draws_nothing(folder, text):
    with pytest.raises(InputError, match="text is empty"):
        analyze(text, model=folder)


def test_to_pandas_is_the_csv_as_a_data_frame(folder):
    journey = analyze(TEXT, model=folder, top_k=2)
    journey.tokens[0] = Token(journey.tokens[0].id, "=1+1")
    frame = journey.to_pandas()
    from_csv = pandas.read_csv(io.StringIO(journey_csv(journey)), keep_default_na=False, na_values=[""])
    view = ["point", "reference", "metric"]  # the view the journey was computed in, which the CSV leaves out
    columns = list(from_csv.columns)
    assert list(frame.columns) == [*columns[:2], *view, *columns[2:]]
    assert set(frame["point"]) == {"post-attention"} and set(frame["reference"]) == {"input"}
    assert set(frame["metric"]) == {"cosine"}
    frame = frame.drop(columns=view)
    assert len(frame) == 2 * len(journey.tokens) * journey.model.num_layers
    assert str(frame["rank"].dtype) == "Int64"
    assert frame["token_text"][0] == "=1+1" and from_csv["token_text"][0] == "'=1+1"  # a DataFrame is data
    for column in frame.columns:
        unprefixed = [unformula(cell) for cell in from_csv[column].tolist()]
        assert frame[column].tolist() == unprefixed, column


def test_analyze_by_euclidean_distance_names_its_values_distances(folder, tiny_engines):
    journey = analyze(TEXT, model=folder, top_k=2, metric="euclidean")
    assert (
        journey.to_dict()
        == tiny_engines["roberta"].analyze(TEXT, top_k=2, view=View(metric="euclidean")).to_dict()
    )
    frame = journey.to_pandas()
    assert set(frame["metric"]) == {"euclidean"}
    assert "distance" in frame.columns and "neighbour_2_distance" in frame.columns
    assert "similarity" not in frame.columns
    assert frame["distance"].tolist()[0] == journey.variants["raw"].similarity[0][0]
    figure = journey.plot(token=0)
    assert figure.layout.yaxis.title.text == "Euclidean distance"


def unformula(cell: object) -> object:
    """A CSV cell as the journey holds it: without the `'` that keeps a spreadsheet from running it."""
    is_prefixed = isinstance(cell, str) and cell[:1] == "'" and cell[1:].startswith(FORMULA_STARTS)
    return cell[1:] if is_prefixed else cell


def test_analyze_reads_the_point_and_metric_asked_for(folder, tiny_engines):
    journey = analyze(TEXT, model=folder, top_k=2, point="block-output", metric="euclidean")
    view = View(point="block-output", metric="euclidean")
    assert journey.to_dict() == tiny_engines["roberta"].analyze(TEXT, top_k=2, view=view).to_dict()
    frame = journey.to_pandas()
    assert set(frame["point"]) == {"block-output"} and set(frame["metric"]) == {"euclidean"}


def test_analyze_reads_the_point_asked_for(folder, tiny_engines):
    journey = analyze(TEXT, model=folder, top_k=2, point="block-output")
    assert (
        journey.to_dict()
        == tiny_engines["roberta"].analyze(TEXT, top_k=2, view=View(point="block-output")).to_dict()
    )
    assert set(journey.to_pandas()["point"]) == {"block-output"}


def test_plot_draws_every_token_in_both_charts_and_marks_the_layer(folder):
    journey = analyze(TEXT, model=folder)
    figure = journey.plot(token="flies", variant="positional", layer=1)
    tokens = len(journey.tokens)
    assert len(figure.data) == 2 * tokens
    selected = journey.tokens.index(next(t for t in journey.tokens if t.text.lstrip("␣") == "flies"))
    highlighted = [trace for trace in figure.data if trace.mode == "lines+markers"]
    assert [trace.meta for trace in highlighted] == [selected, selected]
    assert list(highlighted[0].y) == journey.variants["positional"].similarity[selected]
    assert list(highlighted[1].y) == [r + 1 for r in journey.variants["positional"].rank[selected]]
    assert [shape.x0 for shape in figure.layout.shapes] == [1, 1]
    assert figure.layout.yaxis2.type == "log"
    with pytest.raises(ValueError, match="no token"):
        journey.plot(token="banana")


def test_load_journey_reads_the_json_download_back(folder, tmp_path):
    journey = analyze(TEXT, model=folder)
    saved = tmp_path / "journey.json"
    saved.write_text(journey.to_json(), encoding="utf-8")
    assert load_journey(saved).to_dict() == journey.to_dict()


def test_analyze_reads_the_output_reference_and_to_pandas_shows_the_lens(headed_engine):
    engine = headed_engine("gpt2")
    journey = analyze(TEXT, model=engine, top_k=2, point="block-output", reference="output")
    view = View(point="block-output", reference="output")
    assert journey.to_dict() == engine.analyze(TEXT, top_k=2, view=view).to_dict()
    frame = journey.to_pandas()
    assert set(frame["reference"]) == {"output"} and set(frame["variant"]) == {"own", "next"}
    assert {"logit", "probability", "neighbour_2_logit", "neighbour_2_probability"} <= set(frame.columns)
    assert "similarity" not in frame.columns
    last = frame[(frame["variant"] == "next") & (frame["position"] == len(journey.tokens) - 1)]
    assert last["rank"].isna().all() and last["logit"].isna().all()
    with pytest.raises(ValueError, match="to_pandas"):
        journey.plot()
