"""The corpus package's settings: the corpus files, the outside corpus (Debian's fortunes and tagger), how
corpus passes are chunked, and how long a Ray cluster has to answer. Read from the environment only by
`CorpusSettings.from_environment`, which the program's entry points call."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from journeys.indexer.settings import DATA_DIR, environment_value


@dataclass(frozen=True)
class CorpusSettings:
    """How corpora are read and analysed."""

    corpus_file: Path = DATA_DIR / "corpus.txt"
    function_words_file: Path = DATA_DIR / "function_words.txt"
    #: Corpus lines longer than this many characters are reported and skipped.
    max_chars: int = 1000
    #: Skipped corpus lines named one by one on stderr; the rest are counted by kind.
    skips_listed: int = 20
    #: The outside corpus, used beside `corpus_file`: English sentences nobody here wrote (the quotations of
    #: Debian's `fortunes` package), with function words decided by part-of-speech tags from a tagger nobody
    #: here trained (Debian's liblingua-en-tagger-perl). The Makefile installs both packages.
    outside_corpus: str = "debian-fortunes"
    outside_corpus_packages: tuple[str, ...] = ("fortunes", "liblingua-en-tagger-perl")
    fortunes_dir: Path = Path("/usr/share/games/fortunes")
    #: Fortune files of prose quotations (not verse, dialogue, code, definitions or other languages).
    fortunes_files: tuple[str, ...] = (
        "cookie", "education", "food", "fortunes", "humorists", "law", "literature", "love", "medicine",
        "miscellaneous", "people", "pets", "platitudes", "politics", "science", "sports", "wisdom", "work",
    )  # fmt: skip
    fortunes_min_words: int = 4
    fortunes_max_words: int = 40
    #: Sentences taken from the outside corpus: a fixed sample (lowest SHA-256 of the text), read in file
    #: order (JOURNEYS_OUTSIDE_SENTENCES).
    outside_corpus_sentences: int = 1000
    perl: str = "perl"
    pos_tagger_module: Path = Path("/usr/share/perl5/Lingua/EN/Tagger.pm")
    #: Seconds a --ray address has to answer as a Ray cluster (corpus/ray_address.py) before it is refused
    #: (JOURNEYS_RAY_CONNECT_S).
    ray_connect_s: float = 15.0
    #: Sentences per batched vocabulary comparison in a corpus analysis.
    chunk_sentences: int = 16
    #: Nearest vocabulary rows compared between consecutive layers (neighbour overlap).
    overlap_k: int = 100
    #: The variant (raw or positional) whose ranks the findings test.
    variant: str = "raw"

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> CorpusSettings:
        """The defaults, with the Ray connection timeout from JOURNEYS_RAY_CONNECT_S and the outside corpus's
        sample size from JOURNEYS_OUTSIDE_SENTENCES when set."""
        return cls(
            ray_connect_s=environment_value(environ, "JOURNEYS_RAY_CONNECT_S", float, cls.ray_connect_s),
            outside_corpus_sentences=environment_value(
                environ, "JOURNEYS_OUTSIDE_SENTENCES", int, cls.outside_corpus_sentences
            ),
        )
