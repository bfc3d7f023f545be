"""Reading observations back: aligned columns, values, rows, pairs of rounds, gaps.

:class:`Paired` is what :meth:`~klaster.observations.values.Observations.paired
<klaster.observations.values.Observations.paired>` returns. The functions below are the
bodies of the reading methods of :class:`~klaster.observations.values.Observations`, over
its :class:`~klaster.observations.storage.ObservationStorage`; they copy what they return, so
nothing read can change the store.
"""

from __future__ import annotations

from itertools import compress
from operator import and_
from typing import Any

from attrs import frozen

from klaster.catalogue.variable import Level, Variable
from klaster.errors import ValidationError
from klaster.observations._batch import finder, sectors
from klaster.observations.columns.factory import Column
from klaster.observations.core_variables import CORE_SECTOR
from klaster.observations.rounds import Round
from klaster.observations.storage import (
    ObservationStorage,
    StoredTable,
    UnitNumbering,
    empty_column,
)

__all__ = [
    "Paired",
    "aligned_column",
    "aligned_columns",
    "incomplete",
    "pair",
    "parse_level",
    "row_of",
    "same_observations",
    "surveyed_units",
    "value_of",
]


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


def surveyed_units(obs: ObservationStorage, round_id: str, level: Level | str) -> tuple[str, ...]:
    """The body of :meth:`~klaster.observations.values.Observations.units`."""
    rnd = obs.round(round_id)
    level = parse_level(level)
    table = obs.table(round_id, level)
    if table is None:
        return ()
    return tuple(compress(_numbering(obs, rnd.cluster_id, level).ids, table.present))


def aligned_column(obs: ObservationStorage, round_id: str, code: str) -> Column[Any]:
    """The body of :meth:`~klaster.observations.values.Observations.column`."""
    variable = obs.variable(code)
    rnd = obs.round(round_id)
    return _aligned(rnd, variable, obs.table(round_id, variable.level))


def aligned_columns(
    obs: ObservationStorage, round_id: str, level: Level | str
) -> dict[str, Column[Any]]:
    """The body of :meth:`~klaster.observations.values.Observations.columns`."""
    rnd = obs.round(round_id)
    table = obs.table(round_id, parse_level(level))
    if table is None:
        return {}
    return {code: _aligned(rnd, obs.variables[code], table) for code in table.columns}


def value_of(obs: ObservationStorage, round_id: str, unit_id: str, code: str) -> Any:
    """The body of :meth:`~klaster.observations.values.Observations.value`."""
    variable = obs.variable(code)
    rnd = obs.round(round_id)
    index = _index_in(obs, rnd, variable.level, unit_id)
    table = obs.table(round_id, variable.level)
    if index is None or table is None:
        return None
    column = table.columns.get(code)
    if column is None or index >= len(column):
        return None
    return column[index]


def row_of(
    obs: ObservationStorage, round_id: str, unit_id: str, level: Level | str
) -> dict[str, Any] | None:
    """The body of :meth:`~klaster.observations.values.Observations.row`."""
    rnd = obs.round(round_id)
    level = parse_level(level)
    index = _index_in(obs, rnd, level, unit_id)
    table = obs.table(round_id, level)
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


def pair(obs: ObservationStorage, code: str, first_round: str, second_round: str) -> Paired:
    """The body of :meth:`~klaster.observations.values.Observations.paired`."""
    variable = obs.variable(code)
    first, second = obs.round(first_round), obs.round(second_round)
    if first.cluster_id != second.cluster_id:
        raise ValidationError(
            f"rounds {first.id!r} and {second.id!r} are of different clusters "
            f"({first.cluster_id!r}, {second.cluster_id!r}); pair rounds of one cluster",
            path="second_round",
        )
    if first.id == second.id:
        raise ValidationError("pair two different rounds", path="second_round")
    a = _raw(obs, first.id, variable)
    b = _raw(obs, second.id, variable)
    valid_a, valid_b = a.valid(), b.valid()
    both = list(compress(range(min(len(a), len(b))), map(and_, valid_a, valid_b)))
    ids = _numbering(obs, first.cluster_id, variable.level).ids if both else []
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


def incomplete(obs: ObservationStorage, round_id: str) -> dict[str, tuple[str, ...]]:
    """The body of :meth:`~klaster.observations.values.Observations.incomplete`."""
    rnd = obs.round(round_id)
    cluster = obs.program.clusters[rnd.cluster_id]
    missing: dict[str, list[str]] = {}
    for level in Level:
        table = obs.table(round_id, level)
        required = [v for v in obs.variables.values() if v.required and v.level is level]
        if table is None or not required:
            continue
        ids = _numbering(obs, rnd.cluster_id, level).ids
        find = finder(cluster, level)
        for index in compress(range(len(table.present)), table.present):
            unit = find(ids[index])
            unit_sectors = sectors(cluster, level, unit) if unit is not None else ()
            for variable in required:
                if variable.sector != CORE_SECTOR and variable.sector not in unit_sectors:
                    continue
                column = table.columns.get(variable.code)
                if column is None or index >= len(column) or column[index] is None:
                    missing.setdefault(ids[index], []).append(variable.code)
    return {unit: tuple(codes) for unit, codes in missing.items()}


def same_observations(obs: ObservationStorage, other: ObservationStorage) -> bool:
    """Same program ID, variables, rounds, and the same units and values in every round."""
    if (
        obs.program.id != other.program.id
        or dict(obs.variables) != dict(other.variables)
        or obs.added_rounds() != other.added_rounds()
    ):
        return False
    for rnd in obs.added_rounds():
        for level in Level:
            if surveyed_units(obs, rnd.id, level) != surveyed_units(other, rnd.id, level):
                return False
            mine = aligned_columns(obs, rnd.id, level)
            theirs = aligned_columns(other, rnd.id, level)
            for code in mine.keys() | theirs.keys():
                if aligned_column(obs, rnd.id, code) != aligned_column(other, rnd.id, code):
                    return False
    return True


def _index_in(obs: ObservationStorage, rnd: Round, level: Level, unit_id: str) -> int | None:
    units = obs.numbering(rnd.cluster_id, level)
    return None if units is None else units.index.get(unit_id)


def _raw(obs: ObservationStorage, round_id: str, variable: Variable) -> Column[Any]:
    # The stored column itself (callers must not change it), or an empty one.
    table = obs.table(round_id, variable.level)
    column = None if table is None else table.columns.get(variable.code)
    return column if column is not None else empty_column(variable)


def _aligned(rnd: Round, variable: Variable, table: StoredTable | None) -> Column[Any]:
    if table is None:
        return empty_column(variable)
    column = table.columns.get(variable.code)
    if column is None:
        column = empty_column(variable)
    present = table.present
    size = present.count(1)
    if size == len(present):  # every unit of the cluster was surveyed: no gaps to skip
        result = column.copy()
    else:
        length = len(column)
        result = column.take(i for i in compress(range(len(present)), present) if i < length)
    result.pad(size)
    return result


def parse_level(value: Level | str) -> Level:
    """A :class:`Level`, or its value (``"member"``...).

    Raises:
        ValidationError: Not a level.
    """
    if isinstance(value, Level):
        return value
    try:
        return Level(value)
    except ValueError:
        raise ValidationError(
            f"unknown level {value!r}: use one of {', '.join(m.value for m in Level)}",
            path="level",
        ) from None


def _numbering(obs: ObservationStorage, cluster_id: str, level: Level) -> UnitNumbering:
    found = obs.numbering(cluster_id, level)
    assert found is not None, "a stored table's units are numbered"
    return found
