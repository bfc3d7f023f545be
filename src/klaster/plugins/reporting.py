"""How plugin problems reach the user: a :class:`PluginWarning` each, or one PluginError."""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Iterable

from klaster.errors import PluginError
from klaster.plugins._pluggy import HookFailure, Origin
from klaster.plugins.info import PluginInfo, PluginWarning, failure_message

__all__ = ["outside_klaster", "report", "warn_hook_failure"]

# The klaster package: warnings point at the first frame outside it.
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def outside_klaster() -> int:
    """The ``stacklevel`` of the first caller outside klaster (3.11 has no skip_file_prefixes)."""
    level, frame = 1, sys._getframe(1)
    while frame.f_back is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        level, frame = level + 1, frame.f_back
    return level


def report(failed: Iterable[PluginInfo], config: Iterable[str] = (), *, strict: bool) -> None:
    """Warn once per plugin left out and per configuration problem; raise all in strict mode.

    Raises:
        PluginError: In strict mode, listing every problem.
    """
    failed, config = list(failed), list(config)
    if not failed and not config:
        return
    messages = [failure_message(info) for info in failed]
    messages.extend(f"klaster plugin configuration: {problem}" for problem in config)
    if strict:
        # One line per problem, each naming its plugin: the command line lists them under the
        # headline (a message of several lines would show only its first).
        problems = [
            f"{info.describe()} was not loaded: {problem}"
            for info in failed
            for problem in (info.problems or ("(no reason given)",))
        ]
        problems.extend(f"plugin configuration: {problem}" for problem in config)
        raise PluginError("plugin problems (strict mode)", problems=problems)
    for info, message in zip(failed, messages, strict=False):
        warnings.warn(
            PluginWarning(
                message,
                plugin=info.name,
                distribution=info.distribution,
                version=info.version,
                problems=info.problems,
            ),
            stacklevel=outside_klaster(),
        )
    for message in messages[len(failed) :]:
        warnings.warn(PluginWarning(message), stacklevel=outside_klaster())


def warn_hook_failure(
    name: str, origin: Origin, failure: HookFailure, subject: str, *, strict: bool
) -> None:
    """Report a validation hook that crashed: its checks are skipped, the others still run.

    Raises:
        PluginError: In strict mode.
    """
    message = (
        f"klaster {origin.describe(name)}: {failure} while checking {subject}; "
        "its checks were skipped"
    )
    if strict:
        raise PluginError(
            "plugin problems (strict mode)", problems=[message]
        ) from failure.__cause__
    warnings.warn(
        PluginWarning(
            message,
            plugin=name,
            distribution=origin.distribution,
            version=origin.version,
            problems=[str(failure)],
        ),
        stacklevel=outside_klaster(),
    )
