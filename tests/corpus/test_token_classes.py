"""Token classification: WordPiece, byte-level BPE (including a text's first word) and special tokens."""

from __future__ import annotations

import pytest

from journeys.corpus.token_classes import GROUPS, classify_text, load_function_words, word_group


def groups_by_piece(engine, text: str) -> list[tuple[str, str]]:
    classified = classify_text(engine.loaded.tokenizer, text)
    assert classified.token_ids == engine.tokenize(text)
    return [
        (engine.vocabulary_texts[i], GROUPS[g])
        for i, g in zip(classified.token_ids, classified.groups, strict=True)
    ]


def test_function_word_list_has_every_category():
    words = load_function_words()
    for word in ("the", "of", "and", "she", "was", "not", "'t", "wasn"):
        assert word in words
    for word in ("bank", "river", "won", "#", "determiners"):
        assert word not in words


@pytest.mark.parametrize(
    ("word", "group"),
    [
        ("The", "function"),
        ("  of ", "function"),
        ("River", "content"),
        ("1999", "other"),
        (",", "other"),
        ("3D", "content"),
        ("café", "content"),
    ],
)
def test_word_group(word, group):
    assert GROUPS[word_group(word, load_function_words())] == group


def test_wordpiece_minilm(minilm_engine):
    pieces = groups_by_piece(minilm_engine, "The riverbank wasn't unbelievably quiet in 1999, was it?")
    assert pieces == [
        ("[CLS]", "special"),
        ("the", "function"),
        ("river", "content"),
        ("##bank", "continuation"),
        ("wasn", "function"),
        ("'", "other"),
        ("t", "function"),
        ("un", "content"),
        ("##bel", "continuation"),
        ("##ie", "continuation"),
        ("##va", "continuation"),
        ("##bly", "continuation"),
        ("quiet", "content"),
        ("in", "function"),
        ("1999", "other"),
        (",", "other"),
        ("was", "function"),
        ("it", "function"),
        ("?", "other"),
        ("[SEP]", "special"),
    ]


def test_byte_level_first_word_has_no_space_yet_starts_a_word(tiny_engines):
    engine = tiny_engines["roberta"]
    pieces = groups_by_piece(engine, "Fruit flies by the bank.")
    assert pieces == [
        ("<s>", "special"),
        ("Fr", "content"),  # the first word carries no space marker, yet it starts a word
        ("uit", "continuation"),
        ("␣flies", "content"),
        ("␣b", "function"),  # a function word split in two: the word decides, its rest continues
        ("y", "continuation"),
        ("␣the", "function"),
        ("␣bank", "content"),
        (".", "other"),
        ("</s>", "special"),
    ]


def test_byte_level_gpt2_classifies_without_special_tokens(tiny_engines):
    pieces = groups_by_piece(tiny_engines["gpt2"], "The dog barked")
    assert [group for _, group in pieces][:2] == ["function", "content"]
    assert "special" not in [group for _, group in pieces]


def test_offsets_point_into_the_text(tiny_engines):
    text = "The bank was closed."
    classified = classify_text(tiny_engines["bert"].loaded.tokenizer, text)
    spans = [text[start:end] for start, end in classified.offsets.tolist()]
    assert spans[0] == spans[-1] == ""
    assert "bank" in spans and "closed" in spans
