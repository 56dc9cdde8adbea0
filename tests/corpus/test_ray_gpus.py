"""--ray-gpus-per-actor: refused in one line, before any work, where it cannot run (no --ray, a share Ray
does not take, a cluster without GPUs); a GPU pass is keyed by the precision its actors compute in."""

from __future__ import annotations

from dataclasses import replace

import pytest

from journeys.cli import main
from journeys.corpus.corpus_pass import pass_store
from journeys.corpus.settings import CorpusSettings
from journeys.corpus.shard_work import Cluster, ShardWork, computing_precision, weights_digest


def exit_status(arguments: list[str]) -> int:
    """`journeys ARGUMENTS` in this process (so it joins the session's Ray cluster): its exit status."""
    try:
        return main(arguments)
    except SystemExit as stopped:  # argparse's refusals
        return int(stopped.code)


@pytest.mark.parametrize(
    ("options", "words"),
    [
        (["--ray-gpus-per-actor", "0.5"], ["--ray-gpus-per-actor needs --ray"]),
        (["--ray", "auto", "--ray-gpus-per-actor", "1.5"], ["a share of a GPU from 0 to 1", "'1.5'"]),
        (["--ray", "auto", "--ray-gpus-per-actor", "nan"], ["a share of a GPU from 0 to 1", "'nan'"]),
        (["--ray", "auto", "--ray-gpus-per-actor", "0.5"], ["--ray-gpus-per-actor 0.5 needs GPUs", "none"]),
    ],
    ids=["without ray", "a share over one GPU", "not a number", "a cluster without GPUs"],
)
def test_gpus_per_actor_that_cannot_run_are_refused_in_one_line(
    tiny_model_folders, corpus_file, ray_cluster, capsys, options, words
):
    arguments = ["findings", "--model", str(tiny_model_folders["bert"]), "--corpus", str(corpus_file)]
    status = exit_status([*arguments, *options])
    out, err = capsys.readouterr()
    assert (status, out) == (2, ""), err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    assert all(word in lines[0] for word in words), lines


def test_a_gpu_pass_is_keyed_by_the_precision_its_actors_compute_in(tiny_engines, sentences, tmp_path):
    engine = tiny_engines["bert"]
    driver = engine.precision
    assert computing_precision(driver, None) == computing_precision(driver, Cluster("auto")) == driver
    on_gpus = computing_precision(driver, Cluster("auto", gpus_per_actor=0.5))
    assert on_gpus == replace(driver, device="cuda")
    stores = []
    for precision in (driver, on_gpus):
        work = ShardWork(
            model=engine.loaded.name,
            causal_mask=True,
            precision=precision,
            weights=weights_digest(engine.loaded.model),
            method="exact",
            keep_encodings=False,
            overlap_k=CorpusSettings().overlap_k,
            torch_threads=1,
            faiss_threads=1,
        )
        stores.append(pass_store(engine, work, sentences, tmp_path, CorpusSettings().chunk_sentences))
    assert stores[0].folder != stores[1].folder
    assert [store.key["precision"]["device"] for store in stores] == ["cpu", "cuda"]
