"""Part-of-speech tags: the tagger's tokens lined up with the text, and function words decided by tag."""

from __future__ import annotations

import shutil

import pytest

from journeys.corpus.corpus_analysis import analyze_corpus
from journeys.corpus.pos_tags import align, tag_sentences
from journeys.corpus.settings import CorpusSettings
from journeys.corpus.token_classes import GROUPS, classify_text

TAGGER_MISSING = (
    "Debian's liblingua-en-tagger-perl is not installed: `make test` installs it "
    "(`make install-outside-corpus`); the Makefile step did not run"
)


def require_tagger() -> None:
    """Fail, never skip, when the Makefile's install step did not run."""
    settings = CorpusSettings()
    assert shutil.which(settings.perl) and settings.pos_tagger_module.is_file(), TAGGER_MISSING


def spans(tagged) -> list[tuple[str, str]]:
    return [(tagged.text[word.start : word.end], word.tag) for word in tagged.words]


def test_tokens_rewritten_by_the_tagger_are_found_in_the_text():
    text = 'He said, "I\'ll go -- now."'
    output = (
        "<prp>He</prp> <vbd>said</vbd> <ppc>,</ppc> <ppl>``</ppl> <prp>I</prp> <md>'ll</md> "
        "<vb>go</vb> <pps>-</pps> <rb>now</rb> <pp>.</pp> <ppr>''</ppr>"
    )
    assert spans(align(text, output)) == [
        ("He", "PRP"),
        ("said", "VBD"),
        (",", "PPC"),
        ('"', "PPL"),
        ("I", "PRP"),
        ("'ll", "MD"),
        ("go", "VB"),
        ("-", "PPS"),
        ("now", "RB"),
        (".", "PP"),
        ('"', "PPR"),
    ]


def test_contractions_split_by_the_tagger_keep_their_characters():
    tagged = align("I can't.", "<prp>I</prp> <md>ca</md> <rb>n't</rb> <pp>.</pp>")
    assert spans(tagged) == [("I", "PRP"), ("ca", "MD"), ("n't", "RB"), (".", "PP")]
    assert [tagged.tag_at(position) for position in range(len(tagged.text))] == [
        "PRP", None, "MD", "MD", "RB", "RB", "RB", "PP"
    ]  # fmt: skip


@pytest.mark.parametrize(
    "output",
    [
        "<det>The</det> <nn>cat</nn> <pp>.</pp>",  # a word the tagger never tagged
        "<det>The</det> <nn>dog</nn> <nn>cat</nn> <pp>.</pp>",  # a token not in the text
        "<det>The</det> <pp>.</pp> <nn>cat</nn>",  # a letter skipped to reach a later token
    ],
)
def test_tags_that_do_not_line_up_are_refused(output):
    assert align("The big cat.", output) is None


def test_the_installed_tagger_tags_a_plain_sentence():
    require_tagger()
    first, second = tag_sentences(["The cat sat on the mat.", "She didn't see them."])
    assert spans(first) == [
        ("The", "DET"),
        ("cat", "NN"),
        ("sat", "VBD"),
        ("on", "IN"),
        ("the", "DET"),
        ("mat", "NN"),
        (".", "PP"),
    ]
    assert [tag for _, tag in spans(second)][:1] == ["PRP"] and ("them", "PRP") in spans(second)


def test_the_tagger_takes_single_lines_only():
    with pytest.raises(ValueError, match="single lines"):
        tag_sentences(["Two\nlines."])


DOG_TEXT = "The dog didn't bark at them."
DOG_TAGS = (
    "<det>The</det> <nn>dog</nn> <vbd>did</vbd> <rb>n't</rb> <vb>bark</vb> <in>at</in> <prp>them</prp> "
    "<pp>.</pp>"
)


def test_function_words_by_tag_on_wordpiece(minilm_engine):
    classified = classify_text(minilm_engine.loaded.tokenizer, DOG_TEXT, align(DOG_TEXT, DOG_TAGS))
    pieces = [minilm_engine.vocabulary_texts[i] for i in classified.token_ids]
    assert list(zip(pieces, [GROUPS[g] for g in classified.groups], strict=True)) == [
        ("[CLS]", "special"),
        ("the", "function"),
        ("dog", "content"),
        ("didn", "content"),  # starts in "did", tagged VBD: Penn tags have no auxiliary class
        ("'", "other"),
        ("t", "content"),  # inside "n't", tagged RB
        ("bark", "content"),
        ("at", "function"),
        ("them", "function"),
        (".", "other"),
        ("[SEP]", "special"),
    ]
    by_list = classify_text(minilm_engine.loaded.tokenizer, DOG_TEXT)
    assert [GROUPS[g] for g in by_list.groups][3:6] == ["function", "other", "function"]


def test_the_tags_decide_not_the_word_list(tiny_engines):
    engine = tiny_engines["roberta"]
    swapped = align("The dog barked.", "<nn>The</nn> <det>dog</det> <vbd>barked</vbd> <pp>.</pp>")
    classified = classify_text(engine.loaded.tokenizer, "The dog barked.", swapped)
    pairs = zip(classified.groups, classified.offsets.tolist(), strict=True)
    group_at = {start: GROUPS[g] for g, (start, end) in pairs if end > start}
    assert (group_at[0], group_at[4]) == ("content", "function")  # "The" tagged NN, "dog" tagged DET
    with pytest.raises(ValueError, match="another text"):
        classify_text(engine.loaded.tokenizer, "A cat.", swapped)


def test_the_corpus_analysis_groups_tokens_by_the_tags_given(tiny_engines):
    engine = tiny_engines["bert"]
    texts = ["The dog barked.", DOG_TEXT]
    tags = [
        align(texts[0], "<nn>The</nn> <det>dog</det> <vbd>barked</vbd> <pp>.</pp>"),
        align(DOG_TEXT, DOG_TAGS),
    ]
    analysis = analyze_corpus(engine, texts, "exact", progress=False, tags=tags)
    expected = [
        classify_text(engine.loaded.tokenizer, text, tagged).groups
        for text, tagged in zip(texts, tags, strict=True)
    ]
    assert analysis.groups.tolist() == [g for groups in expected for g in groups.tolist()]
    untagged = analyze_corpus(engine, texts, "exact", progress=False)
    assert analysis.groups.tolist() != untagged.groups.tolist()
    with pytest.raises(ValueError, match="1 tagged sentences for 2"):
        analyze_corpus(engine, texts, "exact", progress=False, tags=tags[:1])
