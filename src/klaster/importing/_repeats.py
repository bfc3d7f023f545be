"""Repeat groups: rows on their own sheet (or file), joined to their parent submission.

Kobo's XLSX export puts each repeat group on its own sheet, its rows pointing to their parent by
``_parent_index`` (the main sheet's ``_index``); ODK Central's CSV export writes one file per
repeat, rows pointing by ``PARENT_KEY`` (the main file's ``KEY``). A repeat either feeds
variables of its parent through a declared aggregate (the household's businesses' revenue
summed into ``monthly_revenue``) or gives one row per unit (a group's form listing its members).

A repeat table is read whole before the main rows: what it contributes is small (one value per
parent and variable), and the main rows can then be streamed.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import attrs

from klaster.catalogue.variable import ValueType, Variable
from klaster.errors import ImportDataError, KlasterError
from klaster.importing._cells import Cells, VariableCells
from klaster.importing._header import column_index, header_has
from klaster.importing._problems import Problems
from klaster.importing._source import missing_columns
from klaster.importing._table import Table
from klaster.importing.mapping import Aggregate, ColumnRule, RepeatMapping

_JOINS = (("_parent_index", "_index"), ("PARENT_KEY", "KEY"))
_EMPTY_DEFAULTS = {Aggregate.SUM: 0, Aggregate.COUNT: 0, Aggregate.ANY: False}


@attrs.define
class UnitRow:
    """One row of a repeat that gives a row per unit."""

    number: int
    unit: str
    key: str | None
    values: dict[str, Any]


@attrs.define
class RepeatData:
    """What a repeat contributes, by parent key.

    Attributes:
        repeat: The mapping's repeat.
        source: The sheet or file, for messages.
        parent_key: The main table's column its parent column refers to.
        repeat_column: The repeat's column naming the parent.
        orphans: Problems of rows that name no parent of the main table.
        values: Parent key → aggregated values (aggregating repeats).
        defaults: Variable code → value of a parent without rows.
        units: Parent key → its rows (repeats with a unit column).
        reasons: Parent key → located reasons (they reject the parent).
        numbers: Parent key → the repeat's row numbers (for rows whose parent is missing).
    """

    repeat: RepeatMapping
    source: str
    parent_key: str
    repeat_column: str
    orphans: Problems
    values: dict[str, dict[str, Any]] = attrs.field(factory=dict)
    defaults: dict[str, Any] = attrs.field(factory=dict)
    units: dict[str, list[UnitRow]] = attrs.field(factory=dict)
    reasons: dict[str, list[str]] = attrs.field(factory=dict)
    numbers: dict[str, list[int]] = attrs.field(factory=dict)

    def settle(self, parents: set[str]) -> None:
        """Report rows whose parent key is not among the main table's ``parents``."""
        for key, numbers in self.numbers.items():
            if key not in parents:
                # A parent key may be any column (a NIK): by row and column only.
                shown = "names a parent" if key else "names no parent (empty)"
                for number in numbers:
                    self.orphans.add(
                        number,
                        f"column {self.repeat_column!r}: {shown}, but no row of the main table "
                        f"has that {self.parent_key!r} (the value is not shown)",
                    )


def _part_variable(rule: ColumnRule, variable: Variable) -> Variable:
    """The rule a single row's value follows: a sum's parts only keep a non-negative minimum."""
    if rule.aggregate is Aggregate.SUM:
        keep_min = variable.minimum is not None and variable.minimum >= 0
        return attrs.evolve(variable, minimum=0 if keep_min else None, maximum=None, required=False)
    if rule.aggregate in (Aggregate.ANY, Aggregate.ALL):
        return Variable(
            variable.code, variable.sector, variable.level, ValueType.BOOLEAN, variable.label
        )
    return attrs.evolve(variable, required=False)


def read_repeat(
    table: Table,
    repeat: RepeatMapping,
    catalogue: Mapping[str, Variable],
    decimal_comma: bool,
) -> RepeatData:
    """Read a repeat table whole (see the module docstring).

    Raises:
        ImportDataError: Mapped columns or the join column are missing.
    """
    header = table.header
    missing: list[str] = []
    parent_col, parent_key, parent_name = find_join(table, repeat, missing)
    unit_col = key_col = -1
    if repeat.unit is not None:
        unit_col = column_index(header, repeat.unit, f"{repeat.where}.unit", missing)
        if parent_name.upper() == "PARENT_KEY":  # ODK: a repeat row's own KEY is its ID
            own_key = header.probe("KEY", strict=True)
            key_col = -1 if own_key is None else own_key
    plans: list[tuple[ColumnRule, int, Cells | None]] = []
    for rule in repeat.variables:
        variable = catalogue[rule.target]
        index = -1
        if rule.column is not None:
            index = column_index(header, rule.column, rule.where, missing)
        reader: Cells | None = None
        if rule.aggregate is not Aggregate.COUNT:
            reader = VariableCells(
                _part_variable(rule, variable) if repeat.unit is None else variable,
                values=rule.values,
                missing=rule.missing,
                scale=rule.scale,
                decimal_comma=decimal_comma,
                date_format=rule.date_format,
            )
        elif rule.column is not None:
            reader = Cells({}, rule.missing)
        plans.append((rule, index, reader))
    if missing:
        raise missing_columns(table, missing)
    data = RepeatData(repeat, table.source, parent_key, parent_name, Problems(table.source))
    parts: dict[str, dict[str, list[Any]]] = {}
    for chunk in table.chunks():
        columns = list(zip(*chunk.rows, strict=True))
        keys = [c.strip() for c in columns[parent_col]]
        for index, key in enumerate(keys):
            data.numbers.setdefault(key, []).append(chunk.numbers[index])

        def report(index: int, reason: str, keys: list[str] = keys, chunk: Any = chunk) -> None:
            data.reasons.setdefault(keys[index], []).append(
                f"(repeat {table.source} row {chunk.numbers[index]}) {reason}"
            )

        for index, reasons in chunk.problems.items():
            for reason in reasons:
                report(index, reason)
        converted: list[tuple[ColumnRule, list[Any]]] = []
        for rule, column, reader in plans:
            if reader is None:  # a count of rows
                converted.append((rule, [True] * len(keys)))
                continue
            name = rule.column

            def located(index: int, reason: str, name: str | None = name) -> None:
                report(index, f"column {name!r}: {reason}")

            converted.append((rule, reader.convert(columns[column], located)))
        if repeat.unit is not None:
            units = columns[unit_col]
            own = columns[key_col] if key_col >= 0 else None
            for index, key in enumerate(keys):
                data.units.setdefault(key, []).append(
                    UnitRow(
                        chunk.numbers[index],
                        units[index].strip(),
                        own[index].strip() if own is not None else None,
                        {rule.target: values[index] for rule, values in converted},
                    )
                )
            continue
        for rule, values in converted:
            for key, value in zip(keys, values, strict=True):
                parts.setdefault(key, {}).setdefault(rule.target, []).append(value)
    if repeat.unit is None:
        _aggregate_all(data, parts, catalogue)
    return data


def find_join(table: Table, repeat: RepeatMapping, missing: list[str]) -> tuple[int, str, str]:
    """How a repeat's rows name their parent.

    Returns its column's index, the main table's key column and the repeat's column name
    (Kobo's ``_parent_index`` → ``_index``, ODK's ``PARENT_KEY`` → ``KEY``, or the mapping's
    ``parent_column``/``parent_key``).

    Raises:
        ImportDataError: No join column is named or found.
    """
    header = table.header
    if repeat.parent_column is not None:
        parent_col = column_index(header, repeat.parent_column, repeat.where, missing)
        return (
            parent_col,
            repeat.parent_key or _main_key(repeat.parent_column),
            repeat.parent_column,
        )
    join = next(((c, k) for c, k in _JOINS if header_has(header, c, strict=True)), None)
    if join is None:
        raise ImportDataError(
            f"{table.source}: no '_parent_index' (Kobo) or 'PARENT_KEY' (ODK) column joins "
            f"the rows of repeat {repeat.name!r} to their submissions; name it with "
            f"parent_column in {repeat.where}"
        )
    parent_name, default_key = join
    parent_col = column_index(header, parent_name, repeat.where, missing, strict=True)
    return parent_col, repeat.parent_key or default_key, parent_name


def _main_key(parent_column: str) -> str:
    return "KEY" if parent_column.upper() == "PARENT_KEY" else "_index"


def _aggregate_all(
    data: RepeatData, parts: dict[str, dict[str, list[Any]]], catalogue: Mapping[str, Variable]
) -> None:
    rules = {rule.target: rule for rule in data.repeat.variables}
    # Whether a required value is there depends on the parent's unit: checked with its row.
    checks = {code: attrs.evolve(catalogue[code], required=False) for code in rules}
    for code, rule in rules.items():
        assert rule.aggregate is not None
        default = _EMPTY_DEFAULTS.get(rule.aggregate)
        try:
            data.defaults[code] = checks[code].check_value(default)
        except KlasterError:
            data.defaults[code] = None  # e.g. a sum into a variable whose minimum is above 0
    for key, by_code in parts.items():
        found: dict[str, Any] = {}
        for code, values in by_code.items():
            rule = rules[code]
            assert rule.aggregate is not None
            total = _aggregate(rule.aggregate, values)
            try:
                found[code] = checks[code].check_value(total)
            except KlasterError as exc:
                found[code] = None
                rows = ", ".join(map(str, data.numbers.get(key, [])))
                data.reasons.setdefault(key, []).append(
                    f"(repeat {data.source} rows {rows}) {rule.aggregate.value} of column "
                    f"{rule.column!r} for {code}: {exc.message}"
                )
        data.values[key] = found


def _aggregate(kind: Aggregate, values: list[Any]) -> Any:
    present = [v for v in values if v is not None]
    if kind is Aggregate.COUNT:
        return len(present)
    if not present:
        return None  # rows, but none answered
    if kind is Aggregate.SUM:
        return sum(present, Decimal(0) if isinstance(present[0], Decimal) else 0)
    if kind is Aggregate.MAX:
        return max(present)
    if kind is Aggregate.MIN:
        return min(present)
    if kind is Aggregate.ANY:
        return any(present)
    return all(present)
