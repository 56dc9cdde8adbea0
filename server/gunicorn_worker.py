"""The gunicorn worker of `make serve-prod`: gthread, except that each request is read whole in the event
loop before a request thread takes it, so slow or silent clients never hold a thread.

gunicorn's gthread worker hands a connection to a thread once its first byte arrives; the thread then blocks
until the request head is complete, with no deadline (neither `timeout` nor `keepalive` bounds it), so four
clients sending a byte a second held all four threads, and /api/health with them. Here the event loop gathers
the request head and, when its length is declared, the body (up to the API's cap); a request not whole within
the app's `ServerSettings.request_read_s` seconds is answered 408 and closed, and the thread's own reads (a
body sent after "100 Continue", say) keep the same deadline. The refusals gunicorn writes itself (a malformed
request line, 414, 431) are JSON like the app's. TLS belongs to the front (see README), so this worker refuses
to run with a certificate.
"""

from __future__ import annotations

import contextlib
import re
import selectors
import time
from functools import partial
from socket import socket
from typing import Any

from gunicorn import http, util
from gunicorn.workers.gthread import TConn, ThreadWorker

from journeys.server.app import server_settings
from journeys.server.protocol_errors import error_response
from journeys.server.security_headers import security_headers
from journeys.server.socket_deadlines import DeadlineSocket

#: Bytes taken from a socket per readable event.
RECEIVE_BYTES = 64 * 1024
#: A head longer than this without its blank line goes to gunicorn's parser, which refuses it (431).
MAX_HEAD_BYTES = 64 * 1024
HEAD_END = b"\r\n\r\n"
CONTENT_LENGTH = re.compile(rb"\r\ncontent-length:[ \t]*(\d+)[ \t]*(?=\r\n|$)")
CHUNK_SIZE = re.compile(rb"([0-9a-fA-F]+)[^\r\n]*\r\n")


class BufferingThreadWorker(ThreadWorker):
    """A gthread worker whose event loop reads each request whole before handing it to a request thread."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.arriving: list[TConn] = []  # connections whose request is still arriving

    @classmethod
    def check_config(cls, cfg: Any, log: Any) -> None:
        if cfg.is_ssl:
            raise SystemExit(
                "journeys: error: the worker reads plain HTTP; terminate TLS in front of gunicorn"
            )
        super().check_config(cfg, log)

    def load_wsgi(self) -> None:
        """Load the app, then keep the settings it was built with: the read deadline, the body cap and the
        headers of gunicorn's own refusals, which are JSON in this worker process."""
        super().load_wsgi()
        self.settings = server_settings(self.wsgi)
        self.headers = security_headers(self.settings.engine.site_content_policy)
        util.write_error = partial(write_json_error, headers=self.headers)

    def accept(self, listener: socket) -> None:
        """Accept a connection and wait, in the event loop, for its first request."""
        try:
            client, address = listener.accept()
        except (BlockingIOError, ConnectionAbortedError):
            return
        self.nr_conns += 1
        self.await_request(TConn(self.cfg, client, address, listener.getsockname()))

    def on_client_socket_readable(self, conn: TConn, client: socket) -> None:
        """A kept-alive connection sends its next request: wait for it in the event loop too."""
        self.poller.unregister(client)
        self.keepalived_conns.remove(conn)
        self.await_request(conn)

    def await_request(self, conn: TConn) -> None:
        """Gather the next request of `conn` in the event loop, until it is whole or its deadline passes."""
        conn.sock.setblocking(False)
        conn.arrived = bytearray()
        conn.read_deadline = time.monotonic() + self.settings.request_read_s
        self.arriving.append(conn)
        self.poller.register(conn.sock, selectors.EVENT_READ, partial(self.on_request_bytes, conn))

    def on_request_bytes(self, conn: TConn, client: socket) -> None:
        try:
            received = client.recv(RECEIVE_BYTES)
        except BlockingIOError:
            return
        except OSError:
            received = b""
        if not received:  # the client left before its request was whole
            self.drop(conn)
            return
        conn.arrived += received
        if not request_is_whole(conn.arrived, self.settings.max_body_bytes):
            return
        self.poller.unregister(client)
        self.arriving.remove(conn)
        if conn.parser is None:
            conn.reader = DeadlineSocket(conn.sock, conn.read_deadline)
            conn.parser = http.get_parser(self.cfg, conn.reader, conn.client)
        conn.reader.deadline = conn.read_deadline
        conn.parser.unreader.unread(bytes(conn.arrived))
        conn.data_ready = True
        self.enqueue_req(conn)

    def murder_keepalived(self, force: bool = False) -> None:
        """Close idle kept-alive connections (gunicorn's), and those whose request is overdue (answered 408
        unless the worker is stopping)."""
        super().murder_keepalived(force)
        now = time.monotonic()
        for conn in [c for c in self.arriving if force or c.read_deadline <= now]:
            if not force:
                seconds = f"{self.settings.request_read_s:g}"
                refusal = error_response(408, f"the request did not arrive within {seconds} s", self.headers)
                with contextlib.suppress(OSError):
                    util.write_nonblock(conn.sock, refusal)
            self.drop(conn)

    def drop(self, conn: TConn) -> None:
        """Close a connection whose request never arrived whole."""
        self.poller.unregister(conn.sock)
        self.arriving.remove(conn)
        self.nr_conns -= 1
        conn.close()


def request_is_whole(data: bytes | bytearray, max_body_bytes: int) -> bool:
    """True once `data` holds a request head and the body it declares, or enough for the app to refuse it
    (a body over `max_body_bytes`, a head over MAX_HEAD_BYTES); a client that waits for "100 Continue"
    sends its body only after gunicorn's thread answers, so its head is enough."""
    head_end = data.find(HEAD_END)
    if head_end < 0:
        return len(data) > MAX_HEAD_BYTES
    head = bytes(data[:head_end]).lower()
    body = memoryview(data)[head_end + len(HEAD_END) :]
    if b"\r\nexpect:" in head:
        return True
    if b"\r\ntransfer-encoding:" in head:
        return len(body) > max_body_bytes or chunked_body_is_whole(bytes(body))
    declared = CONTENT_LENGTH.search(head)
    length = int(declared.group(1)) if declared else 0
    return length > max_body_bytes or len(body) >= length


def chunked_body_is_whole(body: bytes) -> bool:
    """True once a chunked body has arrived up to its last chunk and trailers; a malformed one counts as
    whole, for gunicorn's parser to refuse."""
    position = 0
    while True:
        size = CHUNK_SIZE.match(body, position)
        if size is None:
            return body.find(b"\r\n", position) >= 0  # a whole line that is no chunk size: malformed
        length = int(size.group(1), 16)
        if length == 0:
            rest = body[size.end() :]
            return rest.startswith(b"\r\n") or HEAD_END in rest
        position = size.end() + length + 2
        if position > len(body):
            return False


def write_json_error(sock: socket, status: int, reason: str, message: str, headers: dict[str, str]) -> None:
    """gunicorn's `util.write_error`, with a JSON body and `headers`."""
    util.write_nonblock(sock, error_response(status, message, headers))
