"""The random-weights control: a randomly initialised copy of a model (same architecture, configuration and
tokenizer, `AutoModel.from_config` under a fixed seed), saved beside the model's indexes and analysed by the
same findings, so an effect the architecture alone produces shows up as such.

Each file is written atomically and recorded with its digest in a sealed manifest written last; a copy
whose manifest is missing or whose files do not match it is made again.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import torch
from transformers import AutoModel

from journeys.indexer.atomic_files import write_bytes_atomic
from journeys.indexer.engine import JourneyEngine
from journeys.indexer.sealed_files import (
    DamagedFileError,
    check_digests,
    content_digest,
    read_sealed_or_none,
    warn_damaged,
    write_sealed_json,
)
from journeys.indexer.vocabulary_index import index_folder

#: Seed of the random initialisation: the same seed gives the same weights on every build.
CONTROL_SEED = 0
MANIFEST = "control-manifest.json"


def control_folder(engine: JourneyEngine, seed: int = CONTROL_SEED) -> Path:
    """Where the engine's model's random-weights copy lives: beside its vocabulary index."""
    return index_folder(engine.settings.index_dir, engine.loaded.name) / f"random-weights-seed{seed}"


def saved_random_copy(engine: JourneyEngine, seed: int = CONTROL_SEED) -> Path:
    """The folder of `engine`'s model with random weights (made now unless a whole copy is there)."""
    folder = control_folder(engine, seed)
    digests = read_sealed_or_none(folder / MANIFEST, "making the random-weights copy again")
    if digests is not None:
        try:
            check_digests(folder, digests)
            return folder
        except DamagedFileError as error:
            warn_damaged(error, "making the random-weights copy again")
    with tempfile.TemporaryDirectory(prefix="journeys-control-") as scratch, torch.random.fork_rng():
        torch.manual_seed(seed)
        model = AutoModel.from_config(engine.loaded.model.config)
        model.save_pretrained(scratch)
        engine.loaded.tokenizer.save_pretrained(scratch)
        digests = {}
        for path in sorted(Path(scratch).iterdir()):
            data = path.read_bytes()
            write_bytes_atomic(folder / path.name, data)
            digests[path.name] = content_digest(data)
    write_sealed_json(folder / MANIFEST, digests)
    return folder


def load_control(engine: JourneyEngine, seed: int = CONTROL_SEED) -> JourneyEngine:
    """An engine over the random-weights copy of `engine`'s model, with the same causal mask, settings, device
    kind and dtype."""
    precision = engine.precision
    return JourneyEngine.load(
        str(saved_random_copy(engine, seed)),
        engine.causal_mask,
        engine.settings,
        device=precision.device,
        dtype=precision.dtype,
    )
