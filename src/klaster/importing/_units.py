"""The units a survey's rows describe: looked up by ID in their round's cluster, per column.

A survey row names its unit (member, group or cooperative) by ID; the unit must belong to the
cluster of the row's round. Repeat groups with a ``unit`` column give one row per unit too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import partial
from itertools import groupby
from operator import attrgetter, is_
from typing import Any

from klaster.catalogue.variable import Level, Variable
from klaster.importing._blocks import Columns, check_rows, sectors_getter
from klaster.importing._problems import Problems
from klaster.importing._repeats import RepeatData
from klaster.importing._rounds import Rounds
from klaster.importing._submissions import submission_id
from klaster.model.cluster import Cluster
from klaster.model.program import Program
from klaster.observations.rounds import Round

__all__ = ["IS_NONE", "RowUnits", "finder", "place_unit_rows", "sectors_of", "unknown_unit"]

_ID = attrgetter("id")
IS_NONE = partial(is_, None)
"""``None in column`` would call Decimal.__eq__ (an ABC check) per value; identity is C-fast."""

Report = Callable[[int, str], None]


def finder(cluster: Cluster, level: Level) -> Callable[[str], Any]:
    """The lookup of a cluster's units of ``level`` by ID.

    A read-only view of the records' dict: a survey looks up a unit per row, a million times.
    """
    if level is Level.GROUP:
        return cluster.groups.as_mapping().get
    if level is Level.COOPERATIVE:
        return cluster.cooperatives.as_mapping().get
    return cluster.members.as_mapping().get


def sectors_of(unit: Any, level: Level) -> tuple[str, ...]:
    """The sector(s) a unit works in."""
    if level is Level.COOPERATIVE:
        return tuple(unit.sectors)
    return (unit.sector,)


def unknown_unit(program: Program, level: Level, unit_id: str, cluster_id: str) -> str:
    """Why ``unit_id`` is no unit of the cluster, naming the cluster it belongs to if any.

    ``unit_id`` is repeated only when it is a unit ID of the program (a declared ID): a unit
    column may hold names or NIKs, and those never reach a message.
    """
    kind = level.value
    for other in program.clusters:
        if other.id != cluster_id and finder(other, level)(unit_id) is not None:
            return f"{kind} {unit_id!r} belongs to cluster {other.id!r}, not {cluster_id!r}"
    hint = " (import its registration first)" if level is Level.MEMBER else ""
    return (
        f"not the ID of a {kind} of cluster {cluster_id!r} in program {program.id!r}{hint}; "
        "the value is not shown"
    )


class RowUnits:
    """Resolves a chunk's rows to their rounds, units and the units' sectors, column-wise.

    Args:
        program: The program whose clusters hold the units.
        level: The units' level.
        rounds: The survey's rounds (one, or one per cluster).
        cluster_id: The mapping's fixed cluster, if any.
        unit_name: The unit column's name (messages).
        cluster_name: The cluster column's name, or ``cluster.id`` (messages).
    """

    def __init__(
        self,
        program: Program,
        level: Level,
        rounds: Rounds,
        cluster_id: str | None,
        unit_name: str,
        cluster_name: str,
    ) -> None:
        self.program = program
        self.level = level
        self.rounds = rounds
        self.cluster_id = cluster_id
        self.unit_name = unit_name
        self.cluster_name = cluster_name
        self.sector_of = sectors_getter(level)

    def resolve(
        self,
        cells: Sequence[str],
        clusters: Sequence[str] | None,
        fixed: Round | None,
        report: Report,
    ) -> tuple[list[str], list[str], list[tuple[str, ...]]]:
        """Each row's round ID, unit ID (the program's own strings) and sectors.

        Unknown units and clusters are reported. Rows are taken a cluster at a time (exports
        are mostly sorted by cluster, if they have more than one), so each lookup runs over a
        whole column with ``map``.

        Args:
            cells: The unit column.
            clusters: The cluster column (``None``: the mapping's fixed cluster).
            fixed: The one round of every row, if the mapping's round is not per cluster.
            report: Called with a row's index and a reason.
        """
        if fixed is not None:
            return self.in_round(cells, fixed, report)
        size = len(cells)
        if clusters is None:
            clusters = [self.cluster_id or ""] * size
        round_ids, units = [""] * size, list(cells)
        sectors: list[tuple[str, ...]] = [()] * size
        start = 0
        for text, run in groupby(clusters):  # runs of rows of one cluster
            stop = start + len(list(run))
            found = self.rounds.for_cluster(text.strip()) if text.strip() else "no cluster ID"
            if isinstance(found, str):
                for index in range(start, stop):
                    report(index, f"column {self.cluster_name!r}: {found}")
            else:

                def local(at: int, reason: str, start: int = start) -> None:
                    report(start + at, reason)

                part = self.in_round(cells[start:stop], found, local)
                round_ids[start:stop], units[start:stop], sectors[start:stop] = part
            start = stop
        return round_ids, units, sectors

    def in_round(
        self, cells: Sequence[str], rnd: Round, report: Report
    ) -> tuple[list[str], list[str], list[tuple[str, ...]]]:
        """The rows of one round: round IDs, unit IDs and the units' sectors."""
        size = len(cells)
        cluster = self.program.clusters[rnd.cluster_id]
        find = finder(cluster, self.level)
        found = list(map(find, cells))
        if not any(map(IS_NONE, found)):
            if len(cluster.sectors) == 1:  # every unit of the cluster works in its one sector
                same = [self.sector_of(found[0])] * size if size else []
                return [rnd.id] * size, list(map(_ID, found)), same
            return [rnd.id] * size, list(map(_ID, found)), list(map(self.sector_of, found))
        units: list[str] = []
        sectors: list[tuple[str, ...]] = []
        for index, text in enumerate(cells):
            unit = found[index]
            if unit is None:
                unit = find(text.strip())
            if unit is None:
                reason = (
                    f"no {self.level.value} ID"
                    if not text.strip()
                    else unknown_unit(self.program, self.level, text.strip(), rnd.cluster_id)
                )
                report(index, f"column {self.unit_name!r}: {reason}")
                units.append(text.strip())
                sectors.append(())
                continue
            units.append(unit.id)
            sectors.append(self.sector_of(unit))
        return [rnd.id] * size, units, sectors


def place_unit_rows(
    data: RepeatData,
    parents: dict[str, tuple[int, str, Round]],
    program: Program,
    catalogue: Mapping[str, Variable],
    problems: Problems,
) -> tuple[Columns, str]:
    """The repeat's rows as block columns; their problems reject the parent submission.

    A row's submission ID is its ODK ``KEY`` when the export has one, else its parent's ID
    followed by ``/<repeat>[<n>]`` (its position among the parent's rows), so re-importing the
    same file gives the same IDs.
    """
    repeat = data.repeat
    level = repeat.level
    out = Columns(owners=[])
    assert out.owners is not None
    codes = [rule.target for rule in repeat.variables]
    names = {rule.target: f"{rule.column}" for rule in repeat.variables}
    for code in codes:
        out.values[code] = []
    surveyed: dict[tuple[str, str], int] = {}
    for key, rows in data.units.items():
        parent = parents.get(key)
        if parent is None:
            continue  # no parent: reported by settle(); a known parent: skipped
        owner, parent_sub, rnd = parent
        find = finder(program.clusters[rnd.cluster_id], level)
        for position, row in enumerate(rows, start=1):
            where = f"(repeat {data.source} row {row.number})"

            def report(_index: int, reason: str, where: str = where, owner: int = owner) -> None:
                problems.add(owner, f"{where} {reason}")

            unit: Any = find(row.unit) if row.unit else None
            sectors: tuple[str, ...] = ()
            if unit is None:
                reason = (
                    f"no {level.value} ID"
                    if not row.unit
                    else unknown_unit(program, level, row.unit, rnd.cluster_id)
                )
                report(0, f"column {repeat.unit!r}: {reason}")
                unit_id = row.unit
                out.sectors.append(())
            else:
                unit_id, sectors = unit.id, sectors_of(unit, level)
                out.sectors.append(sectors)
                first = surveyed.setdefault((rnd.id, unit_id), row.number)
                if first != row.number:
                    report(
                        0,
                        f"{level.value} {unit_id!r} is also in row {first} of "
                        f"{data.source} for round {rnd.id!r}",
                    )
            for code in codes:
                variable = catalogue[code]
                check_rows(
                    variable, [row.values[code]], [sectors], [unit_id], names[code], level, report
                )
                out.values[code].append(row.values[code])
            sub = submission_id(row.key) if row.key else f"{parent_sub}/{repeat.name}[{position}]"
            out.submissions.append(sub)
            out.units.append(unit_id)
            out.rows.append(row.number)
            out.rounds.append(rnd.id)
            out.owners.append(owner)
    return out, data.source
