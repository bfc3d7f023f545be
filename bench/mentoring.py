"""Benchmark: mentoring figures of a national program, against hand-written columnar queries.

Usage::

    python bench/mentoring.py                      # 1,000,000 members × 24 months, best of 3
    python bench/mentoring.py --members 100000 --repeat 3
    python bench/mentoring.py --members 2000 --json --repeat 1   # what the smoke test runs

The data (``bench/_mentoring_data.py``, fixed seed): clusters of 1,000 members in groups of 10,
five facilitators per cluster each assigned 20 groups; every group visited once a month for 24
months (January 2012 to December 2013) and each facilitator's five individual visits a month;
rounds at a baseline, midline and endline date per cluster.

What is timed (each the best of ``--repeat`` interleaved runs, the cyclic collector paused for all):

* ``klaster``: ``mentoring_table(program, "month", backend="polars")`` (one row per cluster and
  month) plus ``Measurement(program, obs, backend="polars").report(MENTORING_CODES,
  by=[(), ("cluster",)])`` (the six mentoring indicators in every round, per cluster and for the
  program): from the program and its log in memory to the figures; each part is timed too;
* ``polars``: the hand-written lazy polars plan of ``bench/_mentoring_reference.py`` (group
  visits joined to the membership spells, periods and round dates joined on, collected once)
  computing the same integers, materialised as Python dicts;
* ``duckdb``: the same in DuckDB SQL.

The references read polars frames with integer keys exported from the program *before* the
timing (the export is timed apart, not counted; DuckDB gets them copied into its tables).

Checked in the same run: every integer of the table and of each indicator (n, missing, numerator,
denominator) equals both references', and each figure is the one ``Decimal`` division of those
integers (28 significant digits, half-even: ``Decimal(top) / Decimal(bottom)``, the library's
rule), so the figures are equal exactly. The pure-Python backend (timed once) gives the same
table and report.

Also timed once: the user's path from disk: the program and its rounds written to a store
(``Store.create``, not counted), then ``Store.open`` + ``load_program`` + ``load_observations`` +
the same table and report.
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as `python bench/mentoring.py`: make `src` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._mentoring_data import build
from bench._mentoring_reference import (
    duckdb_connection,
    duckdb_reference,
    export,
    polars_reference,
)

from klaster import Program
from klaster.measurement import MENTORING_CODES, MentoringPeriod, mentoring_table
from klaster.measurement.engine import Measurement
from klaster.measurement.na import NotAvailable
from klaster.measurement.results import Results
from klaster.observations import Observations

BY = [(), ("cluster",)]
ROUNDS = ("baseline", "midline", "endline")


# -- what klaster computes ------------------------------------------------------------------------


def klaster_figures(
    program: Program, obs: Observations, backend: str
) -> tuple[tuple[MentoringPeriod, ...], Results]:
    """The mentoring table by cluster and month, and the six indicators in every round."""
    table = mentoring_table(program, "month", backend=backend)
    report = Measurement(program, obs, backend=backend).report(MENTORING_CODES, by=BY)
    return table, report


# -- checks ---------------------------------------------------------------------------------------


def _ratio(top: int, bottom: int) -> Decimal | None:
    return Decimal(top) / Decimal(bottom) if bottom else None


def _same(value: Any, top: int, bottom: int, where: Any) -> None:
    expected = _ratio(top, bottom)
    if expected is None:
        assert isinstance(value, NotAvailable), (where, value)
    else:
        assert value == expected, (where, value, expected)


def check_table(
    table: tuple[MentoringPeriod, ...], ref: dict[tuple[str, int], tuple[int, ...]]
) -> int:
    """Every row of the table against the reference's integers; returns rows checked."""
    seen = set()
    for row in table:
        year, month = map(int, row.period.split("-"))
        key = (row.cluster_id, year * 12 + month - 1)
        assert key in ref, f"the reference has no period {key}"
        seen.add(key)
        visits, active, members, visited, contacts, days, dated, assigned, caseload = ref[key]
        got = (row.visits, row.facilitators_active, row.members, row.members_visited)
        assert got == (visits, active, members, visited), (key, got, ref[key])
        assert row.facilitators_assigned == assigned, (key, row.facilitators_assigned, assigned)
        _same(row.share_visited, visited, members, (key, "share_visited"))
        _same(row.visits_per_member, contacts, members, (key, "visits_per_member"))
        _same(row.caseload_per_facilitator, caseload, assigned, (key, "caseload"))
        _same(row.days_since_last_visit, days, dated, (key, "days_since_last_visit"))
    missing = set(ref) - seen
    assert not missing, f"the table lacks periods of the reference: {sorted(missing)[:5]}"
    return len(seen)


Expected = tuple[int, int, int | None, int | None]  # n, missing, numerator, denominator


def expected_rows(
    ref: dict[tuple[str, str], tuple[Any, ...]],
) -> dict[tuple[str, str, str | None], Expected]:
    """Each indicator's n, missing, numerator and denominator, per cluster and for the program."""
    parts: dict[tuple[str, str, str | None], list[tuple[int, int, int, int]]] = {}
    for (cluster, rnd), values in ref.items():
        members, window, days, dated, recent, groups, groups_recent, months, caseload, people = (
            values
        )
        has_months, has_people = months is not None, people > 0
        one = {
            "visits_per_member_month": (members, 0, window, 12 * members),
            "days_since_last_visit": (dated, members - dated, days, dated),
            "members_visited_90d": (members, 0, recent, members),
            "groups_visited_90d": (groups, 0, groups_recent, groups),
            "months_since_mentoring_ended": (int(has_months), int(not has_months),
                                             months or 0, int(has_months)),
            "members_per_facilitator": (int(has_people), int(not has_people), caseload, people),
        }  # fmt: skip
        for code, figure in one.items():
            parts.setdefault((code, rnd, cluster), []).append(figure)
            parts.setdefault((code, rnd, None), []).append(figure)
    out: dict[tuple[str, str, str | None], Expected] = {}
    for key, figures in parts.items():
        n, missing, top, bottom = (sum(column) for column in zip(*figures, strict=True))
        out[key] = (n, missing, top, bottom) if n else (n, missing, None, None)
    return out


def check_report(report: Results, ref: dict[tuple[str, str], tuple[Any, ...]]) -> int:
    """Every row of the report against the reference's integers; returns rows checked."""
    expected = expected_rows(ref)
    seen = set()
    for row in report:
        by = dict(row.by)
        key = (row.indicator, row.round_id or "", by.get("cluster"))
        assert key in expected, f"the reference has no figure for {key}"
        seen.add(key)
        n, missing, top, bottom = expected[key]
        assert (row.n, row.missing) == (n, missing), (key, row.n, row.missing, n, missing)
        if top is None or not bottom:
            assert isinstance(row.value, NotAvailable), (key, row.value)
            continue
        assert (row.numerator, row.denominator) == (Decimal(top), Decimal(bottom)), (
            key, row.numerator, row.denominator, top, bottom,
        )  # fmt: skip
        assert row.value == Decimal(top) / Decimal(bottom), (key, row.value, top, bottom)
    extra = set(expected) - seen
    assert not extra, f"the reference has figures the report lacks: {sorted(extra, key=str)[:5]}"
    return len(seen)


# -- running --------------------------------------------------------------------------------------


def timed(action: Callable[[], Any]) -> tuple[float, Any]:
    """Wall time of ``action``, the cyclic garbage collector paused for all alike."""
    gc.collect()
    gc.disable()
    try:
        started = time.perf_counter()
        result = action()
        return time.perf_counter() - started, result
    finally:
        gc.enable()


def from_store(path: Path) -> Callable[[], Any]:
    """The user's path from disk: open the store, load the program and rounds, compute."""
    from klaster import Store

    def action() -> Any:
        with Store.open(path, readonly=True) as store:
            program = store.load_program()
            obs = store.load_observations(program)
        return klaster_figures(program, obs, "polars")

    return action


def run(members: int, repeat: int, *, python: bool, store: bool) -> dict[str, Any]:
    started = time.perf_counter()
    program, obs = build(members)
    built = time.perf_counter() - started
    export_s, frames = timed(lambda: export(program, obs))
    con = duckdb_connection(frames)

    actions: dict[str, Callable[[], Any]] = {
        "polars": lambda: polars_reference(frames),
        "duckdb": lambda: duckdb_reference(frames, con),
        "table": lambda: mentoring_table(program, "month", backend="polars"),
        "indicators": lambda: Measurement(program, obs, backend="polars").report(
            MENTORING_CODES, by=BY
        ),
    }
    runs: dict[str, list[float]] = {k: [] for k in actions}
    results: dict[str, Any] = {}
    # Interleaved, best of --repeat each: a machine shared with other work slows all alike.
    for _ in range(repeat):
        for name, action in actions.items():
            elapsed, results[name] = timed(action)
            runs[name].append(elapsed)
    best = {k: min(v) for k, v in runs.items()}
    best["klaster"] = best["table"] + best["indicators"]
    ref_table, ref_rounds = results["polars"]
    assert results["duckdb"] == results["polars"], "the polars and DuckDB references disagree"
    table_rows = check_table(results["table"], ref_table)
    report_rows = check_report(results["indicators"], ref_rounds)
    figures: dict[str, Any] = {
        "members": sum(len(c.members) for c in program.clusters),
        "clusters": len(program.clusters),
        "groups": sum(len(c.groups) for c in program.clusters),
        "visits": len(program.fieldwork.visits),
        "assignments": len(program.fieldwork.assignments),
        "rounds": len(ref_rounds),
        "table_rows": table_rows,
        "report_rows": report_rows,
        "build_s": round(built, 2),
        "export_s": round(export_s, 3),
        **{f"{k}_s": round(v, 3) for k, v in best.items()},
        "ratio_polars": round(best["klaster"] / best["polars"], 2),
        "ratio_duckdb": round(best["klaster"] / best["duckdb"], 2),
        "runs": {k: [round(t, 3) for t in v] for k, v in runs.items()},
        "agree": True,
    }
    if python:
        elapsed, (py_table, py_report) = timed(lambda: klaster_figures(program, obs, "python"))
        assert py_table == results["table"], "the Python backend's table differs"
        assert py_report == results["indicators"], "the Python backend's report differs"
        figures["python_s"] = round(elapsed, 3)
    if store:
        from klaster import Store

        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "mentoring.klaster"
            created, made = timed(lambda: Store.create(path, program, observations=obs))
            made.close()
            elapsed, (s_table, s_report) = timed(from_store(path))
            assert s_table == results["table"], "the table from the store differs"
            assert s_report == results["indicators"], "the report from the store differs"
            figures["store_create_s"] = round(created, 2)
            figures["store_path_s"] = round(elapsed, 3)
            figures["store_mb"] = round(path.stat().st_size / 2**20)
    figures["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return figures


def text(f: dict[str, Any]) -> str:
    lines = [
        f"{f['members']:,} members in {f['clusters']:,} clusters ({f['groups']:,} groups), "
        f"{f['visits']:,} visits, {f['assignments']:,} assignments, {f['rounds']:,} rounds",
        f"  setup (build through the API): {f['build_s']:.1f} s; export to polars (not timed): "
        f"{f['export_s']:.2f} s",
        f"  reference, polars lazy plan:  {f['polars_s']:.3f} s",
        f"  reference, DuckDB SQL:        {f['duckdb_s']:.3f} s",
        f"  klaster mentoring_table:      {f['table_s']:.3f} s ({f['table_rows']:,} rows)",
        f"  klaster indicators (report):  {f['indicators_s']:.3f} s ({f['report_rows']:,} rows)",
        f"  klaster total:                {f['klaster_s']:.3f} s = {f['ratio_polars']:.2f}x "
        f"polars, {f['ratio_duckdb']:.2f}x DuckDB",
        "  agreement: every integer equal to both references; figures equal exactly",
    ]
    if "python_s" in f:
        lines.append(f"  python backend (once): {f['python_s']:.3f} s, same table and report")
    if "store_path_s" in f:
        lines.append(
            f"  from the store (once): {f['store_path_s']:.3f} s (open, load program and rounds, "
            f"compute; store of {f['store_mb']} MB created in {f['store_create_s']:.1f} s)"
        )
    lines.append(f"  peak memory: {f['peak_rss_mb']:,} MB")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=1_000_000, help="default 1,000,000")
    parser.add_argument("--repeat", type=int, default=3, help="interleaved runs; best counts")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--no-python", action="store_true", help="skip the Python backend")
    parser.add_argument("--no-store", action="store_true", help="skip the path from a store")
    args = parser.parse_args(argv)
    figures = run(args.members, args.repeat, python=not args.no_python, store=not args.no_store)
    print(json.dumps(figures) if args.json else text(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
