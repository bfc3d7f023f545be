"""How the observations number the units of one cluster and level (for :mod:`.storage`).

Units are numbered in the order they are first recorded; every round of the cluster uses the
same numbering. Loading a file or a store numbers a whole list at once (:meth:`UnitNumbering.
number_all`), exactly as numbering its units one at a time in order would: a repeated ID keeps
its first index, a unit numbered already keeps its index.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast

from klaster.catalogue.variable import Level
from klaster.model.cluster import Cluster
from klaster.model.records import Records, field_of


class UnitNumbering:
    """The units of one cluster and level, numbered in the order they were first recorded.

    Read-only for callers: ``ids[i]`` is the unit at index ``i`` of every column of the
    cluster's rounds, ``index[unit_id]`` its index. Only the observations' storage numbers
    units (:meth:`number`, :meth:`number_all`).
    """

    __slots__ = ("_ids", "_index")

    def __init__(self) -> None:
        self._ids: list[str] = []
        self._index: dict[str, int] = {}

    @property
    def ids(self) -> Sequence[str]:
        """The unit IDs, by index (the stored list itself: do not change it)."""
        return self._ids

    @property
    def index(self) -> Mapping[str, int]:
        """Each unit's index (the stored dict itself: do not change it)."""
        return self._index

    def number(self, unit_id: str) -> int:
        """The unit's index, numbering it next if it is new (internal: the storage's)."""
        found = self._index.get(unit_id)
        if found is None:
            found = self._index[unit_id] = len(self._ids)
            self._ids.append(unit_id)
        return found

    def number_all(self, unit_ids: Iterable[str]) -> None:
        """:meth:`number` each unit in order, a list at once (internal: the storage's)."""
        index = self._index
        new = dict.fromkeys(unit_ids)  # the first of repeated IDs, in order
        if index:
            new = dict.fromkeys(u for u in new if u not in index)
        start = len(self._ids)
        self._ids.extend(new)
        index.update(zip(new, range(start, start + len(new)), strict=True))


def own_ids(cluster: Cluster, level: Level, unit_ids: Sequence[str]) -> list[str] | None:
    """The program's own strings of ``unit_ids`` (no second copy of each), looked up in C.

    ``None`` when one is not a unit of ``level`` in the cluster, and at the cluster level (the
    caller then looks them up one at a time).
    """
    records: Records[Any]
    if level is Level.MEMBER:
        records = cluster.members
    elif level is Level.GROUP:
        records = cluster.groups
    elif level is Level.COOPERATIVE:
        records = cluster.cooperatives
    else:
        return None
    ids = field_of(records, "id")  # (members a loader left as columns are not built)
    if len(ids) == len(unit_ids) and list(ids) == list(unit_ids):
        return list(ids)  # (the usual file: the units in the order the cluster holds them)
    own: dict[str, str] = dict(zip(ids, ids, strict=True))
    try:
        found = list(map(own.get, unit_ids))
    except TypeError:  # an unhashable unit ID
        return None
    return None if None in found else cast(list[str], found)
