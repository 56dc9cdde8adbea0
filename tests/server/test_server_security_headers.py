"""Both real servers (`journeys serve` and `make serve-prod`) over loopback: every kind of response (a page,
an asset, JSON, the app's refusals and the HTTP layer's) carries the security headers and a `Server`
header without a version, and a body cut short of its Content-Length is answered 408."""

from __future__ import annotations

import json
import re

import pytest

from live_servers import LIVE_LIMITS
from loopback_server import exchange

READ_S = int(LIVE_LIMITS["JOURNEYS_REQUEST_READ_S"])
POST_HEAD = (
    "POST /api/analyze HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nConnection: close\r\n"
)
REQUESTS = {
    "page": b"GET / HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n",
    "asset": b"GET /assets/site.css HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n",
    "json": b"GET /api/health HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n",
    "not found": b"GET /nothing.html HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n",
    "bad request": (POST_HEAD + "Content-Length: 2\r\n\r\n{}").encode(),
    "http layer refusal": b"GARBAGE\r\n\r\n",
    "body cut short": (POST_HEAD + 'Content-Length: 100\r\n\r\n{"text": ').encode(),
}
STATUSES = {
    "page": 200,
    "asset": 200,
    "json": 200,
    "not found": 404,
    "bad request": 400,
    "http layer refusal": 400,
    "body cut short": 408,
}


@pytest.mark.parametrize("kind", list(REQUESTS))
def test_every_response_carries_the_security_headers(live_server, kind):
    status, headers, body, _ = exchange(live_server.url, REQUESTS[kind])
    assert status == STATUSES[kind], body
    policy = headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src 'self';" in policy
    assert policy.endswith("frame-ancestors 'none'") and "unsafe-eval" not in policy
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "no-referrer"
    assert not re.search(r"\d|werkzeug|python", headers.get("server", ""), re.I), headers["server"]
    if status >= 400:
        assert headers["content-type"] == "application/json" and set(json.loads(body)) == {"error"}


def test_a_body_cut_short_is_answered_408_once_the_read_deadline_passes(live_server):
    status, _, body, seconds = exchange(live_server.url, REQUESTS["body cut short"])
    assert status == 408 and f"within {READ_S} s" in json.loads(body)["error"]
    assert READ_S - 0.5 <= seconds < READ_S + 20  # the deadline, with a wide margin for a busy machine
