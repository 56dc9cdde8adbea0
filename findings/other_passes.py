"""The sensitivity table's rows that need more than the main analysis: corpus passes of their own for the
model computing in another precision, reading the block output, and reading through the output head (the
logit lens, where the model has one); the main pass's kept encodings ranked again by Euclidean distance and
with each layer's rogue dimensions removed."""

from __future__ import annotations

import sys
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from journeys.corpus.corpus_analysis import CorpusAnalysis
from journeys.corpus.corpus_pass import run_corpus_pass
from journeys.corpus.shard_work import Cluster
from journeys.findings.claims import ClaimInputs
from journeys.findings.density import vocabulary_density
from journeys.findings.rescoring import rescored
from journeys.findings.rogue import MAX_DIMENSIONS, RogueDimensions, find_rogue_dimensions
from journeys.findings.sensitivity import OtherPass
from journeys.findings.settings import FindingsSettings
from journeys.indexer.engine import JourneyEngine
from journeys.indexer.errors import InputError
from journeys.indexer.options import POINTS, REFERENCES
from journeys.indexer.views import View

#: The lens variant whose ranks the logit-lens row decides on: each token's own id.
LENS_OWN = "own"


@dataclass(frozen=True)
class OtherPasses:
    """The rows computed beyond the main pass, in the table's order, and the rogue dimensions found."""

    rows: tuple[OtherPass, ...]
    rogue: RogueDimensions | None


@dataclass(frozen=True)
class PassRequest:
    """How the other passes are computed: shown progress, the cluster and the shard cache folder."""

    progress: bool = True
    cluster: Cluster | None = None
    cache_dir: Path | None = None


def other_dtype(engine: JourneyEngine) -> str:
    """The dtype of the sensitivity table's precision row: bfloat16 for a model computing in float32, float32
    for one computing in reduced precision."""
    return "bfloat16" if engine.precision.dtype == "float32" else "float32"


def other_passes(
    engine: JourneyEngine,
    main: CorpusAnalysis,
    request: PassRequest | None = None,
    settings: FindingsSettings | None = None,
) -> OtherPasses:
    """Every row beyond the main pass `main` (its method and variant): the precision row, then, for the
    exact method, the block output and the logit lens where offered, and, where `main` kept its encodings,
    Euclidean distance and the rogue dimensions."""
    request = request or PassRequest()
    settings = settings or FindingsSettings()
    rows = []
    precision = precision_row(engine, main, request, settings)
    if precision is not None:
        rows.append(precision)
    rogue = None
    if main.method == "exact":  # the seed method is defined at the study's view only
        density = vocabulary_density(engine, settings.density_neighbours)
        inputs = ClaimInputs.from_analysis(main, density, main.variant)
        rows += view_rows(engine, main, inputs, density, request, settings)
        if main.encodings is not None:
            rows.append(euclidean_row(engine, main, inputs))
            rogue, row = rogue_row(engine, main, inputs)
            rows.append(row)
    return OtherPasses(tuple(rows), rogue)


def precision_row(
    engine: JourneyEngine, main: CorpusAnalysis, request: PassRequest, settings: FindingsSettings
) -> OtherPass | None:
    """The main pass again with the model computing in `other_dtype` on the same device kind; None, said in
    one line, where the device cannot compute it."""
    dtype = other_dtype(engine)
    try:
        other = JourneyEngine.load(
            engine.loaded.name,
            engine.causal_mask,
            engine.settings,
            device=engine.precision.device,
            dtype=dtype,
        )
    except InputError as refusal:
        print(
            f"journeys: warning: the sensitivity table goes without its {dtype} row: {refusal}",
            file=sys.stderr,
        )
        return None
    analysis = _pass(other, main, View(), request, settings)
    density = vocabulary_density(other, settings.density_neighbours)
    return OtherPass(
        f"{dtype} instead of {engine.precision.dtype}",
        f"the same corpus pass with the model computing in {dtype}",
        ClaimInputs.from_analysis(analysis, density, main.variant),
    )


def view_rows(
    engine: JourneyEngine,
    main: CorpusAnalysis,
    inputs: ClaimInputs,
    density: np.ndarray,
    request: PassRequest,
    settings: FindingsSettings,
) -> list[OtherPass]:
    """The block output and, where the model has an output head, the logit lens, each a corpus pass of its
    own beside `main` (whose claim inputs are `inputs`; `density` per vocabulary id); the claims on
    similarity keep the main pass's cosine under the lens."""
    block = _pass(engine, main, View(point=POINTS[1]), request, settings)
    rows = [
        OtherPass(
            "block-output point",
            "each layer read after its whole block (attention and feed-forward) instead of after attention: "
            "ranks and similarities there",
            ClaimInputs.from_analysis(block, density, main.variant),
        ),
    ]
    if REFERENCES[1] in engine.info.references:
        lens = _pass(engine, main, View(reference=REFERENCES[1]), request, settings, variant=LENS_OWN)
        rows.append(
            OtherPass(
                "logit lens",
                "ranks of each token's own id by the output head's logits (through the final norm) instead "
                "of cosine to its input row; the claims on similarity keep the cosine",
                replace(inputs, rank=lens.by_variant[LENS_OWN]["rank"]),
            )
        )
    return rows


def euclidean_row(engine: JourneyEngine, main: CorpusAnalysis, inputs: ClaimInputs) -> OtherPass:
    """The main pass's kept encodings ranked by Euclidean distance; the claims on similarity keep the
    cosine of its claim inputs `inputs`."""
    rank, _distance = rescored(engine, main, main.variant, metric="euclidean")
    return OtherPass(
        "Euclidean distance",
        "ranks by L2 distance to the vocabulary rows instead of cosine; the claims on similarity keep the "
        "cosine",
        replace(inputs, rank=rank),
    )


def rogue_row(
    engine: JourneyEngine, main: CorpusAnalysis, inputs: ClaimInputs
) -> tuple[RogueDimensions, OtherPass]:
    """The rogue dimensions of the main pass's encodings, and its claim inputs `inputs` with them removed."""
    found = find_rogue_dimensions(engine, main, main.variant)
    rank, similarity = rescored(engine, main, main.variant, zeroed=found.dimensions)
    row = OtherPass(
        "without rogue dimensions",
        f"each layer's rogue dimensions (at most {MAX_DIMENSIONS}) removed from the encoding and every "
        "vocabulary row before ranking",
        replace(inputs, rank=rank, similarity=similarity),
    )
    return found, row


def _pass(
    engine: JourneyEngine,
    main: CorpusAnalysis,
    view: View,
    request: PassRequest,
    settings: FindingsSettings,
    variant: str | None = None,
) -> CorpusAnalysis:
    """The main pass's sentences and method again in `view` (resumable, cached, on the cluster if given)."""
    analysis = run_corpus_pass(
        engine,
        main.sentences,
        main.method,
        variant=variant or main.variant,
        progress=request.progress,
        cluster=request.cluster,
        cache_dir=request.cache_dir,
        settings=settings.corpus,
        view=view,
    )
    if len(analysis.token_ids) != len(main.token_ids):
        raise RuntimeError("a view's corpus pass tokenized the corpus differently from the main pass")
    return analysis
