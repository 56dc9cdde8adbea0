"""The view benchmark's rows run on tiny models, so `make bench` cannot rot: each case times our analysis
and its floor."""

from __future__ import annotations

from benchmarks.view_speed import BLOCK_OUTPUT, EUCLIDEAN, LENS, rows
from journeys.indexer.views import STUDY_VIEW


def test_each_case_has_a_time_and_a_floor(family_engine, headed_engine):
    engine = family_engine("roberta")
    cases = {"study": [STUDY_VIEW], "both": [STUDY_VIEW, BLOCK_OUTPUT], "euclidean": [EUCLIDEAN]}
    found = rows(engine, "Time flies like an arrow.", cases, engine.scorer.unit_rows, runs=1)
    assert list(found) == list(cases)
    for row in found.values():
        assert row["ours_s"] > 0 and row["floor_s"] > 0
        assert row["ratio_to_floor"] == row["ours_s"] / row["floor_s"]
    headed = headed_engine("gpt2")
    lens = rows(headed, "Time flies.", {"lens": [LENS]}, headed.checked_lens().head.weight.float(), runs=1)
    assert lens["lens"]["floor_s"] > 0
