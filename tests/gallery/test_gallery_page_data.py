"""The compact page data holds the Journey numbers, only rounded, with each neighbour token stored once."""

from __future__ import annotations

import json

import pytest

from journeys.gallery.page_data import decode_page, encode_page
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
