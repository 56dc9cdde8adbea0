"""One `journeys build` at a time per site folder: a second build waits for the first, saying so.

The lock is an advisory `flock` on a file beside the site folder, so the kernel releases it when its
holder exits for any reason (a killed build leaves no stale lock behind). The file holds the holder's
process id, only to name it in the waiting message. It is opened without following a symlink, so a link
planted in its place cannot make a build truncate the link's target.
"""

from __future__ import annotations

import fcntl
import os
import stat
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from journeys.indexer.errors import InputError


def lock_path(site_dir: Path) -> Path:
    """The lock file of builds into `site_dir`."""
    return site_dir.with_name(f".{site_dir.name}.lock")


@contextmanager
def exclusive_build(site_dir: Path) -> Iterator[None]:
    """Hold the build lock of `site_dir` for the block; while another build holds it, say so and wait."""
    path = lock_path(site_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        handle = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
    except OSError as error:
        raise InputError(
            f"cannot use the build lock {path}: {error.strerror} (a symlink is refused)"
        ) from None
    if not stat.S_ISREG(os.fstat(handle).st_mode):
        os.close(handle)
        raise InputError(f"cannot use the build lock {path}: it is not a regular file")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(handle, 32, 0).decode(errors="replace").strip()
            print(
                f"journeys: another build of {site_dir} is running (process {holder or 'unknown'}); "
                "waiting for it to finish",
                file=sys.stderr,
                flush=True,
            )
            fcntl.flock(handle, fcntl.LOCK_EX)
        os.ftruncate(handle, 0)
        os.pwrite(handle, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(handle)  # releases the lock
