"""The outside corpus: a fixed sample of English sentences from Debian's `fortunes` package, each with
part-of-speech tags from Debian's Lingua::EN::Tagger (corpus/pos_tags.py), so that function words can
be decided by tag instead of by data/function_words.txt. Both packages are installed by the Makefile.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass

from journeys.corpus.fortunes import read_fortunes
from journeys.corpus.pos_tags import MissingPackageError, TaggedSentence, tag_sentences
from journeys.indexer import config

#: Sentences tagged beyond those still needed, so that one pass usually fills the sample.
TAGGING_MARGIN = 16


@dataclass(frozen=True)
class OutsideCorpus:
    """The sampled sentences in reading order, their tags and sources, and what was left out."""

    name: str
    sentences: list[str]
    tags: list[TaggedSentence]
    sources: list[str]  # "fortune-file:line" of each sentence
    available: int  # plain prose sentences in the fortune files, before sampling
    dropped: Counter[str]  # sentences left out, by reason


def load_outside_corpus(size: int = config.OUTSIDE_CORPUS_SENTENCES) -> OutsideCorpus:
    """`size` tagged sentences (the lowest SHA-256 digests of the text), in reading order; refuses when
    the Debian packages are not installed."""
    if not all((config.FORTUNES_DIR / name).is_file() for name in config.FORTUNES_FILES):
        raise MissingPackageError(
            f"Debian's fortunes package is not installed ({config.FORTUNES_DIR} lacks its files): "
            "run `make install-outside-corpus` or `apt-get install fortunes`"
        )
    read = read_fortunes(
        config.FORTUNES_DIR, config.FORTUNES_FILES, config.FORTUNES_MIN_WORDS, config.FORTUNES_MAX_WORDS
    )
    order = sorted(
        range(len(read.sentences)), key=lambda i: hashlib.sha256(read.sentences[i].encode()).digest()
    )
    dropped = Counter(read.dropped)
    chosen: list[tuple[int, TaggedSentence]] = []
    position = 0
    while len(chosen) < size and position < len(order):
        batch = order[position : position + size - len(chosen) + TAGGING_MARGIN]
        position += len(batch)
        for index, tagged in zip(batch, tag_sentences([read.sentences[i] for i in batch]), strict=True):
            if tagged is None:
                dropped["tagger tokens do not line up with the text"] += 1
            elif len(chosen) < size:
                chosen.append((index, tagged))
    chosen.sort(key=lambda pair: pair[0])
    return OutsideCorpus(
        name=config.OUTSIDE_CORPUS,
        sentences=[read.sentences[index] for index, _ in chosen],
        tags=[tagged for _, tagged in chosen],
        sources=[read.sources[index] for index, _ in chosen],
        available=len(read.sentences),
        dropped=dropped,
    )
