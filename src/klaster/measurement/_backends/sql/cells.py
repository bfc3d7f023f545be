"""One query per scope: units to the cells of every disaggregation, then figures (SQL backend).

The query derives the scope's per-unit columns (divisions, once each), groups the units by
cluster and category codes into the finest parts, and sums the parts into every
disaggregation's cells (``UNION ALL``, one branch per disaggregation; a unit with no category
in a dimension is in no cell of it), all in the engine: only the cells come back. Their totals
are exact integers (128-bit where they could leave 64 bits); the cells are put in the order the
Python path gives and become figures through the shared code
(:mod:`klaster.measurement._backends.figures`), as in the polars path.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Sequence
from typing import Any

from klaster.measurement._backends.context import block_head
from klaster.measurement._backends.figures import (
    FigureColumns,
    of_figures,
    ratio_columns,
    sum_columns,
)
from klaster.measurement._backends.partials import Poverty
from klaster.measurement._backends.polars.cells import Naming
from klaster.measurement._backends.sql.core import PovertyPlan
from klaster.measurement._backends.sql.members import SqlMembers, SqlPlan
from klaster.measurement._backends.sql.runner import Runner
from klaster.measurement._result_blocks import Block, Combo
from klaster.measurement.core_indicators import CoreIndicator

__all__ = ["aggregate", "scope_query"]

_SPEC = "_spec"


def scope_query(
    members: SqlMembers,
    source: str,
    scope: str | None,
    dims: Sequence[str],
    plans: Sequence[SqlPlan],
    specs: Sequence[tuple[str, ...]],
) -> tuple[str, list[tuple[str, ...]]]:
    """The SQL of a scope's cells, and the disaggregations it answers (in ``_spec`` order).

    The answer has one row per cell: ``_spec`` (the index of its disaggregation; ``-1``: every
    unit of the scope, to tell an empty scope), ``_k0``... (its category codes) and every
    plan's sums.
    """
    sql = members.dialect
    q = sql.ident
    ctes = [f"{q('s0')} AS (SELECT * FROM {q(source)} WHERE {members.where(scope)})"]
    for number, layer in enumerate(_layers(members.derived.get(scope, []), q), start=1):
        columns = ", ".join(f"{expr} AS {q(name)}" for name, expr in layer)
        ctes.append(f"{q(f's{number}')} AS (SELECT *, {columns} FROM {q(f's{number - 1}')})")
    last = q(f"s{len(ctes) - 1}")
    fine_keys = [q("_c"), *(q(f"_d_{d}") for d in dims)]
    aggs = {name: agg for plan in plans for name, agg in plan.aggs}
    selected = ", ".join([*fine_keys, *(f"{agg} AS {q(name)}" for name, agg in aggs.items())])
    ctes.append(f"{q('fine')} AS (SELECT {selected} FROM {last} GROUP BY {', '.join(fine_keys)})")
    answered = [s for s in specs if all(d == "cluster" or d in dims for d in s)]
    width = max((len(s) for s in answered), default=0)
    sums = [f"sum({q(name)}) AS {q(name)}" for name in aggs]
    branches = []
    for number, spec in enumerate([(), *answered], start=-1):
        keys = [q("_c") if d == "cluster" else q(f"_d_{d}") for d in spec]
        codes = [f"{sql.cast(k, sql.int64)} AS {q(f'_k{i}')}" for i, k in enumerate(keys)]
        codes += [
            f"{sql.cast('NULL', sql.int64)} AS {q(f'_k{i}')}" for i in range(len(keys), width)
        ]
        head = ", ".join([f"{number} AS {q(_SPEC)}", *codes, *sums])
        branch = f"SELECT {head} FROM {q('fine')}"
        if keys:
            known = " AND ".join(f"{k} IS NOT NULL" for k in keys)
            branch += f" WHERE {known} GROUP BY {', '.join(keys)}"
        branches.append(branch)
    text = "WITH " + ", ".join(ctes) + " " + " UNION ALL ".join(branches)
    return text, answered


def _layers(
    derived: list[tuple[str, str]], quote: Callable[[str], str]
) -> list[list[tuple[str, str]]]:
    """The derived columns in layers: each reads only columns of the layers before it.

    A column's layer is one past the deepest derived column its expression names; a few wide
    projections plan much faster than one per column.
    """
    depth: dict[str, int] = {}
    layers: list[list[tuple[str, str]]] = []
    for name, expr in derived:
        level = 1 + max((depth[n] for n in depth if quote(n) in expr), default=-1)
        depth[name] = level
        if level == len(layers):
            layers.append([])
        layers[level].append((name, expr))
    return layers


def aggregate(
    engine: Any,
    runner: Runner,
    members: SqlMembers,
    source: str,
    scope: str | None,
    dims: Sequence[str],
    specs: Sequence[tuple[str, ...]],
    naming: Naming,
    round_key: tuple[str, _dt.date | None],
) -> dict[str, Block]:
    """Every plan's block of one scope for one round key (none when the scope has no unit)."""
    plans = members.plans.get(scope, [])
    if not plans:
        return {}
    text, answered = scope_query(members, source, scope, dims, plans, specs)
    found = runner.query(text).to_pydict()
    numbers = found.pop(_SPEC)
    everyone = numbers.index(-1)
    if not found[f"{plans[0].name}_units"][everyone]:
        return {}  # no unit in the scope: the Python path says so, as in the polars path
    combos: list[Combo] = []
    rows, cells = [], []
    for row, number in enumerate(numbers):
        if number < 0:
            continue
        spec = answered[number]
        codes = tuple(found[f"_k{i}"][row] for i in range(len(spec)))
        combos.append(tuple((d, naming.name(d, c)) for d, c in zip(spec, codes, strict=True)))
        rows.append(row)
        cells.append((number, codes))
    order = sorted(range(len(combos)), key=lambda i: (len(combos[i]), combos[i]))
    columns = {
        name: [_int(found[name][rows[i]]) for i in order] for name in found if name[0] != "_"
    }
    combos = [combos[i] for i in order]
    lines = None
    if any(plan.kind == "poverty" for plan in plans):
        where = {cells[i]: place for place, i in enumerate(order)}
        lines = _per_line(runner, members, source, dims, answered, where)
    blocks = {}
    key, on = round_key
    for plan in plans:
        units = columns[f"{plan.name}_units"]
        kept = [i for i, count in enumerate(units) if count]  # no unit of the scope: no cell
        head = block_head(engine, plan.indicator, key, on)
        figures = _figures(engine, plan, columns, kept, lines)
        blocks[plan.indicator.code] = Block(head, [combos[i] for i in kept], figures)
    return blocks


Lines = tuple[list[dict[int, int]], list[dict[tuple[int, int], int]]]
"""Per cell: the sums of the poor units' gaps by line, and of their squares by line and size."""


def _per_line(
    runner: Runner,
    members: SqlMembers,
    source: str,
    dims: Sequence[str],
    answered: list[tuple[str, ...]],
    where: dict[tuple[int, tuple[int, ...]], int],
) -> Lines:
    """The FGT depth and severity sums of every cell (``where``: a cell's place)."""
    plan = members.poverty
    assert isinstance(plan, PovertyPlan)
    sql = members.dialect
    q = sql.ident
    keys = ", ".join([q("_c"), *(q(f"_d_{d}") for d in dims)])
    gap = sql.widen(q("_g"))
    ctes = [
        f"{q('poor')} AS (SELECT {keys}, {plan.line} AS {q('_z')}, {plan.size} AS {q('_s')},"
        f" {plan.gap} AS {q('_g')} FROM {q(source)} WHERE {plan.poor})",
        f"{q('pfine')} AS (SELECT {keys}, {q('_z')}, {q('_s')}, sum({gap}) AS {q('_g1')},"
        f" sum({gap} * {gap}) AS {q('_g2')} FROM {q('poor')}"
        f" GROUP BY {keys}, {q('_z')}, {q('_s')})",
    ]
    width = max((len(s) for s in answered), default=0)
    branches = []
    for number, spec in enumerate(answered):
        cell = [q("_c") if d == "cluster" else q(f"_d_{d}") for d in spec]
        codes = [f"{sql.cast(k, sql.int64)} AS {q(f'_k{i}')}" for i, k in enumerate(cell)]
        nulls = range(len(cell), width)
        codes += [f"{sql.cast('NULL', sql.int64)} AS {q(f'_k{i}')}" for i in nulls]
        sums = [f"sum({q(g)}) AS {q(g)}" for g in ("_g1", "_g2")]
        head = ", ".join([f"{number} AS {q(_SPEC)}", *codes, q("_z"), q("_s"), *sums])
        branch = f"SELECT {head} FROM {q('pfine')}"
        if cell:
            branch += " WHERE " + " AND ".join(f"{k} IS NOT NULL" for k in cell)
        branches.append(branch + f" GROUP BY {', '.join([*cell, q('_z'), q('_s')])}")
    depth: list[dict[int, int]] = [{} for _ in where]
    severity: list[dict[tuple[int, int], int]] = [{} for _ in where]
    if not branches:
        return depth, severity
    data = runner.query("WITH " + ", ".join(ctes) + " " + " UNION ALL ".join(branches)).to_pydict()
    for row, number in enumerate(data[_SPEC]):
        cell_codes = tuple(data[f"_k{i}"][row] for i in range(len(answered[number])))
        place = where.get((number, cell_codes))
        if place is None:
            continue
        z, size = data["_z"][row], data["_s"][row]
        depth[place][z] = depth[place].get(z, 0) + int(data["_g1"][row])
        severity[place][(z, size)] = int(data["_g2"][row])
    return depth, severity


def _int(value: Any) -> int:
    """A sum as an exact ``int`` (128-bit sums arrive as ``Decimal``; none as ``None``)."""
    return 0 if value is None else int(value)


def _figures(
    engine: Any,
    plan: SqlPlan,
    columns: dict[str, list[int]],
    kept: list[int],
    lines: Lines | None,
) -> FigureColumns:
    name = plan.name
    units, n_all = columns[f"{name}_units"], columns[f"{name}_n"]
    if plan.kind == "poverty":
        assert isinstance(plan.indicator, CoreIndicator)
        assert plan.indicator.poverty is not None
        assert lines is not None
        parts = []
        for i in kept:
            part = Poverty()
            part.n = n_all[i]
            part.missing_income = columns[f"{name}_mi"][i]
            part.missing_line = columns[f"{name}_ml"][i]
            part.weight = columns[f"{name}_w"][i]
            part.poor_weight = columns[f"{name}_pw"][i]
            part.depth, part.severity = lines[0][i], lines[1][i]
            parts.append(part)
        return of_figures(p.measure(plan.indicator.poverty) for p in parts)
    n = [n_all[i] for i in kept]
    missing = [units[i] - n_all[i] for i in kept]
    minimum = engine.minimum_n
    if plan.kind == "sum":
        totals = columns[f"{name}_total"]
        how = plan.indicator.aggregation
        return sum_columns(how, minimum, n, missing, [totals[i] for i in kept], plan.scales[0])
    tops, bottoms = columns[f"{name}_top"], columns[f"{name}_bottom"]
    return ratio_columns(
        minimum,
        n,
        missing,
        [tops[i] for i in kept],
        plan.scales[0],
        [bottoms[i] for i in kept],
        plan.scales[1],
    )
