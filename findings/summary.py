"""Summarise one method's corpus analysis into the numbers the findings report: group statistics per
layer, layer shifts, neighbour overlap, cohesion, density correlations, and the verdicts."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from findings import statistics, verdicts
from findings.corpus_analysis import CorpusAnalysis
from findings.statistics import Quartiles
from findings.token_classes import CONTENT, CONTINUATION, FUNCTION, GROUPS, OTHER
from indexer import config

#: Groups compared in the findings (special tokens are reported but not part of any claim).
WORD_GROUPS = (FUNCTION, CONTENT)
#: Groups drawn in the density scatter and correlated with density.
DENSITY_GROUPS = (FUNCTION, CONTENT, CONTINUATION, OTHER)
#: Density quantile bins and the fewest tokens per group per bin for the density-matched gap.
DENSITY_BINS, MIN_PER_BIN = 5, 10


@dataclass
class MethodFindings:
    """Everything the report shows for one method; per-group entries are keyed by group name."""

    method: str
    rank: dict[str, Quartiles]  # rank of the own row per layer
    similarity: dict[str, Quartiles]  # cosine to the own row per layer
    log_rank_median: dict[str, np.ndarray]  # (L,) median log10(rank + 1)
    shifts: dict[str, np.ndarray]  # (L-1,) change of log_rank_median from the previous layer
    upper_shifts: dict[str, np.ndarray]  # (L-1,) the same for the upper quartile of log10(rank + 1)
    opposite: np.ndarray  # (L-1,) function and content words move in opposite directions
    overlap: dict[str, np.ndarray]  # (L-1,) median share of top-k vocabulary rows kept
    cohesion: Quartiles  # over sentences, per layer
    alignment: Quartiles  # over sentences, per layer transition
    density_spearman: dict[str, float]  # density vs final-layer rank, per group and "words"
    scatter: dict[str, dict[str, list[float]]]  # sampled {"density": [...], "rank": [...]} per group
    verdicts: list[verdicts.Verdict]


def group_density(analysis: CorpusAnalysis, density: np.ndarray) -> dict[str, float]:
    """Median vocabulary density of the token occurrences of each group."""
    token_density = density[analysis.token_ids]
    return {
        name: statistics.finite_median(token_density[analysis.groups == code])
        for code, name in enumerate(GROUPS)
    }


def summarise(analysis: CorpusAnalysis, density: np.ndarray) -> MethodFindings:
    """The findings numbers and verdicts of one corpus analysis."""
    groups = analysis.groups
    codes = range(len(GROUPS))
    rank = np.where(analysis.rank >= 0, analysis.rank, np.nan).astype(np.float64)
    log_rank = statistics.log_rank(analysis.rank)
    log_quartiles = dict(zip(GROUPS, statistics.quartiles_by_group(log_rank, groups, codes), strict=True))
    log_medians = {name: q.median for name, q in log_quartiles.items()}
    shifts = {name: statistics.layer_shifts(median) for name, median in log_medians.items()}
    upper_shifts = {name: statistics.layer_shifts(q.q3) for name, q in log_quartiles.items()}
    overlap = statistics.quartiles_by_group(analysis.overlap, groups, codes)
    final_density = density[analysis.token_ids]
    final_log_rank = log_rank[:, -1]
    words = np.isin(groups, WORD_GROUPS)

    spearman = {
        GROUPS[c]: statistics.spearman(final_density[groups == c], final_log_rank[groups == c])
        for c in DENSITY_GROUPS
    }
    spearman["words"] = statistics.spearman(final_density[words], final_log_rank[words])
    overall_gap, matched_gap = statistics.density_matched_gap(
        final_log_rank[words], final_density[words], groups[words] == CONTENT, DENSITY_BINS, MIN_PER_BIN
    )
    similarity = statistics.quartiles_by_group(analysis.similarity, groups, codes)
    by_name = dict(zip(GROUPS, similarity, strict=True))
    cohesion = statistics.quartiles(analysis.cohesion)
    alignment = statistics.quartiles(analysis.alignment)
    densities = group_density(analysis, density)
    found = [
        verdicts.movement(statistics.share(statistics.moves_both_ways(log_rank[words], verdicts.MOVE_STEP))),
        verdicts.function_vs_content(
            overall_gap,
            float(by_name["function"].median[-1] - by_name["content"].median[-1]),
            statistics.share(analysis.rank[groups == CONTENT, -1] > 0),
            statistics.share(analysis.rank[groups == FUNCTION, -1] > 0),
        ),
        verdicts.density(densities["content"], densities["function"], overall_gap, matched_gap),
        verdicts.layer_spike(shifts["function"], shifts["content"]),
        verdicts.final_layer_divergence(shifts["function"], shifts["content"]),
        verdicts.shared_direction(statistics.finite_median(analysis.alignment)),
        verdicts.moving_together(float(cohesion.median[0]), float(cohesion.median[-1])),
    ]
    return MethodFindings(
        method=analysis.method,
        rank=dict(zip(GROUPS, statistics.quartiles_by_group(rank, groups, codes), strict=True)),
        similarity=by_name,
        log_rank_median=log_medians,
        shifts=shifts,
        upper_shifts=upper_shifts,
        opposite=statistics.opposite_moves(shifts["function"], shifts["content"], verdicts.MOVE_STEP / 3),
        overlap={GROUPS[c]: q.median for c, q in zip(codes, overlap, strict=True)},
        cohesion=cohesion,
        alignment=alignment,
        density_spearman=spearman,
        scatter=_scatter_sample(final_density, analysis.rank[:, -1], groups),
        verdicts=found,
    )


def _scatter_sample(
    density: np.ndarray, final_rank: np.ndarray, groups: np.ndarray
) -> dict[str, dict[str, list[float]]]:
    """Up to FINDINGS_SCATTER_POINTS (density, final rank) points per group, a fixed-seed sample."""
    generator = np.random.default_rng(0)
    sample = {}
    for code in DENSITY_GROUPS:
        rows = np.flatnonzero((groups == code) & np.isfinite(density) & (final_rank >= 0))
        if len(rows) > config.FINDINGS_SCATTER_POINTS:
            rows = np.sort(generator.choice(rows, config.FINDINGS_SCATTER_POINTS, replace=False))
        sample[GROUPS[code]] = {"density": density[rows].tolist(), "rank": final_rank[rows].tolist()}
    return sample
