"""Tiny checkpoints saved with their output heads (`*ForCausalLM`, `*LMHeadModel`, `*ForMaskedLM`), built from
the tiny families' base checkpoints: the same base weights, a head tied to the input embedding or drawn at
random (untied), its norms and biases moved off their initial values so every part of it counts."""

from __future__ import annotations

from pathlib import Path

import torch
from transformers import AutoConfig, AutoModel, AutoModelForCausalLM, AutoModelForMaskedLM, AutoTokenizer

from tiny_families import FAMILY_BUILDERS, NORM_JITTER

#: Headed checkpoints by name: (the family whose base checkpoint it extends, its head class, tied head?).
HEADED = {
    "gpt2": ("gpt2", AutoModelForCausalLM, True),
    "llama": ("llama", AutoModelForCausalLM, False),
    "llama-tied": ("llama", AutoModelForCausalLM, True),
    "llama-bf16": ("llama-bf16", AutoModelForCausalLM, False),
    "gemma2": ("gemma2", AutoModelForCausalLM, True),
    "gpt_neox": ("gpt_neox", AutoModelForCausalLM, False),
    "opt-350m": ("opt-350m", AutoModelForCausalLM, True),
    "bert": ("bert", AutoModelForMaskedLM, True),
    "roberta": ("roberta", AutoModelForMaskedLM, False),
    "distilbert": ("distilbert", AutoModelForMaskedLM, True),
    "electra": ("electra", AutoModelForMaskedLM, True),
    "albert": ("albert", AutoModelForMaskedLM, True),
    "modernbert": ("modernbert", AutoModelForMaskedLM, True),
}
CAUSAL_HEADED = tuple(name for name, (_, head, _) in HEADED.items() if head is AutoModelForCausalLM)


def build_headed(name: str, folder: Path) -> Path:
    """Save the `name` checkpoint of HEADED in `folder`, its base checkpoint built in `folder`/base."""
    family, head_class, tied = HEADED[name]
    (folder / "base").mkdir(parents=True)
    base_folder = FAMILY_BUILDERS[family](folder / "base")
    base = AutoModel.from_pretrained(base_folder, dtype="auto")
    config = AutoConfig.from_pretrained(base_folder)
    config.tie_word_embeddings = tied
    torch.manual_seed(40 + list(HEADED).index(name))
    model = head_class.from_config(config, dtype=torch.float32)
    # a masked-language model's encoder has no pooler: the base's pooler weights are the only ones left over
    loaded = model.base_model.load_state_dict(base.state_dict(), strict=False)
    assert not loaded.missing_keys and all(key.startswith("pooler.") for key in loaded.unexpected_keys)
    base_ids = {id(module) for module in model.base_model.modules()}
    with torch.no_grad():
        for module in model.modules():
            if id(module) in base_ids:
                continue
            for parameter_name, parameter in module.named_parameters(recurse=False):
                if "norm" in type(module).__name__.lower() or parameter_name == "bias":
                    parameter.add_(torch.randn_like(parameter) * NORM_JITTER)
    model.to(base.dtype)
    model.config.dtype = base.dtype
    model.save_pretrained(folder)
    AutoTokenizer.from_pretrained(base_folder).save_pretrained(folder)
    return folder
