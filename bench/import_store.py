"""Benchmark: import a Kobo-style survey export into a store, against csv + sqlite3.executemany.

Usage::

    python bench/import_store.py                  # 1,000,000 rows
    python bench/import_store.py --rows 100000 --repeat 3
    python bench/import_store.py --json           # machine-readable figures on stdout

The data (``bench/_kobo_data.py``, fixed seed): a program of ``rows`` UMKM members in clusters of
10,000, and a KoboToolbox-style ``;`` CSV with one submission per member (a monitoring round per
cluster, declared by the mapping as ``{cluster}-monitoring-2015``) and six variables: income in
thousands of Rupiah (``ribu``), revenue in thousands with a decimal, household size and workers,
whether the business runs (``ya``/``tidak``) and a select-multiple option (``nib``), plus Kobo's
meta columns. Building the program, writing the file and creating the store (its members) are
not timed.

What is timed (each the best of ``--repeat`` interleaved runs, each on a fresh copy of the same
new store):

* ``library``: ``read_submissions`` (every cell parsed and checked, units looked up, rounds
  declared) then ``Store.apply_import`` (one transaction: rounds, units, values, submissions);
* ``reference``: ``csv.reader`` over the same file and a plain ``sqlite3.executemany`` of the
  same long rows (round key, variable key, unit key, value encoded as the store encodes it) into
  a table with the store's ``observation_values`` columns and primary key, in a database with the
  store's pragmas, in one transaction; the unit and round keys come from dicts built before the
  timing (the reference pays nothing for them, the library does).

Wall-clock time decides; the CPU time of the process is printed beside it, as it is less
disturbed by other work on a shared machine.

Checked in the same run: the store and the reference hold the same number of rows, of values
present, and the same sum of stored values, for every variable.
"""

from __future__ import annotations

import argparse
import csv
import gc
import json
import resource
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as `python bench/import_store.py`: make `src` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._kobo_data import MAPPING, VARIABLES, cluster_ids, program, write_export

from klaster.importing import parse_mapping, read_submissions
from klaster.observations.core_variables import variable_catalogue
from klaster.observations.values import Observations
from klaster.store import Store

Checksum = dict[str, tuple[int, int, int]]  # variable → rows, values present, sum of values
_TABLE = """
CREATE TABLE observation_values (
    round_key INTEGER NOT NULL,
    variable_key INTEGER NOT NULL,
    unit_key INTEGER NOT NULL,
    value,
    PRIMARY KEY (round_key, variable_key, unit_key)
) WITHOUT ROWID
"""


def catalogue() -> dict[str, Any]:
    return variable_catalogue()


def library(base: Path, run: Path, export: Path, prog: Any, obs: Observations) -> Checksum:
    """Read the export and apply it to a fresh copy of the store; the store's checksum."""
    _copy(base, run)
    mapping = parse_mapping(MAPPING)
    with Store.open(run) as store:
        batch = read_submissions(export, mapping, program=prog, observations=obs)
        summary = store.apply_import(batch)
    assert summary.rows_added == sum(len(b) for b in batch.blocks)
    return _store_checksum(run)


def _copy(base: Path, run: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{run}{suffix}").unlink(missing_ok=True)
        if Path(f"{base}{suffix}").exists():
            shutil.copyfile(f"{base}{suffix}", f"{run}{suffix}")


def _store_checksum(path: Path) -> Checksum:
    conn = sqlite3.connect(path)
    try:
        found = conn.execute(
            "SELECT v.code, count(*), count(o.value), coalesce(sum(o.value), 0) "
            "FROM observation_values o JOIN variables v ON v.key = o.variable_key GROUP BY v.code"
        ).fetchall()
    finally:
        conn.close()
    return {code: (rows, present, int(total)) for code, rows, present, total in found}


def reference_keys(rows: int) -> tuple[dict[str, int], dict[str, int]]:
    """Unit keys (member ID → key) and round keys (cluster → key), built before the timing."""
    units = {}
    for index in range(rows):
        units[f"k{index // 10_000:03d}-{index % 10_000:05d}"] = index + 1
    rounds = {cluster: key for key, cluster in enumerate(cluster_ids(rows), start=1)}
    return units, rounds


def reference(path: Path, export: Path, units: dict[str, int], rounds: dict[str, int]) -> Checksum:
    """csv.reader + executemany of the same long rows into an equivalent table."""
    Path(path).unlink(missing_ok=True)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA cache_size = -65536")
    conn.execute(_TABLE)

    def long_rows(reader: Iterator[list[str]]) -> Iterator[tuple[int, int, int, Any]]:
        for row in reader:
            round_key, unit = rounds[row[4]], units[row[5]]
            income = row[6]
            yield round_key, 1, unit, int(income) * 1000 if income else None
            yield round_key, 2, unit, int(row[7])
            yield round_key, 3, unit, int(Decimal(row[8]) * 1000)
            yield round_key, 4, unit, int(row[9])
            yield round_key, 5, unit, 1 if row[10] == "ya" else 0
            yield round_key, 6, unit, int(row[12])

    with export.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter=";")
        next(reader)
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO observation_values VALUES (?, ?, ?, ?)", long_rows(reader))
        conn.execute("COMMIT")
    found = conn.execute(
        "SELECT variable_key, count(*), count(value), coalesce(sum(value), 0) "
        "FROM observation_values GROUP BY variable_key"
    ).fetchall()
    conn.close()
    return {VARIABLES[key - 1]: (n, present, int(total)) for key, n, present, total in found}


def timed(action: Callable[[], Any]) -> tuple[float, float, Any]:
    """Wall-clock and CPU seconds of ``action``, and its result."""
    gc.collect()
    started, cpu = time.perf_counter(), time.process_time()
    result = action()
    return time.perf_counter() - started, time.process_time() - cpu, result


def run(rows: int, repeat: int, folder: Path) -> dict[str, Any]:
    started = time.perf_counter()
    prog = program(rows)
    export = folder / "monitoring.csv"
    write_export(export, rows)
    obs = Observations(prog, catalogue())
    base = folder / "base.db"
    Store.create(base, prog).close()
    units, rounds = reference_keys(rows)
    setup = time.perf_counter() - started
    actions: dict[str, Callable[[], Checksum]] = {
        "reference": lambda: reference(folder / "reference.db", export, units, rounds),
        "library": lambda: library(base, folder / "run.db", export, prog, obs),
    }
    runs: dict[str, list[float]] = {k: [] for k in actions}
    cpu: dict[str, list[float]] = {k: [] for k in actions}
    sums: dict[str, Checksum] = {}
    # Interleaved, best of --repeat each: a machine shared with other work slows both alike.
    for _ in range(repeat):
        for name, action in actions.items():
            elapsed, used, sums[name] = timed(action)
            runs[name].append(elapsed)
            cpu[name].append(used)
    assert sums["library"] == sums["reference"], (sums["library"], sums["reference"])
    assert sum(n for n, _, _ in sums["library"].values()) == rows * len(VARIABLES)
    best = {k: min(v) for k, v in runs.items()}
    best_cpu = {k: min(v) for k, v in cpu.items()}
    return {
        "rows": rows,
        "values": sum(present for _, present, _ in sums["library"].values()),
        "file_mb": round(export.stat().st_size / 2**20, 1),
        "setup_s": round(setup, 1),
        "reference_s": round(best["reference"], 3),
        "library_s": round(best["library"], 3),
        "ratio": round(best["library"] / best["reference"], 2),
        "reference_cpu_s": round(best_cpu["reference"], 3),
        "library_cpu_s": round(best_cpu["library"], 3),
        "cpu_ratio": round(best_cpu["library"] / best_cpu["reference"], 2),
        "runs": {k: [round(t, 3) for t in v] for k, v in runs.items()},
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "agree": True,
    }


def text(f: dict[str, Any]) -> str:
    return (
        f"{f['rows']:,} survey rows ({f['values']:,} values, {f['file_mb']} MB of ';' CSV); "
        f"setup (program, export, store) {f['setup_s']:.1f} s\n"
        f"  reference (csv.reader + executemany): {f['reference_s']:.3f} s\n"
        f"  library (read_submissions + apply_import): {f['library_s']:.3f} s  = "
        f"{f['ratio']:.2f}x reference\n"
        f"  CPU time (this process): reference {f['reference_cpu_s']:.3f} s, library "
        f"{f['library_cpu_s']:.3f} s = {f['cpu_ratio']:.2f}x\n"
        f"  agreement: rows, values present and sums equal for every variable; "
        f"peak RSS {f['peak_rss_mb']} MB"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="survey rows (members)")
    parser.add_argument("--repeat", type=int, default=3, help="interleaved runs; best counts")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep its files")
    args = parser.parse_args(argv)
    if args.keep is not None:
        args.keep.mkdir(parents=True, exist_ok=True)
        figures = run(args.rows, args.repeat, args.keep)
    else:
        with tempfile.TemporaryDirectory(prefix="klaster-import-bench-") as folder:
            figures = run(args.rows, args.repeat, Path(folder))
    print(json.dumps(figures) if args.json else text(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
