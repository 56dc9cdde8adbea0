"""When the gunicorn worker's event loop holds a whole request, ready for a request thread."""

from __future__ import annotations

import pytest

from journeys.server.gunicorn_worker import MAX_HEAD_BYTES, request_is_whole
from journeys.server.settings import ServerSettings

LIMIT = ServerSettings().max_body_bytes

HEAD = b"POST /api/analyze HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"


@pytest.mark.parametrize(
    ("data", "whole"),
    [
        (b"GET /api/health HTTP/1.1\r\nHost: x\r\n", False),
        (b"GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n", True),
        (HEAD + b"Content-Length: 13\r\n\r\n" + b'{"text": "a"', False),
        (HEAD + b"Content-Length: 13\r\n\r\n" + b'{"text": "a"}', True),
        (HEAD + b"content-length:13\r\n\r\n" + b'{"text": "a"}', True),
        (HEAD + f"Content-Length: {LIMIT + 1}\r\n\r\n".encode(), True),
        (HEAD + b"Content-Length: 13\r\nExpect: 100-continue\r\n\r\n", True),
        (HEAD + b"Transfer-Encoding: chunked\r\n\r\n" + b"d\r\n" + b'{"text": "a"}', False),
        (HEAD + b"Transfer-Encoding: chunked\r\n\r\n" + b'd\r\n{"text": "a"}\r\n0\r\n', False),
        (HEAD + b"Transfer-Encoding: chunked\r\n\r\n" + b'd\r\n{"text": "a"}\r\n0\r\n\r\n', True),
        (
            HEAD + b"Transfer-Encoding: chunked\r\n\r\n" + b'5;x=1\r\n{"tex\r\n8\r\nt": "a"}\r\n0\r\n\r\n',
            True,
        ),
        (HEAD + b"Transfer-Encoding: chunked\r\n\r\n" + b"zz\r\n", True),  # malformed: the parser refuses it
        (b"GET /" + b"a" * MAX_HEAD_BYTES, True),  # too long: the parser refuses it
    ],
)
def test_a_request_is_whole_once_its_head_and_declared_body_arrived(data, whole):
    assert request_is_whole(data, LIMIT) is whole
