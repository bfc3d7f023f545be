"""The plugin host: loads sector plugins, checks what they declare, and asks them to validate.

Sectors (UMKM, farming, livestock and any an organisation adds) are pluggy plugins found through
the ``klaster`` entry-point group; the built-in ones are registered the same way. Use
:func:`get_host` for the host of the installed plugins, or a :class:`PluginHost` of your own::

    from klaster.plugins import get_host
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

import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Union

from klaster.catalogue.sector import Sector
from klaster.catalogue.variable import Level
from klaster.errors import NotFoundError, PluginError
from klaster.model.group import Group
from klaster.model.member import Member
from klaster.model.program import Program
from klaster.plugins import _pluggy as pluggy_calls
from klaster.plugins._merge import Catalogue, raise_problems
from klaster.plugins.declarations import Declarations
from klaster.plugins.hookspecs import PROJECT
from klaster.plugins.info import PluginInfo, PluginStatus
from klaster.plugins.missing import program_sectors, report_missing, unprovided_sectors
from klaster.plugins.registry import Registry
from klaster.plugins.reporting import report
from klaster.plugins.settings import strict_from_environment

if TYPE_CHECKING:
    import polars as pl

__all__ = ["PluginHost", "RecordedValues"]

RecordedValues = tuple[str, Sequence[str], Level, Mapping[str, object]]
"""One unit's values in one round: ``(where, sectors, level, values)``."""
Column = Union["pl.Series", Sequence[object]]


class PluginHost(Declarations):
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
        self._registry = Registry(known_names)
        self._lock = threading.RLock()
        self._loaded = False
        self._load_error: PluginError | None = None

    def __repr__(self) -> str:
        state = "loaded" if self._loaded else "not loaded"
        return f"<PluginHost group={self._group!r} {state}, {len(self._registry)} plugins>"

    @property
    def strict(self) -> bool:
        """Whether plugin problems raise :class:`~klaster.errors.PluginError`."""
        return self._strict if self._strict is not None else strict_from_environment()

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
            name = name or self._registry.canonical_name(plugin)
            info = self._registry.add(plugin, name, pluggy_calls.origin_of_object(plugin))
            if info.status is PluginStatus.FAILED:
                report([info], strict=self.strict)
                return info
            report(self._registry.settle(), strict=self.strict)
            return self._registry.info(name)

    def unregister(self, name: str) -> None:
        """Remove a loaded plugin and everything it declared.

        Plugins that built on it (variables for its sector, indicators over its variables) are
        left out too, with a warning.

        Raises:
            NotFoundError: No loaded plugin has that name.
        """
        with self._lock:
            self._ensure_loaded()
            self._registry.remove(name)
            report(self._registry.settle(), strict=self.strict)

    def plugins(self) -> tuple[PluginInfo, ...]:
        """Every plugin the host knows of (loaded, failed, disabled), sorted by name."""
        self._ensure_loaded()
        return tuple(sorted(self._registry.infos, key=lambda i: i.name))

    def plugin(self, name: str) -> PluginInfo:
        """The :class:`PluginInfo` of one plugin.

        Raises:
            NotFoundError: The host knows no plugin of that name.
        """
        self._ensure_loaded()
        return self._registry.info(name)

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
            raise NotFoundError(self._registry.unknown_sector(code), path="sector")
        return found

    # -- validation ----------------------------------------------------------------------------

    def validate_member(self, member: Member) -> tuple[str, ...]:
        """What is wrong with a member for its sector (empty when nothing is).

        Checks that a loaded plugin provides ``member.sector``, that ``business_type`` is one of
        the sector's business types (when it lists any), then asks the sector's plugins.
        """
        sector = self._cat().sector(member.sector)
        if sector is None:
            return (f"sector: {self._registry.unknown_sector(member.sector)}",)
        problem = self.business_type_problem(member)
        problems = [] if problem is None else [f"business_type: {problem}"]
        arguments, subject = {"member": member}, f"member {member.id!r}"
        hook = "klaster_validate_member"
        return (
            *problems,
            *self._registry.call_checks(sector.code, hook, arguments, subject, strict=self.strict),
        )

    def business_type_problem(self, member: Member) -> str | None:
        """What is wrong with a member's business type for its sector, or ``None``.

        One the sector declares, if it declares any, is valid; so is none, and any of a sector
        no plugin provides. The model runs this on every member it takes in
        (:mod:`klaster.model.sector_rules`); the message names the member by ID only.
        """
        self._ensure_loaded()
        return self._registry.business_type_problem(member)

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
            return (f"sector: {self._registry.unknown_sector(group.sector)}",)
        arguments, subject = {"group": group}, f"group {group.id!r}"
        return self._registry.call_checks(
            group.sector, "klaster_validate_group", arguments, subject, strict=self.strict
        )

    def check_group(self, group: Group) -> None:
        """Raise a ``ValidationError`` listing every problem :meth:`validate_group` finds."""
        heading = f"group {group.id!r} does not meet the rules of sector {group.sector!r}"
        raise_problems(heading, self.validate_group(group))

    def validate_program(self, program: Program) -> tuple[str, ...]:
        """What the loaded sectors find wrong in a whole program (empty when nothing is).

        Every member and group must pass :meth:`validate_member` / :meth:`validate_group`, but
        those of a sector no loaded plugin provides are skipped with one ``PluginWarning`` (strict:
        ``PluginError``) saying what to install. Each problem is located and names IDs only.
        """
        missing = unprovided_sectors(self, program_sectors(program))
        report_missing(self, missing, source=f"program {program.id!r}")  # skipped, not refused
        problems: list[str] = []
        for c_index, cluster in enumerate(program.clusters):
            where = f"clusters[{c_index}]"
            for index, member in enumerate(cluster.members):
                found = () if member.sector in missing else self.validate_member(member)
                problems += [f"{where}.members[{index}]: {p}" for p in found]
            for index, group in enumerate(cluster.groups):
                found = () if group.sector in missing else self.validate_group(group)
                problems += [f"{where}.groups[{index}]: {p}" for p in found]
        return tuple(problems)

    def check_program(self, program: Program) -> None:
        """Raise if :meth:`validate_program` finds problems.

        Raises:
            ValidationError: Listing every problem with its location.
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
        problems; then the sector's plugins check across variables (arguments: as
        :meth:`check_values`).
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

    def checks_values(self, sectors: Iterable[str]) -> bool:
        """Whether a plugin of one of ``sectors`` checks values across variables.

        That is, implements ``klaster_validate_values``; data paths skip the per-unit work
        when none does.
        """
        self._ensure_loaded()
        return any(self._registry.checks_values(sector) for sector in sectors)

    def validate_recorded(self, units: Iterable[RecordedValues]) -> tuple[str, ...]:
        """What the sectors' plugins find wrong across recorded values, one unit and round each.

        Every data path (recording, the sidecar, the store, imports, ``klaster validate``) calls
        this with what a unit holds in a round. Unlike :meth:`validate_values` the values are
        taken as already checked one by one and may be partial (a round need not record every
        variable): only the ``klaster_validate_values`` hooks run.

        A plugin whose hook raises (or returns anything but a list or tuple of texts) is
        reported once per call as a :class:`PluginWarning` naming it, the first unit and how
        many units it was skipped for; the other plugins still run. In strict mode a
        :class:`~klaster.errors.PluginError` is raised instead.

        Args:
            units: ``(where, sectors, level, values)``: a location for messages (e.g.
                ``"rounds[R1].members[BTG-0001]"``), the unit's sector codes, its level, and
                its values by variable code in their canonical types.

        Returns:
            One message per problem, ``"<where>: <problem> (plugin '<name>')"``.
        """
        self._ensure_loaded()
        return self._registry.check_recorded(units, strict=self.strict)

    def validate_recorded_columns(
        self,
        level: Level,
        columns: Mapping[str, Column | Callable[[], Column]],
        sectors: Sequence[tuple[str, ...]],
        unit_ids: Sequence[str],
        where: Callable[[int], str],
    ) -> tuple[str, ...]:
        """:meth:`validate_recorded` for many units of one level given as columns, one row each.

        The data paths that check a batch (recording columns, reading a sidecar, importing, the
        store's import checks) call this. Each sector's plugins are asked once for the batch
        (its units' rows) through ``klaster_validate_columns`` when they implement it and polars
        is installed (below 256 rows, only when polars is already imported: a few units cost
        less one by one), else once per unit through ``klaster_validate_values``. The problems
        are those :meth:`validate_recorded` gives for the same units one by one, in its order,
        worded the same. A plugin whose hook raises or returns anything but ``(row, text)``
        pairs is reported as there (its first unit, how many it was skipped for).

        Args:
            level: The level of every row.
            columns: Variable code to column, one value per row: polars Series in the hook's
                types, or sequences of canonical values with ``None`` where a unit recorded
                nothing; or a function giving one, called when a plugin first reads it.
            sectors: Each row's unit's sector codes.
            unit_ids: Each row's unit ID.
            where: A row's location for messages (e.g. ``"rounds[R1].members[BTG-0001]"``),
                called only for rows with a problem.

        Returns:
            One message per problem, ``"<where>: <problem> (plugin '<name>')"``.

        Example:
            >>> host = PluginHost(entry_points=False)
            >>> host.validate_recorded_columns(Level.MEMBER, {}, [], [], str)
            ()
        """
        self._ensure_loaded()
        found = self._registry.check_columns
        return found(Level(level), columns, sectors, unit_ids, where, strict=self.strict)

    # -- internals -----------------------------------------------------------------------------

    def _cat(self) -> Catalogue:
        self._ensure_loaded()
        return self._registry.catalogue

    def _ensure_loaded(self) -> None:
        if not self._loaded:
            with self._lock:
                if not self._loaded:
                    self._loaded = True
                    if self._use_entry_points:
                        try:
                            failed, config = self._registry.load_entry_points(self._group)
                            report(failed, config, strict=self.strict)
                        except PluginError as exc:
                            self._load_error = exc
        if self._load_error is not None:
            raise self._load_error

    def _read_values(
        self, sector: str, level: Level | str, values: Mapping[str, object]
    ) -> tuple[dict[str, object], tuple[str, ...]]:
        self._ensure_loaded()
        return self._registry.read_values(sector, level, values, strict=self.strict)
