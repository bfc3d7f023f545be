"""The polars fast path of ``Measurement.report`` (``backend="polars"``).

Imported only when a :class:`~klaster.measurement.engine.Measurement` is built with
``backend="polars"`` (the ``columnar`` extra: polars and numpy); ``import klaster`` never imports
it. Per round key it builds a few polars tables over all clusters at once and adds them up into
the same exact integers as the Python path (:mod:`klaster.measurement._backends.polars.cells`),
every table's queries collected in one ``pl.collect_all`` (one plan per round key); the figures
are then made by the same code, so both paths give equal rows. A round key's plan is collected
in a worker thread (polars releases the GIL) while this thread reads the next round key's
columns and makes the previous one's figures:

- Members surveyed (:mod:`klaster.measurement._backends.polars.members`): variables read from the
store's
  buffers as scaled ``Int64`` (one scale per variable and round key, the largest of the
  clusters'), nulls where missing. Formulas become polars expressions with the scales tracked
  (:mod:`klaster.measurement._backends.polars.formulas`), divisions per unit included; a sector's
  indicators are computed on its members only. Income per capita, paired income change, FGT
  P0-P2, the CIBEST quadrant shares and the social-capital index are planned in
  :mod:`klaster.measurement._backends.polars.core`.
- Members active, groups and cooperatives (:mod:`klaster.measurement._backends.polars.program`):
counted
  from the records with numpy (the members active on the round's date selected in the round
  key's plan, off this thread).

Not covered here, and computed by the Python path in the same report: indicators of groups and
cooperatives from formulas, medians, ``round()``, text, categories and dates in formulas, values
beyond 128 bits, and disaggregations by ``group`` or ``cooperative`` (a member may be in two
groups or cooperatives: :data:`~klaster.measurement._backends.layout.MULTI_VALUED`). The
single-valued
dimensions (``kabupaten``, ``kecamatan``, ``desa``...) are read only when a disaggregation asks
for them.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, NamedTuple

import polars as pl

from klaster._support.huge_pages import huge_pages_paused
from klaster.catalogue.indicator import Indicator
from klaster.measurement._backends.layout import MULTI_VALUED
from klaster.measurement._backends.polars.cells import Naming, Pending, Plan
from klaster.measurement._backends.polars.core import core_plan, poor_units
from klaster.measurement._backends.polars.members import MemberTable
from klaster.measurement._backends.polars.program import DIMS, Records
from klaster.measurement._frames import Frames
from klaster.measurement._result_blocks import Block
from klaster.measurement.core_indicators import CoreIndicator
from klaster.observations.core_variables import CORE_SECTOR

__all__ = ["blocks"]

_RECORDS = {
    "members": "members",
    "household_members": "members",
    "groups": "groups",
    "active_groups": "groups",
    "active_group_share": "groups",
    "legal_cooperatives": "cooperatives",
}

AnyIndicator = Indicator | CoreIndicator


class Split(NamedTuple):
    """What a columnar path shares before it computes (this path's and the SQL path's).

    The disaggregations it covers and those left to the Python path (``group`` or
    ``cooperative``), the dimensions read, the clusters' naming and the program as arrays.
    """

    fast_specs: list[Any]
    slow_specs: list[Any]
    dims: list[str]
    naming: Naming
    records: Records

    @classmethod
    def of(cls, engine: Any, frames: Frames, specs: list[Any]) -> Split | None:
        """The split of ``specs`` (``None``: nothing for a columnar path to compute)."""
        slow_specs = [s for s in specs if any(d in MULTI_VALUED for d in s)]
        fast_specs = [s for s in specs if s not in slow_specs]
        if not fast_specs:
            return None
        used = {d for spec in fast_specs for d in spec}
        dims = ["sector", *(d for d in DIMS if d in used)]
        naming = Naming([c.id for c in engine.program.clusters])
        any_frame = {f.cluster.id: f for _, _, of_key in frames for f in of_key}
        records = Records(engine.program, any_frame, dims, naming)
        return cls(fast_specs, slow_specs, dims, naming, records)


def blocks(
    engine: Any, indicators: Sequence[AnyIndicator], frames: Frames, specs: list[Any]
) -> tuple[dict[tuple[str, str], Block], list[tuple[str, ...]]]:
    """The rows of what the fast path covers, per (indicator code, round key).

    Returns:
        The blocks done here (the engine does the others) and the specs left to the Python
        path (those with ``group`` or ``cooperative``).
    """
    # Big arrays without numpy's huge pages: far cheaper to get in a fresh process (pages.py).
    with huge_pages_paused():
        return _blocks(engine, indicators, frames, specs)


def _blocks(
    engine: Any, indicators: Sequence[AnyIndicator], frames: Frames, specs: list[Any]
) -> tuple[dict[tuple[str, str], Block], list[tuple[str, ...]]]:
    found: dict[tuple[str, str], Block] = {}
    split = Split.of(engine, frames, specs)
    if split is None:
        return found, specs
    fast_specs, slow_specs, records = split.fast_specs, split.slow_specs, split.records
    # Polars collects one round key's plan in its own threads with the GIL released; this
    # thread meanwhile reads the next round key's columns and reads the last one's results
    # into figures. At most two round keys' tables are alive at once.
    with ThreadPoolExecutor(max_workers=1) as pool:
        running: tuple[str, list[Pending], Future[list[pl.DataFrame]]] | None = None
        for key, on, of_key in frames:
            pending = _pending(engine, indicators, records, of_key, fast_specs, (key, on))
            queries = [q for p in pending for q in p.queries]
            # Every table of the round key in one plan: the scopes' group-bys run together.
            started = (key, pending, pool.submit(pl.collect_all, queries))
            del pending, queries
            if running is not None:
                found.update(_finished(*running))
            running = started
        if running is not None:
            found.update(_finished(*running))
    return found, slow_specs


def _pending(
    engine: Any,
    indicators: Sequence[AnyIndicator],
    records: Records,
    frames: list[Any],
    specs: list[Any],
    round_key: tuple[str, Any],
) -> list[Pending]:
    """The round key's tables and plans, as lazy queries."""
    members = MemberTable(engine, frames, records)
    for indicator in indicators:
        if indicator.code not in _RECORDS:
            members.add(indicator, core_plan)
    pending: list[Pending] = []
    dims, naming = records.dims, records.naming
    for table, plans in members.lazy_tables():
        poor = poor_units(members, table) if _core(plans[0].indicator) else None
        pending.append(Pending(engine, table, dims, plans, specs, naming, round_key, poor))
    pending += _counted(engine, indicators, records, members, specs, round_key)
    return pending


def _finished(
    key: str, pending: list[Pending], running: Future[list[pl.DataFrame]]
) -> dict[tuple[str, str], Block]:
    """The blocks of a round key once its plan is collected."""
    done = iter(running.result())
    found: dict[tuple[str, str], Block] = {}
    for part in pending:
        results = [next(done) for _ in part.queries]
        found.update({(code, key): block for code, block in part.finish(results).items()})
    return found


def _counted(
    engine: Any,
    indicators: Sequence[AnyIndicator],
    records: Records,
    members: MemberTable,
    specs: list[Any],
    round_key: tuple[str, Any],
) -> list[Pending]:
    """The indicators counted from the records (members active, groups, cooperatives)."""
    wanted = {i.code: i for i in indicators if isinstance(i, CoreIndicator) and i.code in _RECORDS}
    if not wanted:
        return []
    on = records.on(members.frames)
    done: list[Pending] = []
    tables = {"members", "groups", "cooperatives"} & {_RECORDS[c] for c in wanted}
    for source in sorted(tables):
        plans = []
        if source == "members":
            # The round's household sizes only where a count of people is asked for.
            recorded = (
                members.surveyed.column("household_size") if "household_members" in wanted else None
            )
            table: pl.LazyFrame | pl.DataFrame = records.active_members(
                on, members.positions, recorded
            )
            dims = records.dims
            counted = {"members": pl.len(), "household_members": pl.col("size").sum()}
        elif source == "groups":
            table, dims = records.groups(on, members.frames), ["sector", *records.regional]
            active = pl.col("active").sum()
            counted = {"groups": pl.len(), "active_groups": active, "active_group_share": active}
        else:
            table, dims = records.cooperatives(on), records.regional
            counted = {"legal_cooperatives": pl.col("legal").sum()}
        for code, expr in counted.items():
            if code in wanted:
                plan = Plan(wanted[code], "sum", code)
                plan.aggs = [
                    pl.len().alias(f"{code}_units"),
                    pl.len().alias(f"{code}_n"),
                    expr.alias(f"{code}_total"),
                ]
                plan.scales = (0,)
                plans.append(plan)
        # (A table without rows gives no block: its query counts no unit.)
        if plans and (isinstance(table, pl.LazyFrame) or not table.is_empty()):
            lazy = table.lazy()
            done.append(Pending(engine, lazy, dims, plans, specs, records.naming, round_key))
    return done


def _core(indicator: AnyIndicator) -> bool:
    return not isinstance(indicator, Indicator) or indicator.sector == CORE_SECTOR
