"""Files and folders written beside their target, flushed to disk, then renamed into place, so neither a
concurrent reader nor a machine that lost power mid-write ever sees half a file or half a folder."""

from __future__ import annotations

import ctypes
import errno
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

#: renameat2(2) flag that swaps two paths in one step (Linux 3.15+, glibc 2.28+).
RENAME_EXCHANGE = 2
AT_FDCWD = -100


@contextmanager
def replaced_atomically(target: Path) -> Iterator[Path]:
    """A temporary path beside `target` (same suffix) that replaces `target` once the block has written it;
    the file is flushed to disk before the rename, and the rename before the block's caller goes on."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=f".tmp{target.suffix}"
    )
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        fsync_path(temporary)
        os.replace(temporary, target)
        fsync_path(target.parent)
    finally:
        temporary.unlink(missing_ok=True)


def write_bytes_atomic(target: Path, data: bytes) -> None:
    """Write `data` to `target` through a temporary file."""
    with replaced_atomically(target) as temporary:
        temporary.write_bytes(data)


def fsync_path(path: Path) -> None:
    """Flush a file's or a folder's content (a folder's: its entries) to disk."""
    handle = os.open(path, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def fsync_tree(folder: Path) -> None:
    """Flush every file and folder under `folder`, and `folder` itself, to disk."""
    for path in sorted(folder.rglob("*"), reverse=True):
        fsync_path(path)
    fsync_path(folder)


def replace_folder(new: Path, target: Path) -> None:
    """Put the folder `new` at `target` in one step, then delete the folder it replaced.

    Both must lie in one file system. On Linux the two are exchanged by renameat2(RENAME_EXCHANGE), so
    `target` is always either the old folder or the new one; elsewhere the old folder is first renamed
    aside, which leaves a moment without `target`.
    """
    old = None
    if not target.exists():
        os.rename(new, target)
    else:
        try:
            _exchange(new, target)
            old = new
        except (AttributeError, NotImplementedError):  # no renameat2 here, or no exchange on this file system
            old = new.with_name(f"{new.name}.replaced")
            os.rename(target, old)
            os.rename(new, target)
    fsync_path(target.parent)
    if old is not None:
        shutil.rmtree(old)


def _exchange(first: Path, second: Path) -> None:
    """Swap two paths atomically with renameat2(2)."""
    libc = ctypes.CDLL(None, use_errno=True)
    renameat2 = libc.renameat2  # AttributeError where the C library has no renameat2
    if renameat2(AT_FDCWD, os.fsencode(first), AT_FDCWD, os.fsencode(second), RENAME_EXCHANGE) != 0:
        code = ctypes.get_errno()
        if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
            raise NotImplementedError(os.strerror(code))
        raise OSError(code, os.strerror(code), str(first), None, str(second))
