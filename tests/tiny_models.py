"""Tiny randomly initialised models of every supported family, saved like real checkpoints.

Each family gets a small tokenizer trained here with `tokenizers`, so no test downloads anything.
"""

from __future__ import annotations

from pathlib import Path

import torch
from tokenizers import BertWordPieceTokenizer, ByteLevelBPETokenizer
from transformers import (
    BertConfig,
    BertModel,
    BertTokenizerFast,
    DistilBertConfig,
    DistilBertModel,
    GPT2Config,
    GPT2Model,
    GPT2TokenizerFast,
    RobertaConfig,
    RobertaModel,
    RobertaTokenizerFast,
)

TRAINING_TEXT = [
    "Time flies like an arrow. Fruit flies like a banana.",
    "The bank by the river bank was closed, and the dog's bark was loud.",
    "She said that the keys to the cabinet are on the table.",
    "In 1999, 42 people paid $3.50 each for café crème and naïve crêpes in Zürich.",
    "The old man the boat while the horse raced past the barn fell.",
    "Attention layers move each token's encoding towards its context, then back again.",
    "Can you tell me where the nearest station is? Yes, it is over there!",
]
TINY = {
    "hidden_size": 32,
    "num_hidden_layers": 3,
    "num_attention_heads": 4,
    "intermediate_size": 64,
    "initializer_range": 0.2,
}
MAX_POSITIONS = 64


def _byte_level_tokenizer(folder: Path, special_tokens: list[str]) -> Path:
    trainer = ByteLevelBPETokenizer()
    trainer.train_from_iterator(
        TRAINING_TEXT * 5, vocab_size=400, min_frequency=1, special_tokens=special_tokens
    )
    trainer.save_model(str(folder))
    return folder


def _save(model: torch.nn.Module, tokenizer, folder: Path) -> Path:
    torch.manual_seed(0)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def build_tiny_roberta(folder: Path) -> Path:
    _byte_level_tokenizer(folder, ["<s>", "<pad>", "</s>", "<unk>", "<mask>"])
    tokenizer = RobertaTokenizerFast.from_pretrained(folder)
    torch.manual_seed(1)
    config = RobertaConfig(
        vocab_size=len(tokenizer), max_position_embeddings=MAX_POSITIONS + 2, pad_token_id=1, **TINY
    )
    return _save(RobertaModel(config), tokenizer, folder)


def build_tiny_gpt2(folder: Path) -> Path:
    _byte_level_tokenizer(folder, ["<|endoftext|>"])
    tokenizer = GPT2TokenizerFast.from_pretrained(folder)
    torch.manual_seed(2)
    config = GPT2Config(
        vocab_size=len(tokenizer),
        n_positions=MAX_POSITIONS,
        n_embd=32,
        n_layer=3,
        n_head=4,
        initializer_range=0.2,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
    )
    return _save(GPT2Model(config), tokenizer, folder)


def _word_piece_tokenizer(folder: Path) -> BertTokenizerFast:
    trainer = BertWordPieceTokenizer(lowercase=True)
    trainer.train_from_iterator(TRAINING_TEXT * 5, vocab_size=300, min_frequency=1)
    trainer.save_model(str(folder))
    return BertTokenizerFast.from_pretrained(folder)


def build_tiny_bert(folder: Path) -> Path:
    tokenizer = _word_piece_tokenizer(folder)
    torch.manual_seed(3)
    config = BertConfig(
        vocab_size=len(tokenizer), max_position_embeddings=MAX_POSITIONS, pad_token_id=0, **TINY
    )
    return _save(BertModel(config), tokenizer, folder)


def build_tiny_distilbert(folder: Path) -> Path:
    tokenizer = _word_piece_tokenizer(folder)
    torch.manual_seed(4)
    config = DistilBertConfig(
        vocab_size=len(tokenizer),
        max_position_embeddings=MAX_POSITIONS,
        dim=32,
        n_layers=3,
        n_heads=4,
        hidden_dim=64,
        initializer_range=0.2,
    )
    return _save(DistilBertModel(config), tokenizer, folder)


BUILDERS = {
    "roberta": build_tiny_roberta,
    "bert": build_tiny_bert,
    "distilbert": build_tiny_distilbert,
    "gpt2": build_tiny_gpt2,
}
ENCODER_FAMILIES = ("roberta", "bert", "distilbert")
