"""Running text split into sentences, and running text told apart from one sentence per line."""

from __future__ import annotations

import pytest

from journeys.corpus.sentence_split import Sentence, looks_like_running_text, split_paragraphs, split_text


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("It rained. We stayed in!  Did you?", ["It rained.", "We stayed in!", "Did you?"]),
        (
            "Mr. Hale met Dr. Ames at 5 p.m. on Monday. Then he left.",
            ["Mr. Hale met Dr. Ames at 5 p.m. on Monday.", "Then he left."],
        ),
        ("He left at 5 p.m. Then it rained.", ["He left at 5 p.m. Then it rained."]),  # a known limit
        ("J. S. Bach wrote it. Everyone knows.", ["J. S. Bach wrote it.", "Everyone knows."]),
        (
            'He said "Stop." Then "Go!" (She left.) 3 cats ran.',
            ['He said "Stop."', 'Then "Go!"', "(She left.)", "3 cats ran."],
        ),
        (
            "Prices rose 3.5 percent. e.g. this one stays whole.",
            ["Prices rose 3.5 percent. e.g. this one stays whole."],
        ),
        ("Wait... What?", ["Wait...", "What?"]),
        ("  no end  at all ", ["no end at all"]),
        ("", []),
    ],
)
def test_split_text(text, sentences):
    assert split_text(text) == sentences


def test_paragraphs_never_share_a_sentence_and_each_sentence_keeps_its_first_line():
    lines = ["The keeper climbed", "the stairs. He lit", "the lamp", "", "", "Night fell. The end"]
    assert split_paragraphs(lines, first_line_number=10) == [
        Sentence(10, "The keeper climbed the stairs."),
        Sentence(11, "He lit the lamp"),
        Sentence(15, "Night fell."),
        Sentence(15, "The end"),
    ]


@pytest.mark.parametrize(
    ("lines", "running"),
    [
        (["The keeper climbed", "the stairs.", "", "Night fell."], True),
        (["The keeper climbed", "the stairs.", "Night fell."], False),  # no paragraphs
        (["The keeper climbed the stairs.", "", "Night fell."], False),  # no sentence wraps
        (["Time flies like an arrow", "The dog barked.", "", "Night fell."], False),  # a headline
        (["", "", "The keeper climbed", "the stairs.", ""], False),  # blank lines only around one block
        ([], False),
    ],
)
def test_running_text_is_wrapped_sentences_in_paragraphs(lines, running):
    assert looks_like_running_text(lines) is running
