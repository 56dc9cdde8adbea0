"""The gallery's example sentences, grouped by theme, read from the data file in the repo."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from journeys.gallery.settings import GallerySettings

SLUG_WORDS = 8


@dataclass(frozen=True)
class GallerySentence:
    """One example sentence with the page name it gets."""

    slug: str
    text: str
    theme_id: str


@dataclass(frozen=True)
class SentencePair:
    """Two sentences of one theme meant to be read side by side, with the page name the pair gets."""

    first: GallerySentence
    second: GallerySentence

    @property
    def slug(self) -> str:
        return f"{self.first.slug}--{self.second.slug}"


@dataclass(frozen=True)
class Theme:
    """A group of sentences probing one thing, with a plain-words note on what, and the pairs among its
    sentences that are shown side by side (the optional "pairs" list of the data file: two texts each)."""

    id: str
    title: str
    about: str
    sentences: list[GallerySentence]
    pairs: list[SentencePair] = field(default_factory=list)


def slugify(text: str, max_words: int = SLUG_WORDS) -> str:
    """Lower-case ASCII words (accents dropped) joined by hyphens, for file names and URLs."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    return "-".join(words[:max_words]) or "sentence"


def load_themes(path: Path | None = None) -> list[Theme]:
    """Themes in file order (default file: the gallery settings'); refuses a file where two sentences would
    share a page name."""
    data = json.loads(Path(path or GallerySettings().sentences_file).read_text(encoding="utf-8"))
    themes, seen = [], {}
    for theme in data["themes"]:
        sentences = []
        for text in theme["sentences"]:
            slug = slugify(text)
            if slug in seen:
                raise ValueError(f"{path}: {text!r} and {seen[slug]!r} would share the page name {slug!r}")
            seen[slug] = text
            sentences.append(GallerySentence(slug=slug, text=text, theme_id=theme["id"]))
        pairs = [_pair(path, theme["id"], sentences, texts) for texts in theme.get("pairs", [])]
        themes.append(
            Theme(
                id=theme["id"], title=theme["title"], about=theme["about"], sentences=sentences, pairs=pairs
            )
        )
    return themes


def _pair(path: Path, theme_id: str, sentences: list[GallerySentence], texts: list[str]) -> SentencePair:
    """The pair of `texts`; refuses anything but two different sentences of the theme."""
    by_text = {sentence.text: sentence for sentence in sentences}
    if len(texts) != 2 or texts[0] == texts[1] or not all(text in by_text for text in texts):
        raise ValueError(
            f"{path}: a pair of theme {theme_id!r} must name two of its sentences, not {texts!r}"
        )
    return SentencePair(by_text[texts[0]], by_text[texts[1]])


def all_sentences(themes: list[Theme]) -> list[GallerySentence]:
    """Every sentence of every theme, in page order."""
    return [sentence for theme in themes for sentence in theme.sentences]


def all_pairs(themes: list[Theme]) -> list[SentencePair]:
    """Every pair of every theme, in file order."""
    return [pair for theme in themes for pair in theme.pairs]
