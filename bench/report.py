"""Benchmark: the program report of a national program, against computing its figures.

Usage::

    python bench/report.py                     # 1,000,000 members (1,000 clusters)
    python bench/report.py --members 100000    # a smaller program
    python bench/report.py --json              # machine-readable figures on stdout

The data is the measurement benchmark's synthetic program (``bench/_measurement_data.py``, fixed
seed): clusters of 1,000 members in umkm, farming and livestock with a baseline, a midline and an
endline each.

What is timed (each the best of ``--repeat`` interleaved runs, the cyclic garbage collector
paused as in ``bench/measurement.py``; both sides on the same ``--backend``):

* ``figures``: computing every figure the report shows, with the engine calls the report
  makes: ``Measurement(program, observations)``; ``report`` of every indicator of its tables
  (core, welfare, the sectors' own and those of the plugins' report sections) in total and by
  sector for every round; the readiness criteria's indicators by cluster and by cluster and
  sector; the livestock section's indicators by cluster; ``cibest_transitions`` baseline →
  endline;
* ``report``: the whole report from the same inputs: ``klaster.reports.build_report`` (its own
  measurement, every section: the timeline, the counts, the indicator tables, the charts' data,
  FGT and the CIBEST transitions baseline → endline, readiness of every cluster on its latest
  round, the livestock plugin's section by cluster) and ``render_html`` in Indonesian (charts as
  inline SVG with matplotlib).

The goal (issue 14): ``report`` ≤ 2 × ``figures``. Checked in the same run: the report's
indicator table shows exactly the figures (value and n) of the ``figures`` run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as `python bench/report.py`: make `src` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._measurement_data import build

from klaster.measurement import cluster_exit_criteria
from klaster.measurement.results import Results
from klaster.reports import Report, build_report, render_html
from klaster.reports.context import ReportData, Scope
from klaster.reports.document import Table
from klaster.reports.plugin_sections import plugin_sections

DAY = dt.date(2016, 1, 1)
GOAL = 2.0


def figures(program: Any, observations: Any, backend: str) -> Results:
    """Every figure of the report, computed with the engine calls the report makes.

    Returns the figures of its indicator tables (the others are computed and dropped).
    """
    data = ReportData(program, observations, (), Scope(), DAY, backend)
    declared = plugin_sections(data)
    data.compute(declared.codes())
    engine = data.engine
    assert engine is not None
    criteria = {
        part.reads
        for cluster in program.clusters
        for criterion in cluster_exit_criteria(cluster)
        for part in criterion.parts()
    }
    readable = sorted(c for c in criteria if c is not None and c in engine.codes())
    engine.report(readable, by=[("cluster",), ("cluster", "sector")])
    for section, _ in declared.declared:
        for dim in section.by:
            engine.report(list(section.indicators), by=[(dim,)])
    rounds = data.rounds()
    engine.cibest_transitions(rounds[0][0], rounds[-1][0])
    return Results(data.rows)


def report(program: Any, observations: Any, backend: str) -> tuple[Report, str]:
    """The report, built and rendered as one HTML page."""
    built = build_report(program, observations, made_on=DAY, backend=backend)
    return built, render_html(built, "id")


def timed(action: Callable[[], Any]) -> tuple[float, Any]:
    """Seconds one call takes, with the cyclic garbage collector paused; and its result."""
    gc.collect()
    gc.disable()
    try:
        start = time.perf_counter()
        result = action()
        return time.perf_counter() - start, result
    finally:
        gc.enable()


def agree(results: Results, built: Report) -> int:
    """The report's indicator table shows the figures' values and n exactly; rows checked."""
    by_key = {(r.indicator, r.round_id): r for r in results if not r.by}
    section = next(s for s in built.sections if s.key == "indicators")
    table = next(b for b in section.blocks if isinstance(b, Table))
    keys = [c.key for c in table.columns]
    checked = 0
    for row in table.rows:
        for column in keys:
            if column.startswith("v_"):
                round_key = column[2:]
                figure = by_key[(str(row[0]), round_key)]
                assert row[keys.index(column)] == figure.value, (row[0], round_key)
                assert row[keys.index("n_" + round_key)] == figure.n, (row[0], round_key)
                checked += 1
    return checked


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the figures (or JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--backend", choices=("python", "polars"), default="polars")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    program, observations = build(args.members)
    built_in = time.perf_counter() - started
    best = {"figures": float("inf"), "report": float("inf")}
    results: Results | None = None
    made: tuple[Report, str] | None = None
    for _ in range(args.repeat):
        seconds, results = timed(lambda: figures(program, observations, args.backend))
        best["figures"] = min(best["figures"], seconds)
        seconds, made = timed(lambda: report(program, observations, args.backend))
        best["report"] = min(best["report"], seconds)
    assert results is not None
    assert made is not None
    checked = agree(results, made[0])
    ratio = best["report"] / best["figures"]
    found = {
        "members": args.members,
        "clusters": len(program.clusters),
        "backend": args.backend,
        "repeat": args.repeat,
        "data_seconds": round(built_in, 2),
        "figures_seconds": round(best["figures"], 3),
        "report_seconds": round(best["report"], 3),
        "ratio": round(ratio, 2),
        "goal": GOAL,
        "html_bytes": len(made[1].encode("utf-8")),
        "sections": len(made[0].sections),
        "figures_checked": checked,
    }
    if args.json:
        print(json.dumps(found, indent=2))
    else:
        print(
            f"{args.members:,} members in {found['clusters']:,} clusters ({args.backend}), "
            f"best of {args.repeat}:\n"
            f"  figures  {best['figures']:8.2f} s\n"
            f"  report   {best['report']:8.2f} s  (build + HTML, {found['html_bytes']:,} bytes)\n"
            f"  ratio    {ratio:8.2f}  (goal <= {GOAL})\n"
            f"  checked  {checked} figures equal"
        )
    return 0 if ratio <= GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
