"""Display text is readable for byte-level BPE and keeps WordPiece's continuation marker."""

from __future__ import annotations

from journeys.indexer.token_text import make_whitespace_visible, readable_byte_level


def test_byte_level_word_start_and_accents_become_text():
    assert readable_byte_level("Ġbank") == "␣bank"
    assert readable_byte_level("cafÃ©") == "café"
    assert readable_byte_level("ĠZÃ¼rich") == "␣Zürich"


def test_byte_level_partial_characters_show_their_bytes():
    assert readable_byte_level("Ã") == "\\xc3"


def test_byte_level_line_breaks_are_visible():
    assert readable_byte_level("Ċ") == "↵"
    assert make_whitespace_visible("a\tb") == "a⇥b"


def test_tiny_roberta_vocabulary_texts(tiny_engines):
    engine = tiny_engines["roberta"]
    texts = engine.vocabulary_texts
    tokens = engine.analyze("Time flies in Zürich").tokens
    assert tokens[0].text == "<s>"
    assert tokens[-1].text == "</s>"
    assert "␣flies" in [t.text for t in tokens]
    assert not any("Ġ" in text or "Ã" in text for text in texts)


def test_word_piece_keeps_continuation_marker(minilm_engine):
    tokens = [t.text for t in minilm_engine.analyze("unbelievably tokenized").tokens]
    assert tokens[0] == "[CLS]" and tokens[-1] == "[SEP]"
    assert any(text.startswith("##") for text in tokens)
