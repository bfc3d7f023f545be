"""Observations: the values of variables per member, group or cooperative per survey round.

:class:`Observations` holds a program's survey data column-wise: for each round and level
(member, group, cooperative, cluster) one compact :class:`~klaster.measurement.columns.Column`
per variable, all aligned on the cluster's units. Every value is checked against its
:class:`~klaster.variable.Variable` (type, bounds, categories; floats are refused for decimals)
and every row against the program (the round exists, the unit is a member/group/cooperative of
the round's cluster, the variable is of the unit's level and is a core variable or one of the
unit's sector). A batch is all or nothing: one bad row raises a located
:class:`~klaster.errors.KlasterError` and changes nothing.

Layout (why it is small and fast):

- Units are numbered once per cluster and level, in the order they are first recorded; every
  round of the cluster uses the same numbering, so a unit's baseline and endline values sit at
  the same index of two columns and pairing rounds is a zip, not a join.
- Each round and level has a ``present`` mask (the units surveyed in that round) and one column
  per variable recorded. A unit surveyed in the round but without a value for a variable, and a
  value recorded as ``None``, are both *missing*; neither is ever read as zero.
"""

from __future__ import annotations

import contextlib
import gc
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from itertools import compress
from operator import and_
from types import MappingProxyType
from typing import Any, cast

from attrs import define, field, frozen, setters

from klaster.cluster import Cluster
from klaster.errors import (
    DuplicateIdError,
    InvalidReferenceError,
    KlasterError,
    NotFoundError,
    ValidationError,
)
from klaster.measurement.columns import Column, column_for, column_of
from klaster.measurement.core_variables import CORE_SECTOR, core_variables
from klaster.measurement.rounds import Round, RoundKind, check_round, ordered
from klaster.program import Program
from klaster.variable import Level, Variable

__all__ = ["Observations", "Paired", "Row"]

Row = tuple[str, Mapping[str, object]]
"""One row of a batch: a unit ID and its values by variable code (``None`` = missing)."""

_PLURAL = {
    Level.MEMBER: "members",
    Level.GROUP: "groups",
    Level.COOPERATIVE: "cooperatives",
    Level.CLUSTER: "clusters",
}
_SHOWN = 5
_VALUES_INDEX = re.compile(r"^values\[(\d+)\]")


def _to_catalogue(value: Mapping[str, Variable] | Iterable[Variable]) -> Mapping[str, Variable]:
    if isinstance(value, Mapping):
        return MappingProxyType(dict(value))
    if isinstance(value, Iterable) and not isinstance(value, str | bytes):
        items = list(value)
        if all(isinstance(v, Variable) for v in items):
            return MappingProxyType({v.code: v for v in items})
    return value  # type: ignore[return-value]


def _check_catalogue(_inst: object, attribute: Any, value: Any) -> None:
    if not isinstance(value, Mapping):
        raise ValidationError(
            f"must be a mapping of code to Variable (or a list of Variables), got "
            f"{type(value).__name__}",
            path=attribute.name,
        )
    for code, variable in value.items():
        if not isinstance(variable, Variable):
            raise ValidationError(
                f"must be a Variable, got {type(variable).__name__}",
                path=f"{attribute.name}[{code}]",
            )
        if code != variable.code:
            raise ValidationError(
                f"is keyed {code!r} but the variable's code is {variable.code!r}",
                path=f"{attribute.name}[{code}]",
            )


def _check_program(_inst: object, attribute: Any, value: Any) -> None:
    if not isinstance(value, Program):
        raise ValidationError(f"must be a Program, got {type(value).__name__}", path=attribute.name)


@frozen(eq=False)
class Paired:
    """The values of one variable for the units that have a value in both of two rounds.

    ``first[i]`` and ``second[i]`` are the values of ``unit_ids[i]``; neither column has missing
    values. Units with a value in only one round are counted, not paired: ``first_only`` is the
    attrition (in the first round, not in the second), ``second_only`` the units new in the
    second.

    Args:
        code: The variable.
        first_round: ID of the first round (usually the baseline).
        second_round: ID of the second round.
        unit_ids: The paired units, in the cluster's unit order.
        first: Their values in the first round.
        second: Their values in the second round.
        first_only: Units with a value in the first round only.
        second_only: Units with a value in the second round only.
    """

    code: str
    first_round: str
    second_round: str
    unit_ids: tuple[str, ...]
    first: Column[Any]
    second: Column[Any]
    first_only: int
    second_only: int

    def __len__(self) -> int:
        return len(self.unit_ids)


class _Units:
    """The units of one cluster and level, numbered in the order they were first recorded."""

    __slots__ = ("ids", "index")

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.index: dict[str, int] = {}

    def add(self, unit_id: str) -> int:
        found = self.index.get(unit_id)
        if found is None:
            found = self.index[unit_id] = len(self.ids)
            self.ids.append(unit_id)
        return found


class _Table:
    """One round and level: which units were surveyed, and a column per variable recorded."""

    __slots__ = ("columns", "present")

    def __init__(self) -> None:
        self.present = bytearray()
        self.columns: dict[str, Column[Any]] = {}


class _LevelBatch:
    """The checked rows of one level in a batch, before they are stored."""

    __slots__ = ("positions", "rows", "staged", "unit_ids", "values")

    def __init__(self) -> None:
        self.unit_ids: list[str] = []
        self.rows: list[int] = []  # the row of the batch each unit came from (for messages)
        self.positions: dict[str, list[int]] = {}  # code -> indexes into unit_ids
        self.values: dict[str, list[object]] = {}  # code -> checked values
        self.staged: dict[str, Column[Any]] = {}


class _BadRow(Exception):
    """A row refused while preparing a batch: its position and the located error."""

    def __init__(self, row: int | None, error: KlasterError) -> None:
        super().__init__(row, error)
        self.row = row
        self.error = error


@define(eq=False, repr=False)
class Observations:
    """Survey rounds and the values recorded in them, for one program.

    Args:
        program: The program whose members, groups, cooperatives and clusters are observed.
            It is read, not copied: members added to it later can be observed.
        variables: The variable catalogue, by code (the plugin host's variables plus the
            :func:`~klaster.measurement.core_variables.core_variables`); a list of variables
            is accepted too. Default: the core variables only.

    See ``docs/observations.md`` for a walk-through.
    """

    # Fixed once built: the stored columns were checked against this program and catalogue.
    program: Program = field(validator=_check_program, on_setattr=setters.frozen)
    variables: Mapping[str, Variable] = field(
        factory=core_variables,
        converter=_to_catalogue,
        validator=_check_catalogue,
        on_setattr=setters.frozen,
    )
    _rounds: dict[str, Round] = field(init=False, factory=dict)
    _units: dict[tuple[str, Level], _Units] = field(init=False, factory=dict)
    _tables: dict[tuple[str, Level], _Table] = field(init=False, factory=dict)

    # -- rounds ---------------------------------------------------------------------------------
    def add_round(self, round: Round) -> Round:
        """Add a survey round after checking it against the program and the cluster's rounds.

        Raises:
            InvalidReferenceError: The round's cluster is not in the program.
            DuplicateIdError: A round with the same ID exists.
            ValidationError: A second baseline or endline, or a date out of order (see
                :mod:`klaster.measurement.rounds`).
        """
        where = f"rounds[{len(self._rounds)}]"
        try:
            check_round(self._rounds.values(), round)
        except KlasterError as exc:
            raise exc.at(where) from None
        if round.cluster_id not in self.program.clusters:
            raise InvalidReferenceError(
                f"cluster {round.cluster_id!r} is not in program {self.program.id!r}; known: "
                + _listing(self.program.clusters.ids()),
                path=f"{where}.cluster_id",
            )
        self._rounds[round.id] = round
        return round

    def rounds(self, cluster_id: str | None = None) -> tuple[Round, ...]:
        """The rounds (of one cluster, if given), ordered by date then kind."""
        return ordered(r for r in self._rounds.values() if cluster_id in (None, r.cluster_id))

    def round(self, round_id: str) -> Round:
        """The round with ID ``round_id``.

        Raises:
            NotFoundError: No such round; the message lists some that exist.
        """
        found = self._rounds.get(round_id)
        if found is None:
            known = _listing(self._rounds) if self._rounds else "no rounds were added yet"
            raise NotFoundError(f"no round with ID {round_id!r}; known: {known}", path="round_id")
        return found

    def baseline(self, cluster_id: str) -> Round | None:
        """The cluster's baseline round, if it has one."""
        return self._of_kind(cluster_id, RoundKind.BASELINE)

    def endline(self, cluster_id: str) -> Round | None:
        """The cluster's endline round, if it has one."""
        return self._of_kind(cluster_id, RoundKind.ENDLINE)

    def _of_kind(self, cluster_id: str, kind: RoundKind) -> Round | None:
        for found in self._rounds.values():
            if found.cluster_id == cluster_id and found.kind is kind:
                return found
        return None

    # -- recording ------------------------------------------------------------------------------
    def record(self, round_id: str, unit_id: str, values: Mapping[str, object]) -> None:
        """Record one unit's values in a round (see :meth:`record_many`).

        Raises:
            KlasterError: As :meth:`record_many`; nothing is recorded.
        """
        try:
            self._store(self._prepare(round_id, [(unit_id, values)], None, 0))
        except _BadRow as bad:
            raise bad.error from None

    def record_many(self, round_id: str, rows: Iterable[Row]) -> int:
        """Record many units' values in a round, all or nothing.

        Each row is ``(unit_id, {code: value, ...})``. Values are read as
        :meth:`Variable.check_value <klaster.variable.Variable.check_value>` reads them
        (``"1250000"`` and ``1250000`` become ``Decimal``; floats are refused for decimals) and
        ``None`` records a missing value. A row holds one unit's values of one level (member
        variables for a member...). Recording a variable again for the same unit and round
        replaces the value (a correction); variables a row leaves out keep their values.

        Args:
            round_id: ID of a round added with :meth:`add_round`.
            rows: The rows; a unit may appear only once per level in a batch.

        Returns:
            The number of rows recorded.

        Raises:
            NotFoundError: Unknown round.
            InvalidReferenceError: An unknown variable, or a unit that is not a member/group/
                cooperative of the round's cluster (the message says if it is in another one).
            DuplicateIdError: A unit appears twice in the batch.
            ValidationError: A value of the wrong type, out of bounds or not a category; a
                variable of another level or sector than the unit's. The path is
                ``rounds[<round>].<members|groups|...>[<unit>].<code>`` and the message gives the
                row; values are never repeated. Nothing is recorded.
        """
        batch = rows if isinstance(rows, list | tuple) else list(rows)
        with _gc_paused():
            try:
                self._store(self._prepare(round_id, batch, None, 0))
            except _BadRow as bad:
                raise _at_row(bad) from None
        return len(batch)

    def record_columns(
        self, round_id: str, unit_ids: Sequence[str], values: Mapping[str, Sequence[object]]
    ) -> int:
        """Record column-shaped data (a data frame's columns), all or nothing.

        Args:
            round_id: ID of a round.
            unit_ids: The units, one per row.
            values: Per variable code, one value per unit (``None`` = missing).

        Returns:
            The number of rows recorded.

        Raises:
            ValidationError: A column's length differs from ``unit_ids``; otherwise as
                :meth:`record_many`.
        """
        return self.record_many(round_id, _rows_of(unit_ids, values))

    def validate_many(
        self, round_id: str, rows: Iterable[Row], *, limit: int = 100
    ) -> tuple[str, ...]:
        """Every problem :meth:`record_many` would find in ``rows`` (up to ``limit``), unrecorded.

        Use it to report all the bad rows of a survey file at once instead of one per attempt.

        Returns:
            One located message per problem; empty when :meth:`record_many` would accept the
            batch.
        """
        problems: list[str] = []
        batch = rows if isinstance(rows, list | tuple) else list(rows)
        try:
            self._prepare(round_id, batch, problems, max(1, limit))
        except _BadRow as bad:
            problems.append(str(_at_row(bad)))
        return tuple(problems[: max(1, limit)])

    # -- reading --------------------------------------------------------------------------------
    def variable(self, code: str) -> Variable:
        """The catalogue's variable with this code.

        Raises:
            NotFoundError: Not in the catalogue.
        """
        found = self.variables.get(code)
        if found is None:
            raise NotFoundError(
                f"unknown variable {code!r}; known: {_listing(self.variables)}", path="code"
            )
        return found

    def units(self, round_id: str, level: Level | str = Level.MEMBER) -> tuple[str, ...]:
        """IDs of the units surveyed in a round at ``level``, in the cluster's unit order.

        Columns returned by :meth:`column` and :meth:`columns` are aligned with this tuple.
        """
        rnd = self.round(round_id)
        level = _level(level)
        table = self._tables.get((round_id, level))
        if table is None:
            return ()
        return tuple(compress(self._units[(rnd.cluster_id, level)].ids, table.present))

    def column(self, round_id: str, code: str) -> Column[Any]:
        """A copy of a variable's values in a round, aligned with :meth:`units` of its level.

        Units surveyed in the round without a value for ``code`` hold ``None``.

        Raises:
            NotFoundError: Unknown round or variable.
        """
        variable = self.variable(code)
        rnd = self.round(round_id)
        return self._aligned(rnd, variable, self._tables.get((round_id, variable.level)))

    def columns(self, round_id: str, level: Level | str = Level.MEMBER) -> dict[str, Column[Any]]:
        """Copies of every column recorded in a round at ``level``, aligned with :meth:`units`."""
        rnd = self.round(round_id)
        table = self._tables.get((round_id, _level(level)))
        if table is None:
            return {}
        return {code: self._aligned(rnd, self.variables[code], table) for code in table.columns}

    def value(self, round_id: str, unit_id: str, code: str) -> Any:
        """One recorded value, or ``None`` when it is missing or the unit was not surveyed.

        Raises:
            NotFoundError: Unknown round or variable.
        """
        variable = self.variable(code)
        rnd = self.round(round_id)
        index = self._index_in(rnd, variable.level, unit_id)
        table = self._tables.get((round_id, variable.level))
        if index is None or table is None:
            return None
        column = table.columns.get(code)
        if column is None or index >= len(column):
            return None
        return column[index]

    def row(
        self, round_id: str, unit_id: str, level: Level | str = Level.MEMBER
    ) -> dict[str, Any] | None:
        """The values recorded for a unit in a round (missing ones left out).

        Returns:
            Code to value, or ``None`` when the unit was not surveyed in the round.
        """
        rnd = self.round(round_id)
        level = _level(level)
        index = self._index_in(rnd, level, unit_id)
        table = self._tables.get((round_id, level))
        if index is None or table is None or index >= len(table.present):
            return None
        if not table.present[index]:
            return None
        found = {}
        for code, column in table.columns.items():
            value = column[index] if index < len(column) else None
            if value is not None:
                found[code] = value
        return found

    def paired(self, code: str, first_round: str, second_round: str) -> Paired:
        """The values of ``code`` for the units with a value in both rounds (see :class:`Paired`).

        Raises:
            NotFoundError: Unknown round or variable.
            ValidationError: The rounds are of different clusters, or are the same round.
        """
        variable = self.variable(code)
        first, second = self.round(first_round), self.round(second_round)
        if first.cluster_id != second.cluster_id:
            raise ValidationError(
                f"rounds {first.id!r} and {second.id!r} are of different clusters "
                f"({first.cluster_id!r}, {second.cluster_id!r}); pair rounds of one cluster",
                path="second_round",
            )
        if first.id == second.id:
            raise ValidationError("pair two different rounds", path="second_round")
        a = self._raw(first.id, variable)
        b = self._raw(second.id, variable)
        valid_a, valid_b = a.valid(), b.valid()
        both = list(compress(range(min(len(a), len(b))), map(and_, valid_a, valid_b)))
        ids = self._units[(first.cluster_id, variable.level)].ids if both else []
        return Paired(
            code=code,
            first_round=first.id,
            second_round=second.id,
            unit_ids=tuple(ids[i] for i in both),
            first=a.take(both),
            second=b.take(both),
            first_only=valid_a.count(1) - len(both),
            second_only=valid_b.count(1) - len(both),
        )

    def incomplete(self, round_id: str) -> dict[str, tuple[str, ...]]:
        """Units surveyed in a round that lack a value of a required variable.

        A variable is required of a unit when it is ``required``, of the unit's level, and a
        core variable or one of the unit's sector(s). Recording checks each value given; this
        checks what a round's rows left out.

        Returns:
            Unit ID to the codes missing, for the units missing any (IDs of different levels
            are listed together).
        """
        rnd = self.round(round_id)
        cluster = self.program.clusters[rnd.cluster_id]
        missing: dict[str, list[str]] = {}
        for level in Level:
            table = self._tables.get((round_id, level))
            required = [v for v in self.variables.values() if v.required and v.level is level]
            if table is None or not required:
                continue
            ids = self._units[(rnd.cluster_id, level)].ids
            find = _finder(cluster, level)
            for index in compress(range(len(table.present)), table.present):
                unit = find(ids[index])
                sectors = _sectors(cluster, level, unit) if unit is not None else ()
                for variable in required:
                    if variable.sector != CORE_SECTOR and variable.sector not in sectors:
                        continue
                    column = table.columns.get(variable.code)
                    if column is None or index >= len(column) or column[index] is None:
                        missing.setdefault(ids[index], []).append(variable.code)
        return {unit: tuple(codes) for unit, codes in missing.items()}

    def nbytes(self) -> int:
        """Bytes held by the value buffers and masks (IDs and Python objects not counted)."""
        return sum(
            len(t.present) + sum(c.nbytes() for c in t.columns.values())
            for t in self._tables.values()
        )

    def __len__(self) -> int:
        """Number of (round, unit) rows recorded, all levels together."""
        return sum(t.present.count(1) for t in self._tables.values())

    def __repr__(self) -> str:
        return (
            f"<Observations of program {self.program.id!r}: {len(self._rounds)} rounds, "
            f"{len(self)} rows, {len(self.variables)} variables>"
        )

    def __eq__(self, other: object) -> bool:
        """Same program ID, variables, rounds, and the same units and values in every round."""
        if not isinstance(other, Observations):
            return NotImplemented
        if (
            self.program.id != other.program.id
            or dict(self.variables) != dict(other.variables)
            or list(self._rounds.values()) != list(other._rounds.values())
        ):
            return False
        for round_id in self._rounds:
            for level in Level:
                if self.units(round_id, level) != other.units(round_id, level):
                    return False
                mine, theirs = self.columns(round_id, level), other.columns(round_id, level)
                for code in mine.keys() | theirs.keys():
                    if self.column(round_id, code) != other.column(round_id, code):
                        return False
        return True

    __hash__ = None  # type: ignore[assignment]

    # -- internals ------------------------------------------------------------------------------
    def _index_in(self, rnd: Round, level: Level, unit_id: str) -> int | None:
        units = self._units.get((rnd.cluster_id, level))
        return None if units is None else units.index.get(unit_id)

    def _raw(self, round_id: str, variable: Variable) -> Column[Any]:
        # The stored column itself (callers must not change it), or an empty one.
        table = self._tables.get((round_id, variable.level))
        column = None if table is None else table.columns.get(variable.code)
        return column if column is not None else _empty(variable)

    def _aligned(self, rnd: Round, variable: Variable, table: _Table | None) -> Column[Any]:
        if table is None:
            return _empty(variable)
        column = table.columns.get(variable.code)
        if column is None:
            column = _empty(variable)
        present = table.present
        size = present.count(1)
        if size == len(present):  # every unit of the cluster was surveyed: no gaps to skip
            result = column.copy()
        else:
            length = len(column)
            result = column.take(i for i in compress(range(len(present)), present) if i < length)
        result.pad(size)
        return result

    def _prepare(
        self,
        round_id: str,
        rows: Sequence[Row],
        problems: list[str] | None,
        limit: int,
        surveyed: Level | None = None,
    ) -> tuple[Round, dict[Level, _LevelBatch]]:
        """Check a batch; return it ready to store. Raises :class:`_BadRow` (or collects).

        ``surveyed`` (for the sidecar reader) accepts rows without values as units of that
        level surveyed with every value missing.
        """
        try:
            rnd = self.round(round_id)
        except KlasterError as exc:
            raise _BadRow(None, exc) from None
        cluster = self.program.clusters[rnd.cluster_id]
        batches: dict[Level, _LevelBatch] = {}
        finders: dict[Level, Callable[[str], Any]] = {}
        # (level, unit's sectors) -> {code: variable} of the variables such a unit may record,
        # filled as codes come: one lookup per value instead of three checks.
        allowed: dict[tuple[Level, tuple[str, ...]], dict[str, Variable]] = {}
        seen: dict[tuple[Level, str], int] = {}
        prefix = f"rounds[{round_id}]"
        for position, row in enumerate(rows):
            try:
                unit_id, values = row
            except (TypeError, ValueError):
                unit_id, values = None, None
            try:
                if not isinstance(values, Mapping):
                    raise ValidationError(
                        "a row is a pair (unit ID, {variable code: value}), got "
                        + type(row).__name__,
                        path=f"{prefix}.rows[{position}]",
                    )
                if not isinstance(unit_id, str):
                    raise ValidationError(
                        f"a unit ID is a string, got {type(unit_id).__name__}",
                        path=f"{prefix}.rows[{position}]",
                    )
                if values:
                    level = self._row_level(values, prefix, unit_id)
                elif surveyed is not None:
                    level = surveyed
                else:
                    raise ValidationError(
                        "the row records no variable: give at least one value (None records "
                        "a missing one)",
                        path=f"{prefix}.rows[{position}]",
                    )
                find = finders.get(level)
                if find is None:
                    find = finders[level] = _finder(cluster, level)
                unit = find(unit_id)
                if unit is None:
                    where = f"{prefix}.{_PLURAL[level]}[{unit_id}]"
                    raise self._unknown_unit(rnd, level, unit_id, where)
                first = seen.setdefault((level, unit_id), position)
                if first != position:
                    raise DuplicateIdError(
                        f"the unit appears twice in the batch (rows {first} and {position}); "
                        "give each unit one row per batch",
                        path=f"{prefix}.{_PLURAL[level]}[{unit_id}]",
                    )
                sectors = _sectors(cluster, level, unit)
                may = allowed.get((level, sectors))
                if may is None:
                    may = allowed[(level, sectors)] = {}
                batch = batches.get(level)
                if batch is None:
                    batch = batches[level] = _LevelBatch()
                slot = len(batch.unit_ids)
                where = f"{prefix}.{_PLURAL[level]}[{unit_id}]"
                staged_positions, staged_values = batch.positions, batch.values
                # Values go straight to the batch: a refused batch is never stored, so what a
                # bad row left there does no harm.
                for code, raw in values.items():
                    variable = may.get(code)
                    if variable is None:
                        variable = may[code] = self._allowed(code, level, sectors, values, where)
                    try:
                        value = variable.check_value(raw)
                    except KlasterError as exc:
                        raise exc.at(where) from None
                    positions = staged_positions.get(code)
                    if positions is None:
                        positions = staged_positions[code] = []
                        batch.values[code] = []
                    positions.append(slot)
                    staged_values[code].append(value)
            except KlasterError as exc:
                if problems is None:
                    raise _BadRow(position, exc) from None
                problems.append(str(_at_row(_BadRow(position, exc))))
                if len(problems) >= limit:
                    return rnd, {}
                continue
            batch.unit_ids.append(unit.id)  # the program's own string: no second copy
            batch.rows.append(position)
        if problems:
            return rnd, {}
        for level, batch in batches.items():
            self._stage(rnd, level, batch, problems)
        return rnd, batches

    def _allowed(
        self,
        code: object,
        level: Level,
        sectors: tuple[str, ...],
        values: Mapping[str, object],
        unit_path: str,
    ) -> Variable:
        """The variable ``code`` if a unit of ``level`` in ``sectors`` may record it; else raise."""
        where = f"{unit_path}.{code}"
        variable = self.variables.get(code) if isinstance(code, str) else None
        if variable is None:
            raise InvalidReferenceError(
                f"unknown variable {code!r}; known: {_listing(self.variables)}", path=where
            )
        if variable.level is not level:
            raise ValidationError(
                f"{code} is a {variable.level.value} variable but {next(iter(values))} is a "
                f"{level.value} variable; a row holds one unit's values: record them in "
                "separate rows",
                path=where,
            )
        if variable.sector != CORE_SECTOR and variable.sector not in sectors:
            raise ValidationError(
                f"{code} is a variable of sector {variable.sector!r}; this {level.value} is in "
                + ", ".join(map(repr, sectors)),
                path=where,
            )
        return variable

    def _row_level(self, values: Mapping[str, object], prefix: str, unit_id: str) -> Level:
        # The row's level is its first variable's; the loop over values checks the others.
        code = next(iter(values))
        variable = self.variables.get(code) if isinstance(code, str) else None
        if variable is None:
            raise InvalidReferenceError(
                f"unknown variable {code!r}; known: {_listing(self.variables)}",
                path=f"{prefix}.units[{unit_id}].{code}",
            )
        return variable.level

    def _unknown_unit(self, rnd: Round, level: Level, unit_id: str, where: str) -> KlasterError:
        kind = level.value
        if level is Level.CLUSTER:
            return InvalidReferenceError(
                f"cluster-level values of round {rnd.id!r} are recorded for its cluster "
                f"{rnd.cluster_id!r}, not for another unit",
                path=where,
            )
        for other in self.program.clusters:
            if other.id != rnd.cluster_id and _finder(other, level)(unit_id) is not None:
                return InvalidReferenceError(
                    f"{kind} {unit_id!r} belongs to cluster {other.id!r}, but round {rnd.id!r} "
                    f"surveys cluster {rnd.cluster_id!r}",
                    path=where,
                )
        return InvalidReferenceError(
            f"{kind} {unit_id!r} is not a {kind} of program {self.program.id!r}; add it to "
            f"cluster {rnd.cluster_id!r} first",
            path=where,
        )

    def _stage(
        self, rnd: Round, level: Level, batch: _LevelBatch, problems: list[str] | None
    ) -> None:
        # Build each variable's batch column and check it can merge into the stored one: the
        # last checks that can fail, all done before anything is stored.
        table = self._tables.get((rnd.id, level))
        for code, values in batch.values.items():
            variable = self.variables[code]
            where = f"rounds[{rnd.id}].{_PLURAL[level]}"
            try:
                try:
                    staged = column_of(variable.type, values, variable.category_codes())
                except KlasterError as exc:
                    slot = batch.positions[code][_values_index(exc)]
                    where = f"{where}[{batch.unit_ids[slot]}].{code}"
                    error = ValidationError(exc.message, path=where)
                    raise _BadRow(batch.rows[slot], error) from None
                stored = None if table is None else table.columns.get(code)
                if stored is not None:
                    try:
                        stored._check_merge(staged)
                    except KlasterError as exc:
                        raise _BadRow(None, exc.at(f"{where}.{code}")) from None
            except _BadRow as bad:
                if problems is None:
                    raise
                problems.append(str(_at_row(bad)))
                continue
            batch.staged[code] = staged

    def _store(self, prepared: tuple[Round, dict[Level, _LevelBatch]]) -> None:
        # Nothing below raises for a prepared batch: the store changes all at once or not at all.
        rnd, batches = prepared
        for level, batch in batches.items():
            units = self._units.get((rnd.cluster_id, level))
            if units is None:
                units = self._units[(rnd.cluster_id, level)] = _Units()
            table = self._tables.get((rnd.id, level))
            if table is None:
                table = self._tables[(rnd.id, level)] = _Table()
            indexes = [units.add(unit_id) for unit_id in batch.unit_ids]
            present = table.present
            if len(present) < len(units.ids):
                present.extend(bytes(len(units.ids) - len(present)))
            for index in indexes:
                present[index] = 1
            for code, staged in batch.staged.items():
                column = table.columns.get(code)
                if column is None:
                    column = table.columns[code] = _empty(self.variables[code])
                column._merge(map(indexes.__getitem__, batch.positions[code]), staged)

    def _register(self, cluster_id: str, level: Level, unit_ids: Iterable[str]) -> None:
        # For the sidecar reader: number units in the order the file lists them.
        units = self._units.get((cluster_id, level))
        if units is None:
            units = self._units[(cluster_id, level)] = _Units()
        for unit_id in unit_ids:
            units.add(unit_id)

    def _ensure_columns(self, round_id: str, level: Level, codes: Iterable[str]) -> None:
        # For the sidecar reader: a column written with only gaps still exists when read back.
        table = self._tables.get((round_id, level))
        if table is not None:
            for code in codes:
                if code not in table.columns:
                    table.columns[code] = _empty(self.variables[code])

    def _unit_order(self) -> Iterator[tuple[str, Level, list[str]]]:
        for (cluster_id, level), units in self._units.items():
            yield cluster_id, level, units.ids

    # Package-internal accessors: the engines, the sidecar and the store read the stored
    # buffers through these two, never through the private dicts.
    def _stored(self, round_id: str, level: Level) -> _Table | None:
        """The stored table of one round and level, or None when nothing was recorded."""
        return self._tables.get((round_id, level))

    def _numbering(self, cluster_id: str, level: Level) -> _Units | None:
        """How the units of one cluster and level are numbered in every round's columns."""
        return self._units.get((cluster_id, level))

    def _table_codes(self, round_id: str, level: Level) -> tuple[str, ...]:
        table = self._tables.get((round_id, level))
        return () if table is None else tuple(table.columns)


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a batch is checked and stored.

    A batch allocates millions of short-lived objects and no cycles; without the pause the
    collector walks the whole program (a million members) again and again.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _empty(variable: Variable) -> Column[Any]:
    return column_for(variable.type, variable.category_codes())


def _level(value: Level | str) -> Level:
    if isinstance(value, Level):
        return value
    found = Level._value2member_map_.get(value) if isinstance(value, str) else None
    if found is None:
        raise ValidationError(
            f"unknown level {value!r}: use one of {', '.join(m.value for m in Level)}",
            path="level",
        )
    return cast(Level, found)


def _finder(cluster: Cluster, level: Level) -> Callable[[str], Any]:
    if level is Level.MEMBER:
        return cluster.members.get
    if level is Level.GROUP:
        return cluster.groups.get
    if level is Level.COOPERATIVE:
        return cluster.cooperatives.get
    return lambda unit_id: cluster if unit_id == cluster.id else None


def _sectors(cluster: Cluster, level: Level, unit: Any) -> tuple[str, ...]:
    if level is Level.COOPERATIVE:
        return tuple(unit.sectors)
    if level is Level.CLUSTER:
        return cluster.sector_codes
    return (unit.sector,)


def _rows_of(unit_ids: Sequence[str], values: Mapping[str, Sequence[object]]) -> list[Row]:
    codes = list(values)
    for code in codes:
        if len(values[code]) != len(unit_ids):
            raise ValidationError(
                f"has {len(values[code])} values for {len(unit_ids)} units; give one value "
                "per unit (None for missing)",
                path=f"values[{code}]",
            )
    if not codes:
        return [(unit_id, {}) for unit_id in unit_ids]
    cells = zip(*(values[code] for code in codes), strict=True)
    return [
        (unit_id, dict(zip(codes, row, strict=True)))
        for unit_id, row in zip(unit_ids, cells, strict=True)
    ]


def _values_index(exc: KlasterError) -> int:
    found = _VALUES_INDEX.match(exc.path or "")
    return int(found.group(1)) if found else 0


def _at_row(bad: _BadRow) -> KlasterError:
    if bad.row is None:
        return bad.error
    error = bad.error
    located = type(error).__new__(type(error))
    located.__dict__.update(error.__dict__)
    KlasterError.__init__(located, f"{error.message} (row {bad.row} of the batch)", path=error.path)
    return located


def _listing(codes: Iterable[str]) -> str:
    shown = list(codes)
    text = ", ".join(repr(c) for c in shown[:_SHOWN])
    return text + (f" and {len(shown) - _SHOWN} more" if len(shown) > _SHOWN else "")
