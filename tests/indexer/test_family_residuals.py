"""Where each family's post-attention residual is, proved with hooks written here, not the indexer's.

`reference_residuals` rebuilds it from each block's input, output and branch outputs; the tests check it
against the input of the family's analysis-point module and against what the MLP receives. The last
tests compare the engine's capture with it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
import torch
from safetensors import safe_open
from torch import nn
from transformers import AutoModel, AutoTokenizer, PreTrainedModel, PreTrainedTokenizerBase

from journeys.indexer.engine import JourneyEngine
from tiny_families import FAMILY_BUILDERS, REFUSED_FAMILIES, SUPPORTED_FAMILIES

TEXT = "The old man the boat, and the dog's bark was loud in Zürich!"
#: Relative to the tensors' largest entry: a residual rebuilt as (block output - MLP branch) carries the
#: float32 rounding of that sum.
TOLERANCE = 1e-5

Pick = Callable[[nn.Module], nn.Module]


@dataclass(frozen=True)
class Residual:
    """Where one family keeps its post-attention residual, and how to rebuild it from a block's tensors."""

    blocks: Callable[[nn.Module], nn.ModuleList]  # from the AutoModel base model
    analysis_point: Pick  # the module whose input is the post-attention residual
    mlp_in: Pick  # the MLP's first linear
    branch: Pick  # pre-LN: the MLP branch added last; post-LN: the attention projection (after dropout)
    post_ln: bool = False  # residual = block input + branch, instead of block output - branch
    norm: Pick | None = None  # maps the residual to the MLP input; defaults to the analysis point


LLAMA = Residual(
    blocks=lambda model: model.layers,
    analysis_point=lambda block: block.post_attention_layernorm,
    mlp_in=lambda block: block.mlp.gate_proj,
    branch=lambda block: block.mlp,
)
GEMMA = Residual(  # trap: post_attention_layernorm normalises the attention output before it is added
    blocks=lambda model: model.layers,
    analysis_point=lambda block: block.pre_feedforward_layernorm,
    mlp_in=lambda block: block.mlp.gate_proj,
    branch=lambda block: block.post_feedforward_layernorm,
)
BERT_LIKE = Residual(
    blocks=lambda model: model.encoder.layer,
    analysis_point=lambda block: block.attention.output.LayerNorm,
    mlp_in=lambda block: block.intermediate.dense,
    branch=lambda block: block.attention.output.dropout,
    post_ln=True,
)
RESIDUALS: dict[str, Residual] = {
    "bert": BERT_LIKE,
    "roberta": BERT_LIKE,
    "distilbert": Residual(
        blocks=lambda model: model.transformer.layer,
        analysis_point=lambda block: block.sa_layer_norm,
        mlp_in=lambda block: block.ffn.lin1,
        branch=lambda block: block.attention,
        post_ln=True,
    ),
    "gpt2": Residual(
        blocks=lambda model: model.h,
        analysis_point=lambda block: block.ln_2,
        mlp_in=lambda block: block.mlp.c_fc,
        branch=lambda block: block.mlp,
    ),
    "xlm-roberta": BERT_LIKE,
    "electra": BERT_LIKE,  # embeddings_project (16 -> 32) runs before the first block, outside it
    "deberta-v2": BERT_LIKE,  # relative position terms live inside attention, not in the residual
    "deberta-v2-absolute": BERT_LIKE,
    "modernbert": Residual(  # trap: layers[0].attn_norm is nn.Identity (the embeddings are normed already)
        blocks=lambda model: model.layers,
        analysis_point=lambda block: block.mlp_norm,
        mlp_in=lambda block: block.mlp.Wi,
        branch=lambda block: block.mlp,
    ),
    "llama": LLAMA,
    "llama-bf16": LLAMA,
    "mistral": LLAMA,
    "qwen2": LLAMA,
    "qwen3": LLAMA,
    "phi3": Residual(  # fused gate_up_proj; the MLP branch passes resid_mlp_dropout (identity in eval)
        blocks=lambda model: model.layers,
        analysis_point=lambda block: block.post_attention_layernorm,
        mlp_in=lambda block: block.mlp.gate_up_proj,
        branch=lambda block: block.mlp,
    ),
    "olmo2": Residual(  # trap: norms come after each sublayer, so the MLP reads the raw residual
        blocks=lambda model: model.layers,
        analysis_point=lambda block: block.mlp,
        mlp_in=lambda block: block.mlp.gate_proj,
        branch=lambda block: block.post_feedforward_layernorm,
        norm=lambda block: nn.Identity(),
    ),
    "gemma2": GEMMA,
    "gemma3_text": GEMMA,
    "opt": Residual(  # trap: the block reshapes to (tokens, hidden) before its own final_layer_norm
        blocks=lambda model: model.decoder.layers,
        analysis_point=lambda block: block.final_layer_norm,
        mlp_in=lambda block: block.fc1,
        branch=lambda block: block.fc2,
    ),
    "opt-350m": Residual(  # trap: do_layer_norm_before=False makes self_attn_layer_norm a post-LN norm
        blocks=lambda model: model.decoder.layers,
        analysis_point=lambda block: block.self_attn_layer_norm,
        mlp_in=lambda block: block.fc1,
        branch=lambda block: block.self_attn,
        post_ln=True,
    ),
    "gpt_neo": Residual(
        blocks=lambda model: model.h,
        analysis_point=lambda block: block.ln_2,
        mlp_in=lambda block: block.mlp.c_fc,
        branch=lambda block: block.mlp,
    ),
    "albert": Residual(  # trap: one shared layer module runs num_hidden_layers times: one residual per call
        blocks=lambda model: model.encoder.albert_layer_groups[0].albert_layers,
        analysis_point=lambda block: block.attention.LayerNorm,
        mlp_in=lambda block: block.ffn,
        branch=lambda block: block.attention.output_dropout,
        post_ln=True,
    ),
    "gpt_neox": Residual(  # only with use_parallel_residual=False
        blocks=lambda model: model.layers,
        analysis_point=lambda block: block.post_attention_layernorm,
        mlp_in=lambda block: block.mlp.dense_h_to_4h,
        branch=lambda block: block.mlp,
    ),
    "starcoder2": Residual(
        blocks=lambda model: model.layers,
        analysis_point=lambda block: block.post_attention_layernorm,
        mlp_in=lambda block: block.mlp.c_fc,
        branch=lambda block: block.mlp,
    ),
}


@dataclass(frozen=True)
class Parallel:
    """A refused family's block: its MLP reads a norm of the block input, never the attention output."""

    blocks: Callable[[nn.Module], nn.ModuleList]
    mlp_in: Pick
    norm: Pick


PARALLEL: dict[str, Parallel] = {
    "gpt_neox_parallel": Parallel(
        lambda model: model.layers,
        lambda block: block.mlp.dense_h_to_4h,
        lambda block: block.post_attention_layernorm,
    ),
    "phi": Parallel(
        lambda model: model.layers, lambda block: block.mlp.fc1, lambda block: block.input_layernorm
    ),
    "gptj": Parallel(lambda model: model.h, lambda block: block.mlp.fc_in, lambda block: block.ln_1),
    "cohere": Parallel(
        lambda model: model.layers, lambda block: block.mlp.gate_proj, lambda block: block.input_layernorm
    ),
}

# What `tokenizer(text, add_special_tokens=True)` puts first and last, as the real family does.
SPECIAL_ENDS: dict[str, tuple[str | None, str | None]] = {
    "bert": ("[CLS]", "[SEP]"),
    "distilbert": ("[CLS]", "[SEP]"),
    "roberta": ("<s>", "</s>"),
    "gpt2": (None, None),
    "xlm-roberta": ("<s>", "</s>"),
    "electra": ("[CLS]", "[SEP]"),
    "deberta-v2": ("[CLS]", "[SEP]"),
    "deberta-v2-absolute": ("[CLS]", "[SEP]"),
    "albert": ("[CLS]", "[SEP]"),
    "modernbert": ("[CLS]", "[SEP]"),
    "llama": ("<s>", None),
    "llama-bf16": ("<s>", None),
    "mistral": ("<s>", None),
    "gemma2": ("<bos>", None),
    "gemma3_text": ("<bos>", None),
    "opt": ("</s>", None),
    "opt-350m": ("</s>", None),
    "cohere": ("<BOS_TOKEN>", None),
    **{family: (None, None) for family in ("qwen2", "qwen3", "phi3", "olmo2", "gpt_neo", "gpt_neox")},
    **{family: (None, None) for family in ("gpt_neox_parallel", "phi", "gptj", "starcoder2")},
}


def residual_row(model: PreTrainedModel) -> Residual:
    """The table row for a loaded model, told apart by config where one model_type has two shapes."""
    config = model.config
    if config.model_type == "gpt_neox" and config.use_parallel_residual:
        raise ValueError("parallel attention and MLP: there is no post-attention residual")
    if config.model_type == "opt" and not config.do_layer_norm_before:
        return RESIDUALS["opt-350m"]
    return RESIDUALS[config.model_type]


class Recorder:
    """Forward hooks that keep each call's tensor as (tokens, hidden), in call order."""

    def __init__(self) -> None:
        self.handles: list[torch.utils.hooks.RemovableHandle] = []

    def inputs(self, modules: list[nn.Module]) -> list[torch.Tensor]:
        """The hidden-state input of every call to `modules`."""
        store: list[torch.Tensor] = []

        def hook(_module: nn.Module, args: tuple, kwargs: dict) -> None:
            store.append(flat(args[0] if args else kwargs["hidden_states"]))

        self.handles += [module.register_forward_pre_hook(hook, with_kwargs=True) for module in modules]
        return store

    def outputs(self, modules: list[nn.Module]) -> list[torch.Tensor]:
        """The (first) output of every call to `modules`."""
        store: list[torch.Tensor] = []

        def hook(_module: nn.Module, _args: tuple, output: torch.Tensor | tuple) -> None:
            store.append(flat(output[0] if isinstance(output, tuple) else output))

        self.handles += [module.register_forward_hook(hook) for module in modules]
        return store

    def remove(self) -> None:
        """Detach every hook."""
        for handle in self.handles:
            handle.remove()


def close(found: torch.Tensor, expected: torch.Tensor) -> bool:
    """Equal to within float32 rounding of the larger entries."""
    scale = max(1.0, float(expected.abs().max()))
    return float((found - expected).abs().max()) <= TOLERANCE * scale


def flat(tensor: torch.Tensor) -> torch.Tensor:
    """A batch-of-one hidden-state tensor as (tokens, hidden), copied out of the forward pass."""
    return tensor.detach().reshape(-1, tensor.shape[-1]).clone()


@contextmanager
def recording() -> Iterator[Recorder]:
    """A Recorder whose hooks are removed on exit."""
    recorder = Recorder()
    try:
        yield recorder
    finally:
        recorder.remove()


def run(model: PreTrainedModel, input_ids: torch.Tensor) -> None:
    """One eval forward pass without gradients."""
    with torch.inference_mode():
        model(input_ids=input_ids)


def reference_residuals(model: PreTrainedModel, input_ids: torch.Tensor) -> torch.Tensor:
    """The post-attention residual of every layer call, (layers, tokens, hidden), from block tensors."""
    row = residual_row(model)
    blocks = list(row.blocks(model))
    with recording() as recorder:
        block_inputs = recorder.inputs(blocks)
        block_outputs = recorder.outputs(blocks)
        branches = recorder.outputs([row.branch(block) for block in blocks])
        run(model, input_ids)
    if row.post_ln:
        return torch.stack([start + branch for start, branch in zip(block_inputs, branches, strict=True)])
    return torch.stack([end - branch for end, branch in zip(block_outputs, branches, strict=True)])


def mlp_inputs(model: PreTrainedModel, input_ids: torch.Tensor) -> torch.Tensor:
    """What each layer call's MLP receives (its first linear's input), (layers, tokens, hidden)."""
    row = residual_row(model)
    with recording() as recorder:
        received = recorder.inputs([row.mlp_in(block) for block in row.blocks(model)])
        run(model, input_ids)
    return torch.stack(received)


def analysis_point_inputs(model: PreTrainedModel, input_ids: torch.Tensor) -> torch.Tensor:
    """The input of each layer call's analysis-point module, (layers, tokens, hidden)."""
    row = residual_row(model)
    with recording() as recorder:
        received = recorder.inputs([row.analysis_point(block) for block in row.blocks(model)])
        run(model, input_ids)
    return torch.stack(received)


def layer_call_blocks(model: PreTrainedModel) -> list[nn.Module]:
    """The block module behind each layer call (ALBERT's single shared layer, once per call)."""
    blocks = list(residual_row(model).blocks(model))
    return blocks * (model.config.num_hidden_layers // len(blocks))


@cache
def load(folder: Path) -> tuple[PreTrainedModel, PreTrainedTokenizerBase, torch.Tensor]:
    """A saved tiny family loaded like the tool loads models, with TEXT's token ids."""
    model = AutoModel.from_pretrained(folder, attn_implementation="eager", dtype=torch.float32).eval()
    tokenizer = AutoTokenizer.from_pretrained(folder)
    input_ids = torch.tensor([tokenizer(TEXT, add_special_tokens=True)["input_ids"]])
    return model, tokenizer, input_ids


def test_every_family_has_a_builder_and_a_row():
    assert set(SUPPORTED_FAMILIES) == set(RESIDUALS)
    assert set(REFUSED_FAMILIES) == set(PARALLEL)
    assert set(FAMILY_BUILDERS) == set(SPECIAL_ENDS)


@pytest.mark.parametrize("family", list(FAMILY_BUILDERS))
def test_folder_loads_like_a_real_checkpoint(family_folders, family):
    """float32 on load, special ids in config match the tokenizer's, and specials added as the family does."""
    folder = family_folders[family]
    model, tokenizer, input_ids = load(folder)
    assert {parameter.dtype for parameter in model.parameters()} == {torch.float32}
    with safe_open(folder / "model.safetensors", "pt") as weights:
        names = weights.keys()
        saved = {weights.get_tensor(name).dtype for name in names}
    assert saved == {torch.bfloat16 if family == "llama-bf16" else torch.float32}
    for name in ("pad_token_id", "bos_token_id", "eos_token_id"):
        assert getattr(model.config, name) == getattr(tokenizer, name), name
    assert model.config.vocab_size == len(tokenizer)
    assert input_ids.shape[1] <= 64
    tokens = tokenizer.convert_ids_to_tokens(input_ids[0].tolist())
    specials = set(tokenizer.all_special_tokens)
    first, last = SPECIAL_ENDS[family]
    assert tokens[0] == first if first else tokens[0] not in specials
    assert tokens[-1] == last if last else tokens[-1] not in specials


@pytest.mark.parametrize("family", SUPPORTED_FAMILIES)
def test_analysis_point_input_is_the_reference_residual(family_folders, family):
    """(a) pre-LN: the pre-MLP norm's input; (b) post-LN: the attention-output LayerNorm's input."""
    model, _, input_ids = load(family_folders[family])
    reference = reference_residuals(model, input_ids)
    assert reference.shape == (model.config.num_hidden_layers, input_ids.shape[1], model.config.hidden_size)
    assert close(analysis_point_inputs(model, input_ids), reference)
    row = residual_row(model)
    with recording() as recorder:  # the reference is neither the block's input nor its output
        block_inputs = recorder.inputs(list(row.blocks(model)))
        block_outputs = recorder.outputs(list(row.blocks(model)))
        run(model, input_ids)
    assert (reference - torch.stack(block_inputs)).abs().max() > 1e-3
    assert (reference - torch.stack(block_outputs)).abs().max() > 1e-3


@pytest.mark.parametrize("family", SUPPORTED_FAMILIES)
def test_norm_of_reference_residual_is_the_mlp_input(family_folders, family):
    """(c) the family's norm applied to the reference residual is exactly what the MLP receives."""
    model, _, input_ids = load(family_folders[family])
    row = residual_row(model)
    reference = reference_residuals(model, input_ids)
    received = mlp_inputs(model, input_ids)
    with torch.inference_mode():
        for index, block in enumerate(layer_call_blocks(model)):
            norm = (row.norm or row.analysis_point)(block)
            assert close(norm(reference[index]), received[index]), f"layer {index}"


@pytest.mark.parametrize("family", REFUSED_FAMILIES)
def test_refused_family_mlp_reads_a_norm_of_the_block_input(family_folders, family):
    """Parallel blocks: the MLP never sees the attention output, so no post-attention residual exists."""
    model, _, input_ids = load(family_folders[family])
    row = PARALLEL[family]
    blocks = list(row.blocks(model))
    with recording() as recorder:
        block_inputs = recorder.inputs(blocks)
        received = recorder.inputs([row.mlp_in(block) for block in blocks])
        run(model, input_ids)
    with torch.inference_mode():
        for block, start, mlp_input in zip(blocks, block_inputs, received, strict=True):
            assert close(row.norm(block)(start), mlp_input)
    if family == "gpt_neox_parallel":
        with pytest.raises(ValueError, match="parallel"):
            residual_row(model)


@pytest.mark.parametrize("family", SUPPORTED_FAMILIES)
def test_engine_capture_equals_reference_residual(family_folders, family, engine_settings):
    """The engine's exact encodings are the reference residuals, in float32."""
    folder = family_folders[family]
    engine = JourneyEngine.load(str(folder), settings=engine_settings)
    model, _, input_ids = load(folder)
    assert engine.tokenize(TEXT) == input_ids[0].tolist()
    vectors = engine.encodings(TEXT).vectors
    reference = reference_residuals(model, input_ids)
    assert vectors.dtype == torch.float32
    assert vectors.shape == reference.shape
    assert close(vectors, reference)


# Also exercises the engine: parallel blocks have no post-attention residual, so loading must refuse them.
@pytest.mark.parametrize("family", REFUSED_FAMILIES)
def test_engine_refuses_parallel_family(family_folders, family, engine_settings):
    with pytest.raises(Exception, match="parallel"):
        JourneyEngine.load(str(family_folders[family]), settings=engine_settings)


def test_minilm_capture_equals_reference_residual(minilm_engine):
    """The bundled MiniLM (BERT-shaped) too."""
    input_ids = torch.tensor([minilm_engine.tokenize(TEXT)])
    reference = reference_residuals(minilm_engine.loaded.model, input_ids)
    assert close(minilm_engine.encodings(TEXT).vectors, reference)
