"""The address --ray takes, checked before any model loads: `host:port`, `[IPv6]:port` or `ray://…` (Ray
Client), a port from 1 to 65535, and a listener that answers as a Ray cluster within
`CorpusSettings.ray_connect_s` (JOURNEYS_RAY_CONNECT_S). Ray's own connection waits minutes on a listener
that is not Ray, ignoring SIGTERM, so the check runs in a child process that is killed at the deadline, its
output (Ray's C++ warnings) discarded.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys

from journeys.indexer.errors import InputError

ADDRESS = re.compile(r"^(?:ray://)?(?:\[(?P<ipv6>[^\]\s]+)\]|(?P<host>[^\s:/\[\]]+)):(?P<port>\d{1,5})$")
START_HINT = "start one with `ray start --head` or use --ray auto"
#: Run in the child: joins the GCS (or, for ray://, the Ray Client server) and asks for the cluster's nodes.
CHECK = """
import sys
address, timeout_s = sys.argv[1], float(sys.argv[2])
if address.startswith("ray://"):
    import ray
    ray.init(address, logging_level="ERROR")
    sys.exit(0 if ray.nodes() else 1)
from ray._raylet import GcsClient
sys.exit(0 if GcsClient(address=address).get_all_node_info(timeout=timeout_s) else 1)
"""


class ClusterError(InputError):
    """The Ray cluster asked for cannot run the pass; the message says why in one line."""


def checked_address(address: str, timeout_s: float) -> str:
    """`address` as Ray takes it, once a Ray cluster has answered there within `timeout_s` seconds;
    refused in one line otherwise."""
    found = ADDRESS.match(address)
    port = int(found.group("port")) if found else 0
    if not found or not 1 <= port <= 65535:
        raise ClusterError(
            f"--ray takes auto or a cluster address host:port, [IPv6]:port or ray://host:port "
            f"(port 1 to 65535), not {address!r}"
        )
    host = found.group("ipv6") or found.group("host")
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            pass
    except OSError as error:
        raise ClusterError(
            f"no Ray cluster answers at {address} ({error.strerror or error}); {START_HINT}"
        ) from None
    if not _answers_as_ray(address, timeout_s):
        raise ClusterError(
            f"what listens at {address} did not answer as a Ray cluster within {timeout_s:g} s; {START_HINT}"
        )
    return address


def _answers_as_ray(address: str, timeout_s: float) -> bool:
    """Whether Ray's own client, in a child process, gets the cluster's nodes within `timeout_s`."""
    child = subprocess.Popen(
        [sys.executable, "-c", CHECK, address, str(timeout_s)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "RAY_BACKEND_LOG_LEVEL": "fatal"},
        start_new_session=True,
    )
    try:
        return child.wait(timeout=timeout_s) == 0
    except subprocess.TimeoutExpired:
        return False
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()
