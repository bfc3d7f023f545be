"""The loaded plugins of one host: the pluggy manager, each plugin's declarations, the catalogue.

Internal interface of :class:`klaster.plugins.host.PluginHost`, which holds one
:class:`Registry` and adds locking, lazy loading and reporting. Methods that leave a plugin out
return its :class:`~klaster.plugins.info.PluginInfo` for the host to report.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import MappingProxyType

import pluggy
from attrs import field, frozen

from klaster.catalogue.variable import Level
from klaster.errors import NotFoundError
from klaster.model.member import Member
from klaster.plugins import _column_checks as column_checks
from klaster.plugins import _merge as merge
from klaster.plugins import _pluggy as pluggy_calls
from klaster.plugins._column_checks import VALUES_HOOK
from klaster.plugins._merge import Catalogue, listing
from klaster.plugins._pluggy import HookFailure, Origin
from klaster.plugins.info import PluginInfo, PluginStatus, make_info
from klaster.plugins.reporting import warn_hook_failure
from klaster.plugins.sectorfile import SectorData
from klaster.plugins.settings import ENV_DISABLE, ENV_ONLY

__all__ = ["Registry"]


@frozen
class _Entry:
    plugin: object
    origin: Origin
    data: SectorData
    impls: Mapping[str, pluggy.HookImpl] = field(eq=False)


class Registry:
    """The plugins a host has registered and what they declare (internal; not thread-safe).

    Args:
        known_names: Codes defined outside plugins that formulas and criteria may read.
    """

    def __init__(self, known_names: Iterable[str] = ()) -> None:
        self._known = frozenset(known_names)
        self._manager = pluggy_calls.new_manager()
        self._entries: dict[str, _Entry] = {}
        self._infos: list[PluginInfo] = []
        self._catalogue = merge.EMPTY

    @property
    def catalogue(self) -> Catalogue:
        """The merged declarations of the loaded plugins."""
        return self._catalogue

    @property
    def infos(self) -> tuple[PluginInfo, ...]:
        """Every plugin known (loaded, failed, disabled), in the order met."""
        return tuple(self._infos)

    def __len__(self) -> int:
        return len(self._entries)

    def canonical_name(self, plugin: object) -> str:
        """The pluggy name for ``plugin`` (a module's name)."""
        return self._manager.get_canonical_name(plugin)

    def info(self, name: str) -> PluginInfo:
        """The info of plugin ``name`` (a loaded one first)."""
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

    def remove(self, name: str) -> None:
        """Unregister loaded plugin ``name`` and forget it (call :meth:`settle` next).

        Raises:
            NotFoundError: No loaded plugin has that name.
        """
        if name not in self._entries:
            raise NotFoundError(
                f"no loaded plugin {name!r}; loaded: {listing(self._entries)}",
                path="name",
            )
        del self._entries[name]
        self._manager.unregister(name=name)
        self._infos = [i for i in self._infos if i.name != name]

    def record(self, info: PluginInfo) -> None:
        """Keep the info of a plugin that was not registered (disabled, or failed to import)."""
        self._infos.append(info)

    def load_entry_points(self, group: str) -> tuple[list[PluginInfo], list[str]]:
        """Load the ``group`` entry points the environment selects; failures and config problems."""
        only = pluggy_calls.name_list(os.environ.get(ENV_ONLY))
        disabled = set(pluggy_calls.name_list(os.environ.get(ENV_DISABLE)) or ())
        entry_points = pluggy_calls.discover(group)
        installed = {ep.name for ep in entry_points}
        config = [
            f"{variable} names {name!r}, which is not installed (installed: {listing(installed)})"
            for variable, names in ((ENV_ONLY, only or ()), (ENV_DISABLE, sorted(disabled)))
            for name in names
            if name not in installed
        ]
        failed = []
        for ep in entry_points:
            origin = pluggy_calls.origin_of_entry_point(ep)
            if (only is not None and ep.name not in only) or ep.name in disabled:
                self.record(make_info(ep.name, PluginStatus.DISABLED, origin))
                continue
            taken = next((i for i in self._infos if i.name == ep.name), None)
            if taken is not None:
                problem = f"the name {ep.name!r} is already used by {taken.describe()}"
                info = make_info(ep.name, PluginStatus.FAILED, origin, problems=[problem])
                self.record(info)
                failed.append(info)
                continue
            plugin, problems = pluggy_calls.load_entry_point(ep)
            if problems:
                info = make_info(ep.name, PluginStatus.FAILED, origin, problems=problems)
                self.record(info)
            else:
                info = self.add(plugin, ep.name, origin)
            if info.status is PluginStatus.FAILED:
                failed.append(info)
        failed.extend(self.settle())
        return failed, config

    def add(self, plugin: object, name: str, origin: Origin) -> PluginInfo:
        """Register and check one plugin; its info (status failed if left out)."""
        problems = pluggy_calls.register(self._manager, plugin, name)
        hooks: tuple[str, ...] = ()
        if not problems:
            impls = pluggy_calls.implementations(self._manager, plugin)
            hooks = tuple(impls)
            data, problems = pluggy_calls.declarations(self._manager, plugin)
            if problems:
                self._manager.unregister(name=name)
            else:
                self._entries[name] = _Entry(plugin, origin, data, MappingProxyType(impls))
        status = PluginStatus.FAILED if problems else PluginStatus.LOADED
        info = make_info(name, status, origin, hooks=hooks, problems=problems)
        self._infos.append(info)
        return info

    def settle(self) -> list[PluginInfo]:
        """Recompute the catalogue; leave out (and return) plugins that no longer fit."""
        declared = [(name, entry.data) for name, entry in self._entries.items()]
        catalogue, rejected = merge.settle(declared, self._known)
        failed = []
        for name, problems in rejected.items():
            self._entries.pop(name)
            self._manager.unregister(name=name)
            old = self.info(name)
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

    def call_checks(
        self,
        sector: str,
        hook: str,
        arguments: Mapping[str, object],
        subject: str,
        *,
        strict: bool,
    ) -> tuple[str, ...]:
        """Ask the sector's plugins' ``hook``; their problems, each naming the plugin."""
        problems: list[str] = []
        for name in self._catalogue.plugins_of.get(sector, ()):
            entry = self._entries[name]
            impl = entry.impls.get(hook)
            if impl is None:
                continue
            try:
                found = pluggy_calls.checks(impl, hook, arguments, self._manager)
            except HookFailure as failure:
                warn_hook_failure(name, entry.origin, failure, subject, strict=strict)
                continue
            problems.extend(f"{problem} (plugin {name!r})" for problem in found)
        return tuple(problems)

    def checks_values(self, sector: str) -> bool:
        """Whether a plugin of ``sector`` implements ``klaster_validate_values``."""
        entries = self._entries
        hook = "klaster_validate_values"
        return any(hook in entries[n].impls for n in self._catalogue.plugins_of.get(sector, ()))

    def check_recorded(
        self,
        units: Iterable[tuple[str, Sequence[str], Level, Mapping[str, object]]],
        *,
        strict: bool,
    ) -> tuple[str, ...]:
        """Ask ``klaster_validate_values`` about each ``(where, sectors, level, values)``.

        A plugin that raises is skipped for the rest of ``units`` and reported once (the first
        unit it failed on, and how many it skipped); the other plugins still run.
        """
        hook = "klaster_validate_values"
        problems: list[str] = []
        crashed: dict[str, tuple[HookFailure, str]] = {}  # name -> (failure, first unit)
        skipped: dict[str, int] = {}  # name -> units skipped after it failed
        checkers: dict[str, list[tuple[str, pluggy.HookImpl]]] = {}  # sector -> its checks
        for where, sectors, level, values in units:
            view = MappingProxyType(dict(values))
            for sector in sectors:
                found_checkers = checkers.get(sector)
                if found_checkers is None:
                    found_checkers = checkers[sector] = [
                        (name, impl)
                        for name in self._catalogue.plugins_of.get(sector, ())
                        if (impl := self._entries[name].impls.get(hook)) is not None
                    ]
                for name, impl in found_checkers:
                    if name in crashed:
                        skipped[name] = skipped.get(name, 0) + 1
                        continue
                    arguments = {"sector": sector, "level": level, "values": view}
                    try:
                        found = pluggy_calls.checks(impl, hook, arguments, self._manager)
                    except HookFailure as failure:
                        crashed[name] = (failure, where)
                        continue
                    if found:
                        problems.extend(f"{where}: {p} (plugin {name!r})" for p in found)
        for name, (crash, where) in crashed.items():
            more = skipped.get(name, 0)
            subject = f"{where} (and {more} more unit(s))" if more else where
            warn_hook_failure(name, self._entries[name].origin, crash, subject, strict=strict)
        return tuple(problems)

    def check_columns(
        self,
        level: Level,
        columns: Mapping[str, object],
        sectors: Sequence[tuple[str, ...]],
        unit_ids: Sequence[str],
        where: Callable[[int], str],
        *,
        strict: bool,
    ) -> tuple[str, ...]:
        """:meth:`check_recorded` on a batch of columns, through ``klaster_validate_columns``.

        See :meth:`PluginHost.validate_recorded_columns <klaster.plugins.host.PluginHost>`.
        """
        checkers: dict[str, list[column_checks.Checker]] = {}

        def of_sector(sector: str) -> list[column_checks.Checker]:
            found = checkers.get(sector)
            if found is None:
                found = checkers[sector] = [
                    (name, impl, impls.get(column_checks.COLUMNS_HOOK))
                    for name in self._catalogue.plugins_of.get(sector, ())
                    if (impl := (impls := self._entries[name].impls).get(VALUES_HOOK)) is not None
                ]
            return found

        variables = self._catalogue.variable
        run = column_checks.ColumnRun(self._manager, level, columns, sectors, unit_ids, variables)
        found = run.run(of_sector)
        for name, (crash, row) in run.crashed.items():
            more = run.skipped.get(name, 0)
            subject = f"{where(row)} (and {more} more unit(s))" if more else where(row)
            warn_hook_failure(name, self._entries[name].origin, crash, subject, strict=strict)
        return tuple(f"{where(row)}: {problem} (plugin {name!r})" for row, problem, name in found)

    def business_type_problem(self, member: Member) -> str | None:
        """See :meth:`PluginHost.business_type_problem <klaster.plugins.host.PluginHost>`."""
        sector = None if member.business_type is None else self._catalogue.sector(member.sector)
        if sector is None:
            return None
        codes = sector.business_type_codes()
        if not codes or member.business_type in codes:
            return None
        return (
            f"member {member.id!r}: the business type (not shown) is not one of the business "
            f"types of sector {sector.code!r}: {', '.join(codes)}"
        )

    def unknown_sector(self, code: str) -> str:
        """The problem of a code no loaded plugin provides, listing the sectors."""
        known = listing(s.code for s in self._catalogue.sectors)
        return f"no loaded plugin provides sector {code!r} (sectors: {known})"

    def read_values(
        self, sector: str, level: Level | str, values: Mapping[str, object], *, strict: bool
    ) -> tuple[dict[str, object], tuple[str, ...]]:
        """One round's values of ``sector`` in canonical types, and every problem found."""
        catalogue = self._catalogue
        if catalogue.sector(sector) is None:
            return {}, (f"sector: {self.unknown_sector(sector)}",)
        level, normalized, problems = merge.read_values(catalogue, sector, level, values)
        if problems:
            return normalized, tuple(problems)
        arguments = {"sector": sector, "level": level, "values": MappingProxyType(normalized)}
        subject = f"{sector} {level.value} values"
        hook = "klaster_validate_values"
        return normalized, self.call_checks(sector, hook, arguments, subject, strict=strict)
