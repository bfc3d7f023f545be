"""Benchmark: the full indicator report on each engine (issue 18): python, polars, duckdb, spark.

Usage::

    python bench/engines.py                       # 1,000,000 members (1,000 clusters)
    python bench/engines.py --members 100000
    python bench/engines.py --engines polars,duckdb --repeat 3 --json

The data is the measurement benchmark's synthetic program (``bench/_measurement_data.py``, fixed
seed: clusters of 1,000 members, baseline, midline and endline). What is timed, per engine, the
best of ``--repeat`` interleaved runs with the cyclic garbage collector paused:
``Measurement(program, obs, backend=engine).report(codes, by=[(), ("cluster",), ("cluster",
"sector")])`` of every indicator ``bench/measurement.py`` times (all but the mentoring and
activity ones, which this program does not record): from the stored columns to the tidy table of
``Decimal`` figures. Each engine's rows are checked equal to the first engine's (``Row``
equality: value, numerator, denominator, n, missing); ratios are to the ``polars`` engine.
``spark`` runs only when its runner (``klaster.measurement._backends.sql.spark``) is installed.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as `python bench/engines.py`: make `src` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._measurement_data import build

from klaster.measurement.activity_indicators import ACTIVITY_CODES
from klaster.measurement.engine import Measurement
from klaster.measurement.mentoring_indicators import MENTORING_CODES

BY = [(), ("cluster",), ("cluster", "sector")]


def run(program: Any, obs: Any, engine: str) -> tuple[float, Any]:
    """One timed report on ``engine``: (seconds, results)."""
    gc.collect()
    gc.disable()
    try:
        start = time.perf_counter()
        measurement = Measurement(program, obs, backend=engine)
        left_out = {*MENTORING_CODES, *ACTIVITY_CODES}
        codes = [c for c in measurement.codes() if c not in left_out]
        results = measurement.report(codes, by=BY)
        return time.perf_counter() - start, results
    finally:
        gc.enable()


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; exit 1 when an engine's rows differ from the first engine's."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--engines", default="python,polars,duckdb")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    engines = args.engines.split(",")
    start = time.perf_counter()
    program, obs = build(args.members)
    built = time.perf_counter() - start
    best: dict[str, float] = {}
    rows: dict[str, Any] = {}
    for _ in range(args.repeat):
        for engine in engines:
            seconds, results = run(program, obs, engine)
            best[engine] = min(best.get(engine, seconds), seconds)
            rows.setdefault(engine, results.rows)
            del results
    first = rows[engines[0]]
    equal = {engine: rows[engine] == first for engine in engines}
    base = best.get("polars")
    out = {
        "members": args.members,
        "built_s": round(built, 2),
        "rows": len(first),
        "best_s": {e: round(s, 3) for e, s in best.items()},
        "ratio_to_polars": {e: round(s / base, 3) for e, s in best.items()} if base else {},
        "equal_to_" + engines[0]: equal,
    }
    if args.json:
        print(json.dumps(out))
    else:
        for key, value in out.items():
            print(f"{key}: {value}")
    return 0 if all(equal.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
