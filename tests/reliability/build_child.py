"""`journeys build` as a process of its own over the fault tests' inputs, with faults to inject.

    python build_child.py ROOT MODEL SENTENCES CORPUS [--kill-before GLOB] [--hold-lock HOLDING RELEASE]

Builds ROOT/site from ROOT/cache (indexes under JOURNEYS_BUILD_DIR, which the caller sets to ROOT), as
`gallery.build.run_build` does. --kill-before: SIGKILL this process just before the write whose target
matches GLOB is committed (renamed into place). --hold-lock: once holding the build lock, create the file
HOLDING, then go on only once the file RELEASE exists, so that a second build surely starts meanwhile.
"""

from __future__ import annotations

import argparse
import os
import signal
import time
from collections.abc import Callable
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

from journeys.corpus.settings import CorpusSettings
from journeys.findings.settings import FindingsSettings
from journeys.gallery import build
from journeys.indexer import atomic_files
from journeys.indexer.settings import EngineSettings

#: Seconds a build holding the lock waits for its release at most (the test gives it much sooner).
RELEASE_TIMEOUT_S = 300


def killing_before(pattern: str, commit: Callable[..., Any]) -> Callable[..., Any]:
    """`commit(source, target)`, unless target matches `pattern`: then this process dies first."""

    def guarded(source: Any, target: Any, *args: Any, **kwargs: Any) -> Any:
        if fnmatch(str(target), pattern):
            os.kill(os.getpid(), signal.SIGKILL)
        return commit(source, target, *args, **kwargs)

    return guarded


def holding_lock(holding: Path, release: Path, step: Callable[[Path], Path]) -> Callable[[Path], Path]:
    """`step`, run under the build lock, after saying so with `holding` and waiting for `release`."""

    def held(site_dir: Path) -> Path:
        holding.touch()
        deadline = time.monotonic() + RELEASE_TIMEOUT_S
        while not release.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        return step(site_dir)

    return held


def main() -> None:
    parser = argparse.ArgumentParser()
    for name in ("root", "model", "sentences", "corpus"):
        parser.add_argument(name)
    parser.add_argument("--kill-before")
    parser.add_argument("--hold-lock", nargs=2)
    args = parser.parse_args()
    if args.kill_before:
        os.replace = killing_before(args.kill_before, os.replace)
        os.rename = killing_before(args.kill_before, os.rename)
        atomic_files._exchange = killing_before(args.kill_before, atomic_files._exchange)
    if args.hold_lock:
        holding, release = (Path(name) for name in args.hold_lock)
        build.fresh_staging_folder = holding_lock(holding, release, build.fresh_staging_folder)
    root = Path(args.root)
    built = build.build_site(
        [args.model],
        root / "site",
        Path(args.sentences),
        root / "cache",
        corpus_path=Path(args.corpus),
        engine_settings=EngineSettings.from_environment(os.environ),
        findings_settings=FindingsSettings(corpus=CorpusSettings.from_environment(os.environ)),
    )
    print(f"built {built.pages} pages at {built.folder}")


if __name__ == "__main__":
    main()
