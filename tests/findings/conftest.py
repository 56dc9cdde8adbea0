"""A small corpus and its analysis by the tiny models, shared by the findings tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from journeys.corpus.corpus_analysis import CorpusAnalysis, analyze_corpus

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
