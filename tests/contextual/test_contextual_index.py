"""Contextual neighbours: a corpus token finds its own occurrence first, at every layer."""

from __future__ import annotations

import json

import numpy as np
import pytest

from journeys.contextual.index import ContextualIndex, contextual_folder, snippet
from journeys.contextual.settings import ContextualSettings
from journeys.indexer.errors import InputError


@pytest.fixture(scope="module")
def roberta_index(tiny_engines, tiny_analyses) -> ContextualIndex:
    return ContextualIndex.from_analysis(tiny_engines["roberta"], tiny_analyses["roberta"])


@pytest.mark.parametrize("family", ["roberta", "bert"])
def test_a_corpus_token_finds_its_own_occurrence_first(tiny_engines, tiny_analyses, sentences, family):
    engine = tiny_engines[family]
    index = ContextualIndex.from_analysis(engine, tiny_analyses[family])
    for sentence_index in (1, 4, 7):
        result = index.query(engine, sentences[sentence_index], k=3)
        assert len(result.neighbours) == len(engine.tokenize(sentences[sentence_index]))
        for position, per_layer in enumerate(result.neighbours):
            assert len(per_layer) == engine.info.num_layers
            for hits in per_layer:
                assert len(hits) == 3
                first = hits[0]
                assert (first.sentence, first.position) == (sentence_index, position)
                assert first.similarity == pytest.approx(1.0, abs=1e-6)
                assert first.token == result.tokens[position].text
                assert hits[0].similarity >= hits[1].similarity >= hits[2].similarity


def test_exclude_same_text_leaves_out_the_sentence_itself(tiny_engines, roberta_index, sentences):
    result = roberta_index.query(tiny_engines["roberta"], sentences[2], k=4, exclude_same_text=True)
    assert all(hit.sentence != 2 for token in result.neighbours for layer in token for hit in layer)
    assert all(len(layer) == 4 for token in result.neighbours for layer in token)


def test_neighbours_match_brute_force_cosines(tiny_engines, tiny_analyses, roberta_index):
    engine, analysis = tiny_engines["roberta"], tiny_analyses["roberta"]
    text = "The dog by the bank barked at the horse."
    result = roberta_index.query(engine, text, k=5)
    vectors = engine.encodings(text, "exact").vectors.double().numpy()
    corpus = analysis.encodings.astype(np.float64)
    for layer in range(engine.info.num_layers):
        rows = corpus[:, layer] / np.linalg.norm(corpus[:, layer], axis=1, keepdims=True)
        for position in range(vectors.shape[1]):
            query = vectors[layer, position] / np.linalg.norm(vectors[layer, position])
            cosines = rows @ query
            expected_rows = np.argsort(-cosines, kind="stable")[:5]
            hits = result.neighbours[position][layer]
            np.testing.assert_allclose(
                [hit.similarity for hit in hits], cosines[expected_rows], rtol=0, atol=1e-6
            )
            found_rows = [
                np.flatnonzero(
                    (analysis.token_sentence == hit.sentence) & (analysis.token_position == hit.position)
                )[0]
                for hit in hits
            ]
            # Rows tied within fp32 rounding may swap places; any swap keeps the same similarities.
            np.testing.assert_allclose(cosines[found_rows], cosines[expected_rows], rtol=0, atol=1e-6)


def test_json_shape_and_context(tiny_engines, roberta_index, sentences):
    data = roberta_index.query(tiny_engines["roberta"], sentences[1], k=2).to_dict()
    json.dumps(data, allow_nan=False)
    assert set(data) == {"model", "method", "k", "corpus_sentences", "tokens", "neighbours"}
    assert data["method"] == "exact" and data["k"] == 2 and data["corpus_sentences"] == len(sentences)
    hit = data["neighbours"][2][0][0]
    assert set(hit) == {"sentence", "position", "token", "similarity", "context"}
    context = hit["context"]
    assert context["match"] == "bank"
    assert sentences[1].startswith(context["before"] + "bank" + context["after"].rstrip("…"))


def test_snippet_cuts_long_context():
    text = "a" * 100 + "WORD" + "b" * 100
    before, match, after = snippet(text, 100, 104, False, width=10)
    assert (before, match, after) == ("…" + "a" * 10, "WORD", "b" * 10 + "…")
    assert snippet("Hello there", 0, 0, True, width=3) == ("", "", "Hello …")
    assert snippet("Hello there", 0, 0, False, width=3) == ("… there", "", "")


@pytest.mark.parametrize("k", [0, 51, "3", True, 2.5])
def test_bad_k_is_refused(tiny_engines, roberta_index, k):
    with pytest.raises(InputError, match="k must be"):
        roberta_index.query(tiny_engines["roberta"], "The dog", k=k)


def test_bad_text_is_refused(tiny_engines, roberta_index):
    with pytest.raises(InputError, match="empty"):
        roberta_index.query(tiny_engines["roberta"], "  ", k=2)
    with pytest.raises(InputError, match="tokens long"):
        roberta_index.query(tiny_engines["roberta"], "dog " * 80, k=2)


def test_size_is_capped_by_whole_sentences(tiny_engines, tiny_analyses, capsys):
    analysis = tiny_analyses["bert"]
    first_two = int(np.sum(analysis.token_sentence < 2))
    capped = ContextualIndex.from_analysis(
        tiny_engines["bert"], analysis, ContextualSettings(max_tokens=first_two + 1)
    )
    assert capped.layers[0].ntotal == first_two
    assert all(len(vectors) == first_two for vectors in capped.vectors)
    assert len(capped.sentences) == 2
    assert "keeps the first 2" in capsys.readouterr().err
    assert capped.nbytes >= first_two * analysis.encodings.shape[1] * analysis.encodings.shape[2] * 4


def test_save_load_and_load_or_build(tiny_engines, tiny_analyses, sentences):
    engine = tiny_engines["roberta"]
    roberta_index = ContextualIndex.from_analysis(engine, tiny_analyses["roberta"])
    assert (contextual_folder(engine, "exact") / "manifest.json").is_file()
    loaded = ContextualIndex.load_or_build(engine, "exact", sentences)
    before = roberta_index.query(engine, sentences[0], k=3).to_dict()
    assert loaded.query(engine, sentences[0], k=3).to_dict() == before
    # Without sentences the saved index is reused whatever corpus it holds.
    assert ContextualIndex.load_or_build(engine, "exact").sentences == sentences
