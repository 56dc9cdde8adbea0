"""The compressed contextual index (IVF-RaBitQ candidates, fp32 encodings memory-mapped): what it returns is
scored exactly, and with every list probed and every row a candidate it finds the exhaustive top-10."""

from __future__ import annotations

import itertools

import faiss
import numpy as np
import pytest

from journeys.contextual import contextual_layers
from journeys.contextual import index as contextual
from journeys.contextual.contextual_layers import unit_rows
from journeys.contextual.contextual_rows import OccurrenceRows
from journeys.contextual.contextual_store import layer_name, vectors_name
from journeys.contextual.index import ContextualIndex, contextual_folder
from journeys.contextual.settings import ContextualSettings
from journeys.corpus.corpus_analysis import analyze_corpus
from journeys.corpus.corpus_pass import run_corpus_pass

TEXT = "The dog by the bank barked at the horse."
#: Every layer compressed, however small the corpus.
COMPRESSED = ContextualSettings(compressed_from=0)


@pytest.fixture(scope="module")
def compressed(tiny_engines, tiny_analyses) -> ContextualIndex:
    return ContextualIndex.from_analysis(tiny_engines["bert"], tiny_analyses["bert"], COMPRESSED)


def brute_force(analysis, layer: int, query: np.ndarray) -> np.ndarray:
    """Float64 cosine of `query` with every corpus occurrence's raw encoding at `layer`."""
    corpus = analysis.encodings[:, layer].astype(np.float64)
    return corpus @ query / np.linalg.norm(corpus, axis=1) / np.linalg.norm(query)


def found_rows(analysis, hits) -> list[int]:
    return [
        int(
            np.flatnonzero(
                (analysis.token_sentence == hit.sentence) & (analysis.token_position == hit.position)
            )[0]
        )
        for hit in hits
    ]


def query_with(index: ContextualIndex, engine, nprobe: int, candidates: int):
    """The index's k=10 answer for TEXT with these search settings (the defaults back after), and TEXT's
    float64 encodings."""
    index.nprobe, index.candidates = nprobe, candidates
    try:
        result = index.query(engine, TEXT, k=10)
    finally:
        index.nprobe, index.candidates = index.settings.nprobe, index.settings.candidates
    return result, engine.encodings(TEXT, "exact").vectors.double().numpy()


def test_the_compressed_index_is_ivf_rabitq_over_every_occurrence(compressed, tiny_analyses):
    assert all(isinstance(index, faiss.IndexIVFRaBitQ) for index in compressed.layers)
    assert all(index.ntotal == len(tiny_analyses["bert"].token_ids) for index in compressed.layers)


def test_search_settings_go_with_each_search_not_into_the_shared_index(tiny_analyses, compressed):
    index, queries = compressed.layers[1], unit_rows(tiny_analyses["bert"].encodings[:4, 1])
    stored = (index.nprobe, index.qb)
    assert index.nlist > 1
    one_list = contextual_layers.search(index, queries, index.ntotal, 1, COMPRESSED.query_bits)
    every_list = contextual_layers.search(index, queries, index.ntotal, index.nlist, COMPRESSED.query_bits)
    assert (index.nprobe, index.qb) == stored
    # one probed list holds only some rows; every list holds them all
    assert (one_list < 0).any(axis=1).all() and not (every_list < 0).any()


def test_what_it_returns_is_scored_exactly_even_with_few_candidates(tiny_engines, tiny_analyses, compressed):
    engine, analysis = tiny_engines["bert"], tiny_analyses["bert"]
    result, vectors = query_with(compressed, engine, nprobe=1, candidates=12)
    for layer in range(engine.info.num_layers):
        for position in range(vectors.shape[1]):
            hits = result.neighbours[position][layer]
            assert hits, "every token gets candidates"
            cosines = brute_force(analysis, layer, vectors[layer, position])
            rows = found_rows(analysis, hits)
            np.testing.assert_allclose([h.similarity for h in hits], cosines[rows], rtol=0, atol=1e-12)
            assert [h.similarity for h in hits] == sorted((h.similarity for h in hits), reverse=True)


def test_with_every_list_probed_and_every_row_a_candidate_it_finds_the_exhaustive_top_10(
    tiny_engines, tiny_analyses, compressed
):
    engine, analysis = tiny_engines["bert"], tiny_analyses["bert"]
    every_list = max(index.nlist for index in compressed.layers)
    result, vectors = query_with(compressed, engine, every_list, len(analysis.token_ids))
    for layer in range(engine.info.num_layers):
        for position in range(vectors.shape[1]):
            cosines = brute_force(analysis, layer, vectors[layer, position])
            expected = np.argsort(-cosines, kind="stable")[:10]
            hits = result.neighbours[position][layer]
            assert sorted(found_rows(analysis, hits)) == sorted(expected.tolist())
            np.testing.assert_allclose([h.similarity for h in hits], cosines[expected], rtol=0, atol=1e-12)


def test_many_queries_are_screened_block_by_block_to_the_exhaustive_top_10(tiny_analyses, compressed):
    analysis, layer = tiny_analyses["bert"], 1
    queries = analysis.encodings[:, layer].astype(np.float64)  # more queries than one screening block
    assert len(queries) > 2 * contextual.SCREEN_BLOCK
    compressed.nprobe = max(index.nlist for index in compressed.layers)
    compressed.candidates = len(analysis.token_ids)
    try:
        similarity, rows = compressed.nearest(layer, queries, 10)
    finally:
        compressed.nprobe, compressed.candidates = COMPRESSED.nprobe, COMPRESSED.candidates
    for query, got_similarity, got_rows in zip(queries, similarity, rows, strict=True):
        cosines = brute_force(analysis, layer, query)
        expected = np.lexsort((np.arange(len(cosines)), -cosines))[:10]
        assert got_rows.tolist() == expected.tolist()
        np.testing.assert_allclose(got_similarity, cosines[expected], rtol=0, atol=1e-12)


def test_streamed_chunks_build_the_same_index_as_one_chunk(tiny_engines, tiny_analyses, sentences):
    engine, analysis = tiny_engines["gpt2"], tiny_analyses["gpt2"]
    rows = OccurrenceRows.columns_of(analysis)
    whole = ContextualIndex.from_analysis(engine, analysis).query(engine, TEXT, k=4).to_dict()
    cuts = [0, 5, 40, 41, len(rows)]
    chunks = ((rows.slice(a, b), analysis.encodings[a:b]) for a, b in itertools.pairwise(cuts))
    streamed = ContextualIndex.build(engine, "exact", sentences, chunks)
    assert streamed.query(engine, TEXT, k=4).to_dict() == whole


def test_a_sharded_pass_is_indexed_shard_by_shard_to_the_same_index(
    tiny_engines, sentences, tmp_path, monkeypatch
):
    engine, corpus = tiny_engines["bert"], sentences * 5  # 40 sentences: shards of 16, 16 and 8
    in_memory = analyze_corpus(engine, corpus, "exact", keep_encodings=True, progress=False)
    whole = ContextualIndex.from_analysis(engine, in_memory).query(engine, TEXT, k=4).to_dict()
    sharded = run_corpus_pass(
        engine, corpus, "exact", keep_encodings=True, progress=False, cache_dir=tmp_path
    )
    streamed: list[tuple[int, type]] = []
    write = contextual.write_index_folder

    def recording(folder, meta, texts, chunks, *args):
        def passing():
            for rows, vectors in chunks:
                streamed.append((len(rows), type(vectors)))
                yield rows, vectors

        return write(folder, meta, texts, passing(), *args)

    monkeypatch.setattr(contextual, "write_index_folder", recording)
    found = ContextualIndex.from_analysis(engine, sharded).query(engine, TEXT, k=4).to_dict()
    assert found == whole
    shard_tokens = [len(chunk) for chunk in sharded.encodings.chunks]
    assert len(shard_tokens) == 3 and [n for n, _ in streamed] == shard_tokens
    assert all(kind is np.memmap for _, kind in streamed)  # read from the shard files, not copied


def test_save_load_round_trip_through_the_sealed_manifest(tiny_engines, tiny_analyses, compressed, sentences):
    engine = tiny_engines["bert"]
    ContextualIndex.from_analysis(engine, tiny_analyses["bert"], COMPRESSED)
    loaded = ContextualIndex.load_saved(engine, "exact", sentences)
    assert loaded is not None and isinstance(loaded.layers[0], faiss.IndexIVFRaBitQ)
    assert all(isinstance(vectors, np.memmap) for vectors in loaded.vectors)
    assert loaded.query(engine, TEXT, k=5).to_dict() == compressed.query(engine, TEXT, k=5).to_dict()
    folder = contextual_folder(engine, "exact")
    layers = engine.info.num_layers
    assert {path.name for path in folder.iterdir()} >= {
        *(vectors_name(layer) for layer in range(layers)),
        *(layer_name(layer) for layer in range(layers)),
    }


def test_a_damaged_vectors_file_is_reported_in_one_line(tiny_engines, tiny_analyses, capfd):
    engine = tiny_engines["bert"]
    ContextualIndex.from_analysis(engine, tiny_analyses["bert"], COMPRESSED)
    damaged = contextual_folder(engine, "exact") / vectors_name(1)
    data = bytearray(damaged.read_bytes())
    data[100] ^= 0xFF
    damaged.write_bytes(bytes(data))
    capfd.readouterr()
    assert ContextualIndex.load_saved(engine) is None
    lines = capfd.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and str(damaged) in lines[0] and "damaged" in lines[0]
