"""The plugin host: loads sector plugins, checks what they declare, and asks them to validate.

Sectors (UMKM, farming, livestock and any an organisation adds) are pluggy plugins found through
the ``klaster`` entry-point group; the built-in ones are registered the same way. Use
:func:`get_host` for the host of the installed plugins, or a :class:`PluginHost` of your own::

    from klaster.plugins.host import get_host
    host = get_host()                 # loads nothing yet
    [s.code for s in host.sectors()]  # the first question loads the plugins

Loading is per plugin: a plugin that cannot be imported, implements a hook that does not exist or
has the wrong parameters, raises, returns malformed records, or takes a code another plugin
already has is left out with a :class:`PluginWarning` naming it, its distribution and version;
the others keep working. Environment variables:

``KLASTER_PLUGINS=umkm,seaweed``
    Load only these entry points (an empty value loads none).
``KLASTER_DISABLE_PLUGINS=livestock``
    Skip these entry points.
``KLASTER_STRICT_PLUGINS=1``
    Raise :class:`klaster.errors.PluginError` instead of warning (for CI and plugin authors).
"""

from __future__ import annotations

import os
import sys
import threading
import warnings
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any

import pluggy
from attrs import field, frozen

from klaster.catalogue.criterion import ReadinessCriterion
from klaster.catalogue.indicator import Indicator
from klaster.catalogue.sector import Sector
from klaster.catalogue.variable import Level, Variable
from klaster.errors import NotFoundError, PluginError
from klaster.model.group import Group
from klaster.model.member import Member
from klaster.model.program import Program
from klaster.plugins import _merge as _catalogue
from klaster.plugins import _pluggy as _pluginhost
from klaster.plugins._merge import listing, raise_problems, require, select
from klaster.plugins._pluggy import HookFailure, Origin
from klaster.plugins.hookspecs import PROJECT
from klaster.plugins.info import (
    KlasterWarning,
    PluginInfo,
    PluginStatus,
    PluginWarning,
    failure_message,
    make_info,
)
from klaster.plugins.sectorfile import SectorData

__all__ = [
    "ENV_DISABLE",
    "ENV_ONLY",
    "ENV_STRICT",
    "KlasterWarning",
    "PluginHost",
    "PluginInfo",
    "PluginStatus",
    "PluginWarning",
    "get_host",
    "list_plugins",
    "plugins_json",
]

ENV_ONLY = "KLASTER_PLUGINS"
"""Environment variable: comma-separated entry-point names to load, and no others."""
ENV_DISABLE = "KLASTER_DISABLE_PLUGINS"
"""Environment variable: comma-separated entry-point names not to load."""
ENV_STRICT = "KLASTER_STRICT_PLUGINS"
"""Environment variable: ``1`` turns plugin warnings into :class:`~klaster.errors.PluginError`."""

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


@frozen
class _Entry:
    plugin: object
    origin: Origin
    data: SectorData
    impls: Mapping[str, pluggy.HookImpl] = field(eq=False)


class PluginHost:
    """A typed facade over a pluggy manager: loads, checks, sorts, and calls klaster plugins.

    Args:
        entry_points: Load the plugins of the ``group`` entry points on first use. ``False`` gives
            an empty host for :meth:`register` (tests, embedding).
        group: Entry-point group to load.
        strict: Raise :class:`~klaster.errors.PluginError` instead of warning. ``None`` reads
            ``KLASTER_STRICT_PLUGINS`` each time.
        known_names: Codes defined outside plugins that formulas and criteria may read (the
            core's own variables).

    Example:
        >>> host = PluginHost(entry_points=False)
        >>> host.sectors()
        ()
    """

    def __init__(
        self,
        *,
        entry_points: bool = True,
        group: str = PROJECT,
        strict: bool | None = None,
        known_names: Iterable[str] = (),
    ) -> None:
        self._use_entry_points = entry_points
        self._group = group
        self._strict = strict
        self._known = frozenset(known_names)
        self._manager = _pluginhost.new_manager()
        self._lock = threading.RLock()
        self._loaded = False
        self._load_error: PluginError | None = None
        self._entries: dict[str, _Entry] = {}
        self._infos: list[PluginInfo] = []
        self._catalogue = _catalogue.EMPTY

    def __repr__(self) -> str:
        state = "loaded" if self._loaded else "not loaded"
        return f"<PluginHost group={self._group!r} {state}, {len(self._entries)} plugins>"

    @property
    def strict(self) -> bool:
        """Whether plugin problems raise :class:`~klaster.errors.PluginError`."""
        if self._strict is not None:
            return self._strict
        value = os.environ.get(ENV_STRICT, "").strip().lower()
        if value in _TRUE | _FALSE:
            return value in _TRUE
        raise PluginError(f"{ENV_STRICT}={value!r} is not understood: use 1 (strict) or 0")

    @property
    def loaded(self) -> bool:
        """Whether the entry points have been loaded (they are on the first question)."""
        return self._loaded

    # -- plugins -------------------------------------------------------------------------------

    def register(self, plugin: object, name: str | None = None) -> PluginInfo:
        """Register a plugin object or module by hand (after the entry points are loaded).

        Args:
            plugin: A module or object with :data:`klaster.plugins.hookspecs.hookimpl` functions.
            name: Its name; default the module's name or pluggy's canonical name.

        Returns:
            Its :class:`PluginInfo`; status failed if it was left out (with a warning).

        Raises:
            PluginError: In strict mode, when the plugin is left out.
        """
        with self._lock:
            self._ensure_loaded()
            name = name or self._manager.get_canonical_name(plugin)
            info = self._add(plugin, name, _pluginhost.origin_of_object(plugin))
            if info.status is PluginStatus.FAILED:
                self._report([info])
                return info
            self._report(self._settle())
            return self._info(name)

    def unregister(self, name: str) -> None:
        """Remove a loaded plugin and everything it declared.

        Plugins that built on it (variables for its sector, indicators over its variables) are
        left out too, with a warning.

        Raises:
            NotFoundError: No loaded plugin has that name.
        """
        with self._lock:
            self._ensure_loaded()
            if name not in self._entries:
                raise NotFoundError(
                    f"no loaded plugin {name!r}; loaded: {listing(self._entries)}",
                    path="name",
                )
            del self._entries[name]
            self._manager.unregister(name=name)
            self._infos = [i for i in self._infos if i.name != name]
            self._report(self._settle())

    def plugins(self) -> tuple[PluginInfo, ...]:
        """Every plugin the host knows of (loaded, failed, disabled), sorted by name."""
        self._ensure_loaded()
        return tuple(sorted(self._infos, key=lambda i: i.name))

    def plugin(self, name: str) -> PluginInfo:
        """The :class:`PluginInfo` of one plugin.

        Raises:
            NotFoundError: The host knows no plugin of that name.
        """
        self._ensure_loaded()
        return self._info(name)

    def sector_plugins(self, sector: str) -> tuple[str, ...]:
        """Names of the plugins of a sector: the one providing it first, then those extending it."""
        return self._cat().plugins_of.get(sector, ())

    # -- declarations --------------------------------------------------------------------------

    def sectors(self) -> tuple[Sector, ...]:
        """All sectors of the loaded plugins, sorted by code."""
        return self._cat().sectors

    def sector(self, code: str) -> Sector:
        """The sector with this code.

        Raises:
            NotFoundError: No loaded plugin provides it; the message lists the sectors.
        """
        found = self._cat().sector(code)
        if found is None:
            raise NotFoundError(self._unknown_sector(code), path="sector")
        return found

    def variables(
        self, sector: str | None = None, level: Level | str | None = None
    ) -> tuple[Variable, ...]:
        """Variables of all loaded plugins, sorted by sector then code; optionally filtered."""
        return select(self._cat().variables, sector, level)

    def variable(self, code: str) -> Variable:
        """The variable with this code.

        Raises:
            NotFoundError: No loaded plugin declares it.
        """
        return require(self._cat().variable(code), "variable", code, self._cat().variables)

    def indicators(
        self, sector: str | None = None, level: Level | str | None = None
    ) -> tuple[Indicator, ...]:
        """Indicators of all loaded plugins, sorted by sector then code; optionally filtered."""
        return select(self._cat().indicators, sector, level)

    def indicator(self, code: str) -> Indicator:
        """The indicator with this code.

        Raises:
            NotFoundError: No loaded plugin declares it.
        """
        return require(self._cat().indicator(code), "indicator", code, self._cat().indicators)

    def readiness_criteria(
        self, sector: str | None = None, level: Level | str | None = None
    ) -> tuple[ReadinessCriterion, ...]:
        """Readiness criteria of all loaded plugins, sorted by sector then code; filtered."""
        return select(self._cat().criteria, sector, level)

    # -- validation ----------------------------------------------------------------------------

    def validate_member(self, member: Member) -> tuple[str, ...]:
        """What is wrong with a member for its sector (empty when nothing is).

        Checks that a loaded plugin provides ``member.sector``, that ``business_type`` is one of
        the sector's business types (when it lists any), then asks the sector's plugins.
        """
        sector = self._cat().sector(member.sector)
        if sector is None:
            return (f"sector: {self._unknown_sector(member.sector)}",)
        problems = []
        codes = sector.business_type_codes()
        if codes and member.business_type is not None and member.business_type not in codes:
            problems.append(
                f"business_type: {member.business_type!r} is not one of the business types of "
                f"sector {sector.code!r}: {', '.join(codes)}"
            )
        arguments = {"member": member}
        subject = f"member {member.id!r}"
        hook = "klaster_validate_member"
        return (*problems, *self._call_checks(sector.code, hook, arguments, subject))

    def check_member(self, member: Member) -> None:
        """Raise if :meth:`validate_member` finds problems.

        Raises:
            ValidationError: Listing every problem; names the member by ID only.
        """
        heading = f"member {member.id!r} does not meet the rules of sector {member.sector!r}"
        raise_problems(heading, self.validate_member(member))

    def validate_group(self, group: Group) -> tuple[str, ...]:
        """What is wrong with a business group for its sector (empty when nothing is)."""
        if self._cat().sector(group.sector) is None:
            return (f"sector: {self._unknown_sector(group.sector)}",)
        arguments = {"group": group}
        subject = f"group {group.id!r}"
        return self._call_checks(group.sector, "klaster_validate_group", arguments, subject)

    def check_group(self, group: Group) -> None:
        """Raise if :meth:`validate_group` finds problems.

        Raises:
            ValidationError: Listing every problem.
        """
        heading = f"group {group.id!r} does not meet the rules of sector {group.sector!r}"
        raise_problems(heading, self.validate_group(group))

    def validate_program(self, program: Program) -> tuple[str, ...]:
        """What the loaded sectors find wrong in a whole program (empty when nothing is).

        Every cluster's sectors must be provided by a loaded plugin, and every member and group
        must pass :meth:`validate_member` / :meth:`validate_group`. Each problem is located
        (``clusters[0].members[3]: business_type: ...``) and names records by ID only.
        """
        problems: list[str] = []
        for c_index, cluster in enumerate(program.clusters):
            where = f"clusters[{c_index}]"
            for s_index, item in enumerate(cluster.sectors):
                if self._cat().sector(item.sector) is None:
                    problems.append(
                        f"{where}.sectors[{s_index}].sector: {self._unknown_sector(item.sector)}"
                    )
            for index, member in enumerate(cluster.members):
                problems += [f"{where}.members[{index}]: {p}" for p in self.validate_member(member)]
            for index, group in enumerate(cluster.groups):
                problems += [f"{where}.groups[{index}]: {p}" for p in self.validate_group(group)]
        return tuple(problems)

    def check_program(self, program: Program) -> None:
        """Raise if :meth:`validate_program` finds problems.

        Raises:
            ValidationError: Listing every problem with its location.

        Example:
            >>> import klaster
            >>> program = klaster.load(f"{EXAMPLES}/data/bantaeng.json")  # doctest: +SKIP
            >>> klaster.get_host().check_program(program)  # doctest: +SKIP
        """
        raise_problems(
            f"program {program.id!r} does not meet the rules of its sectors",
            self.validate_program(program),
        )

    def validate_values(
        self, sector: str, level: Level | str, values: Mapping[str, object]
    ) -> tuple[str, ...]:
        """What is wrong with one survey round's values of one member, group or cooperative.

        Each value is checked against its variable (type, bounds, required); unknown codes are
        problems; then the sector's plugins check across variables.

        Args:
            sector: Sector code.
            level: :class:`~klaster.catalogue.variable.Level` the values describe.
            values: Variable code to recorded value.
        """
        return self._read_values(sector, level, values)[1]

    def check_values(
        self,
        sector: str,
        level: Level | str,
        values: Mapping[str, object],
        *,
        path: str | None = None,
    ) -> dict[str, object]:
        """Check one survey round's values and return them in their canonical types.

        Args:
            sector: Sector code.
            level: :class:`~klaster.catalogue.variable.Level` the values describe.
            values: Variable code to recorded value.
            path: Where the values are, for the error, e.g. ``"surveys[3].members[BTG-0001]"``.

        Returns:
            Variable code to ``Decimal``/``int``/``bool``/``str``/``date``; unrecorded optional
            variables are left out.

        Raises:
            ValidationError: Listing every problem (values are never repeated in it).
        """
        normalized, problems = self._read_values(sector, level, values)
        raise_problems(f"invalid {sector} {level} survey values", problems, path=path)
        return normalized

    # -- internals -----------------------------------------------------------------------------

    def _cat(self) -> _catalogue.Catalogue:
        self._ensure_loaded()
        return self._catalogue

    def _info(self, name: str) -> PluginInfo:
        matches = [i for i in self._infos if i.name == name]
        loaded = [i for i in matches if i.status is PluginStatus.LOADED]
        if loaded:
            return loaded[0]
        if matches:
            return matches[-1]
        raise NotFoundError(
            f"no plugin {name!r}; known: {listing(i.name for i in self._infos)}",
            path="name",
        )

    def _unknown_sector(self, code: str) -> str:
        known = listing(s.code for s in self._catalogue.sectors)
        return f"no loaded plugin provides sector {code!r} (sectors: {known})"

    def _ensure_loaded(self) -> None:
        if not self._loaded:
            with self._lock:
                if not self._loaded:
                    self._loaded = True
                    if self._use_entry_points:
                        try:
                            self._load_entry_points()
                        except PluginError as exc:
                            self._load_error = exc
        if self._load_error is not None:
            raise self._load_error

    def _load_entry_points(self) -> None:
        only = _pluginhost.name_list(os.environ.get(ENV_ONLY))
        disabled = set(_pluginhost.name_list(os.environ.get(ENV_DISABLE)) or ())
        entry_points = _pluginhost.discover(self._group)
        installed = {ep.name for ep in entry_points}
        config = [
            f"{variable} names {name!r}, which is not installed (installed: {listing(installed)})"
            for variable, names in ((ENV_ONLY, only or ()), (ENV_DISABLE, sorted(disabled)))
            for name in names
            if name not in installed
        ]
        failed = []
        for ep in entry_points:
            origin = _pluginhost.origin_of_entry_point(ep)
            if (only is not None and ep.name not in only) or ep.name in disabled:
                self._infos.append(make_info(ep.name, PluginStatus.DISABLED, origin))
                continue
            taken = next((i for i in self._infos if i.name == ep.name), None)
            if taken is not None:
                problem = f"the name {ep.name!r} is already used by {taken.describe()}"
                info = make_info(ep.name, PluginStatus.FAILED, origin, problems=[problem])
                self._infos.append(info)
                failed.append(info)
                continue
            plugin, problems = _pluginhost.load_entry_point(ep)
            if problems:
                info = make_info(ep.name, PluginStatus.FAILED, origin, problems=problems)
                self._infos.append(info)
            else:
                info = self._add(plugin, ep.name, origin)
            if info.status is PluginStatus.FAILED:
                failed.append(info)
        failed.extend(self._settle())
        self._report(failed, config)

    def _add(self, plugin: object, name: str, origin: Origin) -> PluginInfo:
        problems = _pluginhost.register(self._manager, plugin, name)
        hooks: tuple[str, ...] = ()
        if not problems:
            impls = _pluginhost.implementations(self._manager, plugin)
            hooks = tuple(impls)
            data, problems = _pluginhost.declarations(self._manager, plugin)
            if problems:
                self._manager.unregister(name=name)
            else:
                self._entries[name] = _Entry(plugin, origin, data, MappingProxyType(impls))
        status = PluginStatus.FAILED if problems else PluginStatus.LOADED
        info = make_info(name, status, origin, hooks=hooks, problems=problems)
        self._infos.append(info)
        return info

    def _settle(self) -> list[PluginInfo]:
        """Recompute the catalogue; leave out (and return) plugins that no longer fit."""
        declared = [(name, entry.data) for name, entry in self._entries.items()]
        catalogue, rejected = _catalogue.settle(declared, self._known)
        failed = []
        for name, problems in rejected.items():
            self._entries.pop(name)
            self._manager.unregister(name=name)
            old = self._info(name)
            info = make_info(
                name,
                PluginStatus.FAILED,
                Origin(old.source, old.distribution, old.version),
                hooks=old.hooks,
                problems=problems,
            )
            self._infos[self._infos.index(old)] = info
            failed.append(info)
        self._catalogue = catalogue
        return failed

    def _report(self, failed: Iterable[PluginInfo], config: Iterable[str] = ()) -> None:
        failed, config = list(failed), list(config)
        if not failed and not config:
            return
        messages = [failure_message(info) for info in failed]
        messages.extend(f"klaster plugin configuration: {problem}" for problem in config)
        if self.strict:
            raise PluginError("plugin problems (strict mode):\n" + "\n".join(messages))
        for info, message in zip(failed, messages, strict=False):
            warnings.warn(
                PluginWarning(
                    message,
                    plugin=info.name,
                    distribution=info.distribution,
                    version=info.version,
                    problems=info.problems,
                ),
                stacklevel=_outside_klaster(),
            )
        for message in messages[len(failed) :]:
            warnings.warn(PluginWarning(message), stacklevel=_outside_klaster())

    def _call_checks(
        self, sector: str, hook: str, arguments: Mapping[str, object], subject: str
    ) -> tuple[str, ...]:
        problems: list[str] = []
        for name in self._catalogue.plugins_of.get(sector, ()):
            entry = self._entries[name]
            impl = entry.impls.get(hook)
            if impl is None:
                continue
            try:
                found = _pluginhost.checks(impl, hook, arguments)
            except HookFailure as failure:
                message = (
                    f"klaster {entry.origin.describe(name)}: {failure} while checking {subject}; "
                    "its checks were skipped"
                )
                if self.strict:
                    raise PluginError(message) from failure.__cause__
                warnings.warn(
                    PluginWarning(
                        message,
                        plugin=name,
                        distribution=entry.origin.distribution,
                        version=entry.origin.version,
                        problems=[str(failure)],
                    ),
                    stacklevel=_outside_klaster(),
                )
                continue
            problems.extend(f"{problem} (plugin {name!r})" for problem in found)
        return tuple(problems)

    def _read_values(
        self, sector: str, level: Level | str, values: Mapping[str, object]
    ) -> tuple[dict[str, object], tuple[str, ...]]:
        catalogue = self._cat()
        if catalogue.sector(sector) is None:
            return {}, (f"sector: {self._unknown_sector(sector)}",)
        level, normalized, problems = _catalogue.read_values(catalogue, sector, level, values)
        if problems:
            return normalized, tuple(problems)
        arguments = {"sector": sector, "level": level, "values": MappingProxyType(normalized)}
        subject = f"{sector} {level.value} values"
        hook = "klaster_validate_values"
        return normalized, self._call_checks(sector, hook, arguments, subject)


_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def _outside_klaster() -> int:
    # Point warnings at the first caller outside klaster (Python 3.11 has no skip_file_prefixes).
    level, frame = 1, sys._getframe(1)
    while frame.f_back is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        level, frame = level + 1, frame.f_back
    return level


_default: PluginHost | None = None
_default_lock = threading.Lock()


def get_host() -> PluginHost:
    """The host of the installed plugins, created on first use (loading waits for a question)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = PluginHost()
        return _default


def list_plugins() -> tuple[PluginInfo, ...]:
    """The installed plugins (loaded, failed, disabled) of the default host, sorted by name."""
    return get_host().plugins()


def plugins_json() -> list[dict[str, Any]]:
    """:func:`list_plugins` as JSON-compatible dicts (for ``klaster plugins --json``)."""
    return [info.to_dict() for info in list_plugins()]
