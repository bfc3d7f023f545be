"""The environment variables that choose which plugins load and whether problems raise."""

from __future__ import annotations

import os

from klaster.errors import PluginError

__all__ = [
    "ENV_DISABLE",
    "ENV_ONLY",
    "ENV_STRICT",
    "ENV_TRACE",
    "strict_from_environment",
    "trace_from_environment",
]

ENV_ONLY = "KLASTER_PLUGINS"
"""Environment variable: comma-separated entry-point names to load, and no others."""
ENV_DISABLE = "KLASTER_DISABLE_PLUGINS"
"""Environment variable: comma-separated entry-point names not to load."""
ENV_STRICT = "KLASTER_STRICT_PLUGINS"
"""Environment variable: ``1`` turns plugin warnings into :class:`~klaster.errors.PluginError`."""

ENV_TRACE = "KLASTER_TRACE_PLUGINS"
"""Environment variable: ``1`` logs each hook call, its plugin and duration (logger
``klaster.plugins``)."""

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


def strict_from_environment() -> bool:
    """Whether ``KLASTER_STRICT_PLUGINS`` asks for strict mode (read on each call).

    Raises:
        PluginError: The value is neither true (``1``, ``yes``...) nor false (``0``, empty...).
    """
    value = os.environ.get(ENV_STRICT, "").strip().lower()
    if value in _TRUE | _FALSE:
        return value in _TRUE
    raise PluginError(f"{ENV_STRICT}={value!r} is not understood: use 1 (strict) or 0")


def trace_from_environment() -> bool:
    """Whether ``KLASTER_TRACE_PLUGINS`` asks for plugin tracing (read when a host is created).

    Raises:
        PluginError: The value is neither true (``1``, ``yes``...) nor false (``0``, empty...).
    """
    value = os.environ.get(ENV_TRACE, "").strip().lower()
    if value in _TRUE | _FALSE:
        return value in _TRUE
    raise PluginError(f"{ENV_TRACE}={value!r} is not understood: use 1 (trace) or 0")
