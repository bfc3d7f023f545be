"""The Parquet program document's rows as the column road's clusters (internal).

See :mod:`klaster.documents._program_parquet` for the layout. :meth:`Frames.of` checks what
only the columns can get wrong (types, names, clusters, groups and cooperatives named,
positions), located by row and column, and holds the rows ordered by cluster and the spells'
and cooperatives' entries in their owners' order (polars frames, for the accepted road);
:meth:`Layout.of` holds the members and spells as Python lists ordered as the JSON form lists
them; :meth:`Layout.clusters` hands them out a cluster at a time
(:class:`~klaster.documents._column_read.ClusterColumns`); :meth:`Layout.document` rebuilds the
JSON document, for the converter's verdict on what the column road refused, and
:meth:`Layout.located` gives that verdict's paths as rows.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from attrs import frozen

from klaster.documents import _program_parquet_columns as typed
from klaster.documents import _program_parquet_entries as taken
from klaster.documents._column_read import ClusterColumns
from klaster.errors import DocumentError

__all__ = ["Frames", "Layout", "Ordered"]

_IN_METADATA = {"members": "members", "memberships": "group spells", "member_ids": "member IDs"}
_MEMBER_PATH = re.compile(r"^program\.clusters\[(\d+)\]\.members\[(\d+)\](?:\.(\w+))?")
_SPELL_PATH = re.compile(
    r"^program\.clusters\[(\d+)\]\.groups\[(\d+)\]\.memberships\[(\d+)\](?:\.(\w+))?"
)


def _shells(program: Any, source: str) -> list[dict[str, Any]] | None:
    """The metadata's clusters, or ``None`` when they are not for the columns (see Layout.of)."""
    clusters = program.get("clusters", [])
    if type(clusters) is not list or not all(
        type(c) is dict and type(c.get("id")) is str for c in clusters
    ):
        return None
    for index, cluster in enumerate(clusters):
        where = f"{source} metadata 'klaster': program.clusters[{index}]"
        for key in ("groups", "cooperatives"):
            rows = cluster.get(key, [])
            if type(rows) is not list or not all(
                type(r) is dict and type(r.get("id")) is str for r in rows
            ):
                return None
            if len({r["id"] for r in rows}) != len(rows):
                return None  # (the converter names the duplicate)
        found = [("members", "members")] if "members" in cluster else []
        for key, inner in (("groups", "memberships"), ("cooperatives", "member_ids")):
            found += [
                (f"{key}[{i}].{inner}", inner)
                for i, r in enumerate(cluster.get(key, ()))
                if inner in r
            ]
        if found:
            path, key = found[0]
            raise DocumentError(
                f"{where}.{path}: the {_IN_METADATA[key]} are the file's rows and columns, "
                "not the metadata's"
            )
    if len({c["id"] for c in clusters}) != len(clusters):
        return None
    return clusters


@frozen
class _Listed:
    """A list column's entries in their owners' order: Python lists, counts per cluster."""

    columns: dict[str, list[Any]]
    rows: Any  # the file row of each entry (a polars Series: read for messages only)
    starts: list[int]  # per cluster, where its entries begin (and the total at the end)


@frozen
class Ordered:
    """The file's rows ordered by cluster, checked; the list columns' entries not taken yet.

    What :meth:`Frames.of` makes first: a loader may start judging the members' own fields
    while the spells' and cooperatives' entries are taken (:meth:`Frames.of_ordered`).
    """

    shells: list[dict[str, Any]]
    members: Any  # the rows ordered by cluster, with their file row (__row) and cluster (__c)
    starts: list[int]  # per cluster, where its members begin (and the total at the end)
    source: str

    @classmethod
    def of(cls, pl: Any, frame: Any, program: Any, source: str) -> Ordered | None:
        """The rows of ``frame`` under the metadata's ``program`` object (see :meth:`Frames.of`).

        Raises:
            DocumentError: A column is wrong, or a row names a cluster the metadata lacks.
        """
        shells = _shells(program, source) if isinstance(program, dict) else None
        if shells is None:
            return None
        typed.check_columns(pl, frame.schema, source)
        frame = _by_cluster(pl, frame, shells, source)
        return cls(shells, frame, taken.starts(frame["__c"], len(shells)), source)


@frozen
class Frames:
    """The file's rows ordered by cluster, and its list columns' entries (polars frames)."""

    shells: list[dict[str, Any]]
    members: Any  # the rows ordered by cluster, with their file row (__row) and cluster (__c)
    starts: list[int]  # per cluster, where its members begin (and the total at the end)
    spells: Any  # the spells' entries in the groups' order (__o: the group), or None
    spell_starts: list[int]  # per cluster, where its spells begin (and the total at the end)
    listed: Any  # the cooperatives' entries (__o: the cooperative), or None
    source: str

    @classmethod
    def of(cls, pl: Any, frame: Any, program: Any, source: str) -> Frames | None:
        """The frames of ``frame`` under the metadata's ``program`` object.

        ``None`` when the metadata's clusters are not a list of objects with distinct IDs (nor
        their groups and cooperatives): the converter then words what is wrong.

        Raises:
            DocumentError: A column, cluster, group, cooperative or position is wrong (by row).
        """
        ordered = Ordered.of(pl, frame, program, source)
        return None if ordered is None else cls.of_ordered(pl, ordered)

    @classmethod
    def of_ordered(cls, pl: Any, ordered: Ordered) -> Frames:
        """The frames of ``ordered`` rows: their spells' and cooperatives' entries taken.

        Raises:
            DocumentError: A group, cooperative or position is wrong (by row).
        """
        shells, frame, source = ordered.shells, ordered.members, ordered.source
        owners = [
            (c, k["id"]) for c, shell in enumerate(shells) for k in shell.get("cooperatives", [])
        ]
        with ThreadPoolExecutor(max_workers=1) as pool:  # (polars: both at once, on two cores)
            listing = (
                None
                if "cooperatives" not in frame.columns or frame["cooperatives"].dtype == pl.Null
                else pool.submit(taken.entries, pl, frame, "cooperatives", owners, source)
            )
            spells = taken.spell_entries(pl, frame, shells, source)  # (its error is the first)
            listed = None if listing is None else listing.result()
        spell_starts = (
            [0] * (len(shells) + 1) if spells is None else taken.starts(spells["__c"], len(shells))
        )
        return cls(shells, frame, ordered.starts, spells, spell_starts, listed, source)

    def member_ids(self, ids: list[str] | None = None) -> list[list[str] | None]:
        """Each cooperative's member IDs (program order; ``None``: it lists none).

        ``ids``: the members' IDs in the rows' order, if read already. When the cooperatives
        list every member once in that order (the usual file), their lists are cut from it:
        the same text objects, not read again.
        """
        count = sum(len(shell.get("cooperatives", ())) for shell in self.shells)
        listed = self.listed
        if listed is None:
            return [None] * count
        # (the entries come in the cooperatives' order: one list, cut where each one begins)
        same = ids is not None and listed["__row"].equals(self.members["__row"])
        everyone = ids if ids is not None and same else listed["id"].to_list()
        starts = taken.starts(listed["__o"], count)
        return [everyone[start:end] or None for start, end in itertools.pairwise(starts)]


@frozen
class Layout:
    """The file's members and spells as the column road takes them, a cluster at a time."""

    shells: list[dict[str, Any]]
    members: dict[str, list[Any]]
    rows: Any  # each member's file row, in the clusters' order (a polars Series)
    starts: list[int]  # per cluster, where its members begin (and the total at the end)
    spells: _Listed
    member_ids: list[list[str] | None]  # each cooperative's (program order), if listed
    source: str

    @classmethod
    def of(cls, pl: Any, frames: Frames) -> Layout:
        """The layout of the file's ``frames``: its columns as Python lists."""
        frame = frames.members
        members = {
            name: typed.values(pl, frame[name]) if name in frame.columns else [None] * frame.height
            for name in typed.MEMBER_TYPES
        }
        spells = _spells(pl, frames)
        return cls(
            frames.shells,
            members,
            frame["__row"],
            frames.starts,
            spells,
            frames.member_ids(),
            frames.source,
        )

    def clusters(self) -> Iterator[ClusterColumns]:
        """Each cluster's object and columns, in order (its slices made when it is reached)."""
        cooperatives = iter(self.member_ids)
        for index, shell in enumerate(self.shells):
            start, end = self.starts[index], self.starts[index + 1]
            members = {name: values[start:end] for name, values in self.members.items()}
            start, end = self.spells.starts[index], self.spells.starts[index + 1]
            spells = {name: values[start:end] for name, values in self.spells.columns.items()}
            listed = [next(cooperatives) for _ in shell.get("cooperatives", ())]
            if any(ids is not None for ids in listed):  # as the JSON form lists them
                shell = dict(shell)
                shell["cooperatives"] = [
                    c if ids is None else {**c, "member_ids": ids}
                    for c, ids in zip(shell["cooperatives"], listed, strict=True)
                ]
            yield ClusterColumns(shell, members, spells)

    def document(self, document: dict[str, Any]) -> dict[str, Any]:
        """The whole JSON document (``document`` with its members, spells, member IDs)."""
        clusters = []
        for item in self.clusters():
            cluster = dict(item.shell)
            names = list(item.members)
            cluster["members"] = [
                {
                    n: typed.iso(v)
                    for n, v in zip(names, row, strict=True)
                    if v is not None or n in typed.REQUIRED
                }
                for row in zip(*item.members.values(), strict=True)
            ]
            spells: dict[Any, list[dict[str, Any]]] = {}
            for member_id, group, joined, left, role in zip(
                *(item.spells[n] for n in ("member_id", "group_id", "joined", "left", "role")),
                strict=True,
            ):
                spell = {"member_id": member_id, "joined": typed.iso(joined), "role": role}
                spells.setdefault(group, []).append(
                    spell | ({"left": typed.iso(left)} if left else {})
                )
            cluster["groups"] = [
                {**g, "memberships": spells[g["id"]]} if g["id"] in spells else g
                for g in cluster.get("groups", [])
            ]
            clusters.append(cluster)
        program = {**document["program"], "clusters": clusters}
        return {**document, "program": program}

    def located(self, exc: DocumentError) -> DocumentError:
        """``exc`` with each member's and spell's path given as its file row."""
        return DocumentError(exc.message.split("\n", 1)[0], problems=map(self._row, exc.problems))

    def _row(self, problem: str) -> str:
        found = _MEMBER_PATH.match(problem)
        if found is not None:
            cluster, member, field = int(found[1]), int(found[2]), found[3]
            row = self.rows[self.starts[cluster] + member]
            where = f"row {row}" + (f" column {field!r}" if field else "")
            return f"{where} ({found[0].removeprefix('program.')}){problem[found.end() :]}"
        found = _SPELL_PATH.match(problem)
        if found is not None:
            cluster, group, place, field = int(found[1]), int(found[2]), int(found[3]), found[4]
            group_id = self.shells[cluster]["groups"][group]["id"]
            before = sum(
                1
                for g in self.spells.columns["group_id"][
                    self.spells.starts[cluster] : self.spells.starts[cluster + 1]
                ]
                if self._group_index(cluster, g) < group
            )
            row = self.spells.rows[self.spells.starts[cluster] + before + place]
            where = f"row {row} column 'memberships' (group {group_id!r} position {place}"
            where += f" field {field!r})" if field else ")"
            return f"{where}{problem[found.end() :]}"
        return problem

    def _group_index(self, cluster: int, group_id: str) -> int:
        ids = [g["id"] for g in self.shells[cluster].get("groups", [])]
        return ids.index(group_id)


def _by_cluster(pl: Any, frame: Any, shells: list[dict[str, Any]], source: str) -> Any:
    """``frame`` with its file row (``__row``) and cluster (``__c``), ordered by cluster."""
    frame = frame.with_columns(pl.col("cluster").cast(pl.String)).with_row_index("__row")
    # A cluster's rows are one run in a file klaster wrote: each run looked up once.
    runs = frame.select(pl.col("cluster").rle()).unnest("cluster")
    number = {shell["id"]: index for index, shell in enumerate(shells)}
    row, of_run = 0, []
    for length, cluster in zip(runs["len"].to_list(), runs["value"].to_list(), strict=True):
        if cluster not in number:
            some = ", ".join(repr(c["id"]) for c in shells[:10]) or "none"
            raise DocumentError(
                f"{source} row {row} column 'cluster': no cluster {cluster!r} in the "
                f"document; its clusters are {some}"
            )
        of_run.append(number[cluster])
        row += length
    index = pl.Series("__c", of_run, dtype=pl.UInt32).gather(frame["cluster"].rle_id())
    frame = frame.with_columns(index)
    if of_run != sorted(of_run):  # (clusters interleaved, or out of order)
        frame = frame.sort("__c", maintain_order=True)
    return frame


def _spells(pl: Any, frames: Frames) -> _Listed:
    entries = frames.spells
    if entries is None:
        columns: dict[str, list[Any]] = {n: [] for n in _SPELL_COLUMNS}
        return _Listed(columns, pl.Series([], dtype=pl.UInt32), frames.spell_starts)
    columns = {
        "member_id": entries["id"].to_list(),
        "group_id": entries["group"].to_list(),
        "joined": typed.values(pl, entries["joined"]),
        "left": typed.values(pl, entries["left"]),
        # (no role: the default one, as a JSON spell without "role")
        "role": entries["role"].cast(pl.String).fill_null("member").to_list(),
    }
    return _Listed(columns, entries["__row"], frames.spell_starts)


_SPELL_COLUMNS = ("member_id", "group_id", "joined", "left", "role")
