"""Where a model computes and in which precision: `--device` and `--dtype`, checked and resolved in one place.

A result depends on the device kind, the dtype the model computes in and the torch version that ran it, so
all three travel with every result (`Precision`) and key every cache, shard folder and findings report:
results computed in different precisions are never mixed.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import torch

from journeys.indexer.errors import InputError
from journeys.indexer.options import DTYPE_CHOICES
from journeys.indexer.records import Precision

DEVICES = ("auto", "cpu", "cuda", "cuda:N", "mps")
DTYPES = {name: getattr(torch, name) for name in DTYPE_CHOICES[1:]}
#: Where torch may round float32 products more coarsely than IEEE fp32 (TF32 in cuBLAS and cuDNN: the
#: `allow_tf32` flags; bfloat16 inside oneDNN on a CPU), each read and set as its `fp32_precision`: torch
#: refuses to read the legacy flags once a user has mixed them with this newer form.
FP32_PRECISION_SETTINGS = (
    torch.backends.cuda.matmul,
    torch.backends.cudnn.conv,
    torch.backends.cudnn.rnn,
    torch.backends.mkldnn.matmul,
)
#: cuBLAS switches that let float16 and bfloat16 products reduce in their own precision.
REDUCED_PRECISION_REDUCTIONS = (
    "allow_fp16_reduced_precision_reduction",
    "allow_bf16_reduced_precision_reduction",
)


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


def scoring_device(model_device: torch.device) -> torch.device:
    """Where a model's encodings are scored: the device its inputs go to, but the CPU for mps, which has no
    float64 to settle close calls in (and settling there alone would need a second vocabulary table)."""
    return torch.device("cpu") if model_device.type == "mps" else model_device


def product_settings() -> list[tuple[object, str, object]]:
    """Every torch setting that lets products round more coarsely than IEEE, as (owner, name, value now)."""
    matmul = torch.backends.cuda.matmul
    settings = [(owner, "fp32_precision", owner.fp32_precision) for owner in FP32_PRECISION_SETTINGS]
    for name in REDUCED_PRECISION_REDUCTIONS:
        settings.append((matmul, name, (getattr(matmul, name), getattr(matmul, f"{name}_split_k"))))
    return settings


def float32_matmul_precision() -> str | None:
    """`torch.get_float32_matmul_precision()`, or None where torch refuses to say (the user set products
    both through it and per backend, which then say it all)."""
    try:
        return torch.get_float32_matmul_precision()
    except RuntimeError:
        return None


@contextmanager
def ieee_float32_products() -> Iterator[None]:
    """Products in full IEEE precision inside the block, whatever the user's torch settings (TF32 and
    reduced-precision reductions on a GPU, bfloat16 inside oneDNN on a CPU), which the scorer's rounding
    window assumes; the user's settings are back afterwards, for the model's own forward pass."""
    previous, saved = float32_matmul_precision(), product_settings()
    torch.set_float32_matmul_precision("highest")
    for owner in FP32_PRECISION_SETTINGS:
        owner.fp32_precision = "ieee"
    for name in REDUCED_PRECISION_REDUCTIONS:
        setattr(torch.backends.cuda.matmul, name, False)
    try:
        yield
    finally:
        with warnings.catch_warnings():  # torch repeats its oneDNN note on every change back
            warnings.simplefilter("ignore")
            if previous is not None:
                torch.set_float32_matmul_precision(previous)
            for owner, name, value in saved:
                setattr(owner, name, value)


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
