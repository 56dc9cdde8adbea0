"""A randomly initialised model shaped like roberta-base, saved once under build/bench-models/.

roberta-base cannot be downloaded here, but its cost can be measured: `RobertaConfig()` defaults plus
514 positions and one token type are roberta-base's shape (12 layers, hidden 768, 12 heads, 3,072 FFN),
and the embedding matrix keeps all 50,265 rows. Only the tokenizer is small (trained here on a few
sentences), which does not change the cost of analysing a given number of tokens.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import torch
from tokenizers import ByteLevelBPETokenizer
from transformers import RobertaConfig, RobertaModel, RobertaTokenizerFast

from indexer import config
from indexer.atomic_files import fsync_tree, replace_folder

ROBERTA_BASE_VOCAB_SIZE = 50265
DEFAULT_FOLDER = config.BENCH_MODELS_DIR / "roberta-base-shaped"
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
#: The benchmark sentence: 32 tokens (special tokens included) with this folder's tokenizer.
BENCH_TEXT = (
    "The children said that the river by the old market is where each word moves towards its context,"
    " and later layers move it back again"
)


def _save_tokenizer(folder: Path) -> RobertaTokenizerFast:
    trainer = ByteLevelBPETokenizer()
    trainer.train_from_iterator(
        TRAINING_TEXT * 10,
        vocab_size=TOKENIZER_VOCAB_SIZE,
        min_frequency=1,
        special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"],
    )
    trainer.save_model(str(folder))
    return RobertaTokenizerFast.from_pretrained(folder)


def save_roberta_shaped_model(folder: Path = DEFAULT_FOLDER) -> Path:
    """Save (once) a random roberta-base-shaped model with a small tokenizer into `folder`: written into a
    folder of its own that takes `folder`'s place whole, so an interrupted run leaves no half model."""
    if (folder / "config.json").is_file() and (folder / "model.safetensors").is_file():
        return folder
    partial = folder.with_name(f".{folder.name}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    tokenizer = _save_tokenizer(partial)
    torch.manual_seed(0)
    shape = RobertaConfig(vocab_size=ROBERTA_BASE_VOCAB_SIZE, max_position_embeddings=514, type_vocab_size=1)
    model = RobertaModel(shape, add_pooling_layer=False)
    tokenizer.save_pretrained(partial)
    model.save_pretrained(partial)
    fsync_tree(partial)
    replace_folder(partial, folder)
    return folder


if __name__ == "__main__":
    print(save_roberta_shaped_model())
