"""The real server processes, spoken to over loopback HTTP: `journeys serve` and `make serve-prod`."""

from __future__ import annotations

import http.client
import json
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

from journeys.indexer.settings import REPO_ROOT
from journeys.server.process import running_server, serve_command
from journeys.server.settings import ServerSettings

LIMITS = ServerSettings()

TEXT = "Time flies like an arrow."


def raw_request(url: str, method: str, path: str, **options) -> tuple[int, str, dict]:
    """One request sent as written (no path normalisation), with its status, type and JSON body."""
    address = urlparse(url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=120)
    try:
        connection.request(method, path, **options)
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type"), json.loads(response.read())
    finally:
        connection.close()


def test_journeys_serve_answers_over_http(minilm_engine, tiny_model_folders, tiny_engines):
    bert = tiny_engines["bert"]
    with running_server(serve_command(["minilm", str(tiny_model_folders["bert"])])) as server:
        assert server.request("GET", "/api/health") == (
            200,
            {"status": "ok", "models": ["minilm", bert.info.name]},
        )
        status, models = server.request("GET", "/api/models")
        assert (status, models["models"][0]) == (200, minilm_engine.info.to_dict())

        status, journey = server.request("POST", "/api/analyze", {"text": TEXT, "top_k": 5})
        assert (status, journey) == (200, minilm_engine.analyze(TEXT, "exact", 5).to_dict())
        body = {"text": TEXT, "model": bert.info.name, "method": "seed", "top_k": 3}
        assert server.request("POST", "/api/analyze", body) == (200, bert.analyze(TEXT, "seed", 3).to_dict())

        status, refusal = server.request("POST", "/api/analyze", {"text": TEXT, "top_k": 0})
        assert status == 400 and "top_k" in refusal["error"]
        url = server.url
        for path in ("/..%2f..%2fetc/passwd", "/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd"):
            status, content_type, refusal = raw_request(url, "GET", path)
            assert (status, content_type) == (404, "application/json")
            assert "root:" not in refusal["error"]
        assert (
            raw_request(url, "POST", "/api/analyze", body=b"{}", headers={"Content-Type": "text/plain"})[0]
            == 415
        )


def test_a_body_of_unknown_length_is_still_capped(tiny_model_folders):
    with running_server(serve_command([str(tiny_model_folders["roberta"])])) as server:
        chunks = iter([b'{"text": "', b"x" * (LIMITS.max_body_bytes + 1024), b'"}'])
        status, content_type, body = raw_request(
            server.url,
            "POST",
            "/api/analyze",
            body=chunks,
            headers={"Content-Type": "application/json", "Transfer-Encoding": "chunked"},
            encode_chunked=True,
        )
        assert (status, content_type) == (413, "application/json")
        assert str(LIMITS.max_body_bytes) in body["error"]
        assert server.request("GET", "/api/health")[0] == 200


def test_journeys_serve_refuses_a_model_it_cannot_load():
    script = Path(sys.executable).with_name("journeys")
    result = subprocess.run(
        [str(script), "serve", "--model", "no-such-model", "--port", "0"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "unknown model 'no-such-model'" in result.stderr


def test_journeys_serve_says_when_its_port_is_taken(tiny_model_folders):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        command = serve_command([str(tiny_model_folders["distilbert"])])
        result = subprocess.run([*command[:-1], str(port)], capture_output=True, text=True, timeout=240)
    assert result.returncode != 0
    assert f"Port {port} is in use" in result.stderr and "Traceback" not in result.stderr


def test_serve_prod_refuses_a_model_it_cannot_load():
    command = serve_command(["no-such-model"], production=True)
    result = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=240)
    assert result.returncode != 0
    assert "journeys: error: unknown model 'no-such-model'" in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_prod_loads_the_model_once_before_forking_workers(tiny_model_folders, tiny_engines):
    engine = tiny_engines["roberta"]
    with running_server(serve_command([str(tiny_model_folders["roberta"])], production=True)) as server:
        assert server.request("GET", "/api/health") == (200, {"status": "ok", "models": [engine.info.name]})
        body = {"text": TEXT, "method": "seed", "top_k": 4}
        assert server.request("POST", "/api/analyze", body) == (
            200,
            engine.analyze(TEXT, "seed", 4).to_dict(),
        )
        log = "".join(server.output)
    loaded = log.index("journeys: loaded")
    boots = [index for index in range(len(log)) if log.startswith("Booting worker", index)]
    # Workers log their own boot, so a slow one may not have yet; every boot logged follows the load.
    assert 1 <= len(boots) <= LIMITS.workers, log
    assert all(loaded < boot for boot in boots), log
