"""Journey records cached on disk, shared by `journeys build` and the server (the server reads them, the
build writes them; both ask the indexer for records, never each other).

One sealed JSON file per result (`indexer.sealed_files`), holding `Journey.to_dict()` and the key it
answers; the key is the model name, its precision (device kind, dtype, torch version), method, view
(analysis point, reference rows, metric), text, top-k, the engine version and FORMAT, so a change to the
engine's numbers invalidates every entry and results of different precisions or views are never mixed. A
damaged or edited file is reported and recomputed.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from journeys.indexer.records import Journey, ModelInfo, Precision
from journeys.indexer.sealed_files import read_sealed_or_none, write_sealed_json
from journeys.indexer.settings import EngineSettings
from journeys.indexer.views import STUDY_VIEW, View

#: Bump when the stored shape changes (2: sealed files, 3: keyed and recorded by precision, 4: by point and
#: metric).
FORMAT = 4


class JourneyCache:
    """Cached journeys under one folder; writes are atomic and sealed, so readers never use half a file."""

    def __init__(self, folder: Path | None = None, settings: EngineSettings | None = None) -> None:
        """The cache under `folder` (default: the settings' cache folder), keyed on the settings' engine
        version."""
        settings = settings or EngineSettings()
        self.folder = Path(folder or settings.cache_dir) / "journeys"
        self.engine_version = settings.engine_version

    def key(
        self, model: str, precision: Precision, method: str, text: str, top_k: int, view: View = STUDY_VIEW
    ) -> dict[str, Any]:
        """Everything a cached result depends on (the view: the study's, unless said)."""
        return {
            "model": model,
            "precision": precision.to_dict(),
            "method": method,
            "view": view.to_dict(),
            "text": text,
            "top_k": top_k,
            "engine_version": self.engine_version,
            "format": FORMAT,
        }

    def path(
        self, model: str, precision: Precision, method: str, text: str, top_k: int, view: View = STUDY_VIEW
    ) -> Path:
        """The file that holds (or would hold) this result."""
        key = self.key(model, precision, method, text, top_k, view)
        digest = hashlib.sha256(json.dumps(key, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
        return self.folder / f"{digest}.json"

    def get(
        self, model: str, precision: Precision, method: str, text: str, top_k: int, view: View = STUDY_VIEW
    ) -> Journey | None:
        """The cached journey, or None when absent, damaged (said in one line) or written for another key."""
        stored = read_sealed_or_none(self.path(model, precision, method, text, top_k, view), "recomputing it")
        if stored is None:
            return None
        if stored.get("key") != self.key(model, precision, method, text, top_k, view):
            return None
        return Journey.from_dict(stored["journey"])

    def put(self, model: str, text: str, top_k: int, journey: Journey) -> None:
        """Store `journey`, the analysis of `text` by `model` with `journey.method` in `journey.view` and its
        precision."""
        precision, method, view = journey.model.precision, journey.method, journey.view
        record = {"key": self.key(model, precision, method, text, top_k, view), "journey": journey.to_dict()}
        write_sealed_json(self.path(model, precision, method, text, top_k, view), record)

    def model_info_path(self, model: str, precision: Precision) -> Path:
        """The file that holds what a model offers, so a fully cached rebuild need not load it."""
        key = {
            "model": model,
            "precision": precision.to_dict(),
            "engine_version": self.engine_version,
            "format": FORMAT,
        }
        return (
            self.folder / f"model-{hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()}.json"
        )

    def get_model_info(self, model: str, precision: Precision) -> ModelInfo | None:
        """The stored description of `model` (its layers, variants and methods), or None when absent or
        damaged (said in one line)."""
        stored = read_sealed_or_none(
            self.model_info_path(model, precision), "loading the model to learn it again"
        )
        try:
            return None if stored is None else ModelInfo.from_dict(stored)
        except (TypeError, KeyError):
            return None

    def put_model_info(self, model: str, info: ModelInfo) -> None:
        write_sealed_json(self.model_info_path(model, info.precision), info.to_dict())
