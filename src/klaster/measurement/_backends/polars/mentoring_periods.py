"""The mentoring table's totals with polars (``mentoring_table(..., backend="polars")``).

The same integers as ``klaster.measurement.mentoring_table._python_totals``: per cluster and
period, visits and facilitators from the log; members active at the period's end, those reached
in the period and the visits reaching them from the (visit, member) pairs of
:func:`~klaster.measurement._backends.polars.mentoring.reached`; days since the last visit from
each member's latest visit day carried forward over the periods (a running maximum); the
facilitators assigned at each period's end and their caseloads from
:func:`~klaster.measurement._backends.polars.mentoring.caseloads`.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

import numpy as np
import polars as pl

from klaster.measurement._backends.polars.mentoring import Tables, caseloads, export, reached
from klaster.measurement._periods import Totals, period_bounds
from klaster.model.program import Program

__all__ = ["totals"]

_EPOCH = _dt.date(1970, 1, 1).toordinal()
_SHIFT = 2**32
"""Above every day number: member × _SHIFT + day orders by member, then day."""


def _key(period: str) -> pl.Expr:
    day = (pl.col("day") - _EPOCH).cast(pl.Int32).cast(pl.Date)
    month = day.dt.year().cast(pl.Int64) * 12 + day.dt.month().cast(pl.Int64) - 1
    return (month if period == "month" else month // 3).alias("key")


def _per_member(
    tables: Tables, ranges: dict[str, range], number: dict[str, int], period: str
) -> dict[str, Any]:
    """Per cluster and period (in ``ranges`` order): members, visited, contacts, days, dated.

    Every member meets each period of their cluster in a grid laid out member by member, period
    by period, so a (visit, member) pair lands at its cell by arithmetic (no join), and each
    member's latest visit by then is one running maximum of ``member × 2**32 + day`` over the
    whole grid (a member's cells start above the previous member's).
    """
    n = len(tables.clusters)
    first, count = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64)
    for cluster_id, keys in ranges.items():
        first[number[cluster_id]], count[number[cluster_id]] = keys.start, len(keys)
    offset = np.cumsum(count) - count  # where each cluster's periods start (program order)
    ends = np.array(
        [period_bounds(k, period)[2].toordinal() for c in ranges for k in ranges[c]],
        dtype=np.int64,
    )
    cluster = tables.members["cluster"].to_numpy()
    reps = count[cluster]
    start = np.cumsum(reps) - reps  # each member's first cell
    cells = int(reps.sum())
    member = np.repeat(np.arange(len(cluster), dtype=np.int64), reps)
    step = np.arange(cells, dtype=np.int64) - np.repeat(start, reps)
    row = np.repeat(offset[cluster], reps) + step
    pairs = reached(tables)
    idx = pairs["idx"].to_numpy()
    key = tables.visits.select(_key(period)).to_series().to_numpy()[pairs["visit"].to_numpy()]
    at = start[idx] + key - first[cluster[idx]]
    contacts = np.bincount(at, minlength=cells)
    latest = np.full(cells, -1, dtype=np.int64)
    np.maximum.at(latest, at, pairs["day"].to_numpy())
    last = np.maximum.accumulate(member * _SHIFT + latest + 1) - member * _SHIFT - 1
    e = ends[row] if cells else np.zeros(0, dtype=np.int64)
    joined, left = np.repeat(tables.member_joined, reps), np.repeat(tables.member_left, reps)
    active = (joined <= e) & (e < left)
    dated = active & (last >= 0)
    rows, here = len(ends), row[active]
    return {
        "members": np.bincount(here, minlength=rows),
        "visited": np.bincount(row[active & (contacts > 0)], minlength=rows),
        "contacts": _sum(here, contacts[active], rows),
        "days": _sum(row[dated], (e - last)[dated], rows),
        "dated": np.bincount(row[dated], minlength=rows),
    }


def _sum(at: Any, values: Any, size: int) -> Any:
    """Integer sums of ``values`` by position ``at`` (exact)."""
    if len(values) == 0 or int(values.max()) * len(values) < 2**53:
        # Every partial sum is an integer below 2**53: float64 adds them exactly.
        return np.bincount(at, weights=values, minlength=size).astype(np.int64)
    out = np.zeros(size, dtype=np.int64)
    np.add.at(out, at, values)
    return out


def totals(
    program: Program, period: str, ranges: dict[str, range]
) -> dict[tuple[str, int], Totals]:
    """Each (cluster ID, period number)'s totals (see ``mentoring_table.Totals``)."""
    tables = export(program)
    number = {c: i for i, c in enumerate(tables.clusters)}
    rows = [
        (number[c], key, *(d.toordinal() for d in period_bounds(key, period)[1:]))
        for c, keys in ranges.items()
        for key in keys
    ]
    periods = pl.DataFrame(
        rows, schema={"cluster": pl.Int32, "key": pl.Int64, "s": pl.Int32, "e": pl.Int32},
        orient="row",
    )  # fmt: skip
    logged = (
        tables.visits.lazy()
        .with_columns(_key(period))
        .group_by("cluster", "key")
        .agg(pl.len().alias("visits"), pl.col("facilitator").n_unique().alias("active"))
    )
    grid = pl.DataFrame(
        {"cluster": periods["cluster"], "key": periods["key"],
         **_per_member(tables, ranges, number, period)},
    ).lazy()  # fmt: skip
    loads = caseloads(tables, periods.lazy().select("cluster", "key", on="e"))
    found = (
        periods.lazy()
        .join(logged, on=["cluster", "key"], how="left")
        .join(grid, on=["cluster", "key"], how="left")
        .join(loads, on=["cluster", "key"], how="left")
        .collect()
    )
    columns = [
        "visits", "active", "members", "visited", "contacts", "days", "dated", "assigned",
        "caseload",
    ]  # fmt: skip
    data = [np.asarray(found[c].fill_null(0).to_numpy(), dtype=np.int64).tolist() for c in columns]
    out: dict[tuple[str, int], Totals] = {}
    for i, (c, key) in enumerate(
        zip(found["cluster"].to_list(), found["key"].to_list(), strict=True)
    ):
        v, a, m, vis, con, d, n, assigned, load = (column[i] for column in data)
        out[(tables.clusters[c], key)] = (v, a, m, vis, con, d, n, assigned, load)
    return out
