"""The headers every response of both servers carries, the app's and the HTTP layer's refusals alike: the
site's Content-Security-Policy with `frame-ancestors 'none'` (no page may be framed), no MIME sniffing,
no referrer."""

from __future__ import annotations


def security_headers(content_policy: str) -> dict[str, str]:
    """The security headers for a site whose pages carry `content_policy`
    (`EngineSettings.site_content_policy`)."""
    return {
        "Content-Security-Policy": f"{content_policy}; frame-ancestors 'none'",
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "no-referrer",
    }


#: The `Server` header of `journeys serve`: no product version (gunicorn sends its bare name already).
SERVER_NAME = "journeys"
