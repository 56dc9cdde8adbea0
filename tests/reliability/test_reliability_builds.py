"""Builds that run at once, run twice, or die: the site is always whole, and the same inputs give the
same bytes."""

from __future__ import annotations

import os
import signal
import threading
import time
from fnmatch import fnmatch
from pathlib import Path

import pytest

from journeys.corpus.shard_work import Cluster
from journeys.gallery.build_lock import exclusive_build, lock_path
from journeys.indexer.errors import InputError

pytest_plugins = ["reliability_fixtures"]


def test_two_builds_of_the_same_inputs_write_the_same_bytes(build_folder, clean_site):
    build_folder.build()
    assert build_folder.site_files() == clean_site


def test_a_build_whose_corpus_passes_run_on_ray_writes_the_same_site(build_folder, clean_site, ray_cluster):
    build_folder.build(cluster=Cluster("auto", actors=2))
    assert build_folder.site_files() == clean_site
    # exact and seed, and exact again for the sensitivity table: in bfloat16 and at the block output
    assert len(list(build_folder.cache.glob("corpus-passes/*/shard-*[0-9].json"))) == 4


def test_a_second_build_waits_for_the_first_and_the_site_is_whole(build_folder, clean_site, tmp_path):
    holding, release = tmp_path / "first-build-holds-the-lock", tmp_path / "first-build-may-go-on"
    first = build_folder.start_child("--hold-lock", str(holding), str(release))
    wait_for(holding.exists, first, "the first build never took the lock")
    second = build_folder.start_child()
    said = []
    reader = threading.Thread(target=lambda: said.extend(second.stderr), daemon=True)
    reader.start()
    wait_for(lambda: any("another build" in line for line in said), second, "the second build did not wait")
    release.touch()
    first_err = first.communicate(timeout=300)[1]
    second.wait(timeout=300)
    reader.join(timeout=60)
    assert (first.returncode, second.returncode) == (0, 0), first_err + "".join(said)
    waiting = [line.strip() for line in said if "another build" in line]
    holder = f"journeys: another build of {build_folder.site} is running (process {first.pid})"
    assert waiting == [f"{holder}; waiting for it to finish"]
    assert build_folder.site_files() == clean_site
    assert sorted(p.name for p in build_folder.root.iterdir()) == sorted(
        ["site", "cache", "indexes", lock_path(build_folder.site).name]
    )


def wait_for(condition, process, failure: str, timeout_s: float = 300) -> None:
    """Poll `condition` until it holds; fail with `failure` if `process` ends or the time runs out first."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert process.poll() is None, failure
        assert time.monotonic() < deadline, failure
        time.sleep(0.1)


#: Every writer of the build folder, by the target it commits (glob over the full path).
WRITERS = {
    "result cache": "*/cache/journeys/*.json",
    "vocabulary index": "*/vocabulary.faiss",
    "vocabulary row ids": "*/vocabulary_row_ids.npy",
    "vocabulary manifest": "*/vocabulary-meta.json",
    "vocabulary density": "*/density-*.json",
    "contextual layer": "*/contextual-exact/layer-*.faiss",
    "contextual vectors": "*/contextual-exact/vectors-*.f32",
    "contextual rows": "*/contextual-exact/rows.npz",
    "contextual manifest": "*/contextual-exact/manifest.json",
    "findings cache": "*/cache/findings/*.json",
    "random-weights copy": "*/random-weights-seed0/model.safetensors",
    "random-weights manifest": "*/random-weights-seed0/control-manifest.json",
    "corpus pass record": "*/cache/corpus-passes/*/pass.json",
    "corpus shard arrays": "*/cache/corpus-passes/*/shard-*.npz",
    "corpus shard encodings": "*/cache/corpus-passes/*/shard-*-encodings.npy",
    "corpus shard record": "*/cache/corpus-passes/*/shard-*.json",
    "site": "*/site",
}


def test_every_file_of_the_build_folder_is_written_by_an_atomic_writer(build_folder, monkeypatch):
    committed = []
    replace = os.replace
    monkeypatch.setattr(
        os, "replace", lambda source, target: committed.append(target) or replace(source, target)
    )
    build_folder.build()
    written = {
        path
        for path in build_folder.root.rglob("*")
        if path.is_file() and build_folder.site not in path.parents
    }
    assert written - {lock_path(build_folder.site)} == {Path(target) for target in committed}
    assert {
        name for name, pattern in WRITERS.items() if any(fnmatch(str(t), pattern) for t in committed)
    } == set(WRITERS) - {"site"}


@pytest.mark.parametrize("writer", WRITERS)
def test_a_build_killed_in_any_writer_leaves_a_folder_the_next_build_completes(
    writer, build_folder, clean_site, capfd
):
    killed = build_folder.run_child("--kill-before", WRITERS[writer])
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert not build_folder.site.exists()
    build_folder.build()
    assert build_folder.site_files() == clean_site
    assert "warning" not in capfd.readouterr().err


def test_a_rebuild_killed_as_it_swaps_the_site_leaves_the_old_site_whole(build_folder, clean_site, capfd):
    build_folder.build()
    (build_folder.cache / "findings").rename(build_folder.root / "findings-aside")  # the rebuild recomputes
    killed = build_folder.run_child("--kill-before", WRITERS["site"])
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert build_folder.site_files() == clean_site
    build_folder.build()
    assert build_folder.site_files() == clean_site
    assert not list(build_folder.root.glob(".site.building*"))


def test_a_symlink_planted_as_the_build_lock_is_refused_and_its_target_untouched(tmp_path):
    site, target = tmp_path / "build" / "site", tmp_path / "precious.txt"
    target.write_text("keep me")
    site.parent.mkdir()
    lock_path(site).symlink_to(target)
    with pytest.raises(InputError, match="a symlink is refused"), exclusive_build(site):
        pass
    assert target.read_text() == "keep me"
