"""Whether the client of a request is still connected, so that an analysis nobody will read is not run."""

from __future__ import annotations

import socket
from typing import Any

#: Where the servers put the request's connection in the WSGI environ (werkzeug, gunicorn).
SOCKET_KEYS = ("werkzeug.socket", "gunicorn.socket")


def client_is_waiting(environ: dict[str, Any]) -> bool:
    """False once the client has closed (or reset) the request's connection; True while it is open, or when
    the request came without a socket (a test client).

    A client that half-closes its side after sending the request (rare for HTTP clients) counts as gone.
    """
    connection = next((environ[key] for key in SOCKET_KEYS if key in environ), None)
    if connection is None:
        return True
    previous = connection.gettimeout()
    connection.settimeout(0)  # a peek that never waits
    try:
        return connection.recv(1, socket.MSG_PEEK) != b""  # b"": the client closed its side
    except BlockingIOError:
        return True  # open, with nothing more sent
    except OSError:
        return False
    finally:
        connection.settimeout(previous)
