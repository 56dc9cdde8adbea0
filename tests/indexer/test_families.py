"""Every family in the table, and one not in it, as a user meets them: what each offers, where its positions
start, ALBERT's shared layer, the refusals, generic discovery, bf16 checkpoints and SentencePiece text."""

from __future__ import annotations

import json

import pytest
import torch
from transformers import AutoModel

from journeys.cli import main
from journeys.indexer.adapters import ADAPTERS
from journeys.indexer.adapters.discovery import DiscoveredAdapter, discover_adapter
from journeys.indexer.engine import JourneyEngine
from journeys.indexer.errors import InputError, UnsupportedModelError
from reference_spec import reference_spec
from tiny_families import REFUSED_FAMILIES, SUPPORTED_FAMILIES

TEXT = "The old man the boat,\nand the dog's bark was loud."
ROTARY_OR_RELATIVE = (
    "deberta-v2",
    "modernbert",
    "llama",
    "llama-bf16",
    "mistral",
    "qwen2",
    "qwen3",
    "phi3",
    "olmo2",
    "gemma2",
    "gemma3_text",
    "gpt_neox",
    "starcoder2",
)


def embedding_output(model: torch.nn.Module, token_ids: list[int]) -> torch.Tensor:
    """What the first block receives, recorded here with a hook on it."""
    blocks = model.decoder.layers if model.config.model_type == "opt" else model.encoder.layer
    store = []
    handle = blocks[0].register_forward_pre_hook(lambda _m, args: store.append(args[0][0].clone()))
    with torch.inference_mode():
        model(input_ids=torch.tensor([token_ids]))
    handle.remove()
    return store[0]


@pytest.mark.parametrize("family", SUPPORTED_FAMILIES)
def test_positional_variant_exactly_where_a_learned_absolute_table_exists(family_engine, family):
    engine = family_engine(family)
    journey = engine.analyze(TEXT, top_k=3).to_dict()
    has_table = family not in ROTARY_OR_RELATIVE
    assert (reference_spec(engine.loaded.model).positions is not None) == has_table
    assert list(journey["variants"]) == (["raw", "positional"] if has_table else ["raw"])
    assert engine.info.variants == tuple(journey["variants"])
    assert set(journey["model"]) == {"name", "num_layers", "hidden_size", "vocab_size", "precision"}
    if not has_table:
        assert "position" in engine.info.position_encoding


@pytest.mark.parametrize(("family", "first_row"), [("xlm-roberta", 2), ("opt", 2), ("opt-350m", 2)])
def test_position_rows_are_the_rows_the_model_adds(family_engine, family, first_row):
    """The first block's input is rebuilt from the word rows plus the position rows the tool compares with."""
    engine = family_engine(family)
    model = engine.loaded.model
    token_ids = engine.tokenize(TEXT)
    positions = engine.encodings(TEXT).position_ids
    assert positions.tolist() == list(range(first_row, first_row + len(token_ids)))
    with torch.inference_mode():
        if family == "xlm-roberta":
            embeddings = model.embeddings
            summed = (
                embeddings.word_embeddings.weight[token_ids]
                + embeddings.position_embeddings.weight[positions]
            )
            expected = embeddings.LayerNorm(summed + embeddings.token_type_embeddings.weight[0])
        else:
            decoder = model.decoder
            words = decoder.embed_tokens.weight[token_ids]
            if decoder.project_in is not None:
                words = decoder.project_in(words)
            expected = words + decoder.embed_positions.weight[positions]
    assert (embedding_output(model, token_ids) - expected).abs().max() <= 1e-5


def test_albert_keeps_one_capture_per_run_of_its_shared_layer(family_engine):
    engine = family_engine("albert")
    shared = engine.loaded.model.encoder.albert_layer_groups[0].albert_layers
    assert len(shared) == 1 and engine.info.num_layers == engine.loaded.model.config.num_hidden_layers == 3
    vectors = engine.encodings(TEXT).vectors
    for first in range(3):
        for second in range(first + 1, 3):
            assert (vectors[first] - vectors[second]).abs().max() > 1e-3
    store = []
    handle = shared[0].register_forward_pre_hook(lambda _m, args: store.append(args[0][0].clone()))
    with torch.inference_mode():
        engine.loaded.model(input_ids=torch.tensor([engine.tokenize(TEXT)]))
    handle.remove()
    # Run i + 1 starts from what run i produced, which is LayerNorm'd from capture i: order matters.
    for run in range(2):
        assert (vectors[run] - store[run + 1]).abs().max() > 1e-3


@pytest.mark.parametrize("family", REFUSED_FAMILIES)
def test_families_without_a_post_attention_residual_are_refused_in_one_line(family_folders, capsys, family):
    assert main(["analyze", "--model", str(family_folders[family]), "--text", "x"]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1
    assert "parallel" in lines[0]
    if family == "cohere":  # not in the table: generic discovery says what it tried
        assert "not in the table" in lines[0] and "tried:" in lines[0]


def test_a_family_not_in_the_table_is_discovered_and_verified(family_engine):
    engine = family_engine("starcoder2")
    assert not any("starcoder2" in adapter.model_types for adapter in ADAPTERS)
    assert isinstance(engine.adapter, DiscoveredAdapter)
    assert engine.adapter.point == "post_attention_layernorm"
    assert engine.adapter.causal
    assert engine.info.variants == ("raw",) and engine.info.methods == ("exact",)


@pytest.mark.parametrize(
    ("family", "point", "causal"),
    [
        ("bert", "attention.output.LayerNorm", False),
        ("llama", "post_attention_layernorm", True),
        ("gemma2", "pre_feedforward_layernorm", True),
        ("olmo2", "mlp", True),
        ("gpt2", "ln_2", True),
        ("modernbert", "mlp_norm", False),
    ],
)
def test_discovery_finds_what_the_table_says_on_families_in_it(family_folders, family, point, causal):
    """Run on families whose answer is known, discovery picks the same analysis point as their adapter."""
    model = AutoModel.from_pretrained(family_folders[family], attn_implementation="eager").eval()
    discovered = discover_adapter(model)
    assert discovered.point == point
    assert discovered.causal == causal


def test_discovery_refuses_a_model_whose_blocks_cannot_be_found(family_folders):
    model = AutoModel.from_pretrained(family_folders["llama"], attn_implementation="eager").eval()
    model.config.num_hidden_layers = 7
    with pytest.raises(UnsupportedModelError, match="no list of 7 blocks"):
        discover_adapter(model)


@pytest.mark.parametrize("family", SUPPORTED_FAMILIES)
def test_cli_json_answers_for_every_family(family_folders, capsys, family):
    folder = str(family_folders[family])
    assert main(["analyze", "--model", folder, "--text", TEXT, "--json", "--top-k", "2"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["model"]["name"] == folder
    assert len(answer["variants"]["raw"]["rank"]) == len(answer["tokens"])


def test_a_bf16_checkpoint_is_analysed_in_float32_like_its_fp32_twin(family_engine):
    """The bf16 folder holds the fp32 twin's weights rounded to bf16: every weight is float32 once loaded,
    and its journey equals a brute force over those (exactly representable) values."""
    engine = family_engine("llama-bf16")
    assert {p.dtype for p in engine.loaded.model.parameters()} == {torch.float32}
    twin = family_engine("llama").loaded.model.embed_tokens.weight
    rounded = twin.to(torch.bfloat16).float()
    assert torch.equal(engine.loaded.model.embed_tokens.weight, rounded)
    assert engine.encodings(TEXT).vectors.dtype == torch.float32


@pytest.mark.parametrize("family", ["llama", "gemma2", "xlm-roberta"])
def test_sentencepiece_word_starts_and_byte_pieces_are_readable(family_engine, family):
    engine = family_engine(family)
    texts = [token.text for token in engine.analyze(TEXT, top_k=1).tokens]
    assert not any("▁" in text for text in texts)
    assert any(text.startswith("␣") for text in texts)
    if family != "xlm-roberta":  # Llama 2 and Gemma fall back to bytes for the line break
        assert "↵" in texts
    assert not any(text.startswith("<0x") for text in engine.vocabulary_texts if text != "<0x>")


def test_hub_ids_are_accepted_and_fail_fast_offline(capsys):
    assert main(["analyze", "--model", "Qwen/Qwen3-0.6B", "--text", "x"]) == 2
    error = capsys.readouterr().err
    assert "Qwen/Qwen3-0.6B" in error and "cannot be reached" in error
    assert len(error.strip().splitlines()) == 1


def test_causal_mask_off_is_refused_for_encoders(family_folders, engine_settings):
    with pytest.raises(Exception, match="applies to decoders"):
        JourneyEngine.load(str(family_folders["albert"]), causal_mask=False, settings=engine_settings)


DECODERS = ("gpt2", "opt", "opt-350m", "llama", "qwen3", "gemma2", "olmo2", "phi3", "gpt_neox")


@pytest.mark.parametrize("family", DECODERS)
def test_causal_mask_off_lets_early_tokens_see_later_ones_and_keeps_positions(
    family_folders, family, engine_settings
):
    """With the mask on, a prefix's encodings do not depend on what follows; with it off they do, while the
    first block still receives exactly the same input (positions are numbered as with the mask on)."""
    causal = JourneyEngine.load(str(family_folders[family]), settings=engine_settings)
    bidirectional = JourneyEngine.load(
        str(family_folders[family]), causal_mask=False, settings=engine_settings
    )
    short, long = "The old man", "The old man the boat"
    prefix = len(causal.tokenize(short))
    causal_short, causal_long = causal.encodings(short).vectors, causal.encodings(long).vectors
    assert (causal_short - causal_long[:, :prefix]).abs().max() <= 1e-5
    open_short, open_long = bidirectional.encodings(short).vectors, bidirectional.encodings(long).vectors
    assert (open_short - open_long[:, :prefix]).abs().max() > 1e-3
    inputs = []
    handles = [
        engine.adapter.blocks()[0].register_forward_pre_hook(
            lambda _m, args, kwargs: inputs.append((args[0] if args else kwargs["hidden_states"]).clone()),
            with_kwargs=True,
        )
        for engine in (causal, bidirectional)
    ]
    causal.encodings(long)
    bidirectional.encodings(long)
    for handle in handles:
        handle.remove()
    assert len(inputs) == 2 and torch.equal(inputs[0], inputs[1])


def test_causal_mask_off_is_refused_where_attention_keeps_its_own(family_folders, engine_settings):
    """GPT-Neo masks inside its attention module, so the switch would silently do nothing."""
    with pytest.raises(InputError, match="inside attention"):
        JourneyEngine.load(str(family_folders["gpt_neo"]), causal_mask=False, settings=engine_settings)
