"""How the observations number the units of one cluster and level (for :mod:`.storage`).

Units are numbered in the order they are first recorded; every round of the cluster uses the
same numbering. Loading a file or a store numbers a whole list at once (:meth:`UnitNumbering.
number_all`), exactly as numbering its units one at a time in order would: a repeated ID keeps
its first index, a unit numbered already keeps its index. A list :func:`own_ids` found to hold
each of the cluster's units at most once (:class:`HeldIds`) is taken as it is, and the index of
each ID is built on first need (a report reads the units by position: a million loaded units
then never fill a dict).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import cast

from klaster.catalogue.variable import Level
from klaster.model.cluster import Cluster
from klaster.model.records import field_of


class UnitNumbering:
    """The units of one cluster and level, numbered in the order they were first recorded.

    Read-only for callers: ``ids[i]`` is the unit at index ``i`` of every column of the
    cluster's rounds, ``index[unit_id]`` its index. Only the observations' storage numbers
    units (:meth:`number`, :meth:`number_all`).
    """

    __slots__ = ("_ids", "_index", "_places")

    def __init__(self) -> None:
        self._ids: list[str] = []
        self._index: dict[str, int] | None = {}  # None: not built yet (built from _ids)
        # Each unit's place among its cluster's records, as a loader found them, with the
        # records' pending columns they were found in (the places hold while those do).
        self._places: tuple[object, Sequence[int]] | None = None

    @property
    def ids(self) -> Sequence[str]:
        """The unit IDs, by index (the stored list itself: do not change it)."""
        return self._ids

    @property
    def index(self) -> Mapping[str, int]:
        """Each unit's index (the stored dict itself: do not change it)."""
        return self._built()

    def places_in(self, columns: object) -> Sequence[int] | None:
        """Each unit's place among its cluster's records, if a loader found them in ``columns``.

        ``columns``: the records' pending columns now (``records.columns_of``); the places a
        loader kept are given only while the records still hold the very columns it found them
        in (a record put or dropped since lets them go) and no unit was numbered since.
        """
        kept = self._places
        return kept[1] if kept is not None and columns is not None and kept[0] is columns else None

    def keep_places(self, columns: object, places: Sequence[int]) -> None:
        """Keep where each unit is among the records whose pending columns are ``columns``.

        ``places``: a list, or a numpy int64 array (kept as it is: the fast path reads it so).
        """
        if len(places) != len(self._ids):
            raise ValueError("a place per unit")
        self._places = (columns, places)

    def _built(self) -> dict[str, int]:
        index = self._index
        if index is None:  # (each ID is once in _ids: numbered from a HeldIds)
            index = self._index = dict(zip(self._ids, range(len(self._ids)), strict=True))
        return index

    def number(self, unit_id: str) -> int:
        """The unit's index, numbering it next if it is new (internal: the storage's)."""
        index = self._built()
        found = index.get(unit_id)
        if found is None:
            found = index[unit_id] = len(self._ids)
            self._ids.append(unit_id)
            self._places = None
        return found

    def number_all(self, unit_ids: Iterable[str]) -> None:
        """:meth:`number` each unit in order, a list at once (internal: the storage's)."""
        self._places = None
        if not self._ids and type(unit_ids) is HeldIds:  # each once: nothing to look up
            self._ids = list(unit_ids)
            self._index = None
            return
        index = self._built()
        new = dict.fromkeys(unit_ids)  # the first of repeated IDs, in order
        if index:
            new = dict.fromkeys(u for u in new if u not in index)
        start = len(self._ids)
        self._ids.extend(new)
        index.update(zip(new, range(start, start + len(new)), strict=True))


class HeldIds(list[str]):
    """Units of one level a cluster holds, the program's own strings, each ID once.

    Made only by what found them so (:func:`own_ids`, :func:`placed_ids`);
    :meth:`UnitNumbering.number_all` takes it without looking each ID up.
    """

    __slots__ = ()


def held_ids(cluster: Cluster, level: Level) -> Sequence[str] | None:
    """The cluster's own unit IDs of ``level``, in its order (``None`` at the cluster level)."""
    if level is Level.MEMBER:
        return field_of(cluster.members, "id")  # (members a loader left as columns: not built)
    if level is Level.GROUP:
        return field_of(cluster.groups, "id")
    if level is Level.COOPERATIVE:
        return field_of(cluster.cooperatives, "id")
    return None


def placed_ids(
    cluster: Cluster, level: Level, unit_ids: Sequence[str]
) -> tuple[HeldIds, list[int] | None] | None:
    """``unit_ids`` as the program's own strings, and each one's place in the cluster's records.

    The place is ``None`` when they are all the records in order (the usual file). ``None``
    when one is not a unit of ``level`` in the cluster, is listed twice, or at the cluster
    level: the caller then numbers them through :func:`own_ids`, which finds which.
    """
    ids = held_ids(cluster, level)
    if ids is None:
        return None
    if len(ids) == len(unit_ids) and list(ids) == list(unit_ids):
        return HeldIds(ids), None
    where = dict(zip(ids, range(len(ids)), strict=True))
    try:
        places = list(map(where.__getitem__, unit_ids))
    except (KeyError, TypeError):  # a stranger, an unhashable ID
        return None
    if len(set(places)) != len(places):
        return None
    return HeldIds(map(ids.__getitem__, places)), places


def own_ids(cluster: Cluster, level: Level, unit_ids: Sequence[str]) -> list[str] | None:
    """The program's own strings of ``unit_ids`` (no second copy of each), looked up in C.

    ``None`` when one is not a unit of ``level`` in the cluster, and at the cluster level (the
    caller then looks them up one at a time). A :class:`HeldIds` when they are the cluster's
    units in the order it holds them, or a :class:`HeldIds` given (the caller found them so).
    """
    if type(unit_ids) is HeldIds:
        return unit_ids
    ids = held_ids(cluster, level)
    if ids is None:
        return None
    if len(ids) == len(unit_ids) and list(ids) == list(unit_ids):
        return HeldIds(ids)  # (the usual file: the units in the order the cluster holds them)
    own: dict[str, str] = dict(zip(ids, ids, strict=True))
    try:
        found = list(map(own.get, unit_ids))
    except TypeError:  # an unhashable unit ID
        return None
    if None in found:
        return None
    # (the program's strings, their hashes known: each once is quickly told)
    own_found = cast(list[str], found)
    return HeldIds(own_found) if len(set(own_found)) == len(own_found) else own_found
