"""The block-output analysis point, proved with hooks written here, not the indexer's: each layer's encoding
is what the next block receives, and the last layer's is the model's final hidden state before its final
norm.

The hooks sit on the engine's own model during the engine's own forward pass, so the tensors compared are
the same computation and must agree exactly (in the float32 the engine hands out).
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
import torch
from test_family_residuals import TEXT, flat, recording, residual_row
from torch import nn

from journeys.indexer.errors import InputError
from journeys.indexer.views import View
from tiny_families import SUPPORTED_FAMILIES

#: The module whose input is the final hidden state before the final norm (pre-LN decoders, ModernBERT),
#: or None where the last block's output is `last_hidden_state` itself (post-LN encoders, ALBERT).
FinalInput = Callable[[nn.Module], nn.Module] | None

POST_LN = (
    "bert",
    "roberta",
    "distilbert",
    "xlm-roberta",
    "electra",
    "deberta-v2",
    "deberta-v2-absolute",
    "albert",
)
ROTARY_DECODERS = (
    "llama",
    "llama-bf16",
    "mistral",
    "qwen2",
    "qwen3",
    "phi3",
    "olmo2",
    "gemma2",
    "gemma3_text",
    "starcoder2",
)
FINAL_INPUT: dict[str, FinalInput] = {
    **dict.fromkeys(POST_LN),
    **dict.fromkeys(ROTARY_DECODERS, lambda model: model.norm),
    "modernbert": lambda model: model.final_norm,
    "gpt2": lambda model: model.ln_f,
    "gpt_neo": lambda model: model.ln_f,
    "gpt_neox": lambda model: model.final_layer_norm,
    "opt": lambda model: model.decoder.final_layer_norm,
    # do_layer_norm_before=False: no final norm; project_out maps the last block's output to the 16-wide
    # embedding width, so its input is the final hidden state in the hidden width.
    "opt-350m": lambda model: model.decoder.project_out,
}


def test_every_supported_family_has_a_final_input():
    assert set(FINAL_INPUT) == set(SUPPORTED_FAMILIES)


@pytest.mark.parametrize("family", SUPPORTED_FAMILIES)
def test_block_output_is_what_the_next_block_and_the_final_norm_receive(family_engine, family):
    engine = family_engine(family)
    model = engine.loaded.model
    final = FINAL_INPUT[family]
    last_hidden: list[torch.Tensor] = []
    with recording() as recorder:
        # One hook per block module: ALBERT's shared layer records each of its calls, in call order.
        next_inputs = recorder.inputs(list(residual_row(model).blocks(model)))
        if final is None:

            def keep(_module: nn.Module, _args: tuple, output) -> None:
                last_hidden.append(flat(output.last_hidden_state))

            recorder.handles.append(model.register_forward_hook(keep))
        else:
            last_hidden = recorder.inputs([final(model)])
        vectors = engine.encodings(TEXT, point="block-output").vectors
    layers = model.config.num_hidden_layers
    assert vectors.shape == (layers, len(engine.tokenize(TEXT)), model.config.hidden_size)
    assert len(next_inputs) == layers and len(last_hidden) == 1
    for layer in range(layers - 1):  # inner layers: the input of the next layer's block call
        assert torch.equal(vectors[layer], next_inputs[layer + 1].float()), f"layer {layer}"
    assert torch.equal(vectors[-1], last_hidden[0].float())
    # ... and not the post-attention residual, which the MLP branch has not been added to yet.
    assert (vectors - engine.encodings(TEXT).vectors).abs().max() > 1e-3


@pytest.mark.parametrize("family", ["albert", "bert", "llama", "opt"])
def test_both_points_can_be_read_in_turn_and_keep_their_position_rows(family_engine, family):
    """The hooks of both points stay registered: each pass fills only the point it asks for."""
    engine = family_engine(family)
    first = engine.encodings(TEXT, point="block-output")
    between = engine.encodings(TEXT, point="post-attention")
    again = engine.encodings(TEXT, point="block-output")
    assert torch.equal(first.vectors, again.vectors)
    assert torch.equal(between.vectors, engine.encodings(TEXT).vectors)
    if between.position_ids is None:
        assert first.position_ids is None
    else:
        assert torch.equal(first.position_ids, between.position_ids)


@pytest.mark.parametrize("name", ["gpt2", "bert", "albert"])
def test_every_view_from_one_forward_pass_equals_each_view_alone(headed_engine, name):
    """`analyze_views` reads both points in one pass (ALBERT's shared layer fills both in call order): each
    journey's JSON is byte for byte the one `analyze` gives for that view alone."""
    engine = headed_engine(name)
    views = [
        View(),
        View(point="block-output"),
        View(metric="euclidean"),
        View(point="block-output", metric="euclidean"),
        View(reference="output"),
        View(point="block-output", reference="output"),
    ]
    together = engine.analyze_views(TEXT, views, top_k=3)
    assert list(together) == views
    for view in views:
        alone = engine.analyze(TEXT, top_k=3, view=view)
        assert json.dumps(together[view].to_dict()) == json.dumps(alone.to_dict()), view


def test_journey_and_model_say_which_point(family_engine):
    engine = family_engine("bert")
    assert engine.info.points == ("post-attention", "block-output")
    assert engine.info.to_dict()["points"] == ["post-attention", "block-output"]
    assert engine.analyze(TEXT, top_k=2).to_dict()["point"] == "post-attention"
    journey = engine.analyze(TEXT, top_k=2, view=View(point="block-output")).to_dict()
    assert list(journey)[:5] == ["model", "method", "point", "reference", "metric"]
    assert journey["point"] == "block-output"


@pytest.mark.parametrize(
    ("point", "message"),
    [
        ("block_output", 'point must be one of post-attention, block-output, not "block_output"'),
        (3, "point must be one of post-attention, block-output, not 3"),
        (["block-output"], "point must be one of post-attention, block-output, not an array"),
    ],
)
def test_an_unknown_point_is_refused_in_one_line(family_engine, point, message):
    with pytest.raises(InputError) as refused:
        family_engine("bert").analyze(TEXT, view=View(point=point))
    assert str(refused.value) == message


def test_the_seed_method_is_refused_at_block_output(family_engine):
    with pytest.raises(InputError, match="defined at the post-attention point only, not at block-output"):
        family_engine("bert").analyze(TEXT, method="seed", view=View(point="block-output"))
