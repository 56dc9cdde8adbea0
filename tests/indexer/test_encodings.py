"""Position rows, the seed recipe and the causal mask of the first four families (where the residual is
captured, for every family, is proved in test_family_residuals.py)."""

from __future__ import annotations

import pytest
import torch

from journeys.indexer.engine import JourneyEngine
from reference_spec import reference_spec
from tiny_models import ENCODER_FAMILIES

TEXT = "The old man the boat, and the dog's bark was loud."


@pytest.mark.parametrize(
    ("family", "first_position"), [("roberta", 2), ("bert", 0), ("distilbert", 0), ("gpt2", 0)]
)
def test_position_ids_are_the_rows_the_model_adds(tiny_engines, family, first_position):
    """The model's embedding output is rebuilt from word rows plus the position rows we compare against."""
    engine = tiny_engines[family]
    if family == "roberta":
        assert first_position == engine.loaded.model.config.pad_token_id + 1
    token_ids = engine.tokenize(TEXT)
    positions = engine.encodings(TEXT).position_ids
    assert positions.tolist() == list(range(first_position, first_position + len(token_ids)))
    model = engine.loaded.model
    spec = reference_spec(model)
    summed = (spec.words[token_ids] + spec.positions[positions]).float()
    with torch.inference_mode():
        if family == "gpt2":
            expected = summed
        elif family == "distilbert":
            expected = model.embeddings.LayerNorm(summed)
        else:
            expected = model.embeddings.LayerNorm(summed + model.embeddings.token_type_embeddings.weight[0])
        hidden = model(input_ids=torch.tensor([token_ids]), output_hidden_states=True).hidden_states[0][0]
    assert (hidden - expected).abs().max() <= 1e-5


def seed_layers(model: torch.nn.Module) -> list[torch.nn.Module]:
    return list(model.transformer.layer if model.config.model_type == "distilbert" else model.encoder.layer)


def seed_weights(layer: torch.nn.Module) -> tuple[torch.Tensor, torch.Tensor]:
    """W_v and W_o as stored, read here from the BERT and DistilBERT layouts."""
    if hasattr(layer, "sa_layer_norm"):
        return layer.attention.v_lin.weight, layer.attention.out_lin.weight
    return layer.attention.self.value.weight, layer.attention.output.dense.weight


def seed_transcription(engine: JourneyEngine, text: str) -> torch.Tensor:
    """The published demo's recipe, written out again here from its description."""
    with torch.inference_mode():
        out = engine.loaded.model(
            input_ids=torch.tensor([engine.tokenize(text)]), output_hidden_states=True, output_attentions=True
        )
        results = []
        for index, layer in enumerate(seed_layers(engine.loaded.model)):
            x = out.hidden_states[index][0]
            w_v, w_o = seed_weights(layer)
            heads = out.attentions[index][0]
            head_size = x.shape[1] // heads.shape[0]
            values = torch.matmul(x, w_v)
            context = torch.cat(
                [heads[h] @ values[:, h * head_size : (h + 1) * head_size] for h in range(heads.shape[0])],
                dim=1,
            )
            results.append(torch.matmul(context, w_o) + x)
    return torch.stack(results)


@pytest.mark.parametrize("family", ENCODER_FAMILIES)
def test_seed_method_follows_the_published_recipe(tiny_engines, family):
    engine = tiny_engines[family]
    encoded = engine.encodings(TEXT, "seed")
    torch.testing.assert_close(encoded.vectors, seed_transcription(engine, TEXT), rtol=0, atol=1e-5)
    assert set(encoded.position_ids.tolist()) == {reference_spec(engine.loaded.model).first_row}


@pytest.mark.parametrize("family", ENCODER_FAMILIES)
def test_seed_differs_from_exact(tiny_engines, family):
    engine = tiny_engines[family]
    assert (engine.encodings(TEXT, "seed").vectors - engine.encodings(TEXT).vectors).abs().max() > 1e-3


def test_gpt2_with_causal_mask_off_lets_early_tokens_see_later_ones(tiny_model_folders, engine_settings):
    folder = str(tiny_model_folders["gpt2"])
    causal = JourneyEngine.load(folder, settings=engine_settings)
    bidirectional = JourneyEngine.load(folder, causal_mask=False, settings=engine_settings)
    assert bidirectional.info.name.endswith("(causal mask off)")
    short, long = "The old man", "The old man the boat"
    prefix = len(causal.tokenize(short))
    causal_short, causal_long = causal.encodings(short).vectors, causal.encodings(long).vectors
    torch.testing.assert_close(causal_short, causal_long[:, :prefix], rtol=0, atol=1e-5)
    open_short, open_long = bidirectional.encodings(short).vectors, bidirectional.encodings(long).vectors
    assert (open_short - open_long[:, :prefix]).abs().max() > 1e-3
