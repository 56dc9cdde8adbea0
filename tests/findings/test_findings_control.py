"""The random-weights control: same architecture and tokenizer, fixed-seed weights, remade when damaged."""

from __future__ import annotations

import torch
from safetensors.torch import load_file

from journeys.findings.control import MANIFEST, control_folder, saved_random_copy
from journeys.indexer.model_loading import load_model


def test_the_copy_has_the_same_shape_and_tokenizer_and_new_weights(tiny_engines):
    engine = tiny_engines["bert"]
    folder = saved_random_copy(engine)
    assert folder == control_folder(engine) and (folder / MANIFEST).is_file()
    copy = load_model(str(folder))
    trained = dict(engine.loaded.model.named_parameters())
    random = dict(copy.model.named_parameters())
    assert {k: v.shape for k, v in random.items()} == {k: v.shape for k, v in trained.items()}
    assert not torch.equal(
        random["embeddings.word_embeddings.weight"], trained["embeddings.word_embeddings.weight"]
    )
    assert copy.tokenizer.get_vocab() == engine.loaded.tokenizer.get_vocab()
    torch.manual_seed(0)
    expected = type(engine.loaded.model)(engine.loaded.model.config).state_dict()
    saved = load_file(folder / "model.safetensors")
    for name, tensor in saved.items():
        assert torch.equal(tensor, expected[name]), name


def test_a_damaged_copy_is_made_again_the_same(tiny_engines, capfd):
    engine = tiny_engines["bert"]
    folder = saved_random_copy(engine)
    weights = folder / "model.safetensors"
    original = weights.read_bytes()
    weights.write_bytes(original[:-10])
    assert saved_random_copy(engine) == folder
    assert weights.read_bytes() == original
    assert "making the random-weights copy again" in capfd.readouterr().err
