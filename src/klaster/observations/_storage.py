"""How :class:`~klaster.observations.values.Observations` keeps its values.

Units are numbered once per cluster and level (:class:`_Units`), in the order they are first
recorded; every round of the cluster uses the same numbering, so a unit's baseline and endline
values sit at the same index of two columns and pairing rounds is a zip, not a join. Each round
and level has a table (:class:`_Table`): a ``present`` mask of the units surveyed in it and one
column per variable recorded.

Storing a prepared batch cannot fail, so the store changes all at once or not at all. The
engines, the sidecar and the store read it through ``Observations._stored`` and
``Observations._numbering`` only.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from klaster.catalogue.variable import Level, Variable
from klaster.observations.columns.factory import Column, column_for

if TYPE_CHECKING:
    from klaster.observations._batch import _LevelBatch
    from klaster.observations.rounds import Round
    from klaster.observations.values import Observations


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


def store_batch(obs: Observations, prepared: tuple[Round, dict[Level, _LevelBatch]]) -> None:
    """Store a batch from :func:`~klaster.observations._batch.prepare_batch`."""
    # Nothing below raises for a prepared batch: the store changes all at once or not at all.
    rnd, batches = prepared
    for level, batch in batches.items():
        units = obs._units.get((rnd.cluster_id, level))
        if units is None:
            units = obs._units[(rnd.cluster_id, level)] = _Units()
        table = obs._tables.get((rnd.id, level))
        if table is None:
            table = obs._tables[(rnd.id, level)] = _Table()
        indexes = [units.add(unit_id) for unit_id in batch.unit_ids]
        present = table.present
        if len(present) < len(units.ids):
            present.extend(bytes(len(units.ids) - len(present)))
        for index in indexes:
            present[index] = 1
        for code, staged in batch.staged.items():
            column = table.columns.get(code)
            if column is None:
                column = table.columns[code] = _empty(obs.variables[code])
            column._merge(map(indexes.__getitem__, batch.positions[code]), staged)


def register_units(
    obs: Observations, cluster_id: str, level: Level, unit_ids: Iterable[str]
) -> None:
    """For the sidecar reader: number units in the order the file lists them."""
    units = obs._units.get((cluster_id, level))
    if units is None:
        units = obs._units[(cluster_id, level)] = _Units()
    for unit_id in unit_ids:
        units.add(unit_id)


def ensure_columns(obs: Observations, round_id: str, level: Level, codes: Iterable[str]) -> None:
    """For the sidecar reader: a column written with only gaps still exists when read back."""
    table = obs._tables.get((round_id, level))
    if table is not None:
        for code in codes:
            if code not in table.columns:
                table.columns[code] = _empty(obs.variables[code])


def _empty(variable: Variable) -> Column[Any]:
    return column_for(variable.type, variable.category_codes())
