"""The FAISS vocabulary index: saved per model, reused when valid, rebuilt when not; fine beside torch."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np

from journeys.indexer.settings import EngineSettings
from journeys.indexer.vocabulary_index import VocabularyIndex, index_folder


def test_index_holds_unit_rows_of_nonzero_embeddings():
    rng = np.random.default_rng(0)
    words = rng.normal(size=(50, 8)).astype(np.float32)
    words[3] = 0
    index = VocabularyIndex.build(words)
    assert 3 not in index.row_ids and len(index.row_ids) == 49
    np.testing.assert_allclose(np.linalg.norm(index.vectors, axis=1), 1, atol=1e-6)
    unit = words[index.row_ids] / np.linalg.norm(words[index.row_ids], axis=1, keepdims=True)
    np.testing.assert_allclose(index.vectors, unit, atol=1e-6)


def test_search_returns_vocabulary_ids_of_nearest_rows():
    rng = np.random.default_rng(1)
    words = rng.normal(size=(200, 16)).astype(np.float32)
    words[0] = 0
    index = VocabularyIndex.build(words)
    query = words[7] / np.linalg.norm(words[7])
    similarities, ids = index.search(query[None], 5)
    unit = words / np.maximum(np.linalg.norm(words, axis=1, keepdims=True), 1e-30)
    cosines = unit @ query
    cosines[0] = -np.inf
    assert ids[0].tolist() == np.argsort(-cosines)[:5].tolist()
    np.testing.assert_allclose(similarities[0], np.sort(cosines)[::-1][:5], atol=1e-5)


def test_saved_index_is_reused_then_rebuilt_when_weights_change(tmp_path):
    rng = np.random.default_rng(2)
    words = rng.normal(size=(64, 8)).astype(np.float32)
    settings = EngineSettings(build_dir=tmp_path)
    folder = index_folder(settings.index_dir, "reuse-test-model")
    VocabularyIndex.load_or_build(words, "reuse-test-model", settings)
    saved = folder / "vocabulary.faiss"
    first_write = saved.stat().st_mtime_ns
    VocabularyIndex.load_or_build(words, "reuse-test-model", settings)
    assert saved.stat().st_mtime_ns == first_write
    changed = words.copy()
    changed[5] *= 2
    rebuilt = VocabularyIndex.load_or_build(changed, "reuse-test-model", settings)
    assert saved.stat().st_mtime_ns != first_write
    np.testing.assert_allclose(rebuilt.vectors[5], changed[5] / np.linalg.norm(changed[5]), atol=1e-6)
    meta = json.loads((folder / "vocabulary-meta.json").read_text())
    assert meta["record"]["rows"] == 64


OPENMP_SCRIPT = """
import numpy as np, torch, faiss
torch.set_num_threads(2); faiss.omp_set_num_threads(2)
rng = np.random.default_rng(0)
base = rng.normal(size=(20000, 64)).astype(np.float32)
queries = rng.normal(size=(300, 64)).astype(np.float32)
for _ in range(3):
    scores = (torch.from_numpy(queries) @ torch.from_numpy(base).T).numpy()
    index = faiss.IndexFlatIP(64); index.add(base)
    found, ids = index.search(queries, 10)
    expected = np.argsort(-(queries.astype(np.float64) @ base.T.astype(np.float64)), axis=1)[:, :10]
    assert (ids == expected).mean() > 0.999, (ids == expected).mean()
    assert np.allclose(np.take_along_axis(scores, ids, 1), found, atol=1e-3)
print("ok", torch.get_num_threads(), faiss.omp_get_max_threads())
"""


def test_torch_and_faiss_openmp_runtimes_work_in_one_process():
    """Both libraries bring OpenMP; a clash would crash or hang this process, so run it apart."""
    result = subprocess.run(
        [sys.executable, "-c", OPENMP_SCRIPT], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok 2 2")
