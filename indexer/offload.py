"""A model larger than its device's memory, spread with accelerate: `--offload-folder` and `--max-memory`.

With an offload folder the model loads through transformers' `device_map="auto"`: its blocks fill the
devices `--device` names (auto or cuda: every GPU torch sees; cuda:N: that one; mps; cpu) in order, then,
beside a GPU, CPU memory, then disk. The input embeddings come first, so they stay in memory (limits that
leave them no room are refused in one line), and inputs go to their device. Blocks on disk are read from
the checkpoint's own safetensors files where they can be, else written to the folder. Offloading moves
weights, never changes one, so it is in no precision record or cache key: an offloaded model's journeys
equal the in-memory model's (tests/indexer/test_offload.py).
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import re
from dataclasses import dataclass, field

import torch
from torch import nn

from journeys.indexer.errors import InputError

OFFLOAD_HINT = "install the offload extra: pip install 'token-encoding-journeys[offload]'"
UNITS = {"": 1, "B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12}
UNITS |= {"KIB": 2**10, "MIB": 2**20, "GIB": 2**30, "TIB": 2**40}
LIMIT = re.compile(
    r"^(?P<device>cpu|mps|cuda:\d+|\d+)=(?P<size>\d+(?:\.\d+)?)\s*(?P<unit>[KMGT]i?B|B)?$", re.IGNORECASE
)
#: The share of a device's free memory the weights may take where --max-memory sets no limit: the rest is
#: left for the activations (transformers leaves the same on the CPU when given no limits).
FREE_SHARE = 0.9


@dataclass(frozen=True)
class Offload:
    """Spread a model over its devices, CPU memory and `folder`, within `max_memory` (bytes by accelerate's
    device keys: a GPU's index, "mps", "cpu") where given and most of the free memory elsewhere."""

    folder: str
    max_memory: dict[int | str, int] = field(default_factory=dict)


def offload_option(folder: str | None, limits: str | None) -> Offload | None:
    """The offloading `--offload-folder` and `--max-memory` ask for, if any, refused in one line before any
    model loads (accelerate missing, a limit that is not DEVICE=SIZE)."""
    if folder is None:
        if limits is not None:
            raise InputError("--max-memory needs --offload-folder PATH: where the blocks that do not fit go")
        return None
    if importlib.util.find_spec("accelerate") is None:
        raise InputError(f"--offload-folder needs accelerate, which is not installed: {OFFLOAD_HINT}")
    return Offload(folder, memory_limits(limits or ""))


def memory_limits(text: str) -> dict[int | str, int]:
    """`cpu=8GiB,cuda:0=20GB` as accelerate's max_memory: {"cpu": 8589934592, 0: 20000000000}."""
    limits: dict[int | str, int] = {}
    for part in filter(None, (item.strip() for item in text.split(","))):
        found = LIMIT.match(part)
        if found is None:
            raise InputError(
                f"--max-memory takes DEVICE=SIZE[,DEVICE=SIZE...] with DEVICE cpu, mps, cuda:N or N and SIZE "
                f"such as 8GiB or 500MB, not {part!r}"
            )
        device = found.group("device").lower().removeprefix("cuda:")
        size = float(found.group("size")) * UNITS[(found.group("unit") or "").upper()]
        limits[int(device) if device.isdigit() else device] = int(size)
    return limits


def offload_devices(spec: str, device: torch.device) -> list[int | str]:
    """The memory a model computing on `device` (as `--device spec` chose it) is spread over, in order."""
    if device.type != "cuda":
        return [device.type]  # mps shares the CPU's memory; a CPU model has nothing else
    gpus = list(range(torch.cuda.device_count())) if spec in ("auto", "cuda") else [device.index]
    return [*gpus, "cpu"]


def device_name(key: int | str) -> str:
    """An accelerate device key as --device names it: 0 is cuda:0."""
    return f"cuda:{key}" if isinstance(key, int) else key


def offload_placement(offload: Offload, spec: str, device: torch.device) -> dict:
    """The `from_pretrained` options that spread the model as `offload` asks; a limit on a device the
    model does not use is refused in one line."""
    from accelerate.utils import get_max_memory

    devices = offload_devices(spec, device)
    unused = [key for key in offload.max_memory if key not in devices]
    if unused:
        named = ", ".join(map(device_name, devices))
        raise InputError(
            f"--max-memory limits {device_name(unused[0])}, which a model on {device} does not use "
            f"(it uses {named})"
        )
    logging.getLogger("accelerate").setLevel(logging.ERROR)  # its note that blocks were offloaded, as asked
    free = get_max_memory()
    max_memory = {key: offload.max_memory.get(key, int(free.get(key, 0) * FREE_SHARE)) for key in devices}
    return {"device_map": "auto", "max_memory": max_memory, "offload_folder": offload.folder}


def weights_at_hand(module: nn.Module) -> contextlib.ExitStack:
    """A context in which every weight of `module` is in memory: those accelerate offloaded (on the meta
    device between forward passes) are loaded for it and let go after; nothing to do for the others."""
    stack = contextlib.ExitStack()
    if any(hasattr(part, "_hf_hook") for part in module.modules()):
        from accelerate.utils import align_module_device

        for part in module.modules():
            stack.enter_context(align_module_device(part))
    return stack
