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

_SMALL = 127  # the most distinct sectors (of a level) numbered in one byte


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
        return self.np.array(found, dtype=self._dtype(level))

    def _dtype(self, level: Level) -> Any:
        """The smallest type the level's numbers so far fit (a million rows: 1 byte, not 8)."""
        return self.np.int8 if len(self.distinct.get(level, ())) <= _SMALL else self.np.int64

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
            found = found.astype(self._dtype(level))
            return found if places is None else found[np.array(places, dtype=np.int64)]
        of_unit = [unit_sectors(cluster, level, unit) for unit in map(finder(cluster, level), ids)]
        found = [numbers.setdefault(tuple(sectors), len(numbers)) for sectors in of_unit]
        return np.array(found, dtype=self._dtype(level))

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
        np, level, known = self.np, placed.level, self._kinds
        parts = []
        for cluster, numbering, wanted in zip(
            placed.clusters, placed.numberings, tables.tolist(), strict=True
        ):
            if not wanted:
                parts.append(np.zeros(len(numbering.ids), dtype=np.int8))
                continue
            found = known.get((cluster.id, level))  # (each cluster's, once for its rounds)
            parts.append(self.kinds(cluster, level, numbering.ids) if found is None else found)
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int8)

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
    """A level's checked rows, group after group: their sectors at once, the rest on first need.

    Each row is a surveyed unit of a placed table (its laid position, ascending). The plugins
    are asked with each row's sectors; which table and unit a row is (its ID, its values) is
    worked out only when a plugin reads a column or a problem is found (usually never, with
    ``only=`` or plugins that find nothing: no array of a million unit indexes made).
    """

    def __init__(self, np: Any) -> None:
        self.np = np
        self.parts: list[tuple[Placed, Any, Any]] = []  # placed, rows (laid positions), kinds
        self._found: tuple[list[tuple[Round, Any, dict[str, Column[Any]]]], list[Any]] | None = None

    def add(self, placed: Placed, rows: Any, kinds: Any) -> None:
        """Rows (ascending laid positions) of ``placed``'s tables, with their sectors ``kinds``."""
        self.parts.append((placed, rows, kinds))

    def kinds(self) -> Any:
        """Each row's sectors' number, the level's rows in order."""
        found = [kinds for _, _, kinds in self.parts]
        return found[0] if len(found) == 1 else self.np.concatenate(found)

    def count(self) -> int:
        return sum(len(rows) for _, rows, _ in self.parts)

    def tables(self) -> tuple[list[tuple[Round, Any, dict[str, Column[Any]]]], list[Any]]:
        """The tables with a checked row (round, unit IDs, columns) and each one's unit indexes.

        Each table's rows are indexes into its numbering, ascending; worked out once.
        """
        if self._found is None:
            np = self.np
            tables: list[tuple[Round, Any, dict[str, Column[Any]]]] = []
            picked: list[Any] = []
            for placed, rows, _ in self.parts:
                # Each table's rows: a slice of the ascending positions, by its offsets.
                bounds = np.searchsorted(rows, placed.offsets).tolist()
                for number, (rnd, numbering, columns) in enumerate(
                    zip(placed.rounds, placed.numberings, placed.columns, strict=True)
                ):
                    first, end = bounds[number], bounds[number + 1]
                    if first < end:
                        tables.append((rnd, numbering.ids, columns))
                        picked.append(rows[first:end] - placed.offsets[number])
            self._found = (tables, picked)
        return self._found

    def unit_ids(self) -> list[tuple[Any, Any]]:
        """Each table's unit IDs and its rows' indexes, for :class:`RowIds`."""
        tables, picked = self.tables()
        return [(table[1], at) for table, at in zip(tables, picked, strict=True)]


def sector_problems(obs: Observations, groups: Sequence[Placed], sectors: UnitSectors) -> bool:
    """Whether the sector plugins' checks across a unit's values find a problem.

    As the exact path: each stored table's units, once per table (a unit holds in a round
    what its row holds), all tables of a level in one batch of columns
    (``klaster_validate_columns``; the per-unit hook for plugins without it), rows in the
    tables' order and each table's in its numbering's order. Only each row's sectors are made
    at once; its table, unit and values when a plugin asks for them (see :class:`_Rows`).
    """
    np = sectors.np
    host = obs.storage.host
    checks: dict[tuple[str, ...], bool] = {}  # whether a plugin of these sectors checks values
    of_cluster: dict[str, bool] = {}

    def checking(codes: Sequence[str]) -> bool:
        key = tuple(codes)
        found = checks.get(key)
        if found is None:
            found = checks[key] = host.checks_values(key)
        return found

    def cluster_checks(cluster: Cluster) -> bool:
        found = of_cluster.get(cluster.id)
        if found is None:
            found = of_cluster[cluster.id] = checking(cluster.sector_codes)
        return found

    by_level: dict[Level, _Rows] = {}
    for placed in groups:
        level = placed.level
        tables = np.array([cluster_checks(c) for c in placed.clusters], dtype=bool)
        if not tables.any():
            continue
        # The surveyed units, table after table, each table's in its numbering's order.
        rows = np.flatnonzero(placed.surveyed)
        kinds = sectors.laid(placed, tables)[rows]
        distinct = sectors.of_level(level)
        checked = np.array([checking(found) for found in distinct], dtype=bool)
        if not (tables.all() and checked.all()):  # (usually every unit's sectors check)
            table_of = np.repeat(np.arange(len(placed.counts)), placed.counts)
            keep = tables[table_of] & checked[kinds] if len(distinct) else tables[table_of]
            rows, kinds = rows[keep], kinds[keep]
        if len(rows):
            by_level.setdefault(level, _Rows(np)).add(placed, rows, kinds)
    for level, found_rows in by_level.items():
        unit_ids = RowIds(found_rows.unit_ids, found_rows.count())
        row_sectors = RowSectors(np, found_rows.kinds(), sectors.of_level(level))
        codes = dict.fromkeys(
            code for placed, _, _ in found_rows.parts for table in placed.columns for code in table
        )
        columns = {code: partial(_column, obs, found_rows, code) for code in codes}

        def where(
            row: int, ids: RowIds = unit_ids, rows: _Rows = found_rows, level: Level = level
        ) -> str:
            rnd = rows.tables()[0][bisect_right(ids.ends, row)][0]
            return unit_location(rnd.id, level, ids[row])

        if host.validate_recorded_columns(level, columns, row_sectors, unit_ids, where):
            return True
    return False


def _column(obs: Observations, rows: _Rows, code: str) -> Any:
    """The Series of ``code`` over the checked rows (made when a plugin first reads it)."""
    import numpy as np
    import polars as pl

    tables, picked = rows.tables()
    pieces: list[Piece | int] = [
        piece_of_column(np, table[2][code], at) if code in table[2] else len(at)
        for table, at in zip(tables, picked, strict=True)
    ]
    return hook_frame(pl, np, {code: (obs.storage.variable(code), pieces)})[code]
