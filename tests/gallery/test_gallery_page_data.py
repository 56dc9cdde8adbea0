"""The compact page data holds the Journey numbers, only rounded, with each neighbour token stored once; the
study's view exactly as before other views existed, and every other view (the views file) as the engine
answers it in that view."""

from __future__ import annotations

import json

import pytest

from journeys.gallery.page_data import decode_page, decode_views, encode_page, encode_views
from journeys.gallery.precompute import other_views
from journeys.gallery.settings import GallerySettings
from journeys.indexer.errors import InputError
from journeys.indexer.options import METHODS

TEXT = "The bank by the river bank was closed, and the dog's bark was loud."
DECIMALS = GallerySettings().similarity_decimals
TOLERANCE = 0.5 * 10**-DECIMALS + 1e-12


def assert_same_numbers(decoded, original):
    """Everything equal except similarities, which may differ by the rounding only."""
    assert decoded.method == original.method
    assert decoded.tokens == original.tokens
    assert decoded.model.to_dict() | {"max_tokens": 0} == original.model.to_dict() | {"max_tokens": 0}
    assert decoded.variants.keys() == original.variants.keys()
    for variant, result in original.variants.items():
        got = decoded.variants[variant]
        assert got.rank == result.rank
        for got_row, row in zip(got.similarity, result.similarity, strict=True):
            assert got_row == pytest.approx(row, abs=TOLERANCE)
        for got_token, token in zip(got.neighbours, result.neighbours, strict=True):
            for got_cell, cell in zip(got_token, token, strict=True):
                assert [(n.id, n.text) for n in got_cell] == [(n.id, n.text) for n in cell]
                assert [n.similarity for n in got_cell] == pytest.approx(
                    [n.similarity for n in cell], abs=TOLERANCE
                )


@pytest.mark.parametrize("family", ["roberta", "bert", "distilbert"])
def test_page_data_round_trips_both_methods(tiny_engines, family):
    engine = tiny_engines[family]
    journeys = {method: engine.analyze(TEXT, method, 7) for method in METHODS}
    page = json.loads(json.dumps(encode_page(TEXT, journeys, engine.info, {}, DECIMALS)))
    decoded = decode_page(page)
    assert decoded.keys() == journeys.keys()
    for method, journey in journeys.items():
        assert_same_numbers(decoded[method], journey)


def test_each_neighbour_token_is_stored_once_and_similarities_are_rounded(tiny_engines):
    journey = tiny_engines["bert"].analyze(TEXT, "exact", 10)
    page = encode_page(TEXT, {"exact": journey}, tiny_engines["bert"].info, {}, DECIMALS)
    vocab_ids = [row[0] for row in page["vocab"]]
    assert len(vocab_ids) == len(set(vocab_ids))
    mentioned = {
        n.id for result in journey.variants.values() for t in result.neighbours for c in t for n in c
    }
    assert set(vocab_ids) == mentioned
    numbers = [s for v in page["methods"]["exact"].values() for row in v["similarity"] for s in row]
    assert all(s is None or round(s, DECIMALS) == s for s in numbers)
    assert "0." in json.dumps(page)  # similarities are floats, not scaled integers


def test_a_decoder_ships_exact_only_with_the_reason_seed_is_unavailable(tiny_engines):
    engine = tiny_engines["gpt2"]
    with pytest.raises(InputError) as refused:
        engine.analyze(TEXT, "seed")
    page = encode_page(
        TEXT, {"exact": engine.analyze(TEXT, "exact")}, engine.info, {"seed": str(refused.value)}, DECIMALS
    )
    assert list(page["methods"]) == ["exact"]
    assert "encoders in the BERT layout" in page["unavailable"]["seed"]
    assert_same_numbers(decode_page(page)["exact"], engine.analyze(TEXT, "exact"))


def study_page_by_hand(text: str, journeys: dict, info, unavailable: dict, decimals: int | None) -> dict:
    """The study's page data as it was before other views existed, written out here from the API's JSON
    (Journey.to_dict()), independently of gallery/page_data.py."""
    vocab: list[list] = []
    numbered: dict[int, int] = {}

    def number(neighbour: dict) -> int:
        if neighbour["id"] not in numbered:
            numbered[neighbour["id"]] = len(vocab)
            vocab.append([neighbour["id"], neighbour["text"]])
        return numbered[neighbour["id"]]

    def rounded(value):
        return value if value is None or decimals is None else round(value, decimals)

    methods = {}
    for method, journey in journeys.items():
        methods[method] = {}
        for variant, result in journey.to_dict()["variants"].items():
            methods[method][variant] = {
                "rank": result["rank"],
                "similarity": [[rounded(s) for s in row] for row in result["similarity"]],
                "neighbours": [[[number(n) for n in cell] for cell in row] for row in result["neighbours"]],
                "neighbour_similarity": [
                    [[rounded(n["similarity"]) for n in cell] for cell in row] for row in result["neighbours"]
                ],
            }
    first = next(iter(journeys.values())).to_dict()
    return {
        "format": 3,
        "model": first["model"],
        "text": text,
        "tokens": [[t["id"], t["text"]] for t in first["tokens"]],
        "vocab": vocab,
        "methods": methods,
        "unavailable": unavailable,
        "position_encoding": info.position_encoding,
    }


@pytest.mark.parametrize("decimals", [DECIMALS, None])
def test_the_study_view_page_data_is_byte_for_byte_what_it_was(tiny_engines, decimals):
    engine = tiny_engines["bert"]
    journeys = {method: engine.analyze(TEXT, method, 7) for method in METHODS}
    ours = json.dumps(encode_page(TEXT, journeys, engine.info, {}, decimals), ensure_ascii=False)
    by_hand = json.dumps(study_page_by_hand(TEXT, journeys, engine.info, {}, decimals), ensure_ascii=False)
    assert ours.encode("utf-8") == by_hand.encode("utf-8")


def test_other_views_are_what_each_model_offers_beyond_the_study(tiny_engines, headed_engine):
    input_only = {(v.point, v.reference, v.metric) for v in other_views(tiny_engines["bert"].info)}
    assert input_only == {
        ("post-attention", "input", "euclidean"),
        ("block-output", "input", "cosine"),
        ("block-output", "input", "euclidean"),
    }
    headed = {(v.point, v.reference, v.metric) for v in other_views(headed_engine("gpt2").info)}
    assert headed == input_only | {
        ("post-attention", "output", "cosine"),
        ("block-output", "output", "cosine"),
    }


def assert_same_view(decoded, original):
    """Ranks, tokens and neighbour ids exactly; every value (similarity, distance, logit, probability)
    within the rounding."""
    assert decoded.view == original.view and decoded.method == original.method
    assert decoded.tokens == original.tokens and decoded.value_names == original.value_names
    assert decoded.variants.keys() == original.variants.keys()
    for variant, result in original.variants.items():
        got = decoded.variants[variant]
        assert got.rank == result.rank
        for token, row in enumerate(result.rank):
            for layer in range(len(row)):
                assert got.values_at(token, layer) == pytest.approx(
                    result.values_at(token, layer), abs=TOLERANCE
                )
                cell, got_cell = result.neighbours[token][layer], got.neighbours[token][layer]
                assert [(n.id, n.text) for n in got_cell] == [(n.id, n.text) for n in cell]
                for got_n, n in zip(got_cell, cell, strict=True):
                    assert got_n.values == pytest.approx(n.values, abs=TOLERANCE)


@pytest.mark.parametrize("model", ["bert", "gpt2", "headed-gpt2", "headed-bert"])
def test_the_views_file_round_trips_to_the_engines_views(tiny_engines, headed_engine, model):
    engine = headed_engine(model.split("-")[1]) if model.startswith("headed") else tiny_engines[model]
    views = other_views(engine.info)
    page = encode_page(TEXT, {"exact": engine.analyze(TEXT, "exact", 7)}, engine.info, {}, DECIMALS)
    shipped = json.loads(
        json.dumps(encode_views([engine.analyze(TEXT, "exact", 7, v) for v in views], DECIMALS, 4))
    )
    assert shipped["neighbours"] == 4
    vocab_ids = [row[0] for row in shipped["vocab"]]
    assert len(vocab_ids) == len(set(vocab_ids))  # one table for every view
    decoded = decode_views(shipped, page)
    assert list(decoded) == views
    for view in views:
        assert_same_view(decoded[view], engine.analyze(TEXT, "exact", 4, view))
