"""Values of variables no loaded plugin declares: set aside when read, never lost when saved.

A sidecar or a store can hold values of a sector plugin that is not installed where they are
read. Such values are **set aside**: they are not loaded (nothing can check or measure them
without the plugin) and one :class:`~klaster.plugins.info.PluginWarning` names the variables,
the sectors without a plugin and what to install; the core figures and the other sectors' are
read as usual. In strict plugin mode a :class:`~klaster.errors.PluginError` is raised instead.

What is set aside stays where it is: the store keeps its rows, and saving observations over a
sidecar or a store that holds values of variables no loaded plugin declares is refused (the
values would be lost); install the plugin, or save to a new file.

Only a variable that is neither core nor declared by any loaded plugin is set aside: one that
the installed plugins declare but the catalogue given to the reader leaves out is still an
error (the caller chose a narrower catalogue).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path

from klaster.catalogue.variable import Variable
from klaster.model.program import Program
from klaster.observations.core_variables import variable_catalogue
from klaster.plugins.default import get_host
from klaster.plugins.missing import program_sectors, report_missing, unprovided_sectors

__all__ = ["lost_on_save", "report_set_aside", "undeclared", "undeclared_in_sidecar"]


def undeclared(codes: Iterable[str]) -> tuple[str, ...]:
    """The variable codes among ``codes`` that neither klaster nor a loaded plugin declares."""
    installed = variable_catalogue()
    return tuple(sorted({code for code in codes if code not in installed}))


def report_set_aside(program: Program, codes: Iterable[str], source: str) -> None:
    """Warn once that the values of ``codes`` were set aside while reading ``source``.

    Raises:
        PluginError: In strict plugin mode (nothing is read).
    """
    codes = tuple(codes)
    if not codes:
        return
    host = get_host()
    missing = unprovided_sectors(host, program_sectors(program))
    report_missing(host, missing, source=source, variables=codes)


def lost_on_save(stored: Iterable[str], saved: Mapping[str, Variable], source: str) -> str | None:
    """Why saving would lose set-aside values, or ``None`` when it loses none.

    Args:
        stored: The variable codes the file or store being replaced holds values of.
        saved: The catalogue of the observations being saved.
        source: The file or store, for the message.
    """
    lost = [code for code in undeclared(stored) if code not in saved]
    if not lost:
        return None
    names = ", ".join(repr(code) for code in lost)
    return (
        f"{source} holds values of variables {names}, which no loaded plugin declares (they "
        "were set aside when read); saving over it would lose them, so nothing was saved: "
        "install the plugin that declares them, or save to a new file"
    )


def undeclared_in_sidecar(path: Path) -> tuple[str, ...]:
    """The variables an existing sidecar's header declares that no loaded plugin declares.

    Anything unreadable gives ``()``: the file is about to be replaced, and a damaged one
    holds nothing that could be set aside.
    """
    try:
        with path.open(encoding="utf-8") as handle:
            header = json.loads(handle.readline())
        declared = header["variables"]
    except (OSError, ValueError, TypeError, KeyError, RecursionError):
        return ()
    return undeclared(declared) if isinstance(declared, dict) else ()
