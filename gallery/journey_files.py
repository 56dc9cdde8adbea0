"""The full-precision journeys a sentence page offers for download.

The page's own data is compact (similarities rounded, gallery/page_data.py), so the JSON and CSV
downloads come from a file beside the page: a classic script calling
`JourneyDownloads.register(<its file name>, {method: JSON text})`, each JSON text exactly the body
POST /api/analyze answers for that sentence, model and method. The page loads it with a <script>
element when a download is asked for, which works opened from disk where fetch does not.
"""

from __future__ import annotations

import json
from pathlib import PurePosixPath

from indexer.records import Journey


def journey_file_script(path: str, journeys: dict[str, Journey]) -> str:
    """The script written at `path` (site-relative) for one sentence's journeys, one per method."""
    texts = {method: journey.to_json() for method, journey in journeys.items()}
    name = PurePosixPath(path).name
    return f"JourneyDownloads.register({json.dumps(name)}, {json.dumps(texts, ensure_ascii=False)});\n"
