"""The output reference (the logit lens), proved two ways on tiny checkpoints saved with their heads: at the
last layer's block output its logits are the model's own AutoModelForCausalLM / AutoModelForMaskedLM logits,
and at every layer and point its ranks, logits, probabilities and top-k equal a float64 brute force of the
head applied to the normalised vector, computed here from the family's modules named by hand. Models without
a head, and views the lens does not define, are refused in one line."""

from __future__ import annotations

import json
from collections.abc import Callable

import numpy as np
import pytest
import torch
from tiny_heads import CAUSAL_HEADED, HEADED
from transformers.activations import gelu

from brute_force import brute_force_lens
from journeys.indexer.errors import InputError
from journeys.indexer.journey_csv import FIXED_COLUMNS, csv_columns, journey_rows
from journeys.indexer.logit_lens import LogitLens
from journeys.indexer.options import POINTS
from journeys.indexer.output_head import OutputHead
from journeys.indexer.records import Journey
from journeys.indexer.views import View

TEXT = "Time flies like an arrow, and the dog barked."
TOP_K = 5

#: What each family's head decoder reads, given the head model and a residual: the final norm (and
#: projection) the base model applies after its last block, then the masked-language head's transform,
#: written from the families' forward methods.
Normalise = Callable[[torch.nn.Module, torch.Tensor], torch.Tensor]


def _roberta(model: torch.nn.Module, hidden: torch.Tensor) -> torch.Tensor:
    head = model.lm_head
    return head.layer_norm(gelu(head.dense(hidden)))


def _albert(model: torch.nn.Module, hidden: torch.Tensor) -> torch.Tensor:
    head = model.predictions
    return head.LayerNorm(head.activation(head.dense(hidden)))


def _distilbert(model: torch.nn.Module, hidden: torch.Tensor) -> torch.Tensor:
    return model.vocab_layer_norm(model.activation(model.vocab_transform(hidden)))


NORMALISE: dict[str, Normalise] = {
    "gpt2": lambda model, hidden: model.transformer.ln_f(hidden),
    **dict.fromkeys(
        ("llama", "llama-tied", "llama-bf16", "gemma2"), lambda model, hidden: model.model.norm(hidden)
    ),
    "gpt_neox": lambda model, hidden: model.gpt_neox.final_layer_norm(hidden),
    "opt-350m": lambda model, hidden: model.model.decoder.project_out(hidden),  # post-LN: no final norm
    "bert": lambda model, hidden: model.cls.predictions.transform(hidden),
    "roberta": _roberta,
    "distilbert": _distilbert,
    "electra": lambda model, hidden: model.generator_predictions(hidden),
    "albert": _albert,
    "modernbert": lambda model, hidden: model.head(model.model.final_norm(hidden)),
}


def head_in_float64(model: torch.nn.Module) -> tuple[np.ndarray, np.ndarray | None, float | None]:
    decoder = model.get_output_embeddings()
    bias = None if decoder.bias is None else decoder.bias.detach().double().cpu().numpy()
    return (
        decoder.weight.detach().double().cpu().numpy(),
        bias,
        getattr(model.config, "final_logit_softcapping", None),
    )


def lens_journey(engine, point: str = "block-output", top_k: int = TOP_K) -> Journey:
    return engine.analyze(TEXT, top_k=top_k, view=View(point=point, reference="output"))


@pytest.mark.parametrize("name", HEADED)
def test_last_layer_logits_are_the_models_own(headed_engine, name):
    engine = headed_engine(name)
    model = engine.loaded.head_model
    token_ids = engine.tokenize(TEXT)
    with torch.no_grad():
        own = model(input_ids=torch.tensor([token_ids], device=model.device)).logits[0].double().cpu()
    normed = engine.encodings(TEXT, point="block-output", reference="output").vectors[-1]
    lens = engine.lens.logits(normed).cpu()
    # float32 rounding (bfloat16 where the model computes in it) of the model's own head
    rounding = 2.0**-7 if model.dtype == torch.bfloat16 else 2.0**-18
    scale = own.abs().max()
    torch.testing.assert_close(lens, own, rtol=0, atol=float(rounding * scale))
    journey = lens_journey(engine)
    for position, neighbours in enumerate(journey.variants["own"].neighbours):
        ids = [neighbour.id for neighbour in neighbours[-1]]
        if model.dtype == torch.bfloat16:  # ties in bfloat16: the lens's top-k hold the model's top logits
            assert own[position, ids].min() >= own[position].topk(TOP_K).values[-1] - rounding * scale
        else:
            assert ids == own[position].topk(TOP_K).indices.tolist()


@pytest.mark.parametrize("point", POINTS)
@pytest.mark.parametrize("name", HEADED)
def test_every_layer_equals_a_float64_brute_force(headed_engine, name, point):
    engine = headed_engine(name)
    model = engine.loaded.head_model
    # the engine widens the model's dtype to float32 exactly, so narrowing it back changes no number
    residual = engine.encodings(TEXT, point=point).vectors.to(model.device, model.dtype)
    with torch.no_grad():
        normed = torch.stack([NORMALISE[name](model, layer) for layer in residual]).double().cpu().numpy()
    token_ids = engine.tokenize(TEXT)
    targets = {"own": list(token_ids)}
    if name in CAUSAL_HEADED:
        targets["next"] = [*token_ids[1:], None]
    journey = lens_journey(engine, point)
    assert list(journey.variants) == list(targets)
    for variant, target in targets.items():
        ranks, logits, probabilities, neighbours = brute_force_lens(
            normed, target, head_in_float64(model), TOP_K
        )
        result = journey.variants[variant]
        assert result.rank == ranks
        for found, expected in ((result.logit, logits), (result.probability, probabilities)):
            for found_row, expected_row in zip(found, expected, strict=True):
                assert [v is None for v in found_row] == [v is None for v in expected_row]
                numbers = [(f, e) for f, e in zip(found_row, expected_row, strict=True) if e is not None]
                assert all(f == pytest.approx(e, rel=1e-12, abs=1e-300) for f, e in numbers)
        for found_token, expected_token in zip(result.neighbours, neighbours, strict=True):
            for found_layer, expected_layer in zip(found_token, expected_token, strict=True):
                assert [n.id for n in found_layer] == [i for i, _, _ in expected_layer]
                assert [n.logit for n in found_layer] == pytest.approx([v for _, v, _ in expected_layer])
                assert [n.probability for n in found_layer] == pytest.approx(
                    [p for _, _, p in expected_layer], rel=1e-12
                )


@pytest.mark.parametrize("softcap", [None, 5.0])
@pytest.mark.parametrize("with_bias", [False, True])
def test_blocks_and_chunks_keep_ties_ranks_and_probabilities(with_bias, softcap):
    """The lens reduces the head a block of rows at a time, over chunks of queries: with blocks of 8 rows
    and chunks of 5 queries, on small integers (so every logit is exact and ties abound, across blocks too),
    ranks, logits, probabilities and the top-k with equal logits by lower id equal the brute force."""
    generator = torch.Generator().manual_seed(7)
    weight = torch.randint(-2, 3, (50, 6), generator=generator).float()
    weight[23] = weight[41] = weight[7]  # equal rows in three blocks
    bias = torch.randint(-2, 3, (50,), generator=generator).float() if with_bias else None
    queries = torch.randint(-2, 3, (13, 6), generator=generator).float()
    targets = [7, 41, None, 0, 49, 23, 12, None, 3, 7, 30, 41, 8]
    head = OutputHead(modules=(), weight=weight, bias=bias, softcap=softcap)
    lens = LogitLens(head, row_block=8, block_bytes=8 * 8 * 5)
    found = lens.score(queries, {"own": torch.tensor([-1 if t is None else t for t in targets])}, TOP_K)[
        "own"
    ]
    head64 = (weight.double().numpy(), None if bias is None else bias.double().numpy(), softcap)
    ranks, logits, probabilities, neighbours = brute_force_lens(
        queries.double().numpy()[None], targets, head64, TOP_K
    )
    assert found.rank.tolist() == [-1 if rank[0] is None else rank[0] for rank in ranks]
    for value, expected in ((found.logit, logits), (found.probability, probabilities)):
        assert np.isnan(value).tolist() == [e[0] is None for e in expected]
        present = [e[0] for e in expected if e[0] is not None]
        np.testing.assert_allclose(value[~np.isnan(value)], present, rtol=1e-12)
    assert found.neighbour_ids.tolist() == [[i for i, _, _ in token[0]] for token in neighbours]
    np.testing.assert_allclose(found.neighbour_logits, [[v for _, v, _ in token[0]] for token in neighbours])
    np.testing.assert_allclose(
        found.neighbour_probability, [[p for _, _, p in token[0]] for token in neighbours], rtol=1e-12
    )


def test_json_shape_round_trip_and_csv(headed_engine):
    engine = headed_engine("gpt2")
    journey = lens_journey(engine)
    data = json.loads(journey.to_json())
    assert (data["point"], data["reference"], data["metric"]) == ("block-output", "output", "cosine")
    assert set(data["variants"]) == {"own", "next"}
    for variant in data["variants"].values():
        assert set(variant) == {"rank", "logit", "probability", "neighbours"}
        assert set(variant["neighbours"][0][0][0]) == {"id", "text", "logit", "probability"}
    assert data["variants"]["next"]["rank"][-1] == [None] * engine.info.num_layers
    assert Journey.from_dict(data).to_dict() == data
    columns = csv_columns(journey)
    assert columns[: len(FIXED_COLUMNS) + 2] == [*FIXED_COLUMNS, "logit", "probability"]
    assert columns[-2:] == [f"neighbour_{TOP_K}_logit", f"neighbour_{TOP_K}_probability"]
    rows = list(journey_rows(journey))
    assert len(rows) == 2 * len(journey.tokens) * engine.info.num_layers
    assert all(len(row) == len(columns) for row in rows)


def test_models_list_the_references_they_offer(headed_engine, minilm_engine, tiny_engines):
    assert headed_engine("bert").info.references == ("input", "output")
    assert headed_engine("bert").info.to_dict()["references"] == ["input", "output"]
    assert minilm_engine.info.references == ("input",)
    assert tiny_engines["gpt2"].info.references == ("input",)


def test_a_model_without_a_head_refuses_the_output_reference(minilm_engine, tiny_engines):
    refusal = r"^minilm has no output head, so it offers the input reference only$"
    with pytest.raises(InputError, match=refusal):
        minilm_engine.analyze(TEXT, view=View(reference="output"))
    with pytest.raises(InputError, match="has no output head"):
        tiny_engines["gpt2"].analyze(TEXT, view=View(reference="output"))


@pytest.mark.parametrize(
    ("method", "view", "message"),
    [
        ("exact", View(reference="output", metric="euclidean"), "metric applies to the input reference only"),
        ("seed", View(reference="output"), "defined against the input reference only"),
        ("exact", View(reference="logits"), 'reference must be one of input, output, not "logits"'),
    ],
)
def test_views_the_lens_does_not_define_are_refused(headed_engine, method, view, message):
    with pytest.raises(InputError, match=message):
        headed_engine("bert").analyze(TEXT, method=method, view=view)
