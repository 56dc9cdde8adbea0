"""Deadlines on a client's socket: a client that has not sent its whole request in time is treated as one
that left, and a write to a client that does not read gives up, so no client can hold a thread for long."""

from __future__ import annotations

import io
import socket
import time
from typing import Any


class DeadlineSocket(io.RawIOBase):
    """A connected socket whose receives wait only until `deadline` (time.monotonic()); past it they raise
    TimeoutError, as a socket's own timeout does. Everything else goes to the socket itself.

    It serves as gunicorn's parser source (`recv`) and as the raw stream under werkzeug's buffered rfile
    (`readinto`).
    """

    def __init__(self, connection: socket.socket, deadline: float) -> None:
        super().__init__()
        self.connection = connection
        self.deadline = deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        return self._before_deadline(lambda: self.connection.recv_into(buffer))

    def recv(self, size: int, flags: int = 0) -> bytes:
        return self._before_deadline(lambda: self.connection.recv(size, flags))

    def _before_deadline(self, receive: Any) -> Any:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the request did not arrive before its deadline")
        previous = self.connection.gettimeout()
        self.connection.settimeout(left)
        try:
            return receive()
        finally:
            self.connection.settimeout(previous)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.connection, name)


class TimedWriter(io.RawIOBase):
    """Writes to a connected socket, each write given up (TimeoutError) after `timeout_s` seconds."""

    def __init__(self, connection: socket.socket, timeout_s: float) -> None:
        super().__init__()
        self.connection = connection
        self.timeout_s = timeout_s

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.connection.settimeout(self.timeout_s)
        self.connection.sendall(data)
        return len(data)
