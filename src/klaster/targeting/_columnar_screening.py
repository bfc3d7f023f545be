"""Columnar screening of applicant records and tables: frames in, a :class:`Screening` out.

The query is :mod:`klaster.targeting._columnar`'s; this module builds its input from applicant
records and turns its output into decisions whose evidence is rebuilt exactly on demand.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

import attrs
import polars as pl

from klaster.catalogue.eligibility import EligibilityCriterion
from klaster.catalogue.variable import ValueType, Variable
from klaster.measurement.na import NotAvailable
from klaster.targeting._columnar import (
    AREA,
    ID,
    IN_AREA,
    ON,
    SECTOR,
    SIZE,
    card_scale,
    decimals,
)
from klaster.targeting._columnar_lines import run
from klaster.targeting._evaluate import Plan, Row, area_result, decide, read, results_of
from klaster.targeting.decisions import EligibilityDecision, Screening

if TYPE_CHECKING:
    from klaster.model.program import Program


def read_codes(plan: Plan, *, sector: bool = True) -> list[str]:
    """The variables the rules (and the sector criteria) read, household size aside."""
    codes: dict[str, None] = {}
    more = [c for cs in plan.sector_items.values() for c in cs] if sector else []
    for item in (*plan.rules.items, *more):
        for code in (
            (item.reads,)
            if isinstance(item, EligibilityCriterion)
            else (i.reads for i in item.items)
        ):
            if code != SIZE:
                codes[code] = None
    return list(codes)


def dtype_of(variable: Variable) -> pl.DataType:
    """The column type of a variable with no values."""
    return {
        ValueType.DECIMAL: pl.Decimal(38, 0),
        ValueType.INTEGER: pl.Int64(),
        ValueType.BOOLEAN: pl.Boolean(),
    }.get(variable.type, pl.String())


def _dtype(plan: Plan, code: str, values: list[Any]) -> pl.DataType:
    kind = plan.catalogue[code].type
    if kind is ValueType.DECIMAL:
        return pl.Decimal(38, max([0, *(decimals(v) for v in values if v is not None)]))
    if kind is ValueType.INTEGER:
        return pl.Int64()
    if kind is ValueType.BOOLEAN:
        return pl.Boolean()
    return pl.String()


def screen_rows(plan: Plan, rows: list[Row], *, program: Program | None = None) -> Screening:
    """Screen rows built from applicant records (values checked the exact way first).

    Rows that know their :class:`~klaster.targeting._evaluate.Place` (``program`` given) are
    also checked against their sector's area.
    """
    codes = read_codes(plan)
    columns: dict[str, list[Any]] = {
        ID: [r.id for r in rows],
        SECTOR: [r.sector for r in rows],
        SIZE: [r.household_size for r in rows],
        AREA: [r.area for r in rows],
        ON: [r.on for r in rows],
    }
    bounds: dict[str, int] = {}
    for code in codes:
        found = []
        for row in rows:
            value = read(plan, row, code)
            found.append(None if isinstance(value, NotAvailable) else value)
        columns[code] = found
        numbers = [abs(v) for v in found if isinstance(v, Decimal)]
        bounds[code] = int(max(numbers, default=0)) + 1
    schema: dict[str, pl.DataType] = {
        SIZE: pl.Int64(),
        ON: pl.Date(),
        ID: pl.String(),
        SECTOR: pl.String(),
        AREA: pl.String(),
    }
    for code in codes:
        schema[code] = _dtype(plan, code, columns[code])
        if schema[code] == pl.Int64:
            columns[code] = [None if v is None else int(v) for v in columns[code]]
    if any(r.place is not None for r in rows):
        # The program is known: each row's sector_area outcome (null where not checked).
        columns[IN_AREA] = [None if r.place is None else r.place.passed for r in rows]
        schema[IN_AREA] = pl.Boolean()
    frame = pl.DataFrame(columns, schema=schema)
    max_size = max((r.household_size for r in rows), default=1)
    bounds[SIZE] = max_size
    nullable = frozenset(c for c in codes if any(v is None for v in columns[c]))
    result, details = run(plan, frame.lazy(), bounds, max_size, nullable)
    return screening_of(plan, result, details, rows.__getitem__, program=program)


def screening_of(
    plan: Plan,
    result: pl.DataFrame,
    details: Callable[[], pl.DataFrame],
    row_at: Callable[[int], Row],
    *,
    program: Program | None = None,
) -> Screening:
    """A :class:`Screening` of polars' decisions, each decision's evidence built on demand."""
    ids = cast("Sequence[str]", result[ID])
    eligible = cast("Sequence[bool]", result["eligible"])
    scales = {card.code: card_scale(card) for card in plan.rules.scorecards}
    offsets: dict[str, list[int]] = {}
    start = len(plan.rules.items)
    for sector, items in plan.sector_items.items():
        offsets[sector] = list(range(start, start + len(items)))
        start += len(items)

    def build(position: int) -> EligibilityDecision:
        more = details()
        passed_columns = [c for c in more.columns if c.startswith("__passed_")]
        row = row_at(position)
        results, sector, notes = results_of(plan, row)
        wanted = [*range(len(results)), *offsets.get(row.sector, [])]
        flags = [more[passed_columns[i]][position] for i in wanted]
        merged = []
        for result_item, flag in zip([*results, *sector], flags, strict=True):
            changes: dict[str, Any] = {"passed": flag}
            if result_item.code in scales:
                total = more[f"__total_{result_item.code}"][position]
                if total is not None:
                    changes["value"] = Decimal(total).scaleb(-scales[result_item.code])
            merged.append(attrs.evolve(result_item, **changes))
        rules_part, sector_part = merged[: len(results)], merged[len(results) :]
        area, note = area_result(row)
        _ok, reason = decide(plan, row.sector, rules_part, sector_part, area)
        if area is not None:
            merged.append(area)
            notes.extend([note] if note else [])
        return EligibilityDecision(
            row.id, row.sector, eligible[position], reason, tuple(merged), tuple(notes)
        )

    def table() -> pl.DataFrame:
        return result.select(ID, SECTOR, "eligible").with_columns(details()["failed"])

    return Screening(plan.rules, ids, eligible, build, table=table, program=program)


def day(value: Any) -> _dt.date:
    """A date cell (polars gives ``datetime.date``)."""
    assert isinstance(value, _dt.date)
    return value
