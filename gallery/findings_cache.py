"""A model's findings as the site needs them, cached on disk so an unchanged rebuild neither loads the
model nor recomputes: the findings page's template values and each gallery sentence's contextual
neighbours (`ContextualResult.to_dict()` with rounded similarities).

The key is the model name (with the sizes and times of a local model folder's files), the engine
version, FORMAT, the digests of the corpus file and of the gallery sentences, and k.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from markupsafe import Markup

from journeys.corpus.settings import CorpusSettings
from journeys.gallery.settings import GallerySettings
from journeys.indexer.records import Precision
from journeys.indexer.sealed_files import read_sealed_or_none, write_sealed_json
from journeys.indexer.settings import EngineSettings

FORMAT = 7  # bump when the findings code or the cached shape changes (2: sealed files; 3: no timings;
# 4: verdicts with intervals, sensitivity, random-weights control; 5: the control named after its model;
# 6: the outside corpus, statistics of resamples in one pass; 7: the premise's margin, 4a's dips, rank
# claims that cannot be judged)


@dataclass(frozen=True)
class SiteFindings:
    """What the site renders from one model's findings: the findings page's template values and, per
    gallery sentence text, its contextual neighbours."""

    page: dict[str, Any]
    contextual: dict[str, dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        # Verdicts become their dicts (the template reads their fields by name); Markup stays a string.
        return json.loads(json.dumps({"page": self.page, "contextual": self.contextual}, default=_as_dict))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SiteFindings:
        page = {**data["page"], "figures_json": Markup(data["page"]["figures_json"])}
        return cls(page=page, contextual=data["contextual"])


def rounded_contextual(result: dict[str, Any], decimals: int | None = None) -> dict[str, Any]:
    """`ContextualResult.to_dict()` with every hit's similarity rounded to `decimals` (default: the gallery
    settings')."""
    decimals = GallerySettings().similarity_decimals if decimals is None else decimals
    neighbours = [
        [[{**hit, "similarity": round(hit["similarity"], decimals)} for hit in layer] for layer in token]
        for token in result["neighbours"]
    ]
    return {**result, "neighbours": neighbours}


class FindingsCache:
    """Cached `SiteFindings` under one folder, one sealed JSON file per key."""

    def __init__(
        self,
        folder: Path | None = None,
        settings: EngineSettings | None = None,
        corpus: CorpusSettings | None = None,
    ) -> None:
        """The cache under `folder` (default: the engine settings' cache folder), keyed on the engine version
        and the outside corpus's files as the settings name them."""
        self.settings = settings or EngineSettings()
        self.corpus = corpus or CorpusSettings()
        self.folder = Path(folder or self.settings.cache_dir) / "findings"

    def key(
        self, model: str, precision: Precision, corpus_path: Path, texts: list[str], k: int
    ) -> dict[str, Any]:
        """Everything the cached findings depend on that is known without loading the model."""
        return {
            "model": model,
            "precision": precision.to_dict(),
            "model_files": _model_files(model),
            "engine_version": self.settings.engine_version,
            "format": FORMAT,
            "corpus": hashlib.sha256(Path(corpus_path).read_bytes()).hexdigest(),
            "outside_corpus": _outside_corpus_files(self.corpus),
            "sentences": hashlib.sha256("\n".join(texts).encode()).hexdigest(),
            "k": k,
        }

    def path(self, key: dict[str, Any]) -> Path:
        text = json.dumps(key, sort_keys=True, ensure_ascii=False)
        return self.folder / f"{hashlib.sha256(text.encode()).hexdigest()}.json"

    def get(self, key: dict[str, Any]) -> SiteFindings | None:
        """The cached findings, or None when absent, damaged (said in one line) or written for another key."""
        stored = read_sealed_or_none(self.path(key), "recomputing the findings")
        if stored is None:
            return None
        if stored.get("key") != key:
            return None
        return SiteFindings.from_dict(stored["findings"])

    def put(self, key: dict[str, Any], findings: SiteFindings) -> None:
        write_sealed_json(self.path(key), {"key": key, "findings": findings.to_dict()})


def _model_files(model: str) -> list[list[Any]]:
    """Name, size and modification time of each file of a local model folder; empty for a registry name."""
    folder = Path(model)
    if not folder.is_dir():
        return []
    return [_stamp(p) for p in sorted(folder.iterdir()) if p.is_file()]


def _outside_corpus_files(settings: CorpusSettings) -> list[Any]:
    """What the outside corpus is read from: the sample size, and size and time of each fortune file and
    of the tagger (absent files included, so installing the packages later rebuilds the findings)."""
    files = [settings.fortunes_dir / name for name in settings.fortunes_files] + [settings.pos_tagger_module]
    return [settings.outside_corpus_sentences, [_stamp(p) if p.is_file() else [p.name] for p in files]]


def _stamp(path: Path) -> list[Any]:
    """A file's name, size and modification time: what tells a cached result its input changed."""
    stat = path.stat()
    return [path.name, stat.st_size, stat.st_mtime_ns]


def _as_dict(value: Any) -> Any:
    return value.to_dict()
