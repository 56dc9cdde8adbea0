"""How fast the findings run: corpus analysis (sentences and tokens per second, per method), vocabulary
density, and the contextual index (build time, size, query time), on MiniLM and on a random model
shaped like roberta-base. Run: `.venv/bin/python -m benchmarks.findings_speed [--sentences N]`.

The roberta-base-shaped model has a small tokenizer, so a sentence becomes more tokens than it would
with roberta-base's; tokens per second is the comparable figure.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time

import torch

from benchmarks.shaped_models import save_roberta_shaped_model
from journeys.contextual.index import ContextualIndex
from journeys.corpus.corpus_analysis import analyze_corpus
from journeys.corpus.reading import read_corpus
from journeys.corpus.settings import CorpusSettings
from journeys.findings.density import nearest_other_rows
from journeys.findings.settings import FindingsSettings
from journeys.indexer.engine import JourneyEngine
from journeys.indexer.options import METHODS
from journeys.indexer.settings import EngineSettings


def measure(engine: JourneyEngine, sentences: list[str]) -> dict[str, object]:
    """Timings of one model over `sentences`."""
    result: dict[str, object] = {"model": engine.info.name, "layers": engine.info.num_layers}
    for method in METHODS:
        started = time.perf_counter()
        analysis = analyze_corpus(engine, sentences, method, keep_encodings=method == "exact", progress=False)
        seconds = time.perf_counter() - started
        result[method] = {
            "seconds": round(seconds, 2),
            "sentences_per_second": round(len(sentences) / seconds, 1),
            "tokens_per_second": round(len(analysis.token_ids) / seconds, 1),
            "tokens": len(analysis.token_ids),
        }
        if method == "exact":
            started = time.perf_counter()
            contextual = ContextualIndex.from_analysis(engine, analysis)
            result["contextual_build_seconds"] = round(time.perf_counter() - started, 2)
            result["contextual_bytes"] = contextual.nbytes
            started = time.perf_counter()
            contextual.query(engine, sentences[0])
            result["contextual_query_seconds"] = round(time.perf_counter() - started, 3)
    started = time.perf_counter()
    nearest_other_rows(engine.index, FindingsSettings().density_neighbours)
    result["density_seconds"] = round(time.perf_counter() - started, 1)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=0, help="use only the first N corpus sentences")
    args = parser.parse_args()
    torch.set_grad_enabled(False)
    machine = platform.processor() or platform.machine()
    print(json.dumps({"machine": machine, "threads": torch.get_num_threads()}))
    settings = EngineSettings.from_environment(os.environ)
    for name in (settings.bundled_model_name, str(save_roberta_shaped_model())):
        engine = JourneyEngine.load(name, settings=settings)
        sentences = read_corpus(CorpusSettings().corpus_file, engine).sentences
        sentences = sentences[: args.sentences] if args.sentences else sentences
        print(json.dumps({"sentences": len(sentences), **measure(engine, sentences)}), flush=True)


if __name__ == "__main__":
    main()
