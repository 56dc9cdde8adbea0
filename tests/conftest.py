"""Fixtures: tiny randomly initialised models (see tiny_models.py), loaded through the same
from_pretrained path as real ones, plus the bundled MiniLM.

Indexes and caches go to a temporary build folder, never the repo's build/: JOURNEYS_BUILD_DIR for the
programs the tests start, `engine_settings` for the engines they load in this process. The outside corpus is
sampled small (JOURNEYS_OUTSIDE_SENTENCES, and `findings_settings` in this process).
"""

from __future__ import annotations

import functools
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

os.environ.setdefault("JOURNEYS_BUILD_DIR", tempfile.mkdtemp(prefix="journeys-test-build-"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
#: A tenth of the outside corpus's sample: every build analyses it, and 100 fortunes still hold sentences too
#: long for the tiny models, tags the tagger and the word list disagree on, and each claim's data.
os.environ.setdefault("JOURNEYS_OUTSIDE_SENTENCES", "100")

import pytest
from playwright.sync_api import Browser, sync_playwright
from tiny_heads import build_headed

from journeys.corpus.corpus_analysis import CorpusAnalysis, analyze_corpus
from journeys.corpus.settings import CorpusSettings
from journeys.findings.settings import FindingsSettings
from journeys.indexer.engine import JourneyEngine
from journeys.indexer.settings import EngineSettings
from tiny_families import FAMILY_BUILDERS
from tiny_models import BUILDERS


@pytest.fixture(scope="session")
def engine_settings() -> EngineSettings:
    """The engine settings of this test run: its temporary build folder (JOURNEYS_BUILD_DIR, set above)."""
    return EngineSettings.from_environment(os.environ)


@pytest.fixture(scope="session")
def findings_settings() -> FindingsSettings:
    """The findings settings of this test run: the outside corpus sampled small (JOURNEYS_OUTSIDE_SENTENCES,
    set above), as the programs the tests start read it."""
    return FindingsSettings(corpus=CorpusSettings.from_environment(os.environ))


@pytest.fixture(scope="session")
def family_folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A saved tiny model folder per architecture family (refused ones included), built once per session."""
    return {
        family: build(tmp_path_factory.mktemp(f"tiny-{family}")) for family, build in FAMILY_BUILDERS.items()
    }


@pytest.fixture(scope="session")
def tiny_model_folders(family_folders: dict[str, Path]) -> dict[str, Path]:
    """The folders of the first four families (BERT, RoBERTa, DistilBERT, GPT-2)."""
    return {family: family_folders[family] for family in BUILDERS}


@pytest.fixture(scope="session")
def family_engine(
    family_folders: dict[str, Path], engine_settings: EngineSettings
) -> Callable[[str], JourneyEngine]:
    """Load a tiny family's engine by the real loading path, once per session."""
    return functools.cache(
        lambda family: JourneyEngine.load(str(family_folders[family]), settings=engine_settings)
    )


@pytest.fixture(scope="session")
def headed_engine(
    tmp_path_factory: pytest.TempPathFactory, engine_settings: EngineSettings
) -> Callable[[str], JourneyEngine]:
    """Build and load a tiny checkpoint saved with its output head (tiny_heads.HEADED), once per session."""
    return functools.cache(
        lambda name: JourneyEngine.load(
            str(build_headed(name, tmp_path_factory.mktemp(f"headed-{name}"))), settings=engine_settings
        )
    )


@pytest.fixture(scope="session")
def tiny_engines(family_engine: Callable[[str], JourneyEngine]) -> dict[str, JourneyEngine]:
    """The engines of the first four families (BERT, RoBERTa, DistilBERT, GPT-2)."""
    return {family: family_engine(family) for family in BUILDERS}


@pytest.fixture(scope="session")
def minilm_engine(engine_settings: EngineSettings) -> JourneyEngine:
    """The bundled all-MiniLM-L6-v2."""
    return JourneyEngine.load("minilm", settings=engine_settings)


@pytest.fixture(scope="session")
def ray_cluster() -> Iterator[None]:
    """A local Ray cluster of 2 CPUs, started once per session by the tests that ask for it (seconds)."""
    import ray

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's headless Chromium, one per session (Playwright's sync API allows one at a time)."""
    assert CHROMIUM.is_file(), "no /usr/bin/chromium: install Debian's chromium (.ci/run does)"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


#: A small corpus, shared by the corpus, contextual and findings tests.
SENTENCES = [
    "Time flies like an arrow.",
    "The bank by the river was closed, and the dog barked.",
    "She said that the keys are on the table.",
    "Can you tell me where the station is?",
    "In 1999, people paid for crêpes in Zürich.",
    "Attention layers move each encoding towards its context.",
    "The old man the boat while the horse raced past the barn.",
    "Fruit flies like a banana, and the zebrafish swam away.",
]


@pytest.fixture(scope="session")
def sentences() -> list[str]:
    return SENTENCES


@pytest.fixture(scope="session")
def corpus_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("corpus") / "corpus.txt"
    path.write_text("\n".join(SENTENCES) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def tiny_analyses(tiny_engines) -> dict[str, CorpusAnalysis]:
    """The exact-method analysis of SENTENCES by each tiny encoder family and gpt2, encodings kept."""
    return {
        family: analyze_corpus(engine, SENTENCES, "exact", keep_encodings=True, progress=False)
        for family, engine in tiny_engines.items()
    }


#: Tests that drive Chromium, build a whole site, start servers or Ray, or kill processes: marked `slow`,
#: so `make test-quick` (`pytest -m "not slow"`) leaves them to `make test`.
SLOW_FIXTURES = {"browser", "open_page", "built_site", "ray_cluster", "clean_site", "build_folder"}
SLOW_FOLDERS = {"reliability"}
SLOW_FILES = {
    "test_server_processes.py",
    "test_server_gunicorn_worker.py",
    "test_server_security_headers.py",
    "test_corpus_pass.py",
    "test_ray_pass.py",
    "test_quickstart_notebook.py",
    "test_gpu_check.py",
}


#: Tests that share one costly session resource go to one pytest-xdist worker (`--dist loadgroup`), so a run
#: starts one Ray cluster and one Chromium, and builds the browser tests' site (a minute and a half) once.
#: A test needing several goes with the first it names here. The Ray files start clusters of their own too.
#: The fault tests' clean site (seconds) is built once per worker instead: grouped, they queued on one.
SHARED_RESOURCES = (
    ("ray_cluster", "ray"),
    ("browser", "chromium"),
    ("built_site", "chromium"),
)

RAY_FILES = {"test_ray_pass.py": "ray", "test_ray_gpus.py": "ray"}


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist's own hook, which reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        path = Path(item.path)
        fixtures = set(getattr(item, "fixturenames", ()))
        if SLOW_FIXTURES & fixtures or path.parent.name in SLOW_FOLDERS or path.name in SLOW_FILES:
            item.add_marker(pytest.mark.slow)
        group = RAY_FILES.get(path.name) or next(
            (group for fixture, group in SHARED_RESOURCES if fixture in fixtures), None
        )
        if group:
            item.add_marker(pytest.mark.xdist_group(group))
