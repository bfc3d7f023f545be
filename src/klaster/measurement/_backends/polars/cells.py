"""Adding up a polars table of units into the cells of every disaggregation, then figures.

A table has one row per unit (members surveyed, members active, groups, cooperatives) with its
cluster (``_c``), its category codes (``_d_sector``...) and the values the plans aggregate. One
group-by by cluster and categories gives the finest parts; every disaggregation's cells are
sums of those parts (exact integer sums, ``Int128`` where they could overflow); the cells of all
disaggregations are put in the order the Python path gives, once per table; each plan then reads
its cells' totals into figures (:mod:`klaster.measurement._backends.figures`).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from typing import Any

import polars as pl

from klaster.catalogue.indicator import Indicator
from klaster.measurement._backends.context import block_head
from klaster.measurement._backends.figures import (
    FigureColumns,
    of_figures,
    ratio_columns,
    sum_columns,
)
from klaster.measurement._backends.partials import Poverty
from klaster.measurement._result_blocks import Block, Combo
from klaster.measurement.core_indicators import CoreIndicator

__all__ = ["Naming", "Pending", "Plan", "aggregate"]


class Naming:
    """The names behind the codes of a report's tables: clusters and each dimension's categories."""

    def __init__(self, clusters: Sequence[str]) -> None:
        self.clusters = list(clusters)
        self.cluster_index = {c: i for i, c in enumerate(self.clusters)}
        self.names: dict[str, list[str]] = {}
        self._codes: dict[str, dict[str, int]] = {}

    def code(self, dim: str, name: str | None) -> int:
        """The code of category ``name`` of ``dim`` (``-1`` for none)."""
        if name is None:
            return -1
        codes = self._codes.setdefault(dim, {})
        found = codes.get(name)
        if found is None:
            names = self.names.setdefault(dim, [])
            found = codes[name] = len(names)
            names.append(name)
        return found

    def codes(self, dim: str) -> dict[str, int]:
        """The code of every category of ``dim`` seen so far."""
        return self._codes.get(dim, {})

    def name(self, dim: str, code: int) -> str:
        """The category (or cluster ID) of a code."""
        return self.clusters[code] if dim == "cluster" else self.names[dim][code]


class Plan:
    """One indicator's aggregations in a table's group-by, and how its cells read back.

    Attributes:
        indicator: The indicator.
        kind: ``"sum"`` (sum, mean, count, share), ``"ratio"`` or ``"poverty"``.
        aggs: Aggregations over units: ``{name}_units``, ``{name}_n`` and the totals.
        scales: Scale of each total (``value = total / 10**scale``).
        name: Prefix of the plan's columns (P0, P1 and P2 share one).
    """

    def __init__(self, indicator: Indicator | CoreIndicator, kind: str, name: str) -> None:
        self.indicator = indicator
        self.kind = kind
        self.name = name
        self.aggs: list[pl.Expr] = []
        self.scales: tuple[int, ...] = ()


def aggregate(
    engine: Any,
    table: pl.DataFrame,
    dims: Sequence[str],
    plans: Sequence[Plan],
    specs: Sequence[tuple[str, ...]],
    naming: Naming,
    round_key: tuple[str, _dt.date | None],
    poverty: pl.DataFrame | None = None,
) -> dict[str, Block]:
    """Every plan's block for one round key (one :class:`Pending`, collected at once).

    Args:
        engine: The :class:`~klaster.measurement.engine.Measurement` (targets, ``minimum_n``).
        table: One row per unit: ``_c``, ``_d_{dim}`` for ``dims``, the plans' inputs.
        dims: The table's dimensions besides the cluster (others give no cells here).
        plans: What to aggregate.
        specs: The disaggregations.
        naming: Names of the codes.
        round_key: The round key and its date.
        poverty: For a poverty plan, the poor units' ``_c``, dimensions, ``_z``, ``_s`` and
            ``_g`` (gap ``s·z - y``), for the per-line sums of P1 and P2.
    """
    if not plans or table.is_empty():
        return {}
    lazy_poverty = None if poverty is None else poverty.lazy()
    pending = Pending(engine, table.lazy(), dims, plans, specs, naming, round_key, lazy_poverty)
    return pending.finish(pl.collect_all(pending.queries))


class Pending:
    """One table's aggregation as lazy queries, collected with others, then read into blocks.

    The queries are one group-by by cluster and categories (the finest parts) and, per
    disaggregation, the sums of those parts (and the poor units' sums per line): collected
    together with :func:`polars.collect_all`, the finest parts are computed once, and the
    scopes and round keys of a report run as one plan instead of a collect each.

    Args: as :func:`aggregate`, with ``table`` and ``poverty`` lazy.
    """

    def __init__(
        self,
        engine: Any,
        table: pl.LazyFrame,
        dims: Sequence[str],
        plans: Sequence[Plan],
        specs: Sequence[tuple[str, ...]],
        naming: Naming,
        round_key: tuple[str, _dt.date | None],
        poverty: pl.LazyFrame | None = None,
    ) -> None:
        self.engine, self.plans, self.naming, self.round_key = engine, plans, naming, round_key
        fine_keys = ["_c", *(f"_d_{d}" for d in dims)]
        aggs: dict[str, pl.Expr] = {}
        for plan in plans:
            for agg in plan.aggs:
                aggs[agg.meta.output_name()] = agg
        self.totals = list(aggs)
        fine = table.group_by(fine_keys).agg(list(aggs.values()))
        self.queries: list[pl.LazyFrame] = [fine.select(pl.len())] if plans else []
        self.specs: list[tuple[tuple[str, ...], list[str]]] = []
        # The sums per line are read for P1 (depth) and P2 (severity) only: P0 counts the poor
        # weight, one of the finest parts' totals.
        measures = {getattr(plan.indicator, "poverty", None) for plan in plans}
        self.depth = poverty is not None and "p1" in measures
        self.severity = poverty is not None and "p2" in measures
        sums = [pl.col(name).sum() for name in self.totals]
        for spec in specs:
            if any(d != "cluster" and d not in dims for d in spec):
                continue  # a dimension these units do not have: no cell, as in the Python path
            keys = ["_c" if d == "cluster" else f"_d_{d}" for d in spec]
            self.specs.append((spec, keys))
            if keys:
                self.queries.append(_known(fine, keys).group_by(keys).agg(sums))
            else:
                self.queries.append(fine.select(sums))
            if poverty is not None and self.depth:
                self.queries.append(_per_line_query(poverty, keys, ["_z"], "_g"))
            if poverty is not None and self.severity:
                self.queries.append(_per_line_query(poverty, keys, ["_z", "_s"], "_g2"))

    def finish(self, done: Sequence[pl.DataFrame]) -> dict[str, Block]:
        """The plans' blocks from the collected ``queries`` (in their order)."""
        if not self.plans or not done[0].item():
            return {}  # no unit at all: no cell
        results = iter(done[1:])
        combos: list[Combo] = []
        columns: dict[str, list[Any]] = {name: [] for name in self.totals}
        depth: list[dict[int, int]] = []
        severity: list[dict[tuple[int, int], int]] = []
        for spec, keys in self.specs:
            part = next(results)
            key_lists = [part[k].to_list() for k in keys]
            if keys:  # each (dimension, name) pair made once, then picked by code
                pairs = [self._pairs(d).__getitem__ for d in spec]
                picked = (map(pick, codes) for pick, codes in zip(pairs, key_lists, strict=True))
                combos += zip(*picked, strict=True)
            else:
                combos.append(())
            for name in self.totals:
                columns[name] += part[name].to_list()
            count = len(part)
            if self.depth:
                depth += _per_line(next(results), keys, key_lists, ["_z"], count)
            if self.severity:
                severity += _per_line(next(results), keys, key_lists, ["_z", "_s"], count)
        order = sorted(range(len(combos)), key=[(len(c), c) for c in combos].__getitem__)
        blocks = {}
        key, on = self.round_key
        for plan in self.plans:
            units = columns[f"{plan.name}_units"]
            kept = [i for i in order if units[i]]  # no unit of the plan's scope: no cell
            figures = _figures(self.engine, plan, columns, kept, depth, severity)
            indicator = plan.indicator
            head = block_head(self.engine, indicator, key, on)
            blocks[indicator.code] = Block(head, [combos[i] for i in kept], figures)
        return blocks

    def _pairs(self, dim: str) -> list[tuple[str, str]]:
        """``(dim, name)`` of each code of ``dim``: the parts of the cells' combinations."""
        names = self.naming.clusters if dim == "cluster" else self.naming.names.get(dim, [])
        return [(dim, name) for name in names]


def _per_line_query(poor: pl.LazyFrame, keys: list[str], by: list[str], value: str) -> pl.LazyFrame:
    """The sums of ``value`` of the poor units by cell and line (and size)."""
    # Cells with an unknown category are not filtered out here (``_per_line`` finds no cell
    # for them): the poor units stay one subplan shared by every query.
    return poor.group_by([*keys, *by]).agg(pl.col(value).sum())


def _known(table: pl.LazyFrame, keys: list[str]) -> pl.LazyFrame:
    """The rows with every category of ``keys`` known (the cluster ``_c`` always is).

    Not filtering on ``_c`` keeps the queries' shared part (the finest group-by, the poor
    units) one subplan: the optimiser pushes a filter every query shares below the cache.
    """
    unknown = [pl.col(k).is_not_null() for k in keys if k != "_c"]
    return table.filter(pl.all_horizontal(unknown)) if unknown else table


def _per_line(
    grouped: pl.DataFrame,
    keys: list[str],
    key_lists: list[list[Any]],
    by: list[str],
    count: int,
) -> list[dict[Any, int]]:
    """Per cell (in ``key_lists`` order), the sums by line (and size) of ``grouped``."""
    out: list[dict[Any, int]] = [{} for _ in range(count)]
    if not count:
        return out
    lists = [grouped[name].to_list() for name in grouped.columns]
    width = len(keys)
    cells = zip(*lists[:width], strict=True) if keys else [()] * len(grouped)
    lines = lists[width] if len(by) == 1 else zip(*lists[width:-1], strict=True)
    position = {key: i for i, key in enumerate(zip(*key_lists, strict=True))} if keys else {(): 0}
    for cell, line, total in zip(cells, lines, lists[-1], strict=True):
        found = position.get(cell)
        if found is not None:
            out[found][line] = total
    return out


def _figures(
    engine: Any,
    plan: Plan,
    columns: dict[str, list[Any]],
    kept: list[int],
    depth: list[dict[int, int]],
    severity: list[dict[tuple[int, int], int]],
) -> FigureColumns:
    name = plan.name
    units = columns[f"{name}_units"]
    n_all = columns[f"{name}_n"]
    n = [n_all[i] for i in kept]
    how = plan.indicator.aggregation
    minimum = engine.minimum_n
    if plan.kind == "sum":
        missing = [units[i] - n_all[i] for i in kept]
        totals = columns[f"{name}_total"]
        return sum_columns(how, minimum, n, missing, [totals[i] or 0 for i in kept], plan.scales[0])
    if plan.kind == "ratio":
        missing = [units[i] - n_all[i] for i in kept]
        tops, bottoms = columns[f"{name}_top"], columns[f"{name}_bottom"]
        return ratio_columns(
            minimum,
            n,
            missing,
            [tops[i] or 0 for i in kept],
            plan.scales[0],
            [bottoms[i] or 0 for i in kept],
            plan.scales[1],
        )
    assert isinstance(plan.indicator, CoreIndicator)
    assert plan.indicator.poverty is not None
    parts = []
    for i in kept:
        part = Poverty()
        part.n = n_all[i]
        part.missing_income = columns[f"{name}_mi"][i]
        part.missing_line = columns[f"{name}_ml"][i]
        part.weight = columns[f"{name}_w"][i] or 0
        part.poor_weight = columns[f"{name}_pw"][i] or 0
        part.depth = depth[i] if depth else {}  # (only read for P1)
        part.severity = severity[i] if severity else {}  # (only read for P2)
        parts.append(part)
    return of_figures(p.measure(plan.indicator.poverty) for p in parts)
