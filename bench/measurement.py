"""Benchmark: the full indicator report of a national program, against a hand-written polars query.

Usage::

    python bench/measurement.py                    # 1,000,000 members (1,000 clusters)
    python bench/measurement.py --members 100000   # or --scale 0.1
    python bench/measurement.py --scaling          # 10k, 100k and 1M, one process each
    python bench/measurement.py --json             # machine-readable figures on stdout

The data (``bench/_measurement_data.py``, fixed seed) is a program of ``members`` members in
clusters of 1,000 with three rounds each (baseline, midline, endline), every value recorded through
``Observations.record_many``.

What is timed (each the best of ``--repeat`` interleaved runs):

* ``python``: ``Measurement(program, obs)`` then ``report(by=[(), ("cluster",), ("cluster",
  "sector")])`` of every core indicator (CIBEST quadrant shares and social-capital index
  included) and built-in sector indicator in every round, then
  ``Results.compare("baseline", "endline")``: the pure-Python path, from the stored columns to the
  tidy table of ``Decimal`` figures;
* ``fast``: the same with ``Measurement(..., backend="polars")`` (the ``columnar`` extra); reading
  the columns into polars is inside the timing;
* ``reference`` (``bench/_measurement_reference.py``): a hand-written polars query computing
  the same figures (value, n, missing for every indicator, round, cluster and sector; plus the
  baseline-versus-endline pairs) from polars frames of the same observations and program
  records, exported *before* the timing starts (the export is timed apart and not counted: the
  reference pays nothing for getting its data into polars, the library does). It works on scaled
  ``Int64`` integers like the library (a yield per hectare inside ``productivity_change`` is the
  quotient rounded half-even to 18 decimals, the formula language's rule, in ``Int128``) and
  divides figures in ``Float64``; its result is materialised as a Python dict, as the library's
  is a table.

Every timed action runs with the cyclic garbage collector paused (see ``timed``).

Also timed, once and outside the ratios: the CIBEST transitions table baseline → endline by the
same disaggregations (``Measurement.cibest_transitions``), on both paths, checked equal.

Checked in the same run: the fast path's rows equal the Python path's exactly (``Row`` equality:
every value, numerator, denominator, n and missing), and the reference agrees with them: n and
missing exactly, counts, sums, numerators and denominators exactly, and every ratio, share, mean
and FGT index to a relative 1e-9 (see ``agree``).
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as `python bench/measurement.py`: make `src` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._measurement_data import build
from bench._measurement_reference import Figure, Key, export, reference

from klaster.measurement.activity_indicators import ACTIVITY_CODES
from klaster.measurement.engine import Measurement
from klaster.measurement.mentoring_indicators import MENTORING_CODES
from klaster.measurement.na import NotAvailable
from klaster.measurement.results import Results

BY = [(), ("cluster",), ("cluster", "sector")]
RELATIVE = 1e-9
"""Tolerance of ratios, means and FGT indices (see ``agree``)."""


def surveyed(engine: Measurement) -> list[str]:
    """Every indicator but the mentoring and activity ones (this program records neither)."""
    left_out = {*MENTORING_CODES, *ACTIVITY_CODES}
    return [code for code in engine.codes() if code not in left_out]


# -- checks ---------------------------------------------------------------------------------------


EXACT_VALUES = {
    "members",
    "household_members",
    "groups",
    "active_groups",
    "legal_cooperatives",
    "jobs_created",
}


def agree(results: Results, ref: dict[Key, Figure]) -> int:
    """Assert the report and the reference give the same figures; returns rows checked.

    n and missing must be equal; counts and sums, and the numerators and denominators of every
    ratio, share and mean, exactly equal (the reference sums the same integers: recorded values,
    and per-unit quotients rounded by the engine's documented rule); every ratio, share, mean
    and FGT index to a relative ``RELATIVE`` (1e-9): the reference divides in float64 (a
    relative error of about 1e-16 per operation), and sums float terms for FGT, whose error
    grows at most with the number of terms (1e6 × 1.1e-16 ≈ 1e-10 in the worst case, far less
    with pairwise summation).
    """
    seen = set()
    for row in results:
        by = dict(row.by)
        key = (row.indicator, row.round_id or "", by.get("cluster"), by.get("sector"))
        assert key in ref, f"the reference has no figure for {key}"
        seen.add(key)
        value, n, missing, top, bottom = ref[key]
        assert (row.n, row.missing) == (n, missing), (key, row.n, row.missing, n, missing)
        if isinstance(row.value, NotAvailable):
            assert value is None, (key, row.value, value)
            continue
        assert value is not None, (key, row.value)
        if row.indicator in EXACT_VALUES:
            assert row.value == value, (key, row.value, value)
        else:
            assert abs(float(row.value) - value) <= RELATIVE * abs(value) + 1e-15, (
                key,
                row.value,
                value,
            )
        if top is not None and row.numerator is not None:
            assert row.numerator == top, (key, row.numerator, top)
        if bottom is not None and row.denominator is not None:
            assert row.denominator == bottom, (key, row.denominator, bottom)
    extra = set(ref) - seen
    assert not extra, f"the reference has figures the report lacks: {sorted(extra)[:5]}"
    return len(seen)


def compare_pairs(ref: dict[Key, Figure]) -> int:
    """How many baseline-versus-endline lines the reference gives (as ``Results.compare``)."""
    return sum(1 for k in ref if k[1] == "endline" and (k[0], "baseline", k[2], k[3]) in ref)


# -- running --------------------------------------------------------------------------------------


def timed(action: Callable[[], Any]) -> tuple[float, Any]:
    """Wall time of ``action``, with the cyclic garbage collector paused for all alike.

    A full collection walks every object of the million-member program (seconds) and lands in
    whichever run happens to allocate then; the engine pauses the collector itself, the
    reference would not, so every timed action runs with it paused.
    """
    gc.collect()
    gc.disable()
    try:
        started = time.perf_counter()
        result = action()
        return time.perf_counter() - started, result
    finally:
        gc.enable()


def run(members: int, repeat: int) -> dict[str, Any]:
    started = time.perf_counter()
    program, obs = build(members)
    built = time.perf_counter() - started
    export_s, frames = timed(lambda: export(program, obs))

    def report(backend: str) -> tuple[Results, Any]:
        engine = Measurement(program, obs, backend=backend)
        results = engine.report(surveyed(engine), by=BY)
        return results, results.compare("baseline", "endline")

    def ref() -> tuple[dict[Key, Figure], int]:
        figures = reference(frames)
        return figures, compare_pairs(figures)

    actions: dict[str, Callable[[], Any]] = {
        "reference": ref,
        "fast": lambda: report("polars"),
        "python": lambda: report("python"),
    }
    runs: dict[str, list[float]] = {k: [] for k in actions}
    results: dict[str, Any] = {}
    # Interleaved, best of --repeat each: a machine shared with other work slows all three alike.
    for _ in range(repeat):
        for name, action in actions.items():
            elapsed, results[name] = timed(action)
            runs[name].append(elapsed)
    (py, py_compare), (fast, fast_compare) = results["python"], results["fast"]
    assert py.rows == fast.rows, "the fast path and the Python path disagree"
    assert py_compare == fast_compare
    ref_figures, ref_pairs = results["reference"]
    checked = agree(py, ref_figures)
    assert len(py_compare) == ref_pairs, (len(py_compare), ref_pairs)
    t_ref, t_fast, t_py = (min(runs[k]) for k in ("reference", "fast", "python"))

    def moves(backend: str) -> Callable[[], Any]:
        engine = Measurement(program, obs, backend=backend)
        return lambda: engine.cibest_transitions("baseline", "endline", by=BY)

    transitions = {backend: timed(moves(backend)) for backend in ("polars", "python")}
    assert transitions["polars"][1] == transitions["python"][1], "the transition tables differ"
    return {
        "members": sum(len(c.members) for c in program.clusters),
        "clusters": len(program.clusters),
        "observations": len(obs),
        "rows": len(py),
        "compare_lines": len(py_compare),
        "checked_rows": checked,
        "build_s": round(built, 2),
        "export_s": round(export_s, 3),
        "reference_s": round(t_ref, 3),
        "fast_s": round(t_fast, 3),
        "python_s": round(t_py, 3),
        "fast_ratio": round(t_fast / t_ref, 2),
        "python_ratio": round(t_py / t_ref, 2),
        "transition_cells": len(transitions["polars"][1].cells),
        "transitions_fast_s": round(transitions["polars"][0], 3),
        "transitions_python_s": round(transitions["python"][0], 3),
        "runs": {k: [round(t, 3) for t in v] for k, v in runs.items()},
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "agree": True,
    }


def text(figures: dict[str, Any]) -> str:
    f = figures
    return (
        f"{f['members']:,} members in {f['clusters']:,} clusters, {f['observations']:,} "
        f"observation rows; report: {f['rows']:,} rows, {f['compare_lines']:,} comparison lines\n"
        f"  setup (build + record): {f['build_s']:.1f} s; export to polars (not timed): "
        f"{f['export_s']:.2f} s\n"
        f"  reference (polars query): {f['reference_s']:.3f} s\n"
        f"  fast (backend='polars'):  {f['fast_s']:.3f} s  = {f['fast_ratio']:.2f}x reference\n"
        f"  python:                   {f['python_s']:.3f} s  = {f['python_ratio']:.2f}x reference\n"
        f"  agreement: fast == python exactly; reference agrees on all {f['checked_rows']:,} rows\n"
        f"  CIBEST transitions baseline -> endline ({f['transition_cells']:,} cells, timed once, "
        f"not in the ratios): fast {f['transitions_fast_s']:.3f} s, "
        f"python {f['transitions_python_s']:.3f} s, equal"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--members", type=int, help="members in the program (default 1,000,000)")
    size.add_argument("--scale", type=float, help="members = scale × 1,000,000")
    size.add_argument("--scaling", action="store_true", help="10k, 100k and 1M, one process each")
    parser.add_argument("--repeat", type=int, default=3, help="interleaved runs; best counts")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    if args.scaling:
        sizes = [10_000, 100_000, 1_000_000]
        figures = [_child(n, args.repeat) for n in sizes]
        base = figures[0]
        for f in figures:
            factor = f["members"] / base["members"]
            for kind in ("reference", "fast", "python"):
                # Cost per member relative to 10k: 1.0 is linear.
                f[f"{kind}_per_member_vs_10k"] = round(
                    f[f"{kind}_s"] / base[f"{kind}_s"] / factor, 2
                )
        if args.json:
            print(json.dumps(figures))
        else:
            for f in figures:
                print(text(f))
                print(
                    "  per member vs 10k: "
                    + ", ".join(
                        f"{k} {f[f'{k}_per_member_vs_10k']}"
                        for k in ("reference", "fast", "python")
                    )
                )
        return 0
    members = args.members or round((args.scale or 1.0) * 1_000_000)
    figures_one = run(members, args.repeat)
    print(json.dumps(figures_one) if args.json else text(figures_one))
    return 0


def _child(members: int, repeat: int) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--members", str(members), "--repeat", str(repeat), "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)  # type: ignore[no-any-return]


if __name__ == "__main__":
    sys.exit(main())
