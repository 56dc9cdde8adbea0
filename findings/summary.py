"""Summarise one method's corpus analysis into what the findings report shows: the claims' verdicts with
intervals, the data-found spike, the sensitivity table, per-layer group curves, and descriptive numbers
(quartiles, neighbour overlap, cohesion, density)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from journeys.corpus.corpus_analysis import CorpusAnalysis
from journeys.corpus.token_classes import CONTENT, CONTINUATION, FUNCTION, GROUPS, OTHER
from journeys.findings import measures, statistics
from journeys.findings.claims import Choices, ClaimComputer, ClaimInputs, ClaimVerdict
from journeys.findings.curves import GroupCurves, group_curves
from journeys.findings.effect_sizes import spearman
from journeys.findings.sensitivity import (
    SENSITIVITY_RESAMPLES,
    OtherPass,
    SensitivityRow,
    sensitivity_table,
)
from journeys.findings.settings import FindingsSettings
from journeys.findings.spike import Spike
from journeys.findings.statistics import Quartiles
from journeys.findings.uncertainty import N_RESAMPLES

#: Groups drawn in the density scatter and correlated with density.
DENSITY_GROUPS = (FUNCTION, CONTENT, CONTINUATION, OTHER)


@dataclass
class MethodFindings:
    """Everything the report shows for one method; per-group entries are keyed by group name."""

    method: str
    variant: str
    verdicts: list[ClaimVerdict]
    spike: Spike
    curves: GroupCurves
    rank: dict[str, Quartiles]  # rank of the own row per layer
    similarity: dict[str, Quartiles]  # cosine to the own row per layer
    overlap: dict[str, np.ndarray]  # (L-1,) median share of top-k vocabulary rows kept
    cohesion: Quartiles  # over sentences, per layer
    alignment: Quartiles  # over sentences, per layer transition
    density_spearman: dict[str, float]  # density vs final-layer rank, per group and "words"
    scatter: dict[str, dict[str, list[float]]]  # sampled {"density": [...], "rank": [...]} per group
    sensitivity: list[SensitivityRow] = field(default_factory=list)


def group_density(analysis: CorpusAnalysis, density: np.ndarray) -> dict[str, dict[str, float]]:
    """Median vocabulary density of each group, over its token occurrences and over its distinct words."""
    token_density = density[analysis.token_ids]
    found: dict[str, dict[str, float]] = {"per_occurrence": {}, "per_word": {}}
    for code, name in enumerate(GROUPS):
        members = analysis.groups == code
        found["per_occurrence"][name] = statistics.finite_median(token_density[members])
        found["per_word"][name] = statistics.finite_median(density[np.unique(analysis.token_ids[members])])
    return found


def summarise(
    analysis: CorpusAnalysis,
    density: np.ndarray,
    n_resamples: int = N_RESAMPLES,
    with_sensitivity: bool = True,
    scatter_points: int | None = None,
    other_passes: tuple[OtherPass, ...] = (),
) -> MethodFindings:
    """The findings of one corpus analysis; the sensitivity table only when asked (it decides every claim
    again under each alternative, `other_passes`' rows included); up to `scatter_points` (default: the
    findings settings') points per group in the density scatter."""
    scatter_points = FindingsSettings().scatter_points if scatter_points is None else scatter_points
    groups = analysis.groups
    codes = range(len(GROUPS))
    inputs = ClaimInputs.from_analysis(analysis, density, analysis.variant)
    computer = ClaimComputer(inputs, Choices(), n_resamples)
    verdicts = [*computer.study_claims(), *computer.follow_ups()]
    sensitivity = []
    if with_sensitivity:
        others = {
            name: ClaimInputs.from_analysis(analysis, density, name)
            for name in analysis.by_variant
            if name != analysis.variant
        }
        resamples = min(n_resamples, SENSITIVITY_RESAMPLES)
        sensitivity = sensitivity_table(verdicts, inputs, others, resamples, other_passes)
    final_density = density[analysis.token_ids]
    final_log_rank = measures.log_rank(analysis.rank[:, -1])
    words = np.isin(groups, (FUNCTION, CONTENT))
    rho = {
        GROUPS[c]: spearman(final_density[groups == c], final_log_rank[groups == c]) for c in DENSITY_GROUPS
    }
    rho["words"] = spearman(final_density[words], final_log_rank[words])
    overlap = statistics.quartiles_by_group(analysis.overlap, groups, codes)
    rank = np.where(analysis.rank >= 0, analysis.rank, np.nan).astype(np.float64)
    return MethodFindings(
        method=analysis.method,
        variant=analysis.variant,
        verdicts=verdicts,
        spike=computer.found_spike(),
        curves=group_curves(analysis.rank, groups, analysis.model.vocab_size),
        rank=dict(zip(GROUPS, statistics.quartiles_by_group(rank, groups, codes), strict=True)),
        similarity=dict(
            zip(GROUPS, statistics.quartiles_by_group(analysis.similarity, groups, codes), strict=True)
        ),
        overlap={GROUPS[c]: q.median for c, q in zip(codes, overlap, strict=True)},
        cohesion=statistics.quartiles(analysis.cohesion),
        alignment=statistics.quartiles(analysis.alignment),
        density_spearman=rho,
        scatter=_scatter_sample(final_density, analysis.rank[:, -1], groups, scatter_points),
        sensitivity=sensitivity,
    )


def _scatter_sample(
    density: np.ndarray, final_rank: np.ndarray, groups: np.ndarray, points: int
) -> dict[str, dict[str, list[float]]]:
    """Up to `points` (density, final rank) points per group, a fixed-seed sample."""
    generator = np.random.default_rng(0)
    sample = {}
    for code in DENSITY_GROUPS:
        rows = np.flatnonzero((groups == code) & np.isfinite(density) & (final_rank >= 0))
        if len(rows) > points:
            rows = np.sort(generator.choice(rows, points, replace=False))
        sample[GROUPS[code]] = {"density": density[rows].tolist(), "rank": final_rank[rows].tolist()}
    return sample
