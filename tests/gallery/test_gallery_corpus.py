"""The gallery's sentence file: enough sentences, every theme the issue asks for, one page name each."""

from __future__ import annotations

import json

import pytest

from journeys.gallery.corpus import all_sentences, load_themes, slugify
from journeys.gallery.settings import GallerySettings
from journeys.indexer.settings import DATA_DIR

REQUIRED_THEMES = {
    "study",
    "ambiguity",
    "function-words",
    "content-words",
    "agreement",
    "numbers",
    "names",
    "garden-path",
}


def test_the_corpus_has_at_least_40_sentences_in_every_required_theme():
    themes = load_themes()
    assert {theme.id for theme in themes} == REQUIRED_THEMES
    assert all(theme.sentences and theme.title and theme.about for theme in themes)
    sentences = all_sentences(themes)
    assert len(sentences) >= 40
    assert len({sentence.slug for sentence in sentences}) == len(sentences)
    texts = {sentence.text for sentence in sentences}
    assert "Time flies like an arrow. Fruit flies like a banana." in texts
    ambiguous = " ".join(s.text for s in sentences if s.theme_id == "ambiguity").lower()
    assert all(word in ambiguous for word in ("bank", "bark", "flies"))


def test_every_sentence_fits_the_bundled_model(minilm_engine):
    for sentence in all_sentences(load_themes()):
        assert len(minilm_engine.tokenize(sentence.text)) <= minilm_engine.info.max_tokens


def test_slugs_are_ascii_words():
    assert slugify("François met Zoë in Zürich, 3 times!") == "francois-met-zoe-in-zurich-3-times"
    assert slugify("...") == "sentence"


def test_two_sentences_sharing_a_page_name_are_refused(tmp_path):
    path = tmp_path / "sentences.json"
    theme = {"id": "t", "title": "T", "about": "a", "sentences": ["The bank.", "the BANK!"]}
    path.write_text(json.dumps({"themes": [theme]}), encoding="utf-8")
    with pytest.raises(ValueError, match="share the page name"):
        load_themes(path)


def test_the_default_corpus_is_the_repo_data_file():
    sentences = GallerySettings().sentences_file
    assert sentences.is_file()
    assert sentences.parent == DATA_DIR


def test_the_gallery_pairs_name_two_sentences_of_their_theme():
    themes = {theme.id: theme for theme in load_themes()}
    pairs = [(p.first.text, p.second.text) for theme in themes.values() for p in theme.pairs]
    assert ("Time flies like an arrow.", "Fruit flies like a banana.") in pairs
    ambiguity = [pair for pair in themes["ambiguity"].pairs if "bank" in pair.first.text]
    assert ambiguity and "bank" in ambiguity[0].second.text


@pytest.mark.parametrize(
    "pair", [["The bank."], ["The bank.", "The bank."], ["The bank.", "Not a sentence."]]
)
def test_a_pair_that_does_not_name_two_sentences_of_its_theme_is_refused(tmp_path, pair):
    path = tmp_path / "sentences.json"
    theme = {"id": "t", "title": "T", "about": "a", "sentences": ["The bank.", "A river."], "pairs": [pair]}
    path.write_text(json.dumps({"themes": [theme]}), encoding="utf-8")
    with pytest.raises(ValueError, match="must name two of its sentences"):
        load_themes(path)
