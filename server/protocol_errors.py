"""Refusals the HTTP layer makes before the app sees a request (a malformed request line, a request line
or head too long), written as JSON `{"error": ...}` with the security headers, like every refusal of the
app."""

from __future__ import annotations

import json
from http import HTTPStatus


def error_json(status: int, detail: str | None = None) -> bytes:
    """The JSON body of a refusal: the status's phrase, then the server's detail when it adds one."""
    phrase = _phrase(status)
    message = phrase if not detail or detail == phrase else f"{phrase}: {detail}"
    return json.dumps({"error": message}).encode()


def error_response(status: int, detail: str | None, headers: dict[str, str]) -> bytes:
    """A whole HTTP/1.1 response carrying `error_json` and `headers` (the security headers), which closes
    the connection."""
    body = error_json(status, detail)
    security = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    head = (
        f"HTTP/1.1 {status} {_phrase(status)}\r\nConnection: close\r\nContent-Type: application/json\r\n"
        f"{security}Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode("latin-1") + body


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
