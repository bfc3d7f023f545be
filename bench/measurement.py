"""Benchmark: the full indicator report of a national program against hand-written peers.

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

* ``fast_first_s``: the fast path's first report of the process (the one ``peak_rss`` measures,
  before the exports and peers exist), timed apart: a user's one run pays what it does;

* ``duckdb`` and ``polars_expert`` (``bench/_measurement_peers.py``): the two best hand-written
  peers of the same figures, hand-written SQL over Arrow tables in an in-memory DuckDB and one
  lazy polars plan collected at once; ratios are to the fastest peer of the run.

Every timed action runs with the cyclic garbage collector paused (see ``timed``). Every row of
the fast path's report is checked against every peer; a mismatch exits 1. Peak memory of one
fast report is measured first, before the exports exist (``peak_rss``).

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
from bench._measurement_peers import DuckPeer, expert_polars
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


class Mismatch(AssertionError):
    """A peer's figure differs from the library's (the benchmark exits non-zero)."""


def _check(ok: bool, *what: Any) -> None:
    if not ok:
        raise Mismatch(repr(what))


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
        _check(key in ref, "the peer has no figure for", key)
        seen.add(key)
        value, n, missing, top, bottom = ref[key]
        _check((row.n, row.missing) == (n, missing), key, row.n, row.missing, n, missing)
        if isinstance(row.value, NotAvailable):
            _check(value is None, key, row.value, value)
            continue
        _check(value is not None, key, row.value)
        if row.indicator in EXACT_VALUES:
            _check(row.value == value, key, row.value, value)
        else:
            close = abs(float(row.value) - value) <= RELATIVE * abs(value) + 1e-15
            _check(close, key, row.value, value)
        if top is not None and row.numerator is not None:
            _check(row.numerator == top, key, row.numerator, top)
        if bottom is not None and row.denominator is not None:
            _check(row.denominator == bottom, key, row.denominator, bottom)
    extra = set(ref) - seen
    _check(not extra, "the peer has figures the report lacks", sorted(extra)[:5])
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


def _status(field: str) -> int:
    """A ``/proc/self/status`` memory figure in MB (``-1`` where there is none)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return round(int(line.split()[1]) / 1024)
    except OSError:
        pass
    return -1


def peak_rss(action: Callable[[], Any]) -> tuple[int, int]:
    """Resident MB before ``action`` and the process's peak resident MB while it ran.

    Linux: writing 5 to ``/proc/self/clear_refs`` resets the peak (``VmHWM``) to the current
    resident size, so the peak read afterwards is that of ``action`` on top of what the
    process already held (the program and its observations). ``-1`` where unsupported.
    """
    gc.collect()
    before = _status("VmRSS")
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return before, -1
    action()
    return before, _status("VmHWM")


def run(members: int, repeat: int, python: bool = True) -> dict[str, Any]:
    started = time.perf_counter()
    program, obs = build(members)
    built = time.perf_counter() - started

    def report(backend: str) -> tuple[Results, Any]:
        engine = Measurement(program, obs, backend=backend)
        results = engine.report(surveyed(engine), by=BY)
        return results, results.compare("baseline", "endline")

    # Memory first, before the exports and peers hold anything: the process then holds the
    # program and its observations, as a process reporting from them would. That report is
    # the process's first, timed too: what a user's one run pays (``fast_first_s``).
    first: dict[str, float] = {}

    def first_report() -> None:
        first["s"] = timed(lambda: report("polars"))[0]

    resident_mb, peak_mb = peak_rss(first_report)
    export_s, frames = timed(lambda: export(program, obs))
    duck = DuckPeer(frames)  # Arrow tables registered in DuckDB: not timed, as the export

    def with_pairs(peer: Callable[[], dict[Key, Figure]]) -> Callable[[], Any]:
        def action() -> tuple[dict[Key, Figure], int]:
            figures = peer()
            return figures, compare_pairs(figures)

        return action

    actions: dict[str, Callable[[], Any]] = {
        "duckdb": with_pairs(duck),
        "polars_expert": with_pairs(lambda: expert_polars(frames)),
        "reference": with_pairs(lambda: reference(frames)),
        "fast": lambda: report("polars"),
    }
    if python:
        actions["python"] = lambda: report("python")
    runs: dict[str, list[float]] = {k: [] for k in actions}
    results: dict[str, Any] = {}
    # Interleaved, best of --repeat each: a machine shared with other work slows all alike.
    for _ in range(repeat):
        for name, action in actions.items():
            elapsed, results[name] = timed(action)
            runs[name].append(elapsed)
    fast, fast_compare = results["fast"]
    if python:
        py, py_compare = results["python"]
        _check(py.rows == fast.rows, "the fast path and the Python path disagree")
        _check(py_compare == fast_compare, "the comparisons differ")
    checked = {}
    for peer in PEERS:
        ref_figures, ref_pairs = results[peer]
        checked[peer] = agree(fast, ref_figures)
        _check(len(fast_compare) == ref_pairs, peer, len(fast_compare), ref_pairs)
    best = {k: min(v) for k, v in runs.items()}
    # The best peer of the run: DuckDB SQL, the expert polars plan, or the plain polars
    # reference when it happens to be the fastest (it is hand-written too).
    peer_best = min(best[p] for p in PEERS)
    figures: dict[str, Any] = {
        "members": sum(len(c.members) for c in program.clusters),
        "clusters": len(program.clusters),
        "observations": len(obs),
        "rows": len(fast),
        "compare_lines": len(fast_compare),
        "checked_rows": min(checked.values()),
        "build_s": round(built, 2),
        "export_s": round(export_s, 3),
        **{f"{k}_s": round(t, 3) for k, t in best.items()},
        "fast_first_s": round(first["s"], 3),
        "fast_first_ratio": round(first["s"] / peer_best, 2),
        **{f"{k}_ratio": round(t / peer_best, 2) for k, t in best.items()},
        "fast_vs_duckdb": round(best["fast"] / best["duckdb"], 2),
        "fast_vs_polars_expert": round(best["fast"] / best["polars_expert"], 2),
        "fast_vs_reference": round(best["fast"] / best["reference"], 2),
        "runs": {k: [round(t, 3) for t in v] for k, v in runs.items()},
    }
    if python:

        def moves(backend: str) -> Callable[[], Any]:
            engine = Measurement(program, obs, backend=backend)
            return lambda: engine.cibest_transitions("baseline", "endline", by=BY)

        transitions = {backend: timed(moves(backend)) for backend in ("polars", "python")}
        _check(transitions["polars"][1] == transitions["python"][1], "transition tables differ")
        figures.update(
            transition_cells=len(transitions["polars"][1].cells),
            transitions_fast_s=round(transitions["polars"][0], 3),
            transitions_python_s=round(transitions["python"][0], 3),
        )
    figures["report_resident_before_mb"] = resident_mb
    figures["report_peak_rss_mb"] = peak_mb
    figures["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    figures["agree"] = True
    return figures


PEERS = ("duckdb", "polars_expert", "reference")
"""Every peer's figures are checked against the library's rows, row by row."""


def text(figures: dict[str, Any]) -> str:
    f = figures
    lines = [
        f"{f['members']:,} members in {f['clusters']:,} clusters, {f['observations']:,} "
        f"observation rows; report: {f['rows']:,} rows, {f['compare_lines']:,} comparison lines",
        f"  setup (build + record): {f['build_s']:.1f} s; export to polars (not timed): "
        f"{f['export_s']:.2f} s",
        "  ratios are to the best peer of the run (DuckDB SQL, expert polars or the plain",
        "  polars reference), each the best of its runs:",
    ]
    for name, label in (
        ("duckdb", "DuckDB SQL (peer)"),
        ("polars_expert", "expert polars (peer)"),
        ("reference", "plain polars reference"),
        ("fast", "fast (backend='polars')"),
        ("python", "python"),
    ):
        if f"{name}_s" in f:
            lines.append(f"  {label:<24} {f[f'{name}_s']:.3f} s = {f[f'{name}_ratio']:.2f}x")
    lines.append(
        f"  {'fast, first report':<24} {f['fast_first_s']:.3f} s = {f['fast_first_ratio']:.2f}x"
        " (the process's first, before the peers ran; not among the best-of runs)"
    )
    lines.append(
        f"  fast / DuckDB {f['fast_vs_duckdb']:.2f}x, fast / expert polars "
        f"{f['fast_vs_polars_expert']:.2f}x, fast / plain reference {f['fast_vs_reference']:.2f}x;"
        f" every peer agrees on all {f['checked_rows']:,} rows"
    )
    if "transition_cells" in f:
        lines.append(
            f"  CIBEST transitions baseline -> endline ({f['transition_cells']:,} cells, timed "
            f"once, not in the ratios): fast {f['transitions_fast_s']:.3f} s, "
            f"python {f['transitions_python_s']:.3f} s, equal"
        )
    lines.append(
        f"  memory: {f['report_resident_before_mb']:,} MB resident with the program and "
        f"observations, peak {f['report_peak_rss_mb']:,} MB during one fast report; "
        f"peak of the whole benchmark process {f['peak_rss_mb']:,} MB"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--members", type=int, help="members in the program (default 1,000,000)")
    size.add_argument("--scale", type=float, help="members = scale × 1,000,000")
    size.add_argument("--scaling", action="store_true", help="10k, 100k and 1M, one process each")
    parser.add_argument("--repeat", type=int, default=3, help="interleaved runs; best counts")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--no-python", action="store_true", help="leave out the pure-Python path (faster runs)"
    )
    args = parser.parse_args(argv)
    if args.scaling:
        sizes = [10_000, 100_000, 1_000_000]
        figures = [_child(n, args.repeat) for n in sizes]
        base = figures[0]
        for f in figures:
            factor = f["members"] / base["members"]
            for kind in ("duckdb", "polars_expert", "reference", "fast", "python"):
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
                        for k in ("duckdb", "polars_expert", "fast", "python")
                    )
                )
        return 0
    members = args.members or round((args.scale or 1.0) * 1_000_000)
    try:
        figures_one = run(members, args.repeat, python=not args.no_python)
    except Mismatch as error:
        print(f"MISMATCH: {error}", file=sys.stderr)
        return 1
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
