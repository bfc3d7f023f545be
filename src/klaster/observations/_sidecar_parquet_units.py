"""The Parquet sidecar's members found among the program's at once (one search, no Python step).

Internal to :mod:`klaster.observations._sidecar_parquet`. A sidecar's units parts list each
cluster's members in the store's numbering order (not the cluster's), so each must be found
among its cluster's members: which member it is (its place, for its sectors) and that none is a
stranger or listed twice. When the program keeps its members as one accepted polars frame
(:func:`~klaster.model._frame_columns.program_column`), every member part of the file is found
at once: the file's ``unit`` column and the program's IDs turned into keys of cluster number,
ID hash and place, sorted and searched in numpy (a cluster at a time when the parts come in
the clusters' order, as the writer writes them), each match checked by its very ID; and each
member's sector is numbered from the program's ``sector`` column: no Python list of the
program's IDs or sectors, no dict per cluster. Otherwise (a program built record by record,
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
from klaster.observations._numbering import HeldIds

__all__ = ["MemberRows", "listed_parts", "member_rows"]

_HASH_BITS = 32  # fewest bits of an ID's hash a key keeps (the rest: cluster number, place)
_RUN = 64  # fewest keys a run (a cluster's) holds on average to be sorted a run at a time
_FEW_SECTORS = 16  # the most distinct sectors numbered by a pass each (more: one cast)


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

    def place_array(self, part: int) -> Any:
        """:meth:`places` as a numpy int64 array (a view: no list of a million places)."""
        first, end = self._where[part]
        return self._places[first:end]

    def own_ids(self, part: int, own: Sequence[str]) -> HeldIds:
        """Part ``part``'s unit IDs as the program's own strings, ``own`` its cluster's IDs.

        Gathered from ``own`` as objects (the very strings, no copy), not one look-up a unit.
        """
        import numpy as np  # (a MemberRows is made only where numpy is)

        first, end = self._where[part]
        return HeldIds(np.array(own, dtype=object)[self._places[first:end]].tolist())

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
    # The member parts' rows, each part with its cluster's number: found by (cluster, ID), so
    # a member of another cluster with the same ID is no match.
    rows = np.concatenate([np.arange(ends[at] - sizes_of[at], ends[at]) for at in parts])
    part_cluster = np.array([number[keys[at][0]] for at in parts], dtype=np.int64)
    listed = unit.gather(pl.Series(rows))
    found = _found(pl, np, ids, counts, listed, part_cluster, sizes_of[parts])
    if found is None:
        return None
    local, places = found
    distinct, numbered = _numbered(pl, np, sectors)
    kinds = numbered[places]
    where: dict[int, tuple[int, int]] = {}
    at = 0
    for part in parts:
        where[part] = (at, at + sizes[part])
        at += sizes[part]
    return MemberRows(set(parts), where, local, kinds, distinct)


def _numbered(pl: Any, np: Any, sectors: Any) -> tuple[list[str], Any]:
    """The distinct sectors (in order first met) and each member's number into them."""
    distinct = sectors.unique(maintain_order=True).to_list()
    if len(distinct) > _FEW_SECTORS:
        return distinct, sectors.cast(pl.Enum(distinct)).to_physical().to_numpy()
    numbered = np.zeros(len(sectors), dtype=np.int64)
    for kind, name in enumerate(distinct[1:], 1):  # (a pass each: cheaper than a cast)
        numbered[(sectors == name).to_numpy()] = kind
    return distinct, numbered


def _found(
    pl: Any, np: Any, ids: Any, counts: Any, listed: Any, part_cluster: Any, part_sizes: Any
) -> tuple[Any, Any] | None:
    """Each listed unit's place among its cluster's members and among all; or ``None``.

    ``counts``: each cluster's members (``ids`` holds them cluster after cluster); ``listed``:
    the member parts one after another, part *p* ``part_sizes[p]`` units of cluster number
    ``part_cluster[p]``. Looked up by a key of the cluster's number, the ID's hash and a
    place (the member's among its cluster's, the unit's in its part) packed into 64 bits, in
    numpy: both sides' keys sorted as they are (no argsort, no gather to reorder), each listed
    key found among the members' by its cluster and hash, the places read from the low bits;
    then checked exactly (the member found must have the unit's very ID). A unit not found,
    two units (or members) whose keys agree, or too little room for the hash give ``None``
    (the caller then looks IDs up the long way).
    """
    clusters, held_count = len(counts), len(ids)
    if not held_count or not len(listed):
        return None
    place_bits = max(int(counts.max()), int(part_sizes.max()), 2).bit_length()
    cluster_bits = max(clusters, 2).bit_length()
    if 64 - place_bits - cluster_bits < _HASH_BITS or len(set(part_cluster.tolist())) != len(
        part_cluster
    ):
        return None  # (one member part a cluster: the reader checks the parts' keys first)
    u64 = np.uint64
    top, low = u64(64 - cluster_bits), u64(place_bits)
    cut = u64(cluster_bits + place_bits)
    mask = u64((1 << place_bits) - 1)

    def keys(series: Any, cluster: Any, sizes: Any) -> tuple[Any, Any]:
        # cluster | hash | place: each row's place from 0 in its run (a cluster, a part).
        ends = np.cumsum(sizes)
        starts = ends - sizes
        key = np.arange(len(series), dtype=u64)
        key += np.repeat((cluster.astype(u64) << top) - starts.astype(u64), sizes)  # (wraps)
        key |= (series.hash().to_numpy() >> cut) << low
        if len(sizes) * _RUN > len(key) or (cluster[1:] <= cluster[:-1]).any():
            key.sort(kind="stable")
            return key, None
        runs = (starts.tolist(), ends.tolist())
        _sorted_runs(key, *runs)
        return key, runs

    held, held_runs = keys(ids, np.arange(clusters), counts)
    wanted, wanted_runs = keys(listed, part_cluster, part_sizes)
    probe = wanted & ~mask
    if held_runs is None or wanted_runs is None:
        at = np.searchsorted(held, probe)
    else:  # each part searched in its cluster's run alone (in cache)
        at = _searched_runs(np, held, probe, held_runs, wanted_runs, part_cluster.tolist())
    if int(at[-1]) >= held_count or (at[1:] == at[:-1]).any():
        return None  # a unit found nowhere; or two units with one key (a unit twice)
    got = held[at]
    if not ((got & ~mask) == probe).all():
        return None
    cluster = (wanted >> top).astype(np.int64)
    first = np.zeros(clusters, dtype=np.int64)  # each cluster's part's first listed row
    first[part_cluster] = np.concatenate(([0], np.cumsum(part_sizes)[:-1]))
    row = first[cluster] + (wanted & mask).astype(np.int64)
    local = np.empty(len(listed), dtype=np.int64)
    local[row] = (got & mask).astype(np.int64)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    places = np.repeat(starts[part_cluster], part_sizes) + local
    if not (ids.gather(pl.Series(places)) == listed).all():
        return None  # a hash shared by two IDs: the long way tells them apart
    return local, places


def _searched_runs(
    np: Any,
    held: Any,
    probe: Any,
    held_runs: tuple[list[int], list[int]],
    wanted_runs: tuple[list[int], list[int]],
    part_cluster: list[int],
) -> Any:
    """``searchsorted(held, probe)`` a part at a time, in its cluster's run of ``held``.

    A key not in its cluster's run is given the run's end (the next cluster's first key, or
    past the end), as the search of the whole would give it.
    """
    at = np.empty(len(probe), dtype=np.int64)
    firsts, ends = held_runs
    for cluster, first, end in zip(part_cluster, *wanted_runs, strict=True):
        start = firsts[cluster]
        at[first:end] = np.searchsorted(held[start : ends[cluster]], probe[first:end])
        at[first:end] += start
    return at


def _sorted_runs(key: Any, starts: Any, ends: Any) -> None:
    """Sort ``key`` in place a run at a time (runs whose order is the whole's already).

    A cluster's keys sorted alone stay in cache: four times faster than the whole at once.
    """
    for first, end in zip(starts, ends, strict=True):
        key[first:end].sort()


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
