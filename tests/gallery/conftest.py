"""A gallery site built once from tiny real models (an encoder and a decoder) and a few sentences."""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from gallery.build import run_build
from indexer.engine import JourneyEngine

SENTENCES = {
    "about": "test sentences",
    "themes": [
        {
            "id": "study",
            "title": "The study's own example",
            "about": "Read two ways.",
            "sentences": ["Time flies like an arrow. Fruit flies like a banana.", "The old man the boat."],
        },
        {
            "id": "numbers",
            "title": "Numbers",
            "about": "Digits.",
            "sentences": ["In 1999, 42 people paid $3.50 each."],
        },
    ],
}


@dataclass
class CountingLoader:
    """Hands out the session's real tiny engines by folder name, recording every load the build asks for."""

    engines: dict[str, JourneyEngine]
    loads: list[str] = field(default_factory=list)

    def __call__(self, name: str) -> JourneyEngine:
        self.loads.append(name)
        return self.engines[name]


@dataclass
class BuiltSite:
    folder: Path
    cache: Path
    sentences: Path
    encoder: str  # model names as given to the build
    decoder: str
    loader: CountingLoader

    def build(self) -> None:
        """Build into this site's folders, from its cache."""
        run_build(
            argparse.Namespace(models=[self.encoder, self.decoder]),
            site_dir=self.folder,
            sentences_path=self.sentences,
            cache_dir=self.cache,
            load_engine=self.loader,
        )


@pytest.fixture(scope="session")
def sentences_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("gallery-data") / "sentences.json"
    path.write_text(json.dumps(SENTENCES), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def built_site(
    tiny_model_folders: dict[str, Path],
    tiny_engines: dict[str, JourneyEngine],
    sentences_file: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> BuiltSite:
    """The site for tiny BERT (both methods) and tiny GPT-2 (exact only), built once per session."""
    encoder, decoder = str(tiny_model_folders["bert"]), str(tiny_model_folders["gpt2"])
    loader = CountingLoader({encoder: tiny_engines["bert"], decoder: tiny_engines["gpt2"]})
    root = tmp_path_factory.mktemp("gallery-build")
    site = BuiltSite(root / "site", root / "cache", sentences_file, encoder, decoder, loader)
    site.build()
    return site
