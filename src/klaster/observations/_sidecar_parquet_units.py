"""The Parquet sidecar's members found among the program's at once (one join, no Python step).

Internal to :mod:`klaster.observations._sidecar_parquet`. A sidecar's units parts list each
cluster's members in the store's numbering order (not the cluster's), so each must be found
among its cluster's members: which member it is (its place, for its sectors) and that none is a
stranger or listed twice. When the program keeps its members as one accepted polars frame
(:func:`~klaster.model._frame_columns.program_column`), every member part of the file is found
by one polars join of the file's ``unit`` column against the program's IDs and cluster numbers,
and each member's sector is numbered from the program's ``sector`` column: no Python list of
the program's IDs or sectors, no dict per cluster. Otherwise (a program built record by record,
or members already built) :func:`member_rows` gives ``None`` and the reader finds each part in
its cluster's records (:func:`~klaster.observations._numbering.placed_ids`), as before.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from klaster.catalogue.variable import Level
from klaster.model._frame_columns import program_column
from klaster.model.program import Program
from klaster.model.records import columns_of

__all__ = ["MemberRows", "listed_parts", "member_rows"]

_CLUSTER_BITS = 24  # a key's bits for the cluster's number (the rest: the ID's hash)


class MemberRows:
    """The file's member units, each found once among its cluster's members.

    ``parts`` holds the units parts (by their index in the file's list) that are member parts;
    ``places(part)`` each unit's place among its cluster's members, ``sectors`` the distinct
    sectors of the program's members (in the order first met), and ``kinds(part, numbers)``
    each unit's sector of a part.
    """

    __slots__ = ("_kinds", "_numbered", "_places", "_where", "parts", "sectors")

    def __init__(
        self,
        parts: set[int],
        where: dict[int, tuple[int, int]],
        places: Any,
        kinds: Any,
        sectors: list[str],
    ) -> None:
        self.parts, self._where, self._places = parts, where, places
        self._kinds, self.sectors = kinds, sectors
        self._numbered: Any = None

    def places(self, part: int) -> list[int]:
        """Each unit's place among its cluster's members, in part ``part``'s order."""
        first, end = self._where[part]
        return self._places[first:end].tolist()  # type: ignore[no-any-return]

    def kinds(self, part: int, numbers: Any) -> Any:
        """Part ``part``'s units' sectors, in the file's order, as ``numbers`` numbers them.

        ``numbers``: the caller's number of each of :attr:`sectors` (by position).
        """
        if self._numbered is None:
            self._numbered = numbers[self._kinds]  # (every part's at once)
        first, end = self._where[part]
        return self._numbered[first:end]


def member_rows(
    pl: Any,
    np: Any,
    program: Program,
    unit: Any,
    keys: Sequence[tuple[str, Level]],
    sizes: Sequence[int],
) -> MemberRows | None:
    """Find every member units part's units among its cluster's members, or ``None``.

    ``unit``: the units parts' rows of the file's ``unit`` column (no null), the parts one
    after another (``keys[i]`` and ``sizes[i]`` part *i*'s cluster, level and row count).
    ``None`` when the program's members are not at hand as one polars frame, when a unit of a
    member part is not a member of its cluster or is listed twice in it, or when a member's
    sector is missing: the caller then looks each part up in its cluster's records, which
    finds what is wrong (and refuses it, or the exact reader words it).
    """
    clusters = list(program.clusters)
    held = [columns_of(cluster.members) for cluster in clusters]
    ids = program_column(held, "id")
    sectors = program_column(held, "sector") if ids is not None else None
    if ids is None or sectors is None or sectors.null_count():
        return None
    ids = ids.rechunk()  # (one chunk: a gather from several costs far more)
    number = {cluster.id: at for at, cluster in enumerate(clusters)}
    counts = np.array([len(cluster.members) for cluster in clusters], dtype=np.int64)
    sizes_of = np.array(sizes, dtype=np.int64)
    ends = np.cumsum(sizes_of)
    parts = [at for at, (_, level) in enumerate(keys) if level is Level.MEMBER]
    if not parts:
        return None
    # The member parts' rows, each with its cluster's number: found by (cluster, ID), so a
    # member of another cluster with the same ID is no match.
    rows = np.concatenate([np.arange(ends[at] - sizes_of[at], ends[at]) for at in parts])
    cluster_of = np.repeat(
        np.array([number[keys[at][0]] for at in parts], dtype=np.int64), sizes_of[parts]
    )
    member = np.repeat(np.arange(len(clusters), dtype=np.int64), counts)  # each one's cluster
    listed = unit.gather(pl.Series(rows))
    places = _found(pl, np, ids, member, listed, cluster_of)
    if places is None:
        return None
    seen = np.zeros(len(ids), dtype=np.uint8)
    seen[places] = 1
    if int(np.count_nonzero(seen)) != len(places):
        return None  # a member listed twice in its part
    distinct = sectors.unique(maintain_order=True)
    numbered = sectors.cast(pl.Enum(distinct.to_list())).to_physical().to_numpy()
    where: dict[int, tuple[int, int]] = {}
    at = 0
    for part in parts:
        where[part] = (at, at + sizes[part])
        at += sizes[part]
    kinds = numbered[places].astype(np.int64)
    starts = np.concatenate(([0], np.cumsum(counts)))
    local = places - starts[cluster_of]  # (each cluster's members from 0)
    return MemberRows(set(parts), where, local, kinds, distinct.to_list())


def _found(pl: Any, np: Any, ids: Any, member: Any, listed: Any, cluster_of: Any) -> Any:
    """Each listed unit's row among the program's members (of its cluster), or ``None``.

    Looked up by a key of the cluster's number and the ID's hash, in numpy (one sort, one
    search: no Python step, no polars join), then checked exactly: the row found must be a
    member of the unit's cluster with the unit's very ID. Two members whose keys agree, or a
    unit not found, give ``None`` (the caller then looks IDs up the long way).
    """
    if len(member) and int(member[-1]) >= 1 << _CLUSTER_BITS:
        return None
    shift = np.uint64(64 - _CLUSTER_BITS)
    low = np.uint64(_CLUSTER_BITS)
    held, wanted = member.astype(np.uint64), cluster_of.astype(np.uint64)
    for key, series in ((held, ids), (wanted, listed)):  # (in place: fresh pages cost)
        key <<= shift
        key |= series.hash().to_numpy() >> low
    # Both sorted (each is grouped by cluster already: a stable sort runs fast), then each
    # wanted key found among the held ones in order (a search that walks memory once).
    order = np.argsort(held, kind="stable")
    ordered = held[order]
    asked = np.argsort(wanted, kind="stable")
    at = np.searchsorted(ordered, wanted[asked])
    if not len(ordered) or int(at.max(initial=0)) >= len(ordered):
        return None
    if not (ordered[at] == wanted[asked]).all():
        return None
    places = np.empty(len(wanted), dtype=np.int64)
    places[asked] = order[at]
    if not ((member[places] == cluster_of).all() and (ids.gather(places) == listed).all()):
        return None
    return places


def listed_parts(
    part: Any, sizes: Sequence[int], ends: Sequence[int], found: set[int]
) -> dict[int, list[str]]:
    """The IDs of each units part but those ``found`` already, as lists (one for all)."""
    wanted = [at for at in range(len(sizes)) if at not in found]
    if len(wanted) == len(sizes):
        whole = part.to_list()
        return {at: whole[ends[at] - sizes[at] : ends[at]] for at in wanted}
    rows = [range(ends[at] - sizes[at], ends[at]) for at in wanted]
    picked = part.gather([row for span in rows for row in span]).to_list()
    listed, first = {}, 0
    for at in wanted:
        listed[at] = picked[first : first + sizes[at]]
        first += sizes[at]
    return listed
