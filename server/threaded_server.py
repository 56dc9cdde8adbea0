"""The server of `journeys serve`: werkzeug's threaded server (one thread per connection, one request per
connection), with a deadline for reading each request, a bound on each write, and JSON for the refusals it
makes before the app sees a request (a malformed request line, a request line over 64 KiB)."""

from __future__ import annotations

import io
import time

from flask import Flask
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from journeys.server.protocol_errors import error_json
from journeys.server.security_headers import SERVER_NAME, security_headers
from journeys.server.settings import ServerSettings
from journeys.server.socket_deadlines import DeadlineSocket, TimedWriter


class GuardedRequestHandler(WSGIRequestHandler):
    """Werkzeug's request handler, reading the request (head and body) within the settings' `request_read_s`
    of the connection and giving up a write after their `send_timeout_s` (the settings
    `make_guarded_server` gave the server)."""

    def setup(self) -> None:
        super().setup()
        self.rfile.close()  # the socket's own reader, replaced by one that keeps the deadline
        deadline = time.monotonic() + self.server.settings.request_read_s
        self.rfile = io.BufferedReader(DeadlineSocket(self.connection, deadline))
        self.wfile = TimedWriter(self.connection, self.server.settings.send_timeout_s)

    def version_string(self) -> str:
        """The `Server` header: a name without werkzeug's and Python's versions."""
        return SERVER_NAME

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Refuse the request with `{"error": ...}` JSON instead of http.server's HTML page, in an HTTP/1.1
        response even when the request line was too malformed to name a version (http.server would then
        answer the bare body, as to an HTTP/0.9 client)."""
        self.request_version = self.protocol_version
        body = error_json(code, message)
        self.log_error("code %d, message %s", code, message)
        self.send_response(code)
        self.send_header("Connection", "close")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in security_headers(self.server.settings.engine.site_content_policy).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


def make_guarded_server(host: str, port: int, app: Flask, settings: ServerSettings) -> BaseWSGIServer:
    """A threaded werkzeug server for `app` on host:port with `GuardedRequestHandler`, keeping `settings`."""
    server = make_server(host, port, app, threaded=True, request_handler=GuardedRequestHandler)
    server.settings = settings
    return server
