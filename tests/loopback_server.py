"""Loopback helpers for tests: a Flask app served by a thread (for browser tests that need a live server
in-process), and a raw HTTP exchange with any server (for what an HTTP client library would hide)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlparse

from flask import Flask
from werkzeug.serving import make_server


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    """`app` served over loopback on a free port, by a thread, for as long as the block runs; its URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()


def exchange(url: str, data: bytes, timeout_s: float = 60) -> tuple[int, dict[str, str], bytes, float]:
    """Send raw bytes, keep the connection open, and read until the server closes it: the status, headers,
    body, and seconds until it closed."""
    address = urlparse(url)
    started = time.monotonic()
    with socket.create_connection((address.hostname, address.port), timeout=timeout_s) as connection:
        connection.sendall(data)
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in header_lines)
    return (
        int(status_line.split()[1]),
        {k.lower(): v for k, v in headers.items()},
        body,
        time.monotonic() - started,
    )
