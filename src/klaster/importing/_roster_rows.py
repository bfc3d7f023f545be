"""A roster's rows read into member, group and membership values (checked by the model later).

One row per member, or per membership (a member in two groups has two rows, repeating the
member's fields). Cells are converted a column at a time as a registration's are (text, whole
numbers, dates, sex answers); the records are built by :mod:`klaster.importing._roster_apply`.
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import Any

from attrs import frozen

from klaster.importing._cells import CellError, TextCells
from klaster.importing._header import column_index
from klaster.importing._problems import Problems, listing
from klaster.importing._registration import SEX_ANSWERS
from klaster.importing._source import Source, missing_columns
from klaster.importing.mapping import ColumnRule, ImportMapping
from klaster.model.group import Role
from klaster.model.member import Sex
from klaster.model.program import Program

__all__ = ["GROUP_FIELDS", "SPELL_FIELDS", "RosterRow", "read_rows"]

GROUP_FIELDS = ("group_name", "group_sector", "group_village", "group_formed", "group_capacity")
"""The roster fields that describe a group (the same on every row of the group)."""
SPELL_FIELDS = ("role", "group_joined", "group_left")
"""The roster fields that describe one membership spell."""

_INT_FIELDS = ("household_size", "birth_year", "group_capacity")
_DATE_FIELDS = ("joined", "left", "group_formed", "group_joined", "group_left")
_ROLE_ANSWERS = {"anggota": "member", "ketua": "chair", "sekretaris": "secretary"}
_ROLE_ANSWERS["bendahara"] = "treasurer"


@frozen
class RosterRow:
    """One row of a roster, its cells converted (``None``: empty).

    Attributes:
        number: The row number as a spreadsheet shows it.
        cluster_id: The row's cluster (checked).
        member: The member fields given, by field name.
        group_id: The group the row's member is in, if any.
        group: The group fields given (``group_name``...).
        spell: The membership fields given (``role``, ``group_joined``, ``group_left``).
        outside_area: The reason for keeping the member outside its sector's area, if given.
        group_outside_area: The same for the group, if given.
    """

    number: int
    cluster_id: str
    member: dict[str, Any]
    group_id: str | None
    group: dict[str, Any]
    spell: dict[str, Any]
    outside_area: str | None = None
    group_outside_area: str | None = None


def read_rows(
    path: Path,
    mapping: ImportMapping,
    program: Program,
    max_rows: int | None,
    problems_of: list[Problems],
) -> tuple[list[RosterRow], dict[str, str]]:
    """Every good row, and the column (or mapping key) of each field for messages.

    ``problems_of`` receives the file's :class:`Problems` (the rows with a bad cell are not
    returned; their reasons are in it).
    """
    rows: list[RosterRow] = []
    with Source(path, mapping, max_rows) as source:
        table = source.main()
        problems = Problems(table.source)
        problems_of.append(problems)
        missing: list[str] = []
        cluster_index = None
        if mapping.cluster_column is not None:
            cluster_index = column_index(
                table.header, mapping.cluster_column, "cluster.column", missing
            )
        plan: list[tuple[str, int, TextCells | None, Any]] = []
        columns: dict[str, str] = {}
        for rule in mapping.fields:
            if rule.column is None:
                plan.append((rule.target, -1, None, _fixed(rule)))
                columns[rule.target] = rule.where
                continue
            index = column_index(table.header, rule.column, rule.where, missing)
            plan.append((rule.target, index, _reader(rule), None))
            columns[rule.target] = rule.column
        if missing:
            raise missing_columns(table, missing)
        for chunk in table.chunks():
            for index, (number, cells) in enumerate(zip(chunk.numbers, chunk.rows, strict=True)):
                reasons = list(chunk.problems.get(index, ()))
                if index in chunk.ragged:  # its cells do not line up: not read
                    problems.settle(number, reasons, table.header, cells, False)
                    continue
                found = _row(number, cells, cluster_index, plan, mapping, program, reasons)
                if not problems.settle(number, reasons, table.header, cells, False):
                    assert found is not None
                    rows.append(found)
    return rows, columns


def _row(
    number: int,
    cells: list[str],
    cluster_index: int | None,
    plan: list[tuple[str, int, TextCells | None, Any]],
    mapping: ImportMapping,
    program: Program,
    reasons: list[str],
) -> RosterRow | None:
    cluster_id = mapping.cluster_id or cells[cluster_index or 0].strip()
    if cluster_id not in program.clusters:
        name = mapping.cluster_column or "cluster.id"
        reasons.append(
            f"column {name!r}: not a cluster ID (the value is not shown); the program's "
            "clusters are " + listing(program.clusters.ids())
        )
    values: dict[str, Any] = {}
    for target, index, reader, fixed in plan:
        if reader is None:
            values[target] = fixed
            continue
        try:
            values[target] = reader.cell(cells[index])
        except CellError as exc:
            column = next(r.column for r in mapping.fields if r.target == target)
            reasons.append(f"column {column!r}: {exc.reason}")
    if reasons:
        return None
    group_id = values.pop("group", None)
    group = {k: values.pop(k) for k in GROUP_FIELDS if k in values}
    spell = {k: values.pop(k) for k in SPELL_FIELDS if k in values}
    reasons_given = (values.pop("outside_area", None), values.pop("group_outside_area", None))
    return RosterRow(number, cluster_id, values, group_id, group, spell, *reasons_given)


def _kind(target: str) -> type:
    if target in _INT_FIELDS:
        return int
    if target in _DATE_FIELDS:
        return _dt.date
    return str


def _reader(rule: ColumnRule) -> TextCells:
    defaults: dict[str, object] = {}
    choices: tuple[str, ...] = ()
    if rule.target == "sex":  # checked here: the member record's message repeats the value
        defaults, choices = dict(SEX_ANSWERS), tuple(s.value for s in Sex)
    elif rule.target == "role":
        defaults, choices = dict(_ROLE_ANSWERS), tuple(r.value for r in Role)
    return TextCells(
        _kind(rule.target),
        values=rule.values,
        missing=rule.missing,
        date_format=rule.date_format,
        defaults=defaults,
        choices=choices,
    )


def _fixed(rule: ColumnRule) -> Any:
    value = rule.value
    if isinstance(value, str) and _kind(rule.target) is _dt.date:
        try:
            return _dt.date.fromisoformat(value)
        except ValueError:
            return value  # the record's own check locates it
    return value
