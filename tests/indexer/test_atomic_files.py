"""Atomic writers: a file or a folder takes its target's place in one step."""

from __future__ import annotations

from pathlib import Path

import pytest

from journeys.indexer import atomic_files
from journeys.indexer.atomic_files import replace_folder, replaced_atomically


def folder_with(root: Path, name: str, text: str) -> Path:
    folder = root / name
    folder.mkdir()
    (folder / "index.html").write_text(text)
    return folder


def no_exchange(first: Path, second: Path) -> None:
    """What `_exchange` does where renameat2 cannot exchange (another C library or file system)."""
    raise NotImplementedError("no RENAME_EXCHANGE here")


def test_a_failed_write_leaves_the_target_and_no_temporary_file(tmp_path):
    target = tmp_path / "data.json"
    target.write_text("old")
    with pytest.raises(RuntimeError), replaced_atomically(target) as temporary:
        temporary.write_text("half")
        raise RuntimeError("killed")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["data.json"]


@pytest.mark.parametrize("exchange", [True, False], ids=["renameat2 exchange", "without exchange"])
def test_a_folder_replaces_its_target_whole(tmp_path, monkeypatch, exchange):
    if not exchange:
        monkeypatch.setattr(atomic_files, "_exchange", no_exchange)
    site = folder_with(tmp_path, "site", "old")
    replace_folder(folder_with(tmp_path, "new", "new"), site)
    assert (site / "index.html").read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["site"]


def test_a_first_folder_is_moved_into_place(tmp_path):
    replace_folder(folder_with(tmp_path, "new", "first"), tmp_path / "site")
    assert (tmp_path / "site" / "index.html").read_text() == "first"
    assert [p.name for p in tmp_path.iterdir()] == ["site"]
