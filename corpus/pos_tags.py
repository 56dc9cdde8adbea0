"""Part-of-speech tags from a tagger nobody here trained: Lingua::EN::Tagger, a bigram hidden Markov
model over Penn Treebank statistics that Debian ships with its model (package liblingua-en-tagger-perl,
run through `perl`). Its tokens are lined up with the sentence's characters, so that any tokenizer's
words can be given the tag of the tagger token they start in.

A word is a function word by tag when its tag is a closed class of the Penn Treebank tag set
(FUNCTION_TAGS). Penn tags do not set auxiliaries apart from verbs, so "is", "have" and "do" count as
content words here, and "not" / "n't" (tagged RB) too, unlike in data/function_words.txt.
"""

from __future__ import annotations

import bisect
import re
import shutil
import subprocess
from dataclasses import dataclass
from functools import cached_property

from journeys.corpus.settings import CorpusSettings

#: Closed-class tags (Lingua::EN::Tagger spells DT as DET, PRP$ as PRPS and WP$ as WPS).
FUNCTION_TAGS = frozenset(
    ["CC", "DET", "EX", "IN", "MD", "PDT", "POS", "PRP", "PRPS", "RP", "TO", "WDT", "WP", "WPS", "WRB"]
)
_TAGGED_TOKEN = re.compile(r"<([a-z]+)>(.*?)</\1>")
#: How the tagger rewrites a token, and what it may stand for in the text.
_REWRITTEN = {"``": ('"', "“", "``", "'", "‘"), "''": ('"', "”", "''", "'", "’"), "-": ("-", "–", "—")}
_PERL_TAGGER = (
    "use Lingua::EN::Tagger; my $tagger = Lingua::EN::Tagger->new; $| = 1;"
    "while (my $line = <STDIN>) { chomp $line; print $tagger->add_tags($line) // '', qq{\\n}; }"
)


class MissingPackageError(RuntimeError):
    """A Debian package the outside corpus needs is not installed (the Makefile installs them)."""


@dataclass(frozen=True)
class TaggedWord:
    """One tagger token: its character span in the sentence and its upper-case tag."""

    start: int
    end: int
    tag: str


@dataclass(frozen=True)
class TaggedSentence:
    """A sentence and its tagger tokens, in order, covering every letter and digit of it."""

    text: str
    words: tuple[TaggedWord, ...]

    @cached_property
    def _starts(self) -> list[int]:
        return [word.start for word in self.words]

    def tag_at(self, position: int) -> str | None:
        """The tag of the tagger token that covers character `position`, or None."""
        index = bisect.bisect_right(self._starts, position) - 1
        if index >= 0 and position < self.words[index].end:
            return self.words[index].tag
        return None

    def is_function_at(self, position: int) -> bool:
        """True when the word at character `position` has a closed-class (function) tag."""
        return self.tag_at(position) in FUNCTION_TAGS


def tag_sentences(
    sentences: list[str], settings: CorpusSettings | None = None
) -> list[TaggedSentence | None]:
    """Each sentence tagged, or None where the tagger's tokens do not line up with its characters.
    Sentences must be single lines."""
    settings = settings or CorpusSettings()
    if any("\n" in sentence or "\r" in sentence for sentence in sentences):
        raise ValueError("sentences given to the tagger must be single lines")
    check_tagger(settings)
    result = subprocess.run(
        [settings.perl, "-e", _PERL_TAGGER],
        input="".join(f"{sentence}\n" for sentence in sentences),
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=True,
    )
    lines = result.stdout.split("\n")[: len(sentences)]
    return [align(sentence, line) for sentence, line in zip(sentences, lines, strict=True)]


def check_tagger(settings: CorpusSettings) -> None:
    """Refuse, naming the Debian package, when perl or Lingua::EN::Tagger is missing."""
    if shutil.which(settings.perl) is None or not settings.pos_tagger_module.is_file():
        raise MissingPackageError(
            f"the part-of-speech tagger is not installed ({settings.pos_tagger_module} is missing): "
            "run `make install-outside-corpus` or `apt-get install liblingua-en-tagger-perl`"
        )


def align(sentence: str, tagged: str) -> TaggedSentence | None:
    """The tagger's tokens placed on the sentence's characters, or None when one cannot be found or a
    letter or digit is left without a token."""
    words, cursor = [], 0
    for tag, token in _TAGGED_TOKEN.findall(tagged):
        found = _find(sentence, token, cursor)
        if found is None:
            return None
        start, end = found
        words.append(TaggedWord(start, end, tag.upper()))
        cursor = end
    tagged_sentence = TaggedSentence(sentence, tuple(words))
    covered = all(
        tagged_sentence.tag_at(position) is not None
        for position, char in enumerate(sentence)
        if char.isalnum()
    )
    return tagged_sentence if covered else None


def _find(sentence: str, token: str, cursor: int) -> tuple[int, int] | None:
    """Span of the first spelling of `token` at or after `cursor`, skipping only white space and
    characters the tagger dropped (never a letter or digit)."""
    best = None
    for spelling in _REWRITTEN.get(token, (token,)):
        start = sentence.find(spelling, cursor)
        if start >= 0 and (best is None or start < best[0]):
            best = (start, start + len(spelling))
    if best is None or any(char.isalnum() for char in sentence[cursor : best[0]]):
        return None
    return best
