"""The options a person sets on an analysis (method, view: analysis point, reference and metric, top-k,
neighbour counts), checked in one place for the command line, the engine, the server and the contextual
index, with one wording for every refusal."""

from __future__ import annotations

import json
from typing import Any

from journeys.indexer.errors import InputError
from journeys.indexer.views import View

#: The precisions a model may compute in (`auto`: float32 on the CPU, the checkpoint's own dtype on a GPU);
#: named here, without torch, so the command line offers them before torch loads.
DTYPE_CHOICES = ("auto", "float32", "bfloat16", "float16")

#: The methods the engine implements: what the model computes, and the published demo's computation.
METHODS = ("exact", "seed")

#: Where each layer's encoding is read: the residual right after attention has been added (the study's
#: point), or the block's output, the hidden state the next block receives.
POINTS = ("post-attention", "block-output")

#: How an encoding is compared with the vocabulary rows: cosine similarity, or Euclidean (L2) distance.
METRICS = ("cosine", "euclidean")

#: What an encoding is ranked against: the input embedding rows (the study's reference), or the model's output
#: head, through its final norm (the logit lens).
REFERENCES = ("input", "output")

SEED_REFUSAL = (
    "the published demo's computation (--method seed) is defined for encoders in the BERT layout, with "
    "separate value and output projections; {model} offers the exact method only"
)


def checked_method(
    value: Any, offered: tuple[str, ...] = METHODS, model: str = "", name: str = "method"
) -> str:
    """`value` if it names a method `offered`; refuses an unknown name, or a method this model lacks."""
    if isinstance(value, str) and value in offered:
        return value
    if isinstance(value, str) and value in METHODS:
        raise InputError(SEED_REFUSAL.format(model=model or "this model"))
    raise InputError(f"{name} must be one of {', '.join(METHODS)}, not {shown(value)}")


def checked_point(value: Any, name: str = "point") -> str:
    """`value` if it names an analysis point of `POINTS`; refuses anything else in one line."""
    if isinstance(value, str) and value in POINTS:
        return value
    raise InputError(f"{name} must be one of {', '.join(POINTS)}, not {shown(value)}")


def checked_seed_point(method: str, point: str) -> None:
    """Refuse the seed method anywhere but the post-attention point, where the published demo defined it."""
    if method == "seed" and point != POINTS[0]:
        raise InputError(
            f"the published demo's computation (method seed) is defined at the {POINTS[0]} point only, "
            f"not at {point}"
        )


def checked_metric(value: Any, method: str = "exact", name: str = "metric") -> str:
    """`value` if it names one of METRICS; refuses another name, and any metric but cosine for the seed
    method (the published demo's computation compares by cosine only)."""
    if not isinstance(value, str) or value not in METRICS:
        raise InputError(f"{name} must be one of {', '.join(METRICS)}, not {shown(value)}")
    if method == "seed" and value != METRICS[0]:
        raise InputError(
            f"the published demo's computation (--method seed) compares by {METRICS[0]} only, not {value}"
        )
    return value


def checked_reference(value: Any, method: str, metric: str, name: str = "reference") -> str:
    """`value` if it names one of REFERENCES; refuses another name, and the output reference with the seed
    method or a metric (a metric compares with input rows; the output head ranks by logit)."""
    if not isinstance(value, str) or value not in REFERENCES:
        raise InputError(f"{name} must be one of {', '.join(REFERENCES)}, not {shown(value)}")
    if value == REFERENCES[1] and method == "seed":
        raise InputError(
            "the published demo's computation (method seed) is defined against the input reference only, "
            "not the output head"
        )
    if value == REFERENCES[1] and metric != METRICS[0]:
        raise InputError(
            f"the metric applies to the input reference only; the output reference ranks by logit, so "
            f"leave the metric at {METRICS[0]}, not {metric}"
        )
    return value


def checked_view(
    point: Any, metric: Any, method: str, quoted: bool = False, reference: Any = REFERENCES[0]
) -> View:
    """The view of an analysis by `method` at `point` against `reference` by `metric`, each checked (named in
    quotes, as a JSON field, when `quoted`), refusing the seed method anywhere but the post-attention point,
    cosine and the input reference, and any metric but cosine with the output reference."""
    names = ('"point"', '"metric"', '"reference"') if quoted else ("point", "metric", "reference")
    chosen_point = checked_point(point, names[0])
    checked_seed_point(method, chosen_point)
    chosen_metric = checked_metric(metric, method, names[1])
    chosen_reference = checked_reference(reference, method, chosen_metric, names[2])
    return View(point=chosen_point, reference=chosen_reference, metric=chosen_metric)


def checked_count(name: str, value: Any, largest: int) -> int:
    """`value` as a whole number from 1 to `largest` (JSON Schema counts 5.0 as whole, so this does too)."""
    whole = int(value) if isinstance(value, float) and value.is_integer() else value
    if isinstance(whole, bool) or not isinstance(whole, int) or not 1 <= whole <= largest:
        raise InputError(f"{name} must be a whole number from 1 to {largest}, not {shown(value)}")
    return whole


def checked_top_k(value: Any, largest: int, name: str = "top_k") -> int:
    """How many nearest vocabulary rows to list: 1 to `largest` (`EngineSettings.max_top_k`)."""
    return checked_count(name, value, largest)


def json_type(value: Any) -> str:
    """A JSON value's kind in words ("a number", "an array")."""
    names = {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "an array"}
    return "null" if value is None else names.get(type(value), "an object")


def shown(value: Any, limit: int = 40) -> str:
    """A short quotation of a refused value: strings and numbers as written, anything else by its kind."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return json_type(value)
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"
