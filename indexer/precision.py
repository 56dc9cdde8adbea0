"""Where a model computes and in which precision: `--device` and `--dtype`, checked and resolved in one place.

A result depends on the device kind, the dtype the model computes in and the torch version that ran it, so
all three travel with every result (`Precision`) and key every cache, shard folder and findings report:
results computed in different precisions are never mixed.
"""

from __future__ import annotations

import torch

from journeys.indexer.errors import InputError
from journeys.indexer.options import DTYPE_CHOICES
from journeys.indexer.records import Precision

DEVICES = ("auto", "cpu", "cuda", "cuda:N", "mps")
DTYPES = {name: getattr(torch, name) for name in DTYPE_CHOICES[1:]}


def visible_devices() -> str:
    """What torch sees here, in words, for refusals."""
    seen = ["cpu"]
    if torch.cuda.is_available():
        seen.append(f"cuda:0 to cuda:{torch.cuda.device_count() - 1}")
    if torch.backends.mps.is_available():
        seen.append("mps")
    return ", ".join(seen)


def resolve_device(spec: str = "auto") -> torch.device:
    """The device `spec` names: auto (CUDA when torch sees a GPU, else the CPU), cpu, cuda, cuda:N or mps.
    A device torch does not have is refused in one line that names what it does see."""
    if spec == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(spec)
    except (RuntimeError, TypeError):
        device = None
    if (
        device is None
        or device.type not in ("cpu", "cuda", "mps")
        or (device.type == "cpu" and spec != "cpu")
    ):
        raise InputError(f"device must be one of {', '.join(DEVICES)}, not {spec!r}")
    if device.type == "cuda":
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if (device.index or 0) >= count:
            raise InputError(f"device {spec} is not available: torch sees {visible_devices()}")
        return torch.device("cuda", device.index or 0)
    if device.type == "mps" and not torch.backends.mps.is_available():
        raise InputError(f"device mps is not available: torch sees {visible_devices()}")
    return device


def resolve_dtype(spec: str, device: torch.device, checkpoint_dtype: torch.dtype | None) -> torch.dtype:
    """The dtype `spec` names; auto is float32 on the CPU and the checkpoint's own dtype elsewhere (float32
    where the checkpoint states none). A dtype the device cannot compute is refused in one line."""
    if spec == "auto":
        dtype = (
            checkpoint_dtype
            if device.type != "cpu" and checkpoint_dtype in DTYPES.values()
            else torch.float32
        )
    elif spec in DTYPES:
        dtype = DTYPES[spec]
    else:
        raise InputError(f"dtype must be one of {', '.join(DTYPE_CHOICES)}, not {spec!r}")
    check_computes(device, dtype)
    return dtype


def check_computes(device: torch.device, dtype: torch.dtype) -> None:
    """Refuse, in one line, a dtype the device has no kernels for: one matrix product, softmax and layer
    norm in that dtype are tried on the device before any model is loaded."""
    try:
        probe = torch.ones((4, 4), dtype=dtype, device=device)
        torch.nn.functional.layer_norm(torch.softmax(probe @ probe, dim=-1), (4,))
    except (RuntimeError, TypeError, NotImplementedError):
        name = str(dtype).removeprefix("torch.")
        raise InputError(
            f"{device.type} cannot compute in {name} with this torch ({torch.__version__})"
        ) from None


def torch_dtype(precision: Precision) -> torch.dtype:
    """The torch dtype a precision record names."""
    return DTYPES[precision.dtype]


def precision_of(device: torch.device, dtype: torch.dtype) -> Precision:
    """The record of a model computing on `device` in `dtype` under this process's torch settings."""
    name = next(key for key, value in DTYPES.items() if value == dtype)
    return Precision(device.type, name, torch.__version__, torch.get_float32_matmul_precision())
