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
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Protocol

from attrs import define, field

from klaster.catalogue.sector import Sector
from klaster.errors import NotFoundError, PluginError
from klaster.model._frame_columns import program_column
from klaster.model.program import Program
from klaster.model.records import columns_of, field_of
from klaster.plugins.info import PluginInfo, PluginStatus, PluginWarning
from klaster.plugins.reporting import outside_klaster
from klaster.plugins.settings import ENV_DISABLE, ENV_ONLY

__all__ = [
    "Host",
    "install_hint",
    "one_warning",
    "program_sectors",
    "report_missing",
    "undeclared_hint",
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

    def plugins(self) -> tuple[PluginInfo, ...]:
        """Every plugin the host knows, loaded or not."""


def program_sectors(program: Program) -> tuple[str, ...]:
    """Every sector code a program uses: its clusters', members' and groups', sorted."""
    codes: set[str] = set()
    # A million members loaded whole from an accepted file: their sectors found in its column.
    whole = program_column([columns_of(c.members) for c in program.clusters], "sector")
    if whole is not None:
        codes.update(whole.unique().to_list())
    for cluster in program.clusters:
        codes.update(item.sector for item in cluster.sectors)
        if whole is None:
            codes.update(field_of(cluster.members, "sector"))  # (a million members: not built)
        codes.update(s for s in field_of(cluster.groups, "sector") if s is not None)
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


def undeclared_hint(host: Host, sectors: Iterable[str] = (), *, typo: bool = False) -> str | None:
    """What to do about a variable no loaded plugin declares, as one phrase.

    The plugins installed but not loaded (disabled, failed) are named with what to do, as are
    the ``sectors`` (a program's) that no loaded plugin provides; the same wording as the
    missing-plugin warning.

    Args:
        host: The plugin host.
        sectors: The sector codes of the program the values are for (may be empty).
        typo: Whether a typo is as likely as a missing plugin (a mapping's code): then ``None``
            is returned when no plugin is known to be missing.
    """
    idle = [
        info.name
        for info in host.plugins()
        if info.status in (PluginStatus.DISABLED, PluginStatus.FAILED)
    ]
    unprovided = [code for code in unprovided_sectors(host, sectors) if code not in idle]
    hints = [install_hint(host, name) for name in (*idle, *unprovided)]
    if not hints:
        return None if typo else "no loaded plugin declares it: install the plugin that declares it"
    return "no loaded plugin declares it: " + "; ".join(hints)


def report_missing(
    host: Host,
    sectors: Iterable[str],
    *,
    source: str,
    variables: Iterable[str] = (),
    kinds: Iterable[str] = (),
) -> None:
    """Warn once that ``sectors`` have no plugin and ``variables`` were set aside.

    Inside :func:`one_warning`, the report is held and merged with the others of the context.

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
    variables = set(variables)
    facts = _Facts(source=source, value_source=source if variables else None)
    (facts.value_sectors if variables else facts.program_sectors).update(sectors)
    facts.variables.update(variables)
    if not variables:
        facts.kinds.update(kinds)
    if not facts.program_sectors and not facts.value_sectors and not facts.variables:
        return
    if host.strict:
        headline, problems = _compose(host, facts)
        raise PluginError(f"{headline} (strict mode)", problems=problems)
    gathering = _gathering.get()
    if gathering is None:
        _warn(host, facts)
    else:
        gathering.held.merge(facts)
        gathering.host = host


@contextmanager
def one_warning() -> Iterator[None]:
    """Say each missing plugin once for everything read in this context.

    Reading a program, then its observations, then validating it reports the same missing
    plugin at each step. Inside this context the reports are held and merged: when a context
    ends, one :class:`PluginWarning` says what was set aside (members and groups, values,
    activity kinds) and what to install, leaving out what an enclosing context has already
    said. The command line opens one around each command and one around each load.

    Yields:
        Nothing; the merged warning is given as the context ends.
    """
    outer = _gathering.get()
    gathering = _Gathering(said=outer.said if outer is not None else _Facts(source=""))
    token = _gathering.set(gathering)
    try:
        yield
    finally:
        _gathering.reset(token)
        host = gathering.host
        if host is not None:
            # ``said`` is shared with the enclosing contexts: each fact is said once.
            fresh = gathering.held.unsaid(gathering.said)
            gathering.said.merge(gathering.held)
            if outer is not None:
                outer.host = host
            _warn(host, fresh)


@define
class _Facts:
    """What reports said is missing or set aside, merged."""

    source: str
    value_source: str | None = None
    program_sectors: set[str] = field(factory=set)
    value_sectors: set[str] = field(factory=set)
    variables: set[str] = field(factory=set)
    kinds: set[str] = field(factory=set)

    def merge(self, other: _Facts) -> None:
        self.source = self.source or other.source
        self.value_source = self.value_source or other.value_source
        self.program_sectors |= other.program_sectors
        self.value_sectors |= other.value_sectors
        self.variables |= other.variables
        self.kinds |= other.kinds

    def unsaid(self, said: _Facts) -> _Facts:
        """These facts less those already ``said`` (the install hints of new values kept)."""
        variables = self.variables - said.variables
        return _Facts(
            source=self.source,
            value_source=self.value_source,
            program_sectors=self.program_sectors - said.program_sectors,
            value_sectors=set(self.value_sectors) if variables else set(),
            variables=variables,
            kinds=self.kinds - said.kinds,
        )


@define
class _Gathering:
    said: _Facts
    held: _Facts = field(factory=lambda: _Facts(source=""))
    host: Host | None = None


_gathering: ContextVar[_Gathering | None] = ContextVar("klaster_missing_plugins", default=None)


def _compose(host: Host, facts: _Facts) -> tuple[str, list[str]]:
    """The headline and the problems of one merged report."""
    program = sorted(facts.program_sectors)
    values_only = sorted(facts.value_sectors - facts.program_sectors)
    hints = {
        code: f"sector {code!r} has no loaded plugin: {install_hint(host, code)}"
        for code in sorted(facts.program_sectors | facts.value_sectors)
    }
    problems = [
        f"{hints[code]}; its members and groups are kept, the checks of its business types skipped"
        for code in program
    ]
    if facts.variables:
        names = ", ".join(repr(code) for code in sorted(facts.variables))
        where = (
            "the file" if facts.value_source in (None, facts.source) else str(facts.value_source)
        )
        problems.append(
            f"the values of variables {names} are set aside (kept in {where}, not loaded): no "
            "loaded plugin declares them"
        )
        # Reading values alone: the program's own warning said what is kept of the sectors.
        problems += [hints[code] for code in values_only]
        if not hints:
            problems.append("install the plugin that declares them")
    if facts.kinds:
        names = ", ".join(repr(code) for code in sorted(facts.kinds))
        problems.append(f"activities of kinds {names} are kept, their kind unchecked")
    return f"{facts.source}: a sector plugin is missing", problems


def _warn(host: Host, facts: _Facts) -> None:
    if not facts.program_sectors and not facts.variables and not facts.kinds:
        return
    headline, problems = _compose(host, facts)
    sectors = sorted(facts.program_sectors | facts.value_sectors)
    warnings.warn(
        PluginWarning(
            f"{headline}; " + "; ".join(problems),
            plugin=sectors[0] if len(sectors) == 1 else None,
            problems=problems,
        ),
        stacklevel=outside_klaster(),
    )
