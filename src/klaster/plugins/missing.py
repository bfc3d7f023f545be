"""A program whose sector plugin is missing: what is kept, what is set aside, and what to install.

When a program (a document, an observations sidecar, a store) uses a sector that no loaded plugin
provides, klaster still reads it: the members, groups and cooperatives of that sector are kept
(the model needs them; the checks of their business types are skipped), and the values of
variables no loaded plugin declares are set aside (left in the file or the store, not loaded).
One :class:`~klaster.plugins.info.PluginWarning` says so, naming the sectors, the variables set
aside and what to install; in strict mode (``KLASTER_STRICT_PLUGINS=1``) a
:class:`~klaster.errors.PluginError` says the same and nothing is read.

Files record no sector → distribution table, so the hint comes from what the host knows: a plugin
named after the sector that is installed but disabled, or failed to load, is named with its
distribution; otherwise the sector's plugin is to be installed (``klaster plugins`` on the
machine that saved the file lists it).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from typing import Protocol

from klaster.catalogue.sector import Sector
from klaster.errors import NotFoundError, PluginError
from klaster.model.program import Program
from klaster.plugins.info import PluginInfo, PluginStatus, PluginWarning
from klaster.plugins.reporting import outside_klaster
from klaster.plugins.settings import ENV_DISABLE, ENV_ONLY

__all__ = [
    "Host",
    "install_hint",
    "program_sectors",
    "report_missing",
    "unprovided_sectors",
]


class Host(Protocol):
    """What these functions ask of a :class:`~klaster.plugins.host.PluginHost` (which uses them)."""

    @property
    def strict(self) -> bool:
        """Whether plugin problems raise."""

    def sectors(self) -> tuple[Sector, ...]:
        """The sectors of the loaded plugins."""

    def plugin(self, name: str) -> PluginInfo:
        """One plugin's info (``NotFoundError`` when unknown)."""


def program_sectors(program: Program) -> tuple[str, ...]:
    """Every sector code a program uses: its clusters', members' and groups', sorted."""
    codes: set[str] = set()
    for cluster in program.clusters:
        codes.update(item.sector for item in cluster.sectors)
        codes.update(member.sector for member in cluster.members)
        codes.update(group.sector for group in cluster.groups if group.sector is not None)
    return tuple(sorted(codes))


def unprovided_sectors(host: Host, codes: Iterable[str]) -> tuple[str, ...]:
    """The codes among ``codes`` that no loaded plugin of ``host`` provides, sorted."""
    provided = {sector.code for sector in host.sectors()}
    return tuple(sorted(set(codes) - provided))


def install_hint(host: Host, sector: str) -> str:
    """What to do so that ``sector`` is provided again, as one phrase.

    A plugin named after the sector that the host knows but did not load is named with its
    distribution and why it is not loaded; otherwise the phrase asks for the sector's plugin.
    """
    try:
        info = host.plugin(sector)
    except NotFoundError:
        return (
            f"install the plugin package that provides sector {sector!r} "
            f"(often 'pip install klaster-{sector}'; 'klaster plugins' lists the plugins where "
            "the file was saved)"
        )
    package = info.distribution or info.source
    if info.status is PluginStatus.DISABLED:
        return (
            f"plugin {sector!r} (from {package}) is installed but disabled: remove it from "
            f"{ENV_DISABLE}, or add it to {ENV_ONLY}"
        )
    if info.status is PluginStatus.FAILED:
        return f"plugin {sector!r} (from {package}) failed to load: fix or reinstall {package}"
    return f"plugin {sector!r} is loaded but does not provide sector {sector!r}"  # pragma: no cover


def report_missing(
    host: Host,
    sectors: Iterable[str],
    *,
    source: str,
    variables: Iterable[str] = (),
    kinds: Iterable[str] = (),
) -> None:
    """Warn once that ``sectors`` have no plugin and ``variables`` were set aside.

    Args:
        host: The host whose plugins were asked (its ``strict`` decides warning or error).
        sectors: Sector codes no loaded plugin provides (may be empty when only variables are
            unknown, e.g. a plugin that extends a loaded sector is missing).
        source: What was being read, for the message (a file's path).
        variables: Codes of the variables whose values were set aside.
        kinds: Activity kinds no loaded plugin declares, whose activities were kept.

    Raises:
        PluginError: In strict mode, with the same sentences as problems.
    """
    sectors, variables = sorted(set(sectors)), sorted(set(variables))
    if not sectors and not variables:
        return
    hints = [
        f"sector {code!r} has no loaded plugin: {install_hint(host, code)}" for code in sectors
    ]
    if variables:
        # Reading values: the program's own warning has said what is kept of the sectors.
        names = ", ".join(repr(code) for code in variables)
        problems = [
            f"the values of variables {names} are set aside (kept in the file, not loaded): no "
            "loaded plugin declares them",
            *(hints or ["install the plugin that declares them"]),
        ]
    else:
        problems = [
            f"{hint}; its members and groups are kept, the checks of its business types skipped"
            for hint in hints
        ]
        kept = sorted(set(kinds))
        if kept:
            names = ", ".join(repr(code) for code in kept)
            problems.append(f"activities of kinds {names} are kept, their kind unchecked")
    headline = f"{source}: a sector plugin is missing"
    if host.strict:
        raise PluginError(f"{headline} (strict mode)", problems=problems)
    warnings.warn(
        PluginWarning(
            f"{headline}; " + "; ".join(problems),
            plugin=sectors[0] if len(sectors) == 1 else None,
            problems=problems,
        ),
        stacklevel=outside_klaster(),
    )
