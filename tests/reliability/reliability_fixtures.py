"""A small gallery build of a tiny real model, made from scratch in its own build folder, in this process or
as a `journeys build`-like child process; and the bytes of a clean build's site to compare with.

A plugin the reliability tests load with `pytest_plugins`, not a conftest.py (see gallery_fixtures.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from journeys.corpus.settings import CorpusSettings
from journeys.corpus.shard_work import Cluster
from journeys.findings.settings import FindingsSettings
from journeys.gallery.build import build_site
from journeys.indexer.settings import REPO_ROOT, EngineSettings

SENTENCES = {
    "about": "fault-injection sentences",
    "themes": [
        {
            "id": "study",
            "title": "The study's own example",
            "about": "Read two ways.",
            "sentences": ["Time flies like an arrow. Fruit flies like a banana.", "The old man the boat."],
        },
        {"id": "numbers", "title": "Numbers", "about": "Digits.", "sentences": ["In 1999, 42 people paid."]},
    ],
}
CORPUS = [
    "The bank by the river was closed, and the dog barked.",
    "She said that the keys are on the table.",
    "Can you tell me where the station is?",
    "Attention layers move each encoding towards its context.",
]
BUILD_CHILD = Path(__file__).with_name("build_child.py")
#: Seconds a child build may take (tiny model, a few sentences; generous for a busy 2-core machine).
CHILD_TIMEOUT_S = 600


@dataclass(frozen=True)
class FaultInputs:
    """The model folder, sentences file and corpus file every build here uses (fixed paths, so that two
    builds in different folders write the same bytes)."""

    model: str
    sentences: Path
    corpus: Path


@dataclass
class BuildFolder:
    """A build folder of its own: site/, cache/ and indexes/ (`settings`)."""

    root: Path
    inputs: FaultInputs

    @property
    def settings(self) -> EngineSettings:
        """The engine settings of this build folder."""
        return EngineSettings(build_dir=self.root)

    @property
    def site(self) -> Path:
        return self.settings.site_dir

    @property
    def cache(self) -> Path:
        return self.settings.cache_dir

    @property
    def indexes(self) -> Path:
        return self.settings.index_dir

    def build(self, cluster: Cluster | None = None) -> None:
        """Build in this process, loading the model afresh (so every saved index is read again), its
        corpus passes on `cluster` if given."""
        build_site(
            [self.inputs.model],
            self.site,
            self.inputs.sentences,
            self.cache,
            corpus_path=self.inputs.corpus,
            cluster=cluster,
            engine_settings=self.settings,
            findings_settings=FindingsSettings(corpus=CorpusSettings.from_environment(os.environ)),
        )

    def site_files(self) -> dict[str, bytes]:
        """Every file of the site by its path inside it."""
        return {
            str(path.relative_to(self.site)): path.read_bytes()
            for path in sorted(self.site.rglob("*"))
            if path.is_file()
        }

    def start_child(self, *options: str) -> subprocess.Popen:
        """Start `build_child.py` on this folder; `options` are its --kill-before / --hold-lock."""
        arguments = [str(self.root), self.inputs.model, str(self.inputs.sentences), str(self.inputs.corpus)]
        return subprocess.Popen(
            [sys.executable, str(BUILD_CHILD), *arguments, *options],
            cwd=REPO_ROOT,
            env={**os.environ, "JOURNEYS_BUILD_DIR": str(self.root)},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def run_child(self, *options: str) -> subprocess.CompletedProcess:
        child = self.start_child(*options)
        stdout, stderr = child.communicate(timeout=CHILD_TIMEOUT_S)
        return subprocess.CompletedProcess(child.args, child.returncode, stdout, stderr)


@pytest.fixture(scope="session")
def fault_inputs(
    tiny_model_folders: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> FaultInputs:
    folder = tmp_path_factory.mktemp("fault-inputs")
    (folder / "sentences.json").write_text(json.dumps(SENTENCES), encoding="utf-8")
    (folder / "corpus.txt").write_text("\n".join(CORPUS) + "\n", encoding="utf-8")
    return FaultInputs(str(tiny_model_folders["bert"]), folder / "sentences.json", folder / "corpus.txt")


@pytest.fixture(scope="session")
def clean_site(fault_inputs: FaultInputs, tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The site of a build from scratch, file by file: what every build here must end up writing."""
    folder = BuildFolder(tmp_path_factory.mktemp("clean-build"), fault_inputs)
    folder.build()
    return folder.site_files()


@pytest.fixture
def build_folder(fault_inputs: FaultInputs, tmp_path: Path) -> Iterator[BuildFolder]:
    """An empty build folder of its own."""
    yield BuildFolder(tmp_path / "build", fault_inputs)
