"""Repeat groups that give one row per unit (a group's form listing its members' answers)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from klaster.importing._blocks import Columns, check_rows
from klaster.importing._common import finder, sectors_of, submission_id, unknown_unit
from klaster.importing._repeats import RepeatData
from klaster.observations.rounds import Round

if TYPE_CHECKING:
    from klaster.importing._survey import SurveyReader


def place_unit_rows(
    data: RepeatData, parents: dict[str, tuple[int, str, Round]], reader: SurveyReader
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
        find = finder(reader.program.clusters[rnd.cluster_id], level)
        for position, row in enumerate(rows, start=1):
            where = f"(repeat {data.source} row {row.number})"

            def report(_index: int, reason: str, where: str = where, owner: int = owner) -> None:
                reader.problems.add(owner, f"{where} {reason}")

            unit: Any = find(row.unit) if row.unit else None
            sectors: tuple[str, ...] = ()
            if unit is None:
                reason = (
                    f"no {level.value} ID"
                    if not row.unit
                    else unknown_unit(reader.program, level, row.unit, rnd.cluster_id)
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
                variable = reader.catalogue[code]
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
