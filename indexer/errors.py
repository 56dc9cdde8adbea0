"""The engine's refusals: each message is one line meant for the person who asked."""

from __future__ import annotations


class InputError(ValueError):
    """A request the engine refuses; the message is meant for the person who made it."""


class ModelUnavailableError(RuntimeError):
    """The requested model cannot be loaded here; the message says why and what to use instead."""


class UnsupportedModelError(ValueError):
    """The model's architecture has no adapter, or the adapter cannot do what was asked."""


#: What a caller reports in one line (exit code 2, or a refusal) rather than as a traceback.
ENGINE_ERRORS = (InputError, ModelUnavailableError, UnsupportedModelError)
