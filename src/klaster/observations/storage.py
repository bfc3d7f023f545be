"""How :class:`~klaster.observations.values.Observations` keeps its rounds and values.

This module is the **internal interface** of the observations for the measurement engines, the
sidecar and the store: they read and load survey data through an :class:`ObservationStorage`
(``observations.storage``), never through private attributes. Users of klaster call
:class:`~klaster.observations.values.Observations` instead.

Layout: units are numbered once per cluster and level (:class:`UnitNumbering`), in the order they
are first recorded; every round of the cluster uses the same numbering, so a unit's baseline and
endline values sit at the same index of two columns and pairing rounds is a zip, not a join.
Each round and level has a table (:class:`StoredTable`): a ``present`` mask of the units surveyed
in it and one column per variable recorded.

Reading (engines, sidecar, store): :meth:`ObservationStorage.table`,
:meth:`~ObservationStorage.numbering`, :meth:`~ObservationStorage.numberings`,
:meth:`~ObservationStorage.codes`, :meth:`~ObservationStorage.added_rounds`. What they hand out
is the stored buffers themselves, not copies: callers must not change them.

Loading (sidecar, store): :meth:`~ObservationStorage.number_units` (units in a file's order,
a list at once), :meth:`~ObservationStorage.load_rows` (rows checked as :meth:`Observations.
record_many <klaster.observations.values.Observations.record_many>` checks them; raises
:class:`RowRefused`), :meth:`~ObservationStorage.ensure_columns`; columns a reader checked
itself through :meth:`~ObservationStorage.store_columns` and :meth:`~ObservationStorage.
store_surveyed` (the surveyed units as a mask).

Storing a prepared batch cannot fail, so the storage changes all at once or not at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from klaster.catalogue.variable import Level, Variable
from klaster.errors import NotFoundError, ValidationError
from klaster.model.program import Program
from klaster.observations._batch import LevelBatch, Row, RowRefused, finder, prepare_batch
from klaster.observations._messages import listing
from klaster.observations._numbering import UnitNumbering, own_ids
from klaster.observations.columns.factory import Column, column_for
from klaster.observations.rounds import Round
from klaster.observations.sector_checks import batch_problems

if TYPE_CHECKING:
    from klaster.plugins.host import PluginHost

__all__ = [
    "ObservationStorage",
    "PreparedBatch",
    "RowRefused",
    "StoredTable",
    "UnitNumbering",
    "empty_column",
]

PreparedBatch = tuple[Round, dict[Level, LevelBatch]]
"""A batch checked by :meth:`ObservationStorage.prepare`, ready to store."""


class StoredTable:
    """One round and level: which units were surveyed, and a column per variable recorded.

    Read-only for callers: ``present[i]`` is 1 when unit ``i`` of the cluster's numbering was
    surveyed; ``columns`` holds the stored columns (aligned on the numbering, possibly shorter
    than it: units after a column's end have no value).
    """

    __slots__ = ("_columns", "_present")

    def __init__(self) -> None:
        self._present = bytearray()
        self._columns: dict[str, Column[Any]] = {}

    @property
    def present(self) -> bytearray:
        """The surveyed mask (the stored buffer itself: do not change it)."""
        return self._present

    @property
    def columns(self) -> Mapping[str, Column[Any]]:
        """The stored columns by variable code (do not change them)."""
        return MappingProxyType(self._columns)


_PUBLIC = ("program", "selected", "variables")


class ObservationStorage:
    """The rounds, unit numberings and tables of one :class:`Observations` (internal interface).

    Args:
        program: The observed program.
        variables: The variable catalogue.
        host: The plugins whose ``klaster_validate_values`` check recorded values (default:
            :func:`klaster.plugins.get_host`, looked up on first use).
    """

    __slots__ = ("_by_cluster", "_host", "_rounds", "_tables", "_units", *_PUBLIC)

    def __init__(
        self, program: Program, variables: Mapping[str, Variable], host: PluginHost | None = None
    ) -> None:
        self.program = program
        self.variables = variables
        self._host = host
        self._rounds: dict[str, Round] = {}
        self._by_cluster: dict[str, list[Round]] = {}  # each cluster's rounds, in added order
        self._units: dict[tuple[str, Level], UnitNumbering] = {}
        self._tables: dict[tuple[str, Level], StoredTable] = {}
        # The variables loaded when a reader took only some (``only=``): never saved as whole.
        self.selected: frozenset[str] | None = None

    def refuse_partial(self, where: str) -> str | None:
        """Why the observations may not be written to ``where`` (loaded partially), or ``None``."""
        if self.selected is None:
            return None
        shown = ", ".join(sorted(self.selected)) or "none"
        return (
            f"{where}: these observations were loaded with only some variables ({shown}); "
            "saving them would drop every other variable's values: load them whole (without "
            "only=) to save"
        )

    @property
    def host(self) -> PluginHost:
        """The plugin host whose sectors check recorded values."""
        if self._host is None:
            from klaster.plugins.default import get_host  # the plugins layer, loaded on use

            self._host = get_host()
        return self._host

    # -- rounds and variables -------------------------------------------------------------------
    def added_rounds(self) -> tuple[Round, ...]:
        """Every round, in the order they were added."""
        return tuple(self._rounds.values())

    def has_round(self, round_id: str) -> bool:
        """Whether a round with this ID was added."""
        return round_id in self._rounds

    def round_count(self) -> int:
        """How many rounds were added."""
        return len(self._rounds)

    def rounds_to_check(self, new: Round) -> tuple[Round, ...]:
        """What :func:`~klaster.observations.rounds.check_round` needs to check ``new``.

        The order rules concern its cluster's rounds only; every round if its ID is taken (so
        the duplicate is named as ever) or it is no round.
        """
        if isinstance(new, Round) and new.id not in self._rounds:
            return tuple(self._by_cluster.get(new.cluster_id, ()))
        return self.added_rounds()

    def round(self, round_id: str) -> Round:
        """The round with ID ``round_id``.

        Raises:
            NotFoundError: No such round; the message lists some that exist.
        """
        found = self._rounds.get(round_id)
        if found is None:
            known = listing(self._rounds) if self._rounds else "no rounds were added yet"
            raise NotFoundError(f"no round with ID {round_id!r}; known: {known}", path="round_id")
        return found

    def add_round(self, round: Round) -> None:
        """Add a round checked by the caller (:meth:`Observations.add_round` checks it)."""
        self._rounds[round.id] = round
        self._by_cluster.setdefault(round.cluster_id, []).append(round)

    def variable(self, code: str) -> Variable:
        """The catalogue's variable with this code.

        Raises:
            NotFoundError: Not in the catalogue.
        """
        found = self.variables.get(code)
        if found is None:
            raise NotFoundError(
                f"unknown variable {code!r}; known: {listing(self.variables)}", path="code"
            )
        return found

    # -- reading the stored buffers -------------------------------------------------------------
    def table(self, round_id: str, level: Level) -> StoredTable | None:
        """The stored table of one round and level, or ``None`` when nothing was recorded."""
        return self._tables.get((round_id, level))

    def tables(self) -> Iterator[StoredTable]:
        """Every stored table."""
        return iter(self._tables.values())

    def stored_column(self, round_id: str, level: Level, code: str) -> Column[Any] | None:
        """The stored column of ``code`` in a round (not a copy), if it was recorded."""
        table = self._tables.get((round_id, level))
        return None if table is None else table._columns.get(code)

    def codes(self, round_id: str, level: Level) -> tuple[str, ...]:
        """The codes of the variables recorded in a round at ``level``."""
        table = self._tables.get((round_id, level))
        return () if table is None else tuple(table._columns)

    def numbering(self, cluster_id: str, level: Level) -> UnitNumbering | None:
        """How the units of one cluster and level are numbered in every round's columns."""
        return self._units.get((cluster_id, level))

    def numberings(self) -> Iterator[tuple[str, Level, Sequence[str]]]:
        """``(cluster ID, level, unit IDs in index order)`` of every numbering."""
        for (cluster_id, level), units in self._units.items():
            yield cluster_id, level, units.ids

    # -- recording ------------------------------------------------------------------------------
    def prepare(
        self,
        round_id: str,
        rows: Sequence[Row],
        problems: list[str] | None = None,
        limit: int = 0,
        surveyed: Level | None = None,
        *,
        sector_checks: bool = True,
    ) -> PreparedBatch:
        """Check a batch; return it ready to :meth:`store`.

        Args:
            round_id: The round.
            rows: ``(unit ID, {code: value})`` pairs.
            problems: Collect located messages here (up to ``limit``) instead of raising.
            limit: Most problems collected.
            surveyed: Accept rows without values as units of this level surveyed with every
                value missing.
            sector_checks: Run the sector plugins' ``klaster_validate_values`` on each unit's
                values of the round as they would stand (see
                :mod:`klaster.observations.sector_checks`).

        Raises:
            RowRefused: A refused row (when not collecting).
        """
        prepared = prepare_batch(self, round_id, rows, problems, limit, surveyed)
        rnd, batches = prepared
        if not sector_checks or not batches:
            return prepared
        found = batch_problems(self, rnd, batches)
        if not found:
            return prepared
        if problems is None:
            row, message = found[0]
            where, text = message.split(": ", 1)
            raise RowRefused(row, ValidationError(text, path=where))
        for row, message in found[: max(0, limit - len(problems))]:
            problems.append(f"{message} (row {row} of the batch)")
        return rnd, {}

    def store(self, prepared: PreparedBatch) -> None:
        """Store a batch from :meth:`prepare`; nothing raises, so it is stored all at once."""
        rnd, batches = prepared
        for level, batch in batches.items():
            units = self._numbering_of(rnd.cluster_id, level)
            indexes = [units.number(unit_id) for unit_id in batch.unit_ids]
            table = self._table_of(rnd, level, len(units.ids))
            present = table._present
            for index in indexes:
                present[index] = 1
            columns = table._columns
            for code, staged in batch.staged.items():
                column = columns.get(code)
                if column is None:
                    column = columns[code] = empty_column(self.variables[code])
                column.merge(map(indexes.__getitem__, batch.positions[code]), staged)

    # -- the bulk path (Observations.record_columns) -------------------------------------------
    def planned_indexes(self, cluster_id: str, level: Level, unit_ids: Sequence[str]) -> list[int]:
        """The index each unit has, or would get from :meth:`store_columns` (nothing changes)."""
        units = self._units.get((cluster_id, level))
        index = {} if units is None else units.index
        following = 0 if units is None else len(units.ids)
        new: dict[str, int] = {}  # a new ID given twice gets one index, as store_columns gives it
        for unit_id in unit_ids:
            if unit_id not in index and unit_id not in new:
                new[unit_id] = following + len(new)
        return [index[u] if u in index else new[u] for u in unit_ids]

    def store_columns(
        self,
        rnd: Round,
        level: Level,
        unit_ids: Sequence[str],
        placed: Mapping[str, Column[Any]],
        merged: Mapping[str, tuple[Sequence[int], Column[Any]]],
    ) -> None:
        """Store columns the bulk path checked (internal); nothing raises.

        Args:
            rnd: The round.
            level: The units' level.
            unit_ids: The units surveyed, numbered in this order if new
                (:meth:`planned_indexes` gave their indexes).
            placed: New columns laid out on the cluster's numbering, stored as they are.
            merged: For a variable the round holds already: the indexes to write and the
                values, merged as :meth:`store` merges a batch (checked with ``check_merge``).
        """
        units = self._numbering_of(rnd.cluster_id, level)
        units.number_all(unit_ids)
        table = self._table_of(rnd, level, len(units.ids))
        present = table._present
        for index in map(units.index.__getitem__, unit_ids):
            present[index] = 1
        table._columns.update(placed)
        for code, (targets, staged) in merged.items():
            table._columns[code].merge(targets, staged)

    def store_surveyed(
        self, rnd: Round, level: Level, surveyed: bytes, placed: Mapping[str, Column[Any]]
    ) -> None:
        """As :meth:`store_columns` for the units ``i`` with ``surveyed[i] == 1`` (internal).

        The store's column reader: ``surveyed`` holds 0 or 1 per unit of the cluster's numbering
        (:meth:`number_units` numbered them all; it may be shorter). Nothing raises.
        """
        table = self._table_of(rnd, level, len(self._units[(rnd.cluster_id, level)].ids))
        present = table._present
        if present.find(1) < 0:  # nothing surveyed yet: the mask as it is
            present[: len(surveyed)] = surveyed
        else:
            for index, flag in enumerate(surveyed):
                if flag:
                    present[index] = 1
        table._columns.update(placed)

    # -- loading a file or a store --------------------------------------------------------------
    def number_units(self, cluster_id: str, level: Level, unit_ids: Sequence[str]) -> str | None:
        """Number units in the order a file or store lists them.

        Returns:
            ``None``; or the first ID that is not a unit of ``level`` in the cluster, and then
            nothing is numbered.
        """
        cluster = self.program.clusters[cluster_id]
        found = own_ids(cluster, level, unit_ids)
        if found is None:  # find the first stranger one unit at a time
            find = finder(cluster, level)
            found = []
            for unit_id in unit_ids:
                unit = find(unit_id)
                if unit is None:
                    return unit_id
                found.append(unit.id)  # the program's own string: no second copy
        self._numbering_of(cluster_id, level).number_all(found)
        return None

    def _numbering_of(self, cluster_id: str, level: Level) -> UnitNumbering:
        units = self._units.get((cluster_id, level))
        if units is None:
            units = self._units[(cluster_id, level)] = UnitNumbering()
        return units

    def _table_of(self, rnd: Round, level: Level, size: int) -> StoredTable:
        """The round's table at ``level``, its mask as long as the numbering's ``size``."""
        table = self._tables.get((rnd.id, level))
        if table is None:
            table = self._tables[(rnd.id, level)] = StoredTable()
        if len(table._present) < size:
            table._present.extend(bytes(size - len(table._present)))
        return table

    def load_rows(
        self, round_id: str, level: Level, rows: Sequence[Row], *, sector_checks: bool = True
    ) -> None:
        """Record rows of units of ``level`` surveyed in a round (a row may hold no value).

        Args:
            round_id: The round.
            level: The level of the units.
            rows: ``(unit ID, {code: value})`` pairs.
            sector_checks: As :meth:`prepare` (the store's loader turns them off: its values
                were checked when they went in).

        Raises:
            RowRefused: A refused row; nothing of ``rows`` is stored.
        """
        prepared = self.prepare(round_id, rows, None, 0, level, sector_checks=sector_checks)
        self.store(prepared)

    def ensure_columns(self, round_id: str, level: Level, codes: Iterable[str]) -> None:
        """Create the columns of ``codes`` that hold nothing yet (a column of gaps only)."""
        table = self._tables.get((round_id, level))
        if table is not None:
            for code in codes:
                if code not in table._columns:
                    table._columns[code] = empty_column(self.variables[code])


def empty_column(variable: Variable) -> Column[Any]:
    """An empty column for the values of ``variable``."""
    return column_for(variable.type, variable.category_codes())
