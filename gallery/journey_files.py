"""The full-precision journeys a sentence page offers for download.

The page's own data has its similarities rounded (gallery/page_data.py), so the JSON and CSV downloads
read a file beside the page: a classic script calling
`JourneyDownloads.register(<its file name>, <page data with every similarity as computed>)`, the same
compact shape as the page's data (each neighbour token stored once: a quarter of the size of the API's
JSON). The page loads it with a <script> element only when a download is asked for, which works opened
from disk where fetch does not, and writes the JSON text as Python's json.dumps writes it
(site_templates/static/python-text.js), byte for byte the body POST /api/analyze answers.
"""

from __future__ import annotations

import json
from pathlib import PurePosixPath
from typing import Any


def journey_file_script(path: str, full_page: dict[str, Any]) -> str:
    """The script written at `path` (site-relative) for one sentence's full-precision page data."""
    name = PurePosixPath(path).name
    data = json.dumps(full_page, ensure_ascii=False, separators=(",", ":"))
    return f"JourneyDownloads.register({json.dumps(name)}, {data});\n"
