"""Child processes the tests start and wait on together."""

from __future__ import annotations

import subprocess


def finished(process: subprocess.Popen, timeout: float) -> subprocess.CompletedProcess:
    """What a started process (text, stdout and stderr piped) printed, once it has ended within `timeout`."""
    stdout, stderr = process.communicate(timeout=timeout)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
