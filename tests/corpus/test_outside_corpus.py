"""The outside corpus on the real installed Debian packages (installed by `make test`; never skipped),
and the fortune-file reader on small files."""

from __future__ import annotations

import re
import subprocess

import pytest

from journeys.corpus.fortunes import read_fortunes, sentence_problem
from journeys.corpus.outside_corpus import load_outside_corpus
from journeys.corpus.settings import CorpusSettings
from journeys.corpus.token_classes import CONTENT, FUNCTION, classify_text
from journeys.indexer.settings import REPO_ROOT
from test_pos_tags import require_tagger

CORPUS = CorpusSettings()

#: Penn Treebank closed classes as Lingua::EN::Tagger spells them, written out here independently.
CLOSED_CLASSES = {
    "CC",
    "DET",
    "EX",
    "IN",
    "MD",
    "PDT",
    "POS",
    "PRP",
    "PRPS",
    "RP",
    "TO",
    "WDT",
    "WP",
    "WPS",
    "WRB",
}


@pytest.fixture(scope="module")
def outside():
    require_tagger()
    missing = [name for name in CORPUS.fortunes_files if not (CORPUS.fortunes_dir / name).is_file()]
    assert not missing, f"Debian's fortunes package is not installed (no {missing}): `make test` installs it"
    return load_outside_corpus()


def collapsed_fortune_text(name: str) -> str:
    return " ".join((CORPUS.fortunes_dir / name).read_text(encoding="utf-8").split())


def test_the_sample_is_whole_distinct_sentences_of_the_fortune_files(outside):
    assert outside.name == CORPUS.outside_corpus
    assert len(outside.sentences) == CORPUS.outside_corpus_sentences < outside.available
    assert len(set(outside.sentences)) == len(outside.sentences)
    texts = {name: collapsed_fortune_text(name) for name in CORPUS.fortunes_files}
    for sentence, source in zip(outside.sentences, outside.sources, strict=True):
        name, line = source.rsplit(":", 1)
        assert sentence in texts[name]
        first_word = sentence.split()[0]
        assert (
            first_word in (CORPUS.fortunes_dir / name).read_text(encoding="utf-8").splitlines()[int(line) - 1]
        )
        assert sentence[0].isupper() and sentence[-1] in ".!?\")'"


def test_the_sample_is_the_same_on_every_load(outside):
    again = load_outside_corpus(size=50)
    assert set(again.sentences) <= set(outside.sentences)


def test_every_letter_is_tagged_and_the_tags_are_the_taggers(outside):
    for tagged in outside.tags:
        covered = {position for word in tagged.words for position in range(word.start, word.end)}
        assert all(position in covered for position, char in enumerate(tagged.text) if char.isalnum())
    sample = outside.sentences[:40]
    script = (
        "use Lingua::EN::Tagger; my $t = Lingua::EN::Tagger->new;"
        "while (<STDIN>) { chomp; print $t->add_tags($_), qq{\\n} }"
    )
    printed = subprocess.run(
        ["perl", "-e", script], input="\n".join(sample) + "\n", capture_output=True, text=True, check=True
    ).stdout.splitlines()
    for tagged, line in zip(outside.tags[:40], printed, strict=True):
        assert [word.tag for word in tagged.words] == [tag.upper() for tag in re.findall(r"<([a-z]+)>", line)]


def test_function_words_by_tag_for_every_minilm_word(outside, minilm_engine):
    tokenizer = minilm_engine.loaded.tokenizer
    tokens = {"all": 0, "function": 0, "content": 0}
    for sentence, tagged in zip(outside.sentences, outside.tags, strict=True):
        groups = classify_text(tokenizer, sentence, tagged).groups.tolist()
        encoding = tokenizer(sentence, return_offsets_mapping=True)
        tokens["all"] += len(encoding["input_ids"])
        words: dict[int, list[int]] = {}
        for position, word in enumerate(encoding.word_ids()):
            if word is not None:
                words.setdefault(word, []).append(position)
        for positions in words.values():
            start = encoding["offset_mapping"][positions[0]][0]
            end = encoding["offset_mapping"][positions[-1]][1]
            text = sentence[start:end]
            if not any(char.isalpha() for char in text):
                assert groups[positions[0]] not in (FUNCTION, CONTENT)
                continue
            letter = start + next(i for i, char in enumerate(text) if char.isalnum())
            tag = next(w.tag for w in tagged.words if w.start <= letter < w.end)
            expected = FUNCTION if tag in CLOSED_CLASSES else CONTENT
            assert groups[positions[0]] == expected, (sentence, text, tag)
            tokens["function" if expected == FUNCTION else "content"] += 1
    assert tokens["all"] <= len(outside.sentences) * minilm_engine.info.max_tokens
    assert tokens["function"] > len(outside.sentences) and tokens["content"] > len(outside.sentences)


FORTUNES = """A banker is a fellow who lends you his umbrella when the sun is shining
and wants it back the minute it begins to rain.
\t\t-- Mark Twain
%
Q: What is the answer?
A: Nobody knows it yet.
%
A banker is a fellow who lends you his umbrella when the sun is shining and wants
it back the minute it begins to rain.
%
Go.  The cat sat on the mat.  THE END IS NEAR FOR ALL OF US.  I said "yes.
\t\t-- Anon
\t\t   The attribution runs on here.
%
Some text that never ends
"""


def test_fortune_files_give_plain_prose_sentences_once(tmp_path):
    (tmp_path / "first").write_text(FORTUNES, encoding="utf-8")
    (tmp_path / "second").write_text(
        "%\nThe cat sat on the mat.\n%\nA new sentence is here.\n", encoding="utf-8"
    )
    read = read_fortunes(tmp_path, ("first", "second"), min_words=4, max_words=40)
    assert read.sentences == [
        "A banker is a fellow who lends you his umbrella when the sun is shining and wants it back "
        "the minute it begins to rain.",
        "The cat sat on the mat.",
        "A new sentence is here.",
    ]
    assert read.sources == ["first:1", "first:11", "second:4"]
    assert dict(read.dropped) == {
        "not plain prose": 2,  # the "Q:" and "A:" labels
        "length": 2,  # "Go." and 'I said "yes.'
        "repeated": 2,  # the same words wrapped otherwise, and a sentence of the first file
        "mostly capitals": 1,
        "not a whole sentence": 1,  # the last entry has no full stop
    }


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("The cat sat on the mat.", ""),
        ("Cats sat.", "length"),
        ("the cat sat on the mat.", "not a whole sentence"),
        ("The cat sat on the mat", "not a whole sentence"),
        ("The cat sat on the <mat>.", "not plain prose"),
        ('The cat said "hi there.', "not plain prose"),
        ("Q: The cat sat on it?", "not plain prose"),
        ("THE CAT SAT ON THE mat.", "mostly capitals"),
    ],
)
def test_sentence_problem(text, problem):
    assert sentence_problem(text, 4, 40) == problem


def test_make_build_and_make_test_install_the_outside_corpus():
    makefile = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
    targets = dict(re.findall(r"^([\w-]+):(.*)$", makefile, flags=re.MULTILINE))
    assert "install-outside-corpus" in targets["build"].split()
    assert "install-outside-corpus" in targets["test"].split()
    for package in CORPUS.outside_corpus_packages:
        assert re.search(rf"apt-get install -y -qq {package}$", makefile, flags=re.MULTILINE)
