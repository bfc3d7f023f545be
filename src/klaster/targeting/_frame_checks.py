"""Checking an applicants table before columnar screening: one aggregate pass, located problems.

Every problem names the source, the row (as a spreadsheet numbers it when ``first_row`` is 2)
and the column, never the value: screening answers are personal data.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

import polars as pl

from klaster.catalogue.variable import ValueType
from klaster.errors import ValidationError
from klaster.measurement.methods.poverty_records import NATIONAL, area_problem, code_level
from klaster.targeting._evaluate import Plan

_BASE = ("applicant_id", "sector", "household_size")


def _where(source: str, first_row: int, index: int | None, column: str) -> str:
    if index is None:
        return f"{source} column {column!r}"
    if first_row:
        return f"{source} row {index + first_row} column {column!r}"
    return f"{source}[{index}].{column}"


def check_frame(
    plan: Plan,
    frame: pl.DataFrame,
    codes: list[str],
    *,
    on: _dt.date | None,
    source: str,
    first_row: int,
) -> tuple[dict[str, int], int, frozenset[str]]:
    """Check the table; return numeric magnitudes, the largest household, columns with gaps.

    That is: each numeric column's largest magnitude, the largest household and the columns
    read that have missing values.

    Raises:
        ValidationError: The first problem found, located.
    """
    required = [*_BASE, *codes, *(() if on is not None else ("applied_on",))]
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise ValidationError(
            f"missing column(s) {', '.join(missing)} (the rules read them; a screening table "
            f"has {', '.join(_BASE)}, applied_on or --on, and one column per variable read)",
            path=source,
        )
    schema = frame.schema
    # (column, problem, whether any row is bad: a cheap aggregate, the bad rows' condition)
    checks: list[tuple[str, str, pl.Expr, pl.Expr]] = []
    size = pl.col("household_size")
    if not schema["household_size"].is_integer():
        raise ValidationError(
            "must be whole numbers", path=_where(source, 0, None, "household_size")
        )
    checks.append(
        (
            "household_size",
            "must be a whole number, at least 1",
            (size.null_count() > 0) | (size.min() < 1),
            size.is_null() | (size < 1),
        )
    )
    ident = pl.col("applicant_id")
    checks.append(("applicant_id", "is empty", ident.null_count() > 0, ident.is_null()))
    checks.append(
        (
            "applicant_id",
            "repeats an earlier applicant's ID",
            # Hashes first (twice as fast as the strings); a collision is sorted out below.
            ident.hash().n_unique() < pl.len(),
            ~ident.is_first_distinct(),
        )
    )
    sector = pl.col("sector")
    checks.append(("sector", "is empty", sector.null_count() > 0, sector.is_null()))
    if on is None:
        if schema["applied_on"] != pl.Date:
            raise ValidationError(
                "must be dates written YYYY-MM-DD", path=_where(source, 0, None, "applied_on")
            )
        day = pl.col("applied_on")
        checks.append(("applied_on", "is empty", day.null_count() > 0, day.is_null()))
    for code in codes:
        checks += _column_checks(plan, schema, code, source)
    numeric = [c for c in codes if plan.catalogue[c].type in (ValueType.DECIMAL, ValueType.INTEGER)]
    areas = [pl.col("area").cast(pl.String).unique().implode().alias("__areas")]
    areas = areas if "area" in frame.columns else []
    found = frame.select(
        *[any_bad.alias(f"__check_{i}") for i, (_c, _p, any_bad, _cond) in enumerate(checks)],
        *[pl.col(c).abs().max().alias(f"__max_{c}") for c in numeric],
        size.max().alias("__size"),
        *[pl.col(c).null_count().alias(f"__nulls_{c}") for c in codes],
        *areas,
    ).row(0, named=True)
    for index, (name, problem, _any, bad) in enumerate(checks):
        if found[f"__check_{index}"]:
            row = frame.select(pl.arg_where(bad).first()).item()
            if row is not None:  # None: two IDs with one hash, not one ID twice
                raise ValidationError(problem, path=_where(source, first_row, row, name))
    if "area" in frame.columns:
        _check_areas(frame, found["__areas"], source, first_row)
    bounds = {c: int(found[f"__max_{c}"] or 0) + 1 for c in numeric}
    size_max = int(found["__size"] or 1)
    bounds["household_size"] = size_max
    nullable = frozenset(c for c in codes if found[f"__nulls_{c}"])
    return bounds, size_max, nullable


def _column_checks(
    plan: Plan, schema: pl.Schema, code: str, source: str
) -> list[tuple[str, str, pl.Expr, pl.Expr]]:
    variable = plan.catalogue[code]
    column = pl.col(code)
    dtype = schema[code]
    checks: list[tuple[str, str, pl.Expr, pl.Expr]] = []
    if variable.type in (ValueType.DECIMAL, ValueType.INTEGER):
        if not (dtype.is_integer() or isinstance(dtype, pl.Decimal) or dtype == pl.Null):
            raise ValidationError(
                f"{variable.label.en} must be exact numbers (integers or decimals, never "
                "floating point)",
                path=_where(source, 0, None, code),
            )
        if variable.type is ValueType.INTEGER and isinstance(dtype, pl.Decimal):
            fraction = column.round(0) != column
            checks.append((code, "must be a whole number", fraction.any(), fraction))
        if variable.minimum is not None:
            low = pl.lit(variable.minimum)
            checks.append(
                (code, f"is below the minimum {variable.minimum}", column.min() < low, column < low)
            )
        if variable.maximum is not None:
            high = pl.lit(variable.maximum)
            checks.append(
                (
                    code,
                    f"is above the maximum {variable.maximum}",
                    column.max() > high,
                    column > high,
                )
            )
    elif variable.type is ValueType.BOOLEAN:
        if dtype not in (pl.Boolean, pl.Null):
            raise ValidationError(
                f"{variable.label.en} must be true or false", path=_where(source, 0, None, code)
            )
    elif variable.type is ValueType.CATEGORY:
        valid = list(variable.category_codes())
        text = column.cast(pl.String)
        checks.append(
            (
                code,
                f"must be one of {', '.join(valid)}",
                (~text.drop_nulls().unique().is_in(valid)).any(),
                text.is_not_null() & ~text.is_in(valid),
            )
        )
    return checks


def _check_areas(frame: pl.DataFrame, areas: Any, source: str, first_row: int) -> None:
    for area in areas:
        if area is None or area == NATIONAL or code_level(area) is not None:
            continue
        index = frame.select(pl.arg_where(pl.col("area") == area).first()).item()
        problem = area_problem(area) or "is not an area code"
        raise ValidationError(
            problem.replace(repr(area), "(not shown)"),
            path=_where(source, first_row, index, "area"),
        )
