"""The files a sentence page loads beside itself when asked: the full-precision journeys it offers for
download, and its views beyond the study's.

The page's own data has its similarities rounded (gallery/page_data.py), so the JSON and CSV downloads
read a file beside the page: a classic script calling
`JourneyDownloads.register(<its file name>, <page data with every similarity as computed>)`, the same
compact shape as the page's data (each neighbour token stored once: a quarter of the size of the API's
JSON). The page loads it with a <script> element only when a download is asked for, which works opened
from disk where fetch does not, and writes the JSON text as Python's json.dumps writes it
(site_templates/static/python-text.js), byte for byte the body POST /api/analyze answers.

The views file calls `JourneyViews.register(<its file name>, <views data>)` (gallery/page_data.py,
`encode_views`), loaded the same way the first time a view other than the study's is chosen.
"""

from __future__ import annotations

import json
from pathlib import PurePosixPath
from typing import Any


def _register_script(registry: str, path: str, data: dict[str, Any]) -> str:
    """A classic script handing `data` to `registry`.register under the file name of `path`."""
    name = PurePosixPath(path).name
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return f"{registry}.register({json.dumps(name)}, {text});\n"


def journey_file_script(path: str, full_page: dict[str, Any]) -> str:
    """The script written at `path` (site-relative) for one sentence's full-precision page data."""
    return _register_script("JourneyDownloads", path, full_page)


def views_file_script(path: str, views: dict[str, Any]) -> str:
    """The script written at `path` (site-relative) for one sentence's views beyond the study's."""
    return _register_script("JourneyViews", path, views)
