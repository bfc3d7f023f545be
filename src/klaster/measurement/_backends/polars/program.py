"""The program's records as numpy arrays, for the indicators counted from them (fast path).

Members active on a round's date and their households, groups that exist and are active, and
cooperatives with legal status are counted from the records, not the survey. Each record is read
once per report into arrays (dates as day numbers), a field of every record at a time; each
round key then selects with a few numpy operations over all clusters at once. The groups'
membership spells are read only when some group has no ``group_active`` value recorded. A
member's categories are the Python path's (``UnitFrame.member_categories``), read only for the
dimensions a report asks for; a group's or cooperative's kabupaten is its cluster's
(:func:`~klaster.measurement.unit_frame.cluster_kabupaten`).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from itertools import chain, repeat
from typing import Any

import numpy as np
import polars as pl

from klaster.catalogue.variable import Level
from klaster.measurement._backends.polars.cells import Naming
from klaster.measurement._backends.polars.read import Array
from klaster.measurement.core_indicators import recorded_group_activity
from klaster.measurement.unit_frame import UnitFrame, cluster_kabupaten
from klaster.model._frame_columns import program_column
from klaster.model.program import Program
from klaster.model.records import columns_of, fields_of
from klaster.observations.columns import BooleanColumn

__all__ = ["DIMS", "NEVER", "Records"]

DIMS = ("sex", "business_type", "kabupaten", "kecamatan", "desa")
"""The single-valued member dimensions of the fast path, besides the cluster and the sector."""

NEVER = 10**7
"""A day number later than any date's (``date.max`` is 3,652,059): "not left", "not dissolved"."""


class _Days(dict[_dt.date | None, int]):
    """Day numbers of dates (``None``: :data:`NEVER`), each computed once."""

    def __missing__(self, day: _dt.date | None) -> int:
        found = self[day] = NEVER if day is None else day.toordinal()
        return found


class Records:
    """Members, groups and cooperatives of a program as arrays, read on first use.

    Args:
        program: The program.
        frames: Any frame of each cluster (for the region's kabupaten, kecamatan and desa names).
        dims: Member dimensions the report splits by (besides the cluster).
        naming: Codes of the report's categories.
    """

    def __init__(
        self,
        program: Program,
        frames: dict[str, UnitFrame],
        dims: Sequence[str],
        naming: Naming,
    ) -> None:
        self.clusters = list(program.clusters)
        self.frames = frames
        self.dims = list(dims)
        self.regional = [d for d in self.dims if d == "kabupaten"]
        """The dimensions of groups and cooperatives besides the cluster (and groups' sector)."""
        self.naming = naming
        self.days = _Days()
        self._members: dict[str, Any] | None = None
        self._groups: dict[str, Array] | None = None
        self._group_spells: dict[str, Array] | None = None
        self._coops: dict[str, Array] | None = None
        self._group_offsets: dict[str, int] = {}
        self._places: dict[str, Array] = {}
        self._active: pl.DataFrame | None = None  # every member's columns active_members reads

    # -- members --------------------------------------------------------------------------------
    def members(self) -> dict[str, Any]:
        """The members' arrays, read once.

        Per member (program order): ``_c``, ``joined``, ``left``, ``size``, ``_d_{dim}``; per
        cluster ID, ``offset`` of its first member and ``position`` of each numbered unit.
        """
        if self._members is not None:
            return self._members
        # A field of every member at a time into an array (the accepted file's column if kept).
        counts = [len(c.members) for c in self.clusters]
        total = sum(counts)
        starts = np.cumsum([0, *counts])
        self._members = {
            "_c": np.repeat(np.arange(len(counts), dtype=np.int32), counts),
            "joined": self._days("joined", total),
            "left": self._days("left", total),
            "size": self._days("household_size", total, dates=False),
            "offset": {c.id: int(start) for c, start in zip(self.clusters, starts, strict=False)},
            "position": {
                c.id: self._positions(c.id, c.members, self.frames.get(c.id)) for c in self.clusters
            },
        }
        # Every cluster's numbering end to end, as program positions: what `surveyed` gathers.
        numbered, offset = self._members["position"], self._members["offset"]
        parts = [np.where(p >= 0, p + offset[cid], -1) for cid, p in numbered.items()]
        self._members["numbered"] = np.concatenate([np.zeros(0, np.int64), *parts])
        lengths = [len(p) for p in numbered.values()]
        firsts = np.cumsum([0, *lengths])
        self._members["numbering"] = {
            cid: (int(first), length)
            for cid, first, length in zip(numbered, firsts, lengths, strict=False)
        }
        for dim in self.dims:
            names = self._names(dim, starts)
            self._members[f"_d_{dim}"] = self._codes(dim, names)
        return self._members

    def _field(self, name: str) -> list[Any]:
        """Field ``name`` of every member, in program order (from a loader's columns if kept)."""
        return fields_of((c.members for c in self.clusters), name)

    def _whole(self, name: str) -> pl.Series | None:
        """Field ``name`` of every member from the accepted file's column, if at hand."""
        return program_column([columns_of(c.members) for c in self.clusters], name)  # type: ignore[no-any-return]

    def _days(self, name: str, total: int, dates: bool = True) -> Array:
        """A field of every member as integers: dates as day numbers (``None``: NEVER)."""
        whole = self._whole(name)
        if whole is not None and dates:  # (a Date's days count from 1970-01-01)
            whole = whole.cast(pl.Date).cast(pl.Int64) + _dt.date(1970, 1, 1).toordinal()
        if whole is not None:
            return whole.fill_null(NEVER).cast(pl.Int64).to_numpy()
        values = map(self.days.__getitem__, self._field(name)) if dates else self._field(name)
        return np.fromiter(values, np.int64, total)

    def _names(self, dim: str, starts: Any) -> list[str | None] | pl.Series:
        if dim == "sector":  # (a Series: the accepted file's column, no list of a million)
            whole = self._whole("sector")
            return self._field("sector") if whole is None else whole
        if dim == "sex":
            return [sex.value for sex in self._field("sex")]
        if dim == "business_type":
            return self._field("business_type")
        names: list[str | None] = []
        for cluster, start, end in zip(self.clusters, starts[:-1], starts[1:], strict=True):
            frame = self.frames.get(cluster.id)
            if frame is None:
                names += [None] * (end - start)
                continue
            found = frame.member_categories(dim)
            names += [c[0] if (c := found[u]) else None for u in cluster.members.ids()]
        return names

    def _codes(self, dim: str, names: list[str | None] | pl.Series) -> Array:
        # One lookup per member, in C; a name seen for the first time gets its code first.
        for name in set(names.unique().to_list() if isinstance(names, pl.Series) else names):
            self.naming.code(dim, name)
        codes: dict[str | None, int] = {None: -1}
        codes.update(self.naming.codes(dim))
        if isinstance(names, pl.Series):
            found = names.replace_strict(codes, default=-1, return_dtype=pl.Int32)
            return found.fill_null(-1).to_numpy()
        return np.fromiter(map(codes.__getitem__, names), np.int32, len(names))

    def _positions(self, cluster_id: str, members: Any, frame: UnitFrame | None) -> Array:
        """For each unit the store numbered in the cluster, its member's index (or -1)."""
        storage = None if frame is None else frame.observations.storage
        units = None if storage is None else storage.numbering(cluster_id, Level.MEMBER)
        if units is None:
            return np.zeros(0, dtype=np.int64)
        kept = units.places_in(columns_of(members))  # (the sidecar's reader found them)
        if kept is not None:
            return np.asarray(kept, dtype=np.int64)
        ids = members.ids()
        if len(units.ids) == len(ids) and units.ids == list(ids):
            return np.arange(len(ids), dtype=np.int64)  # (the usual sidecar: numbered as held)
        number = np.fromiter(map(units.index.get, ids, repeat(-1)), np.int64, len(ids))
        found = np.full(len(units.ids), -1, dtype=np.int64)
        numbered = number >= 0
        found[number[numbered]] = np.nonzero(numbered)[0]
        return found

    def surveyed(self, frames: Sequence[UnitFrame], masks: Sequence[Array]) -> Array:
        """The program position of each surveyed unit (frame order; ``-1``: not a member)."""
        members = self.members()
        if not frames:
            return np.zeros(0, np.int64)
        where = [members["numbering"][f.cluster.id] for f in frames]
        lengths = np.array([len(m) for m in masks], dtype=np.int64)
        if all(len(m) <= n for (_, n), m in zip(where, masks, strict=True)):
            # One gather for all frames: each frame's slice of the numberings, then the mask.
            firsts = np.array([first for first, _ in where], dtype=np.int64)
            before = np.cumsum(lengths) - lengths
            index = np.repeat(firsts - before, lengths) + np.arange(int(lengths.sum()))
            picked: Array = members["numbered"][index][np.concatenate(masks)]
            return picked
        parts = []
        for frame, mask in zip(frames, masks, strict=True):
            local = members["position"][frame.cluster.id]
            if len(local) < len(mask):
                local = np.concatenate([local, np.full(len(mask) - len(local), -1, np.int64)])
            local = local[: len(mask)][mask]
            offset = members["offset"][frame.cluster.id]
            parts.append(np.where(local >= 0, local + offset, -1))
        return np.concatenate(parts) if parts else np.zeros(0, np.int64)

    def on(self, frames: Sequence[UnitFrame]) -> Array:
        """The round date's day number per cluster (``-1`` for clusters without this round)."""
        dates = np.full(len(self.clusters), -1, dtype=np.int64)
        index = {c.id: i for i, c in enumerate(self.clusters)}
        for frame in frames:
            dates[index[frame.cluster.id]] = self.days[frame.round.on]
        return dates

    def active_members(
        self, on: Array, surveyed: Array, recorded: tuple[Array, Array, int] | None
    ) -> pl.LazyFrame:
        """Members active on their cluster's date: ``_c``, categories and household ``size``.

        A household size recorded in the round replaces the member record's, as in the Python
        path (``UnitFrame.column``). Lazy: the members are selected where the query is collected
        (with the round key's others, off this thread), only the columns its plans read.
        """
        if self._active is None:
            members = self.members()
            names = ["_c", "joined", "left", "size", *(f"_d_{dim}" for dim in self.dims)]
            self._active = _frame({name: members[name] for name in names})
        table = self._active
        if recorded is not None:
            values, valid, _ = recorded
            use = valid & (surveyed >= 0)
            sizes = self.members()["size"].copy()
            sizes[surveyed[use]] = values[use]
            table = table.with_columns(pl.Series("size", sizes))
        day = pl.lit(pl.Series(on, dtype=pl.Int64)).gather(pl.col("_c"))
        active = (pl.col("joined") <= day) & (day < pl.col("left"))
        return table.lazy().filter(active).drop("joined", "left")

    # -- groups and cooperatives ----------------------------------------------------------------
    def _read_groups(self) -> dict[str, Array]:
        # A field of every group at a time (the loader's columns if kept: no group is built).
        numbers = [len(c.groups) for c in self.clusters]
        starts = np.cumsum([0, *numbers])
        self._group_offsets = {c.id: int(n) for c, n in zip(self.clusters, starts, strict=False)}
        groups, day = [c.groups for c in self.clusters], self.days.__getitem__

        def days(name: str) -> Array:
            return np.fromiter(map(day, fields_of(groups, name)), np.int64, int(starts[-1]))

        return {
            "_c": np.repeat(np.arange(len(numbers), dtype=np.int32), numbers),
            "formed": days("formed"),
            "dissolved": days("dissolved"),
            "_d_sector": self._codes("sector", fields_of(groups, "sector")),
        }

    def _spells(self) -> dict[str, Array]:
        """The groups' membership spells (``group``, ``joined``, ``left``), read on first need."""
        if self._group_spells is None:
            days = self.days
            groups = [g for cluster in self.clusters for g in cluster.groups]  # (built here)
            spells = list(chain.from_iterable(g.memberships for g in groups))
            counts = [len(g.memberships) for g in groups]
            self._group_spells = {
                "group": np.repeat(np.arange(len(groups), dtype=np.int64), counts),
                "joined": np.fromiter(
                    map(days.__getitem__, [s.joined for s in spells]), np.int64, len(spells)
                ),
                "left": np.fromiter(
                    map(days.__getitem__, [s.left for s in spells]), np.int64, len(spells)
                ),
            }
        return self._group_spells

    def groups(self, on: Array, frames: Sequence[UnitFrame] = ()) -> pl.DataFrame:
        """Groups existing on their cluster's date: ``_c``, ``_d_sector``, ``active``.

        A group is active as its ``group_active`` value recorded in the round (one of
        ``frames``) says; without one, when one of its membership spells covers the date
        (``Group.is_active``): the Python path's rule (``core_indicators._active_groups``).
        The spells are read only when some existing group has no recorded value.
        """
        if self._groups is None:
            self._groups = self._read_groups()
        g = self._groups
        day = on[g["_c"]]
        exists = (g["formed"] <= day) & (day < g["dissolved"])
        recorded = np.full(len(day), -1, dtype=np.int8)  # 1 active, 0 not, -1 no value
        for frame in frames:
            if self._stored_activity(frame, recorded):
                continue
            values = recorded_group_activity(frame)
            if values:  # a few values per cluster: set one by one
                offset = self._group_offsets[frame.cluster.id]
                place = {gid: i for i, gid in enumerate(frame.cluster.groups.ids())}
                for group_id, value in values.items():
                    if group_id in place:
                        recorded[offset + place[group_id]] = value
        active = recorded == 1
        unknown = exists & (recorded < 0)
        if unknown.any():  # the rosters decide: a membership spell covers the date
            spells = self._spells()
            spell_day = day[spells["group"]]
            covered = (spells["joined"] <= spell_day) & (spell_day < spells["left"])
            rostered = np.bincount(spells["group"][covered], minlength=len(day)) > 0
            active[unknown] = rostered[unknown]
        columns = {"_c": g["_c"][exists], "_d_sector": g["_d_sector"][exists]}
        columns.update(self._regions(columns["_c"]))
        columns["active"] = active[exists]
        return _frame(columns)

    def _stored_activity(self, frame: UnitFrame, recorded: Array) -> bool:
        """Set ``recorded`` from the round's stored ``group_active`` column, a frame at once.

        As ``recorded_group_activity`` reads it (the groups surveyed with a value), without a
        Python value per group. ``False``: no such boolean column (the caller reads the values).
        """
        storage = frame.observations.storage
        table = storage.table(frame.round.id, Level.GROUP)
        if table is None:
            return True  # nothing recorded: the rosters decide every group
        column = table.columns.get("group_active")
        if column is None:
            return True
        if not isinstance(column, BooleanColumn):
            return False
        where = self._group_places(frame)
        codes = _codes(column)
        n = min(len(codes), len(table.present), len(where))
        surveyed = np.frombuffer(bytes(table.present[:n]), dtype=np.uint8).astype(bool)
        codes, where = codes[:n], where[:n]
        known = surveyed & (codes != -1) & (where >= 0)
        recorded[where[known]] = codes[known] == 1
        return True

    def _group_places(self, frame: UnitFrame) -> Array:
        """For each group unit the store numbered in the frame's cluster, its program index."""
        cluster = frame.cluster
        found = self._places.get(cluster.id)
        if found is None:
            units = frame.observations.storage.numbering(cluster.id, Level.GROUP)
            offset = self._group_offsets[cluster.id]
            index = {gid: offset + i for i, gid in enumerate(cluster.groups.ids())}
            ids = () if units is None else units.ids
            found = np.fromiter(map(index.get, ids, repeat(-1)), np.int64, len(ids))
            self._places[cluster.id] = found
        return found

    def cooperatives(self, on: Array) -> pl.DataFrame:
        """Cooperatives of the clusters with this round: ``_c`` and ``legal`` on the date."""
        if self._coops is None:
            days = self.days
            clusters, legal_on = [], []
            for number, cluster in enumerate(self.clusters):
                for coop in cluster.cooperatives:
                    clusters.append(number)
                    legal_on.append(days[coop.legal.registered_on] if coop.legal else NEVER)
            self._coops = {
                "_c": np.array(clusters, dtype=np.int32),
                "legal_on": np.array(legal_on, dtype=np.int64),
            }
        k = self._coops
        day = on[k["_c"]]
        here = day >= 0
        columns = {"_c": k["_c"][here]}
        columns.update(self._regions(columns["_c"]))
        columns["legal"] = (k["legal_on"] <= day)[here]
        return _frame(columns)

    def _regions(self, clusters: Array) -> dict[str, Array]:
        """The ``_d_kabupaten`` codes of groups or cooperatives (their clusters'), if asked for."""
        if not self.regional:
            return {}
        names = [c[0] if (c := cluster_kabupaten(cluster)) else None for cluster in self.clusters]
        codes = self._codes("kabupaten", names)
        return {"_d_kabupaten": codes[clusters]}


def _codes(column: BooleanColumn) -> Array:
    """A boolean column's codes (1 yes, 0 no, -1 missing), copied: no view is kept."""
    buffers = column.buffers()
    assert isinstance(buffers.data, memoryview)
    try:
        return np.frombuffer(buffers.data, dtype=np.int8).copy()
    finally:
        buffers.data.release()


def _frame(columns: dict[str, Array]) -> pl.DataFrame:
    """A polars frame of arrays; category codes below 0 become nulls."""
    series = []
    for name, values in columns.items():
        column = pl.Series(name, values)
        if name.startswith("_d_"):
            column = pl.select(pl.when(column >= 0).then(column)).to_series().alias(name)
        series.append(column)
    return pl.DataFrame(series)
