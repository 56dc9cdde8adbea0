"""Randomly initialised models shaped like real checkpoints, saved once under build/bench-models/.

Real weights cannot be downloaded here, but their cost can be measured: a random model with a checkpoint's
exact shapes does the same arithmetic. Only the tokenizer is small (trained here on a few sentences), which
does not change the cost of analysing a given number of tokens.

- roberta-base: `RobertaConfig()` defaults plus 514 positions and one token type (12 layers, hidden 768,
  12 heads, 3,072 FFN, 50,265 vocabulary rows).
- Qwen3-0.6B: 28 layers, hidden 1,024, 16 query heads and 8 key/value heads of 128, 3,072 FFN, 151,936
  vocabulary rows, tied embeddings; saved in bfloat16 like the real checkpoint (analysed in float32).
- Llama-3.1-8B: 32 layers, hidden 4,096, 32 query heads and 8 key/value heads of 128, 14,336 FFN, 128,256
  vocabulary rows; bfloat16, about 16 GB, built on the device it is asked for (a GPU builds it in seconds)
  and meant to be deleted after use. Its tokenizer is made like the Qwen3 shape's.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import torch
from tokenizers import ByteLevelBPETokenizer
from transformers import (
    LlamaConfig,
    LlamaModel,
    PreTrainedModel,
    PreTrainedTokenizerBase,
    Qwen2Tokenizer,
    Qwen3Config,
    Qwen3Model,
    RobertaConfig,
    RobertaModel,
    RobertaTokenizerFast,
)

from journeys.indexer import config
from journeys.indexer.atomic_files import fsync_tree, replace_folder

ROBERTA_BASE_VOCAB_SIZE = 50265
QWEN3_VOCAB_SIZE = 151936
ROBERTA_FOLDER = config.BENCH_MODELS_DIR / "roberta-base-shaped"
QWEN3_FOLDER = config.BENCH_MODELS_DIR / "qwen3-0.6b-shaped"
LLAMA_8B_FOLDER = config.BENCH_MODELS_DIR / "llama-3.1-8b-shaped"
LLAMA_8B_SHAPE = {
    "vocab_size": 128256,
    "hidden_size": 4096,
    "intermediate_size": 14336,
    "num_hidden_layers": 32,
    "num_attention_heads": 32,
    "num_key_value_heads": 8,
    "head_dim": 128,
    "max_position_embeddings": 131072,
}
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


def _save_once(
    folder: Path, build: Callable[[Path], tuple[PreTrainedModel, PreTrainedTokenizerBase]]
) -> Path:
    """Save the model `build(folder)` returns, with its tokenizer, unless the folder already holds it: written
    into a folder of its own that then takes `folder`'s place whole, so an interrupted run leaves no half
    model behind."""
    if (folder / "config.json").is_file() and (folder / "model.safetensors").is_file():
        return folder
    partial = folder.with_name(f".{folder.name}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    model, tokenizer = build(partial)
    tokenizer.save_pretrained(partial)
    model.save_pretrained(partial)
    fsync_tree(partial)
    replace_folder(partial, folder)
    return folder


def _roberta(folder: Path) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    _trained_byte_level(folder, ["<s>", "<pad>", "</s>", "<unk>", "<mask>"])
    tokenizer = RobertaTokenizerFast.from_pretrained(folder)
    torch.manual_seed(0)
    shape = RobertaConfig(vocab_size=ROBERTA_BASE_VOCAB_SIZE, max_position_embeddings=514, type_vocab_size=1)
    return RobertaModel(shape, add_pooling_layer=False), tokenizer


def _qwen_tokenizer(folder: Path) -> Qwen2Tokenizer:
    """A small byte-level BPE tokenizer that, like Qwen's, adds no special tokens."""
    _trained_byte_level(folder, ["<|endoftext|>"])
    return Qwen2Tokenizer(
        vocab=str(folder / "vocab.json"),
        merges=str(folder / "merges.txt"),
        unk_token=None,
        bos_token=None,
        eos_token="<|endoftext|>",
        pad_token="<|endoftext|>",
    )


def _qwen3(folder: Path) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    tokenizer = _qwen_tokenizer(folder)
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
    return Qwen3Model(shape).to(torch.bfloat16), tokenizer


def _llama_8b(folder: Path, device: str) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    tokenizer = _qwen_tokenizer(folder)
    torch.manual_seed(0)
    shape = LlamaConfig(
        **LLAMA_8B_SHAPE, pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id
    )
    with torch.device(device):  # created in bfloat16 where it will be saved from: no float32 copy
        return LlamaModel._from_config(shape, dtype=torch.bfloat16), tokenizer


def save_roberta_shaped_model(folder: Path = ROBERTA_FOLDER) -> Path:
    """Save (once) a random roberta-base-shaped model with a small tokenizer into `folder`."""
    return _save_once(folder, _roberta)


def save_qwen3_shaped_model(folder: Path = QWEN3_FOLDER) -> Path:
    """Save (once) a random Qwen3-0.6B-shaped model (bfloat16) with a small tokenizer into `folder`."""
    return _save_once(folder, _qwen3)


def save_llama_8b_shaped_model(folder: Path = LLAMA_8B_FOLDER, device: str = "cpu") -> Path:
    """Save (once) a random Llama-3.1-8B-shaped model (bfloat16, about 16 GB), built on `device`."""
    return _save_once(folder, lambda partial: _llama_8b(partial, device))


if __name__ == "__main__":
    print(save_roberta_shaped_model())
    print(save_qwen3_shaped_model())
