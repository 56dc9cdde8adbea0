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
from journeys.corpus.settings import CorpusSettings

#: Sentences tagged beyond those still needed, so that one pass usually fills the sample.
TAGGING_MARGIN = 16


@dataclass(frozen=True)
class OutsideCorpus:
    """The sampled sentences in reading order, their tags and sources, and what was left out."""

    name: str
    packages: tuple[str, ...]  # the Debian packages it comes from
    sentences: list[str]
    tags: list[TaggedSentence]
    sources: list[str]  # "fortune-file:line" of each sentence
    available: int  # plain prose sentences in the fortune files, before sampling
    dropped: Counter[str]  # sentences left out, by reason


def load_outside_corpus(size: int | None = None, settings: CorpusSettings | None = None) -> OutsideCorpus:
    """`size` tagged sentences (default: the settings'; the lowest SHA-256 digests of the text), in reading
    order; refuses when the Debian packages are not installed."""
    settings = settings or CorpusSettings()
    size = settings.outside_corpus_sentences if size is None else size
    if not all((settings.fortunes_dir / name).is_file() for name in settings.fortunes_files):
        raise MissingPackageError(
            f"Debian's fortunes package is not installed ({settings.fortunes_dir} lacks its files): "
            "run `make install-outside-corpus` or `apt-get install fortunes`"
        )
    read = read_fortunes(
        settings.fortunes_dir,
        settings.fortunes_files,
        settings.fortunes_min_words,
        settings.fortunes_max_words,
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
        for index, tagged in zip(
            batch, tag_sentences([read.sentences[i] for i in batch], settings), strict=True
        ):
            if tagged is None:
                dropped["tagger tokens do not line up with the text"] += 1
            elif len(chosen) < size:
                chosen.append((index, tagged))
    chosen.sort(key=lambda pair: pair[0])
    return OutsideCorpus(
        name=settings.outside_corpus,
        packages=settings.outside_corpus_packages,
        sentences=[read.sentences[index] for index, _ in chosen],
        tags=[tagged for _, tagged in chosen],
        sources=[read.sources[index] for index, _ in chosen],
        available=len(read.sentences),
        dropped=dropped,
    )
