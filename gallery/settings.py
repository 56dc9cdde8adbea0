"""The gallery's settings: its example sentences, its page templates and how precisely page data is kept.
The site's folder and Content-Security-Policy are the engine's (`indexer.settings`), since the server
serves the same site."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from journeys.indexer.settings import DATA_DIR, REPO_ROOT


@dataclass(frozen=True)
class GallerySettings:
    """How `journeys build` renders the static site."""

    sentences_file: Path = DATA_DIR / "gallery_sentences.json"
    templates_dir: Path = REPO_ROOT / "site_templates"
    #: Decimals kept for similarities in the page data the site ships.
    similarity_decimals: int = 4
    #: Neighbours kept per token and layer in the views beyond the study's, loaded beside each sentence page
    #: (fewer than the study's view shows, to keep the site small; the page says so).
    other_view_neighbours: int = 10
