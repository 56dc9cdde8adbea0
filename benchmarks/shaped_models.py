"""Randomly initialised models shaped like real checkpoints, saved once under build/bench-models/.

Real weights cannot be downloaded here, but their cost can be measured: a random model with a checkpoint's
exact shapes does the same arithmetic. Only the tokenizer is small (trained here on a few sentences), which
does not change the cost of analysing a given number of tokens.

- roberta-base: `RobertaConfig()` defaults plus 514 positions and one token type (12 layers, hidden 768,
  12 heads, 3,072 FFN, 50,265 vocabulary rows).
  Saved in float32 like the real checkpoint, and once more rounded to bfloat16 for the bf16 rows.
- Qwen3-0.6B: 28 layers, hidden 1,024, 16 query heads and 8 key/value heads of 128, 3,072 FFN, 151,936
  vocabulary rows, tied embeddings; saved in bfloat16 like the real checkpoint, and once more with its
  (tied) language-model head, as the real checkpoint is, for the logit-lens row.
- Llama-3.1-8B: 32 layers, hidden 4,096, 32 query heads and 8 key/value heads of 128, 14,336 FFN, 128,256
  vocabulary rows, untied; about 16 GB in bfloat16. Its weights are drawn one tensor at a time straight in
  bfloat16 and written a layer per shard, so no float32 copy, and no whole model, is ever in memory.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import torch
from safetensors.torch import save_file
from tokenizers import ByteLevelBPETokenizer
from transformers import (
    LlamaConfig,
    LlamaModel,
    PreTrainedTokenizerBase,
    Qwen2Tokenizer,
    Qwen3Config,
    Qwen3ForCausalLM,
    Qwen3Model,
    RobertaConfig,
    RobertaModel,
    RobertaTokenizerFast,
)

from journeys.indexer.atomic_files import fsync_tree, replace_folder
from journeys.indexer.settings import EngineSettings

ROBERTA_BASE_VOCAB_SIZE = 50265
QWEN3_VOCAB_SIZE = 151936
LLAMA_8B_VOCAB_SIZE = 128256
#: The benchmarks are programs of their own: their build folder comes from the environment
#: (JOURNEYS_BUILD_DIR), read here, where they start.
BENCH_MODELS_DIR = EngineSettings.from_environment(os.environ).build_dir / "bench-models"
ROBERTA_FOLDER = BENCH_MODELS_DIR / "roberta-base-shaped"
ROBERTA_BF16_FOLDER = BENCH_MODELS_DIR / "roberta-base-shaped-bf16"
QWEN3_FOLDER = BENCH_MODELS_DIR / "qwen3-0.6b-shaped"
QWEN3_HEADED_FOLDER = BENCH_MODELS_DIR / "qwen3-0.6b-shaped-causal-lm"
LLAMA_8B_FOLDER = BENCH_MODELS_DIR / "llama-3.1-8b-shaped"
#: The random weights' spread, as transformers initialises these models (`initializer_range`).
INIT_STD = 0.02
TOKENIZER_VOCAB_SIZE = 2000
TRAINING_TEXT = [
    "Attention layers move each token's encoding towards its context, and later layers move it back.",
    "The bank by the river was closed on Sunday, so the fishermen sold their catch at the market.",
    "She said that the keys to the old wooden cabinet are on the kitchen table next to the window.",
    "In 1999, forty-two people paid three dollars each for coffee and pastries in a small cafe.",
    "Time flies like an arrow; fruit flies like a banana, and the children laughed at the joke.",
    "Researchers measured how far every word drifts from its own vocabulary embedding, layer by layer.",
    "Can you tell me where the nearest railway station is? Yes, it is over there, past the bridge.",
]
#: The benchmark sentence: 32 tokens (special tokens included) with the roberta-shaped folder's tokenizer.
BENCH_TEXT = (
    "The children said that the river by the old market is where each word moves towards its context,"
    " and later layers move it back again"
)
#: 32 tokens with the Qwen3-shaped folder's tokenizer, which adds no special tokens.
QWEN3_BENCH_TEXT = BENCH_TEXT + " later on"


def _trained_byte_level(folder: Path, special_tokens: list[str]) -> None:
    trainer = ByteLevelBPETokenizer()
    trainer.train_from_iterator(
        TRAINING_TEXT * 10, vocab_size=TOKENIZER_VOCAB_SIZE, min_frequency=1, special_tokens=special_tokens
    )
    trainer.save_model(str(folder))


def _save_once(folder: Path, build: Callable[[Path], None]) -> Path:
    """Let `build` write a model with its tokenizer into a folder of its own, which then takes `folder`'s
    place whole (so an interrupted run leaves no half model behind), unless `folder` already holds it."""
    if (folder / "config.json").is_file():
        return folder
    partial = folder.with_name(f".{folder.name}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    build(partial)
    fsync_tree(partial)
    replace_folder(partial, folder)
    return folder


def _roberta(folder: Path, dtype: torch.dtype) -> None:
    _trained_byte_level(folder, ["<s>", "<pad>", "</s>", "<unk>", "<mask>"])
    RobertaTokenizerFast.from_pretrained(folder).save_pretrained(folder)
    torch.manual_seed(0)
    shape = RobertaConfig(vocab_size=ROBERTA_BASE_VOCAB_SIZE, max_position_embeddings=514, type_vocab_size=1)
    RobertaModel(shape, add_pooling_layer=False).to(dtype).save_pretrained(folder)


def _byte_level_decoder_tokenizer(folder: Path) -> PreTrainedTokenizerBase:
    """A small byte-level tokenizer that adds no special tokens, saved into `folder`."""
    _trained_byte_level(folder, ["<|endoftext|>"])
    tokenizer = Qwen2Tokenizer(
        vocab=str(folder / "vocab.json"),
        merges=str(folder / "merges.txt"),
        unk_token=None,
        bos_token=None,
        eos_token="<|endoftext|>",
        pad_token="<|endoftext|>",
    )
    tokenizer.save_pretrained(folder)
    return tokenizer


def _qwen3(folder: Path, with_head: bool = False) -> None:
    tokenizer = _byte_level_decoder_tokenizer(folder)
    torch.manual_seed(0)
    shape = Qwen3Config(
        vocab_size=QWEN3_VOCAB_SIZE,
        hidden_size=1024,
        intermediate_size=3072,
        num_hidden_layers=28,
        num_attention_heads=16,
        num_key_value_heads=8,
        head_dim=128,
        max_position_embeddings=40960,
        tie_word_embeddings=True,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
    )
    model = Qwen3ForCausalLM(shape) if with_head else Qwen3Model(shape)
    model.to(torch.bfloat16).save_pretrained(folder)


def llama_8b_config(tokenizer: PreTrainedTokenizerBase) -> LlamaConfig:
    """Llama-3.1-8B's shapes, computing in bfloat16."""
    return LlamaConfig(
        vocab_size=LLAMA_8B_VOCAB_SIZE,
        hidden_size=4096,
        intermediate_size=14336,
        num_hidden_layers=32,
        num_attention_heads=32,
        num_key_value_heads=8,
        head_dim=128,
        max_position_embeddings=131072,
        rms_norm_eps=1e-5,
        tie_word_embeddings=False,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
        dtype="bfloat16",
    )


def _llama_8b(folder: Path) -> None:
    """Random weights in Llama-3.1-8B's shapes, drawn straight in bfloat16 one tensor at a time (norms 1,
    matrices normal with INIT_STD), written one shard per layer with the index transformers reads."""
    shape = llama_8b_config(_byte_level_decoder_tokenizer(folder))
    shape.save_pretrained(folder)
    with torch.device("meta"):
        names = LlamaModel(shape).state_dict()
    shards: dict[str, list[str]] = {}
    for name in names:
        part = name.split(".")[1] if name.startswith("layers.") else name.split(".")[0]
        shards.setdefault(part, []).append(name)
    generator = torch.Generator().manual_seed(0)
    weight_map, total = {}, 0
    for number, members in enumerate(shards.values(), start=1):
        file = f"model-{number:05d}-of-{len(shards):05d}.safetensors"
        tensors = {}
        for name in members:
            tensor = torch.empty(names[name].shape, dtype=torch.bfloat16)
            tensors[name] = (
                tensor.fill_(1) if tensor.dim() == 1 else tensor.normal_(0, INIT_STD, generator=generator)
            )
            total += tensor.nbytes
            weight_map[name] = file
        save_file(tensors, folder / file, metadata={"format": "pt"})
    index = {"metadata": {"total_size": total}, "weight_map": weight_map}
    (folder / "model.safetensors.index.json").write_text(json.dumps(index, indent=2), encoding="utf-8")


def save_roberta_shaped_model(folder: Path = ROBERTA_FOLDER) -> Path:
    """Save (once) a random roberta-base-shaped model (float32) with a small tokenizer into `folder`."""
    return _save_once(folder, lambda partial: _roberta(partial, torch.float32))


def save_roberta_shaped_bf16_model(folder: Path = ROBERTA_BF16_FOLDER) -> Path:
    """Save (once) the same random roberta-base-shaped model rounded to bfloat16 into `folder`."""
    return _save_once(folder, lambda partial: _roberta(partial, torch.bfloat16))


def save_qwen3_shaped_model(folder: Path = QWEN3_FOLDER) -> Path:
    """Save (once) a random Qwen3-0.6B-shaped model (bfloat16) with a small tokenizer into `folder`."""
    return _save_once(folder, _qwen3)


def save_qwen3_shaped_causal_lm(folder: Path = QWEN3_HEADED_FOLDER) -> Path:
    """Save (once) the Qwen3-0.6B-shaped model with its tied language-model head (bfloat16)."""
    return _save_once(folder, lambda target: _qwen3(target, with_head=True))


def save_llama_8b_shaped_model(folder: Path = LLAMA_8B_FOLDER) -> Path:
    """Save (once) a random Llama-3.1-8B-shaped model (bfloat16, about 16 GB) with a small tokenizer."""
    return _save_once(folder, _llama_8b)


if __name__ == "__main__":
    print(save_roberta_shaped_model())
    print(save_roberta_shaped_bf16_model())
    print(save_qwen3_shaped_model())
