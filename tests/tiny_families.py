"""Tiny randomly initialised models of many more families, saved like real checkpoints.

Each builder writes config + weights with `save_pretrained` and a small tokenizer trained here with
`tokenizers`, wrapped in the family's own transformers tokenizer class so that special tokens are
added the way the real family adds them. Nothing is downloaded.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import torch
from tokenizers import Tokenizer, models, pre_tokenizers, processors, trainers
from transformers import (
    AlbertTokenizer,
    AutoConfig,
    AutoModel,
    CohereTokenizer,
    DebertaV2Tokenizer,
    GemmaTokenizer,
    GPT2Tokenizer,
    GPTNeoXTokenizer,
    LlamaTokenizer,
    PreTrainedTokenizerBase,
    Qwen2Tokenizer,
    XLMRobertaTokenizer,
)

from tiny_models import (
    BUILDERS,
    MAX_POSITIONS,
    TINY,
    TRAINING_TEXT,
    _byte_level_tokenizer,
    _save,
    _word_piece_tokenizer,
)

EMBEDDING_SIZE = 16  # factorised / projected embedding width, half of TINY's hidden size
HEAD_DIM = TINY["hidden_size"] // TINY["num_attention_heads"]
ROTARY = {**TINY, "max_position_embeddings": MAX_POSITIONS, "num_key_value_heads": 2}
NORM_JITTER = 0.2


def _tiny(**renames: str) -> dict[str, int | float]:
    """TINY under the names a config class uses, e.g. `_tiny(n_embd="hidden_size")`."""
    new_name = {old: new for new, old in renames.items()}
    return {new_name.get(key, key): value for key, value in TINY.items()}


def _trained_on_words(model: models.Model, trainer: trainers.Trainer) -> dict:
    """Train a `tokenizers` model on TRAINING_TEXT split SentencePiece-style (`▁` word starts); its JSON."""
    tokenizer = Tokenizer(model)
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace()
    tokenizer.train_from_iterator(TRAINING_TEXT * 5, trainer)
    return json.loads(tokenizer.to_str())["model"]


def _unigram(
    tokenizer_class: type[PreTrainedTokenizerBase],
    leading: list[str],
    trailing: tuple[str, ...] = (),
    **options,
) -> PreTrainedTokenizerBase:
    """A SentencePiece-Unigram-style tokenizer (Metaspace `▁`), specials first and `trailing` last."""
    trainer = trainers.UnigramTrainer(vocab_size=300, special_tokens=leading)
    trained = _trained_on_words(models.Unigram(), trainer)["vocab"][len(leading) :]
    # training runs in threads: round scores and sort ties by text so every build numbers pieces alike
    learned = sorted(
        ((piece, round(score, 6)) for piece, score in trained), key=lambda item: (-item[1], item[0])
    )
    pieces = [(token, 0.0) for token in leading] + learned + [(token, 0.0) for token in trailing]
    return tokenizer_class(vocab=pieces, **options)


def _byte_fallback_bpe(
    tokenizer_class: type[PreTrainedTokenizerBase],
    leading: list[str],
    trailing: tuple[str, ...] = (),
    **options,
) -> PreTrainedTokenizerBase:
    """A SentencePiece-BPE tokenizer with byte fallback like Llama-2's: specials, <0x00>..<0xFF>, pieces."""
    trainer = trainers.BpeTrainer(vocab_size=300, min_frequency=1, special_tokens=leading)
    trained = _trained_on_words(models.BPE(), trainer)
    learned = [token for token, _ in sorted(trained["vocab"].items(), key=lambda item: item[1])]
    pieces = [*leading, *(f"<0x{byte:02X}>" for byte in range(256)), *learned[len(leading) :], *trailing]
    merges = [tuple(merge) for merge in trained["merges"]]
    return tokenizer_class(
        vocab={piece: index for index, piece in enumerate(pieces)}, merges=merges, **options
    )


def _byte_level_bpe(
    folder: Path, tokenizer_class: type[PreTrainedTokenizerBase], specials: list[str], **options
) -> PreTrainedTokenizerBase:
    """A GPT-2-style byte-level BPE tokenizer (`Ġ` marks a word start), specials first."""
    _byte_level_tokenizer(folder, specials)
    return tokenizer_class(vocab=str(folder / "vocab.json"), merges=str(folder / "merges.txt"), **options)


def _perturb_norms(model: torch.nn.Module) -> None:
    """Move every norm's weight and bias off its initial value, so no two norms compute the same function."""
    with torch.no_grad():
        for module in model.modules():
            if "norm" in type(module).__name__.lower():
                for parameter in module.parameters(recurse=False):
                    parameter.add_(torch.randn_like(parameter) * NORM_JITTER)


def _save_family(
    folder: Path,
    tokenizer: PreTrainedTokenizerBase,
    model_type: str,
    seed: int,
    dtype: torch.dtype = torch.float32,
    **config_options,
) -> Path:
    """Build the base model of `model_type` with seeded random weights and save it with its tokenizer."""
    special_ids = {
        "pad_token_id": tokenizer.pad_token_id,
        "bos_token_id": tokenizer.bos_token_id,
        "eos_token_id": tokenizer.eos_token_id,
    }
    config = AutoConfig.for_model(model_type, vocab_size=len(tokenizer), **{**special_ids, **config_options})
    torch.manual_seed(seed)
    model = AutoModel.from_config(config)
    _perturb_norms(model)
    model.to(dtype)
    model.config.dtype = dtype
    return _save(model, tokenizer, folder)


def _llama_tokenizer() -> PreTrainedTokenizerBase:
    """Llama-2's tokenizer shape: byte-fallback BPE, <unk> <s> </s>, adds <s>."""
    return _byte_fallback_bpe(LlamaTokenizer, ["<unk>", "<s>", "</s>"], add_bos_token=True)


def _gemma_tokenizer() -> PreTrainedTokenizerBase:
    """Gemma's tokenizer shape: byte-fallback BPE, <pad> <eos> <bos> <unk> <mask>, adds <bos>."""
    return _byte_fallback_bpe(
        GemmaTokenizer, ["<pad>", "<eos>", "<bos>", "<unk>", "<mask>"], add_bos_token=True
    )


def _deberta_tokenizer() -> PreTrainedTokenizerBase:
    """DeBERTa-v3's tokenizer shape: Unigram, [PAD] [CLS] [SEP] [UNK] ... [MASK], adds [CLS] ... [SEP]."""
    return _unigram(DebertaV2Tokenizer, ["[PAD]", "[CLS]", "[SEP]", "[UNK]"], ("[MASK]",))


def _gpt2_tokenizer(folder: Path) -> PreTrainedTokenizerBase:
    """GPT-2's tokenizer shape: byte-level BPE with <|endoftext|> only, adds nothing."""
    return _byte_level_bpe(folder, GPT2Tokenizer, ["<|endoftext|>"])


def _opt_tokenizer(folder: Path) -> PreTrainedTokenizerBase:
    """OPT's tokenizer shape: byte-level BPE, <s> <pad> </s> <unk>, adds </s> as BOS."""
    specials = ["<s>", "<pad>", "</s>", "<unk>"]
    return _byte_level_bpe(
        folder,
        GPT2Tokenizer,
        specials,
        bos_token="</s>",
        eos_token="</s>",
        unk_token="</s>",
        pad_token="<pad>",
        add_bos_token=True,
    )


def _neox_tokenizer(folder: Path) -> PreTrainedTokenizerBase:
    """GPT-NeoX / Pythia's tokenizer shape: byte-level BPE, <|endoftext|> <|padding|>, adds nothing."""
    return _byte_level_bpe(folder, GPTNeoXTokenizer, ["<|endoftext|>", "<|padding|>"])


def build_tiny_xlm_roberta(folder: Path) -> Path:
    """XLM-R: post-LN BERT block, RoBERTa positions from padding_idx + 1."""
    tokenizer = _unigram(XLMRobertaTokenizer, ["<s>", "<pad>", "</s>", "<unk>"], ("<mask>",))
    return _save_family(
        folder,
        tokenizer,
        "xlm-roberta",
        11,
        max_position_embeddings=MAX_POSITIONS + 2,
        type_vocab_size=1,
        **TINY,
    )


def build_tiny_electra(folder: Path) -> Path:
    """ELECTRA: 16-wide embeddings projected to 32 by `embeddings_project`."""
    tokenizer = _word_piece_tokenizer(folder)
    return _save_family(
        folder,
        tokenizer,
        "electra",
        12,
        embedding_size=EMBEDDING_SIZE,
        max_position_embeddings=MAX_POSITIONS,
        **TINY,
    )


def build_tiny_deberta_v2(folder: Path) -> Path:
    """DeBERTa-v3 style: relative attention only, no absolute position table."""
    return _save_family(
        folder,
        _deberta_tokenizer(),
        "deberta-v2",
        13,
        max_position_embeddings=MAX_POSITIONS,
        relative_attention=True,
        position_biased_input=False,
        pos_att_type=["p2c", "c2p"],
        position_buckets=16,
        norm_rel_ebd="layer_norm",
        share_att_key=True,
        type_vocab_size=0,
        **TINY,
    )


def build_tiny_deberta_v2_absolute(folder: Path) -> Path:
    """DeBERTa-v2 with an absolute position table and 16-wide embeddings projected by `embed_proj`."""
    return _save_family(
        folder,
        _deberta_tokenizer(),
        "deberta-v2",
        14,
        max_position_embeddings=MAX_POSITIONS,
        relative_attention=False,
        position_biased_input=True,
        embedding_size=EMBEDDING_SIZE,
        type_vocab_size=0,
        **TINY,
    )


def build_tiny_modernbert(folder: Path) -> Path:
    """ModernBERT: rotary, local/global attention, byte-level BPE with [CLS] ... [SEP]."""
    tokenizer = _byte_level_bpe(
        folder,
        GPT2Tokenizer,
        ["<|endoftext|>", "[UNK]", "[CLS]", "[SEP]", "[PAD]", "[MASK]"],
        bos_token=None,
        eos_token=None,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
    )
    tokenizer.backend_tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B [SEP]",
        special_tokens=[("[CLS]", tokenizer.cls_token_id), ("[SEP]", tokenizer.sep_token_id)],
    )
    return _save_family(
        folder,
        tokenizer,
        "modernbert",
        15,
        max_position_embeddings=MAX_POSITIONS,
        local_attention=8,
        cls_token_id=tokenizer.cls_token_id,
        sep_token_id=tokenizer.sep_token_id,
        # ModernBERT scales its own initialisation down; a wider one moves tokens off their own rows.
        **{**TINY, "initializer_range": 1.0},
    )


def build_tiny_llama(folder: Path, dtype: torch.dtype = torch.float32) -> Path:
    """Llama: pre-RMSNorm block, GQA (2 KV heads for 4 heads)."""
    return _save_family(folder, _llama_tokenizer(), "llama", 16, dtype=dtype, **ROTARY)


def build_tiny_llama_bf16(folder: Path) -> Path:
    """The llama builder's weights, saved in bfloat16."""
    return build_tiny_llama(folder, dtype=torch.bfloat16)


def build_tiny_mistral(folder: Path) -> Path:
    """Mistral: Llama-shaped block and tokenizer, GQA."""
    return _save_family(folder, _llama_tokenizer(), "mistral", 17, sliding_window=None, **ROTARY)


def build_tiny_qwen2(folder: Path) -> Path:
    """Qwen2: Llama-shaped block with qkv bias, byte-level BPE adding nothing."""
    tokenizer = _byte_level_bpe(folder, Qwen2Tokenizer, ["<|endoftext|>", "<|im_start|>", "<|im_end|>"])
    return _save_family(folder, tokenizer, "qwen2", 18, **ROTARY)


def build_tiny_qwen3(folder: Path) -> Path:
    """Qwen3: Llama-shaped block with q/k norms, byte-level BPE adding nothing."""
    tokenizer = _byte_level_bpe(folder, Qwen2Tokenizer, ["<|endoftext|>", "<|im_start|>", "<|im_end|>"])
    return _save_family(folder, tokenizer, "qwen3", 19, head_dim=HEAD_DIM, **ROTARY)


def build_tiny_phi3(folder: Path) -> Path:
    """Phi-3: Llama-shaped block with fused qkv and gate_up; Llama tokenizer that adds no BOS."""
    tokenizer = _byte_fallback_bpe(
        LlamaTokenizer,
        ["<unk>", "<s>", "</s>"],
        ("<|endoftext|>",),
        eos_token="<|endoftext|>",
        pad_token="<|endoftext|>",
        add_bos_token=False,
    )
    return _save_family(folder, tokenizer, "phi3", 20, **ROTARY)


def build_tiny_olmo2(folder: Path) -> Path:
    """OLMo-2: norms after each sublayer, byte-level BPE adding nothing."""
    tokenizer = _byte_level_bpe(folder, GPT2Tokenizer, ["<|endoftext|>", "<|pad|>"], pad_token="<|pad|>")
    return _save_family(folder, tokenizer, "olmo2", 21, **ROTARY)


def build_tiny_gemma2(folder: Path) -> Path:
    """Gemma-2: sandwich norms, embeddings scaled by sqrt(hidden), local/global layers."""
    return _save_family(
        folder,
        _gemma_tokenizer(),
        "gemma2",
        22,
        head_dim=HEAD_DIM,
        query_pre_attn_scalar=HEAD_DIM,
        sliding_window=4,
        layer_types=["sliding_attention", "full_attention", "sliding_attention"],
        **ROTARY,
    )


def build_tiny_gemma3_text(folder: Path) -> Path:
    """Gemma-3 text: sandwich norms, q/k norms, embeddings scaled by sqrt(hidden), local/global layers."""
    return _save_family(
        folder,
        _gemma_tokenizer(),
        "gemma3_text",
        23,
        head_dim=HEAD_DIM,
        query_pre_attn_scalar=HEAD_DIM,
        sliding_window=4,
        layer_types=["sliding_attention", "sliding_attention", "full_attention"],
        **ROTARY,
    )


def build_tiny_opt(folder: Path) -> Path:
    """OPT: pre-LN block, learned positions with offset 2, </s> as BOS."""
    return _save_family(
        folder,
        _opt_tokenizer(folder),
        "opt",
        24,
        max_position_embeddings=MAX_POSITIONS,
        do_layer_norm_before=True,
        **_tiny(ffn_dim="intermediate_size", init_std="initializer_range"),
    )


def build_tiny_opt_350m(folder: Path) -> Path:
    """OPT-350m shape: post-LN block, 16-wide embeddings with project_in / project_out."""
    return _save_family(
        folder,
        _opt_tokenizer(folder),
        "opt",
        25,
        max_position_embeddings=MAX_POSITIONS,
        do_layer_norm_before=False,
        word_embed_proj_dim=EMBEDDING_SIZE,
        **_tiny(ffn_dim="intermediate_size", init_std="initializer_range"),
    )


def build_tiny_gpt_neo(folder: Path) -> Path:
    """GPT-Neo: layers global, local (window 4), global."""
    return _save_family(
        folder,
        _gpt2_tokenizer(folder),
        "gpt_neo",
        26,
        max_position_embeddings=MAX_POSITIONS,
        attention_types=[[["global", "local"], 1], [["global"], 1]],
        window_size=4,
        **_tiny(num_layers="num_hidden_layers", num_heads="num_attention_heads"),
    )


def build_tiny_albert(folder: Path) -> Path:
    """ALBERT: 16-wide embeddings, one shared layer run three times."""
    tokenizer = _unigram(AlbertTokenizer, ["<pad>", "<unk>", "[CLS]", "[SEP]", "[MASK]"])
    return _save_family(
        folder,
        tokenizer,
        "albert",
        27,
        embedding_size=EMBEDDING_SIZE,
        max_position_embeddings=MAX_POSITIONS,
        num_hidden_groups=1,
        inner_group_num=1,
        **TINY,
    )


def build_tiny_gpt_neox(folder: Path) -> Path:
    """GPT-NeoX with sequential residuals (`use_parallel_residual=False`)."""
    return _save_family(
        folder,
        _neox_tokenizer(folder),
        "gpt_neox",
        28,
        max_position_embeddings=MAX_POSITIONS,
        use_parallel_residual=False,
        **TINY,
    )


def build_tiny_gpt_neox_parallel(folder: Path) -> Path:
    """GPT-NeoX with parallel attention and MLP (Pythia's default): no post-attention residual."""
    return _save_family(
        folder,
        _neox_tokenizer(folder),
        "gpt_neox",
        29,
        max_position_embeddings=MAX_POSITIONS,
        use_parallel_residual=True,
        **TINY,
    )


def build_tiny_phi(folder: Path) -> Path:
    """Phi-1/2: parallel attention and MLP block: no post-attention residual."""
    return _save_family(
        folder, _gpt2_tokenizer(folder), "phi", 30, max_position_embeddings=MAX_POSITIONS, **TINY
    )


def build_tiny_gptj(folder: Path) -> Path:
    """GPT-J: parallel attention and MLP block: no post-attention residual."""
    return _save_family(
        folder,
        _gpt2_tokenizer(folder),
        "gptj",
        31,
        n_positions=MAX_POSITIONS,
        rotary_dim=4,
        **_tiny(
            n_embd="hidden_size",
            n_layer="num_hidden_layers",
            n_head="num_attention_heads",
            n_inner="intermediate_size",
        ),
    )


def build_tiny_starcoder2(folder: Path) -> Path:
    """StarCoder2 (not in families.md): pre-LayerNorm block with biases, GQA."""
    return _save_family(folder, _gpt2_tokenizer(folder), "starcoder2", 32, **ROTARY)


def build_tiny_cohere(folder: Path) -> Path:
    """Cohere / Command-R (not in families.md): parallel block: no post-attention residual."""
    specials = ["<PAD>", "<UNK>", "<CLS>", "<SEP>", "<MASK_TOKEN>", "<BOS_TOKEN>", "<EOS_TOKEN>"]
    tokenizer = _byte_level_bpe(
        folder, CohereTokenizer, [*specials, "<|END_OF_TURN_TOKEN|>"], add_bos_token=True
    )
    return _save_family(folder, tokenizer, "cohere", 33, **ROTARY)


#: Every tiny family, the first four from tiny_models.
FAMILY_BUILDERS: dict[str, Callable[[Path], Path]] = {
    **BUILDERS,
    "xlm-roberta": build_tiny_xlm_roberta,
    "electra": build_tiny_electra,
    "deberta-v2": build_tiny_deberta_v2,
    "deberta-v2-absolute": build_tiny_deberta_v2_absolute,
    "modernbert": build_tiny_modernbert,
    "llama": build_tiny_llama,
    "mistral": build_tiny_mistral,
    "qwen2": build_tiny_qwen2,
    "qwen3": build_tiny_qwen3,
    "phi3": build_tiny_phi3,
    "olmo2": build_tiny_olmo2,
    "gemma2": build_tiny_gemma2,
    "gemma3_text": build_tiny_gemma3_text,
    "opt": build_tiny_opt,
    "opt-350m": build_tiny_opt_350m,
    "gpt_neo": build_tiny_gpt_neo,
    "albert": build_tiny_albert,
    "gpt_neox": build_tiny_gpt_neox,
    "gpt_neox_parallel": build_tiny_gpt_neox_parallel,
    "phi": build_tiny_phi,
    "gptj": build_tiny_gptj,
    "starcoder2": build_tiny_starcoder2,
    "cohere": build_tiny_cohere,
    "llama-bf16": build_tiny_llama_bf16,
}
REFUSED_FAMILIES = ("gpt_neox_parallel", "phi", "gptj", "cohere")
#: Families not in the adapters' table: starcoder2 is discovered and verified, cohere refused.
DISCOVERED_FAMILIES = ("starcoder2", "cohere")
SUPPORTED_FAMILIES = tuple(family for family in FAMILY_BUILDERS if family not in REFUSED_FAMILIES)
