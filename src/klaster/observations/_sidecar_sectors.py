"""The columnar readers' sector work on whole levels at once: units' sectors, plugins' checks.

Internal to :mod:`klaster.observations._sidecar_bulk` (the JSON Lines and Parquet sidecars'
column-wise readers). Two things need each row's unit's sectors (its own, or its
cooperative's or cluster's: :func:`~klaster.observations.sector_checks.unit_sectors`): a value
of a sector's variable is refused for a unit outside that sector, and the sector plugins'
``klaster_validate_values`` rules run on what each unit holds in a round. Both are done here
a level at a time: :class:`UnitSectors` numbers the level's distinct sectors once and gives
each unit a number into them (one array per cluster, read from the members' and groups'
``sector`` column without building a record); :func:`sector_problems` asks the plugins once
per level, over every table placed (:class:`Placed`), rows picked, located and converted with
numpy rather than a Python step per table or per unit. The checks are those of the exact
reader (:meth:`ObservationStorage.load_rows
<klaster.observations.storage.ObservationStorage.load_rows>`), on the same rows in its order.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

from klaster.catalogue.variable import Level
from klaster.model.cluster import Cluster
from klaster.model.records import field_of
from klaster.observations._batch import finder
from klaster.observations._hook_columns import (
    Piece,
    RowIds,
    RowSectors,
    hook_frame,
    piece_of_column,
)
from klaster.observations.columns.factory import Column
from klaster.observations.rounds import Round
from klaster.observations.sector_checks import unit_location, unit_sectors
from klaster.observations.values import Observations

if TYPE_CHECKING:
    import numpy as np

__all__ = ["Placed", "UnitSectors", "sector_problems"]


class UnitSectors:
    """Each unit's sectors as a number into its level's distinct sectors (one array a cluster).

    The numbers are the level's (every cluster's units share them), so that rows of many
    clusters' tables can be compared and grouped by sector in one array.
    """

    def __init__(self) -> None:
        import numpy as np  # (the columnar readers': numpy is installed when they run)

        self.np = np
        self.distinct: dict[Level, dict[tuple[str, ...], int]] = {}  # a level's, numbered
        self._kinds: dict[tuple[str, Level], np.ndarray[Any, Any]] = {}
        # Each numbering's units' places in their cluster's records, when a reader found them
        # (None: all the records, in order): their sectors read by place, not looked up by ID.
        self.places: dict[tuple[str, Level], Any] = {}

    def numbers(self, level: Level, names: Sequence[str]) -> Any:
        """The level's number of each of these sectors (a unit's own: a member's, a group's)."""
        numbers = self.distinct.setdefault(level, {})
        found = [numbers.setdefault((name,), len(numbers)) for name in names]
        return self.np.array(found, dtype=self.np.int64)

    def preset(self, cluster_id: str, level: Level, kinds: Any) -> None:
        """Give a numbering's units their sectors' numbers (:meth:`numbers`), in its order."""
        self._kinds[(cluster_id, level)] = kinds

    def of_level(self, level: Level) -> list[tuple[str, ...]]:
        """The level's distinct sectors, by number."""
        return list(self.distinct.get(level, ()))

    def kinds(self, cluster: Cluster, level: Level, ids: Sequence[str]) -> np.ndarray[Any, Any]:
        """The number of each unit's sectors, ``ids`` the cluster's numbering of the level.

        Raises:
            KeyError: A unit the cluster does not hold (the reader gives up).
        """
        key = (cluster.id, level)
        found = self._kinds.get(key)
        if found is None:
            found = self._kinds[key] = self._numbered(cluster, level, ids)
        return found

    def _numbered(self, cluster: Cluster, level: Level, ids: Sequence[str]) -> Any:
        np = self.np
        numbers = self.distinct.setdefault(level, {})
        if level is Level.MEMBER or level is Level.GROUP:
            # A member's or group's sector, read from the column: no record built.
            records = cluster.members if level is Level.MEMBER else cluster.groups
            own = field_of(records, "sector")
            key = (cluster.id, level)
            places = self.places[key] if key in self.places else self._places(records, ids)
            local = {s: numbers.setdefault((s,), len(numbers)) for s in cluster.sector_codes}
            try:
                found = np.fromiter(map(local.__getitem__, own), np.int64, len(own))
            except KeyError:  # a unit of a sector the cluster does not list: found the long way
                local = {s: numbers.setdefault((s,), len(numbers)) for s in dict.fromkeys(own)}
                found = np.fromiter(map(local.__getitem__, own), np.int64, len(own))
            return found if places is None else found[np.array(places, dtype=np.int64)]
        of_unit = [unit_sectors(cluster, level, unit) for unit in map(finder(cluster, level), ids)]
        found = [numbers.setdefault(tuple(sectors), len(numbers)) for sectors in of_unit]
        return np.array(found, dtype=np.int64)

    @staticmethod
    def _places(records: Any, ids: Sequence[str]) -> Any:
        """Each unit's place in ``records`` (``None``: all of them, in order).

        Raises:
            KeyError: A unit ``records`` does not hold.
        """
        held = field_of(records, "id")
        if len(held) == len(ids) and list(held) == list(ids):  # (usually numbered as held)
            return None
        return list(map(dict(zip(held, range(len(held)), strict=True)).__getitem__, ids))

    def laid(self, placed: Placed, tables: Any) -> Any:
        """The sectors' numbers of ``placed``'s tables laid one after another.

        ``tables`` (a mask) says whose are needed: the others' units get 0.
        """
        np = self.np
        parts = [
            self.kinds(cluster, placed.level, numbering.ids)
            if wanted
            else np.zeros(len(numbering.ids), dtype=np.int64)
            for cluster, numbering, wanted in zip(
                placed.clusters, placed.numberings, tables.tolist(), strict=True
            )
        ]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)

    def holding(self, level: Level, sector: str) -> Any:
        """Whether each of the level's distinct sectors (by number) includes ``sector``."""
        return self.np.array([sector in found for found in self.distinct.get(level, ())], bool)


class Placed:
    """A group of tables a reader stored: laid one after another on their clusters' numberings.

    ``surveyed`` holds 1 for each unit surveyed (``offsets[t]`` + its index, table ``t``),
    ``counts[t]`` how many table ``t`` surveyed; ``columns[t]`` table ``t``'s stored columns.
    """

    __slots__ = (
        "clusters",
        "columns",
        "counts",
        "level",
        "numberings",
        "offsets",
        "rounds",
        "surveyed",
    )

    def __init__(
        self,
        level: Level,
        rounds: list[Round],
        clusters: list[Cluster],
        numberings: list[Any],
        offsets: Any,
        surveyed: Any,
        counts: Any,
        columns: list[dict[str, Column[Any]]],
    ) -> None:
        self.level, self.rounds, self.clusters = level, rounds, clusters
        self.numberings, self.offsets, self.surveyed = numberings, offsets, surveyed
        self.counts, self.columns = counts, columns


class _Rows:
    """A level's checked rows, table after table: each row's table and unit index (numpy)."""

    def __init__(self, np: Any) -> None:
        self.np = np
        self.tables: list[tuple[Round, Any, dict[str, Column[Any]]]] = []  # round, ids, columns
        self.table_of: list[Any] = []
        self.index: list[Any] = []
        self.kinds: list[Any] = []

    def add(self, placed: Placed, rows: Any, table_of: Any, kinds: Any) -> None:
        """Rows (laid positions) of ``placed``'s tables ``table_of`` with sectors ``kinds``."""
        first = len(self.tables)
        self.tables += zip(
            placed.rounds, (n.ids for n in placed.numberings), placed.columns, strict=True
        )
        self.table_of.append(table_of + first)
        self.index.append(rows - placed.offsets[table_of])  # (each unit's index)
        self.kinds.append(kinds)

    def done(self) -> tuple[Any, Any, Any]:
        """Each row's table, unit index and sectors' number (the level's rows, in order)."""
        np = self.np
        return (
            np.concatenate(self.table_of),
            np.concatenate(self.index),
            np.concatenate(self.kinds),
        )


def sector_problems(obs: Observations, groups: Sequence[Placed], sectors: UnitSectors) -> bool:
    """Whether the sector plugins' checks across a unit's values find a problem.

    As the exact path: each stored table's units, once per table (a unit holds in a round
    what its row holds), all tables of a level in one batch of columns
    (``klaster_validate_columns``; the per-unit hook for plugins without it), rows in the
    tables' order and each table's in its numbering's order.
    """
    np = sectors.np
    host = obs.storage.host
    checks: dict[tuple[str, ...], bool] = {}  # whether a plugin of these sectors checks values

    def checking(codes: Sequence[str]) -> bool:
        key = tuple(codes)
        found = checks.get(key)
        if found is None:
            found = checks[key] = host.checks_values(key)
        return found

    by_level: dict[Level, _Rows] = {}
    for placed in groups:
        level = placed.level
        tables = np.array([checking(c.sector_codes) for c in placed.clusters], dtype=bool)
        if not tables.any():
            continue
        # The surveyed units, table after table, each table's in its numbering's order.
        rows = np.flatnonzero(placed.surveyed)
        table_of = np.repeat(np.arange(len(placed.counts)), placed.counts)
        kinds = sectors.laid(placed, tables)[rows]
        distinct = sectors.of_level(level)
        checked = np.array([checking(found) for found in distinct], dtype=bool)
        if not (tables.all() and checked.all()):  # (usually every unit's sectors check)
            keep = tables[table_of] & checked[kinds] if len(distinct) else tables[table_of]
            rows, table_of, kinds = rows[keep], table_of[keep], kinds[keep]
        if len(rows):
            by_level.setdefault(level, _Rows(np)).add(placed, rows, table_of, kinds)
    for level, found_rows in by_level.items():
        table_of, index, kinds = found_rows.done()
        tables = found_rows.tables
        # Each table's rows (indexes into its numbering), one after the other: the IDs are
        # read from the numberings only for the rows a plugin asks about.
        ends = np.searchsorted(table_of, np.arange(1, len(tables) + 1)).tolist()
        picked = np.split(index, ends[:-1])
        unit_ids = RowIds([(t[1], at) for t, at in zip(tables, picked, strict=True) if len(at)])
        rounds = [t[0] for t, at in zip(tables, picked, strict=True) if len(at)]
        row_sectors = RowSectors(np, kinds, sectors.of_level(level))
        codes = dict.fromkeys(code for t in tables for code in t[2])
        columns = {code: partial(_column, obs, tables, picked, code) for code in codes}

        def where(
            row: int, ids: RowIds = unit_ids, rounds: list[Round] = rounds, level: Level = level
        ) -> str:
            return unit_location(rounds[bisect_right(ids.ends, row)].id, level, ids[row])

        if host.validate_recorded_columns(level, columns, row_sectors, unit_ids, where):
            return True
    return False


def _column(
    obs: Observations,
    tables: list[tuple[Round, Any, dict[str, Column[Any]]]],
    picked: Any,
    code: str,
) -> Any:
    """The Series of ``code`` over the checked rows (made when a plugin first reads it)."""
    import numpy as np
    import polars as pl

    pieces: list[Piece | int] = [
        piece_of_column(np, table[2][code], at) if code in table[2] else len(at)
        for table, at in zip(tables, picked, strict=True)
        if len(at)
    ]
    return hook_frame(pl, np, {code: (obs.storage.variable(code), pieces)})[code]
