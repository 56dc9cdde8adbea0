"""The built site is served as files, and nothing outside its folder ever is."""

from __future__ import annotations

import pytest

from journeys.server.app import create_app


def test_root_serves_the_site_index(client, site_dir):
    response = client.get("/")
    assert response.status_code == 200
    assert response.get_data() == (site_dir / "index.html").read_bytes()
    assert response.mimetype == "text/html"


def test_site_files_are_served_with_their_type(client, site_dir):
    response = client.get("/assets/journey.js")
    assert response.status_code == 200
    assert response.get_data() == (site_dir / "assets" / "journey.js").read_bytes()
    assert "javascript" in response.mimetype


@pytest.mark.parametrize(
    "path",
    [
        "/../secret.txt",
        "/..%2fsecret.txt",
        "/..%2f..%2fetc/passwd",
        "/%2e%2e/secret.txt",
        "/%2e%2e%2fsecret.txt",
        "/assets/..%2f..%2fsecret.txt",
        "/assets/%2e%2e/%2e%2e/secret.txt",
        "/..%5csecret.txt",
        "/%252e%252e/secret.txt",
        "/etc/passwd",
        "/%2fetc%2fpasswd",
        "/escape.txt",
        "/index.html%00.js",
        "/missing.html",
    ],
)
def test_nothing_outside_the_site_is_served(client, site_dir, path):
    secret = (site_dir.parent / "secret.txt").read_text()
    response = client.get(path)
    assert response.status_code == 404
    assert response.is_json
    assert secret not in response.get_data(as_text=True)
    assert "root:" not in response.get_data(as_text=True)


def test_without_a_built_site_the_root_says_how_to_build_it(served_engines, tmp_path):
    client = create_app(served_engines, tmp_path / "never-built").test_client()
    response = client.get("/")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert "make build" in response.get_data(as_text=True)
    assert client.get("/api/health").status_code == 200
    assert client.post("/api/analyze", json={"text": "Time flies."}).status_code == 200
