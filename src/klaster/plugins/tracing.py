"""Plugin tracing: each hook call, its plugin and duration, logged through :mod:`logging`.

With ``KLASTER_TRACE_PLUGINS=1`` every plugin host created afterwards installs pluggy's hook-call
monitoring (:meth:`pluggy.PluginManager.add_hookcall_monitoring`) on its plugin manager, and
klaster's own one-plugin-at-a-time calls go through the same callbacks: one record per call per
plugin on the ``klaster.plugins`` logger, at ``INFO``::

    hook klaster_validate_values plugin 'livestock': 0.021 ms, 0 items

A record names the hook, the plugin, the time in milliseconds and how many items the hook
returned (records declared, problems found), or the exception's type when it raised. It never
holds an argument's or a result's value: members, survey values and problems may be personal.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import Mapping, Sequence, Sized
from typing import Any

import pluggy

__all__ = ["LOGGER_NAME", "call_traced", "is_traced", "trace"]

LOGGER_NAME = "klaster.plugins"
"""The logger the traces go to."""

_logger = logging.getLogger(LOGGER_NAME)
_traced: weakref.WeakSet[pluggy.PluginManager] = weakref.WeakSet()
_starts = threading.local()


def trace(manager: pluggy.PluginManager) -> None:
    """Log every hook call ``manager`` makes from now on (once per manager)."""
    if manager in _traced:
        return
    manager.add_hookcall_monitoring(_before, _after)
    _traced.add(manager)


def is_traced(manager: pluggy.PluginManager) -> bool:
    """Whether :func:`trace` was called on ``manager``."""
    return manager in _traced


def call_traced(
    manager: pluggy.PluginManager,
    impl: pluggy.HookImpl,
    hook_name: str,
    arguments: Mapping[str, Any],
) -> Any:
    """Call one implementation between the monitoring's ``before`` and ``after``; its result.

    Klaster calls one plugin at a time (a plugin that raises must not take the others' answers
    down with it), bypassing ``manager.hook`` and so the hook execution that
    :meth:`~pluggy.PluginManager.add_hookcall_monitoring` wraps; this gives the same callbacks
    the same arguments (the hook name, ``[impl]``, the call's keyword arguments, a
    :class:`pluggy.Result`). ``manager`` is the one :func:`trace` was called on.

    Raises:
        Exception: Whatever the implementation raised.
    """
    kwargs = {name: arguments[name] for name in impl.argnames}
    _before(hook_name, [impl], kwargs)
    outcome: pluggy.Result[Any] = pluggy.Result.from_call(lambda: impl.function(**kwargs))
    _after(outcome, hook_name, [impl], kwargs)
    return outcome.get_result()


def _before(hook_name: str, impls: Sequence[pluggy.HookImpl], kwargs: Mapping[str, Any]) -> None:
    stack = getattr(_starts, "stack", None)
    if stack is None:
        stack = _starts.stack = []
    stack.append(time.perf_counter())


def _after(
    outcome: pluggy.Result[Any],
    hook_name: str,
    impls: Sequence[pluggy.HookImpl],
    kwargs: Mapping[str, Any],
) -> None:
    elapsed = (time.perf_counter() - _starts.stack.pop()) * 1000
    plugins = ", ".join(repr(impl.plugin_name) for impl in impls) or "(none)"
    if outcome.exception is not None:
        what = f"raised {type(outcome.exception).__name__}"
    else:
        result = outcome.get_result()
        answers = result if isinstance(result, list) else [result]
        count = sum(
            len(a) if isinstance(a, Sized) and not isinstance(a, str) else 1 for a in answers
        )
        what = f"{count} items"
    _logger.info("hook %s plugin %s: %.3f ms, %s", hook_name, plugins, elapsed, what)
