"""Real English text nobody here wrote, for benches at scale: the fortune cookies of Debian's `fortunes`
package (and the Jargon File of `jargon-text` when more tokens are needed), split into sentences.

The bench installs the packages itself with apt-get when it runs as root, and otherwise says in one line
how to install them.
"""

from __future__ import annotations

import gzip
import os
import re
import subprocess
import sys
from pathlib import Path

#: Debian packages of English text, in the order their sentences are used.
PACKAGES = ("fortunes", "jargon-text")
#: A sentence ends at . ! or ? (closing quotes or brackets may follow) before a space and a capital or digit.
SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])")
#: Fortune files that are pictures made of characters, not sentences.
NOT_PROSE = {"art", "ascii-art"}


def ensure_installed(packages: tuple[str, ...] = PACKAGES) -> None:
    """Install the missing `packages` with apt-get (as root), or exit with one line saying how."""
    missing = [name for name in packages if not _installed_files(name)]
    if not missing:
        return
    command = ["apt-get", "install", "-y", "--no-install-recommends", *missing]
    if os.geteuid() != 0:
        names, run = " ".join(missing), " ".join(command)
        sys.exit(f"journeys: error: the bench needs Debian packages {names}: run `sudo {run}`")
    print(f"journeys: installing {' '.join(missing)} with apt-get", file=sys.stderr)
    subprocess.run(["apt-get", "update", "-qq"], capture_output=True, check=False)
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0 or any(not _installed_files(name) for name in missing):
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        sys.exit(f"journeys: error: apt-get could not install {' '.join(missing)}: {last}")


def package_sentences(package: str) -> list[str]:
    """The sentences of one package's text, in file order, without duplicates or empty ones."""
    sentences: dict[str, None] = {}
    for passage in _passages(package):
        text = " ".join(passage.split())
        sentences.update((sentence, None) for sentence in SENTENCE_END.split(text) if sentence)
    return list(sentences)


def _passages(package: str) -> list[str]:
    """Fortune cookies (`%`-separated) or paragraphs (blank-line-separated) of the package's text files."""
    passages = []
    for path in _installed_files(package):
        if path.parent.name == "fortunes" and not path.name.endswith((".dat", ".u8")):
            if path.name not in NOT_PROSE:
                passages += path.read_text(encoding="utf-8", errors="replace").split("\n%\n")
        elif path.name == "jargon.txt.gz":
            passages += gzip.decompress(path.read_bytes()).decode("latin-1").split("\n\n")
    return passages


def _installed_files(package: str) -> list[Path]:
    """The regular files Debian's `package` installed, sorted; empty when it is not installed."""
    listed = subprocess.run(["dpkg", "-L", package], capture_output=True, text=True, check=False)
    if listed.returncode != 0:
        return []
    paths = map(Path, listed.stdout.split())
    return sorted(path for path in paths if path.is_file() and not path.is_symlink())
