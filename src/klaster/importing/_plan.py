"""Where a survey's mapped columns are in an export, and how each variable's cells are read."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from attrs import define

from klaster.catalogue.variable import Variable
from klaster.importing._cells import Cells, VariableCells
from klaster.importing._header import AmbiguousColumn, Header, column_index
from klaster.importing._repeats import RepeatData
from klaster.importing._selects import CountCells, OptionCells, count_options
from klaster.importing._source import missing_columns
from klaster.importing._submissions import FROM_UNIT, submission_column
from klaster.importing._table import Table
from klaster.importing.mapping import ColumnRule, ImportMapping

Take = Callable[[list[Sequence[str]]], Sequence[str]]
"""Takes a variable's cells from a chunk's columns."""


@define
class Plan:
    """Where each piece of a main row is, and how its variables are read."""

    submission: int | None
    unit: int
    cluster: int | None
    keys: dict[str, int]
    variables: list[tuple[Variable, str, Callable[[list[Sequence[str]]], Sequence[str]], Cells]]
    fixed: list[tuple[Variable, Any]]


def plan_survey(
    header: Header,
    mapping: ImportMapping,
    catalogue: Mapping[str, Variable],
    repeats: list[RepeatData],
    table: Table,
) -> Plan:
    """Find every mapped column of the main table; raise listing the ones missing."""
    missing: list[str] = []
    submission: int | None = None
    if mapping.submission == FROM_UNIT:
        pass
    elif mapping.submission is not None:
        submission = column_index(header, mapping.submission, "submission", missing)
    else:
        hint = "a row is then identified by its round and unit"
        submission = submission_column(header, missing, hint)
    assert mapping.unit is not None
    unit = column_index(header, mapping.unit, "unit", missing)
    cluster = None
    if mapping.cluster_column is not None:
        cluster = column_index(header, mapping.cluster_column, "cluster.column", missing)
    keys = {}
    for data in repeats:
        keys[data.repeat.name] = column_index(
            header, data.parent_key, f"{data.repeat.where} (its parents)", missing, strict=True
        )
    variables = []
    fixed = []
    for rule in mapping.variables:
        variable = catalogue[rule.target]
        if rule.column is None:
            fixed.append((variable, variable.check_value(rule.value)))
            continue
        take, reader, name = _select(header, rule, variable, mapping, missing)
        variables.append((variable, name, take, reader))
    if missing:
        raise missing_columns(table, missing)
    return Plan(submission, unit, cluster, keys, variables, fixed)


def _select(
    header: Header,
    rule: ColumnRule,
    variable: Variable,
    mapping: ImportMapping,
    missing: list[str],
) -> tuple[Take, Cells, str]:
    """How a variable's cells are taken from the columns, and read."""
    column = rule.column
    assert column is not None  # fixed values are planned apart
    reader: Cells = VariableCells(
        variable,
        values=rule.values,
        missing=rule.missing,
        scale=rule.scale,
        decimal_comma=mapping.decimal_comma,
        date_format=rule.date_format,
    )
    if rule.option is not None:
        own = header.probe(f"{column}/{rule.option}", strict=True)
        if own is not None:  # Kobo's 0/1 column of the option
            return _take(own), reader, header.names[own]
        index = column_index(header, column, rule.where, missing)
        return _take(index), OptionCells(rule.option, rule.missing), _name(header, index, column)
    if rule.count:
        try:
            found = header.find(column)
        except AmbiguousColumn:
            found = -1  # reported below
        if found is None:
            options = header.with_prefix(column)
            if options:  # only the 0/1 columns: count the ones chosen
                return _options(options), reader, column
        index = column_index(header, column, rule.where, missing)
        return _take(index), CountCells(variable, rule.missing), _name(header, index, column)
    index = column_index(header, column, rule.where, missing)
    return _take(index), reader, _name(header, index, column)


def _name(header: Header, index: int, fallback: str) -> str:
    """The column's name as the file spells it (what the user looks for in messages)."""
    return header.names[index] if index >= 0 else fallback


def _take(index: int) -> Take:
    return lambda columns: columns[index]


def _options(
    options: list[tuple[str, int]],
) -> Take:
    indexes = [i for _, i in options]
    return lambda columns: count_options([columns[i] for i in indexes])
