"""The lines of a columnar screening, and running it: lines per area and month, no join.

A line depends on the date only through its month, so it is resolved once per distinct area and
month of the table, then looked up per row with ``replace_strict``.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import polars as pl

from klaster.catalogue.eligibility import LineRef
from klaster.measurement.na import NotAvailable
from klaster.targeting._columnar import AREA, MONTH, ON, compile_rules, decimals, scaled
from klaster.targeting._evaluate import Plan


def line_values(
    plan: Plan, pairs: pl.DataFrame
) -> tuple[pl.DataFrame, dict[str, list[Decimal | None]], dict[str, int]]:
    """Each line criterion's line for every distinct (area, month), as a table.

    A line depends on the date only through its month (BPS rounds are matched by month, a had
    kifayah version applies from 1 January), so the first of the month stands for every day.
    Returns the frame (``__line_<code>``: the line scaled by its own decimals), the lines and
    those decimals by criterion code.
    """
    columns: dict[str, list[Any]] = {AREA: pairs[AREA].to_list(), MONTH: pairs[MONTH].to_list()}
    days = [_dt.date(m // 12, m % 12 + 1, 1) for m in columns[MONTH]]
    values: dict[str, list[Decimal | None]] = {}
    line_scales: dict[str, int] = {}
    items = [(i, f"rules.criteria[{n}]") for n, i in enumerate(plan.rules.criteria)]
    items += [(c, "sector_criteria") for cs in plan.sector_items.values() for c in cs]
    for criterion, where in items:
        if not isinstance(criterion.threshold, LineRef):
            continue
        found = []
        for area, on in zip(columns[AREA], days, strict=True):
            value = plan.resolve(criterion, where, area, on, explain=False).value
            found.append(None if isinstance(value, NotAvailable) else value)
        scale = max([0, *(decimals(v) for v in found if v is not None)])
        values[criterion.code] = found
        line_scales[criterion.code] = scale
        columns[f"__line_{criterion.code}"] = [
            None if v is None else scaled(v, scale) for v in found
        ]
    schema = {MONTH: pl.Int32, **{f"__line_{c}": pl.Int64 for c in values}}
    return pl.DataFrame(columns, schema_overrides=schema), values, line_scales


def line_column(code: str, table: pl.DataFrame) -> pl.Expr:
    """The line of criterion ``code`` for each row, looked up in ``table`` (no join).

    Keyed by month alone when the area makes no difference (every area falls back to the same
    line, as with klaster's national table), else by area and month.
    """
    lines = table[f"__line_{code}"].to_list()
    months = table[MONTH].to_list()
    by_month: dict[int, set[Any]] = {}
    for month, line in zip(months, lines, strict=True):
        by_month.setdefault(month, set()).add(line)
    if all(len(found) == 1 for found in by_month.values()):
        keys, new = list(by_month), [next(iter(v)) for v in by_month.values()]
        return pl.col(MONTH).replace_strict(keys, new, default=None, return_dtype=pl.Int64)
    areas = sorted(set(table[AREA].to_list()))
    index = pl.col(AREA).replace_strict(areas, list(range(len(areas))), return_dtype=pl.Int64)
    keys = [
        areas.index(a) * 1_000_000 + m for a, m in zip(table[AREA].to_list(), months, strict=True)
    ]
    key = index * 1_000_000 + pl.col(MONTH)
    return key.replace_strict(keys, lines, default=None, return_dtype=pl.Int64)


def run(
    plan: Plan,
    frame: pl.LazyFrame,
    bounds: dict[str, int],
    max_size: int,
    nullable: frozenset[str] | None = None,
) -> tuple[pl.DataFrame, Callable[[], pl.DataFrame]]:
    """Screen a prepared frame (``__area`` and ``__on`` columns present).

    Returns the decisions and a function giving their details, computed on the first call.
    """
    month = (pl.col(ON).dt.year().cast(pl.Int32) * 12 + pl.col(ON).dt.month() - 1).alias(MONTH)
    frame = frame.with_columns(month.cast(pl.Int32))
    pairs = frame.select(AREA, MONTH).unique().collect()
    table, values, line_scales = line_values(plan, pairs)
    if values:
        frame = frame.with_columns([line_column(c, table).alias(f"__line_{c}") for c in values])
    decisions, details = compile_rules(plan, frame, bounds, max_size, values, line_scales, nullable)
    cache: list[pl.DataFrame] = []

    def detailed() -> pl.DataFrame:
        if not cache:
            cache.append(details.collect())
        return cache[0]

    return decisions.collect(), detailed
