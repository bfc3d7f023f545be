"""Benchmark: ``klaster report STORE`` (process start to file written) against DuckDB on the store.

Usage::

    python bench/report_store.py --members 100000 --store S.klaster   # a store built before
    python bench/report_store.py --members 100000                     # build it (not timed)
    python bench/report_store.py --duckdb-python /tmp/venv/bin/python # the peer's interpreter
    python bench/report_store.py --json

The store holds the measurement benchmark's synthetic program (``bench/_measurement_data.py``,
fixed seed: clusters of 1,000 members, a baseline, midline and endline each), written once with
``Store.create`` (not timed). What is timed, each a fresh process from start until it has
written its file, best of ``--repeat`` interleaved runs:

* ``klaster``: ``klaster report STORE --indicator members income_per_capita income_change_pct
  poverty_headcount --by cluster,sector --format csv --output FILE`` (opening the store, loading
  the program and its observations, computing, writing);
* ``klaster_md``: ``klaster report STORE --format md --out FILE``, the whole program report
  people read (far more than the four figures: shown beside, not the ratio);
* ``duckdb``: a hand-written DuckDB program reading the same store file through DuckDB's
  ``sqlite`` extension (``ATTACH ... (TYPE sqlite)``; the long values filtered to the two
  variables it needs inside SQLite with ``sqlite_query``), pivoting them and computing every
  figure with ``bench/report_files.py``'s SQL in one query, written with ``COPY ... TO``. The
  extension is the ``duckdb-extension-sqlite`` wheel (for duckdb 1.5.5): give the interpreter of
  a virtual environment holding both with ``--duckdb-python``; the poverty lines (BPS, by
  kabupaten and date, as klaster looks them up) are written beside the store once, not timed.

Checked in the same run: every figure of the two agrees (``bench/report_files.py``'s rule). The
goal (issue 18): ``klaster`` ≤ 1.5 × ``duckdb``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as `python bench/report_store.py`: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from bench.report_files import DUCKDB_SQL, ENV, FIGURES, GOAL, differences, read_figures


def timed(command: list[str], out: Path) -> float:
    """Seconds from process start until it exits having written ``out``."""
    out.unlink(missing_ok=True)
    line = [part.replace("{out}", str(out)) for part in command]
    start = time.perf_counter()
    done = subprocess.run(line, capture_output=True, text=True, check=False, env=ENV)
    seconds = time.perf_counter() - start
    if done.returncode or not out.exists():
        raise SystemExit(f"{' '.join(line[:3])} failed ({done.returncode}):\n{done.stderr}")
    return seconds


def prepare(members: int, folder: Path, store: Path | None) -> dict[str, Any]:
    """The store (built unless given) and the rounds' poverty lines beside it."""
    from klaster.measurement.methods.poverty_lines import PovertyLines
    from klaster.measurement.na import NotAvailable
    from klaster.model.region import RegionLevel
    from klaster.store import Store

    target = folder / "program.klaster"
    start = time.perf_counter()
    if store is None:
        from bench._measurement_data import build

        program, obs = build(members)
        Store.create(target, program, observations=obs).close()
    elif not target.exists():
        os.symlink(store.resolve(), target)
    built = time.perf_counter() - start
    with Store.open(target, readonly=True) as opened:
        program = opened.load_program()
        rounds = opened.rounds()
    lines = PovertyLines.bps_national()
    with (folder / "rounds.csv").open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["round_id", "line"])
        for rnd in rounds:
            region = program.clusters[rnd.cluster_id].region
            kabupaten = region.at_level(RegionLevel.KABUPATEN)[0].code or "national"
            match = lines.lookup(kabupaten, rnd.on)
            out.writerow([rnd.id, "" if isinstance(match, NotAvailable) else int(match.rupiah)])
    # The store's own count: a store given with --store may hold another number than --members.
    count = sum(len(cluster.members) for cluster in program.clusters)
    return {"members": count, "build_s": built, "store_mb": target.stat().st_size / 2**20}


PEER = """
import sys, duckdb
store, lines, extension, out, sql = sys.argv[1:6]
con = duckdb.connect()
con.execute(f"LOAD '{extension}'")
con.execute(f"ATTACH '{store}' AS s (TYPE sqlite, READ_ONLY)")
scale = con.execute(
    "SELECT scale FROM s.variables WHERE code = 'monthly_income'").fetchone()[0]
con.execute('''CREATE TEMP TABLE long AS SELECT round_key::BIGINT AS round_key,
    unit_key::BIGINT AS unit_key, variable_key::BIGINT AS variable_key,
    value::BIGINT AS value FROM sqlite_query('s', 'SELECT round_key, unit_key, variable_key,
    value FROM observation_values WHERE variable_key IN (SELECT key FROM variables
    WHERE code IN (''monthly_income'', ''household_size''))')''')
con.execute(f'''CREATE VIEW v AS SELECT u.id AS member, r.id AS round_id,
    (max(l.value) FILTER (WHERE x.code = 'monthly_income'))::DECIMAL(18, {scale})
        / 10 ** {scale} AS monthly_income,
    max(l.value) FILTER (WHERE x.code = 'household_size') AS household_size
    FROM long l JOIN s.units u ON u.key = l.unit_key JOIN s.rounds r ON r.key = l.round_key
    JOIN s.variables x ON x.key = l.variable_key GROUP BY ALL''')
con.execute('''CREATE VIEW m AS SELECT cluster_id AS cluster, id AS member, sector,
    household_size AS size, joined::DATE AS joined, "left"::DATE AS "left" FROM s.members''')
con.execute(f'''CREATE VIEW r AS SELECT rd.cluster_id AS cluster, rd.id AS round_id,
    rd.kind AS round, rd.on_date::DATE AS on, p.line FROM s.rounds rd
    JOIN read_csv('{lines}', header = true, columns = {{'round_id': 'VARCHAR',
    'line': 'BIGINT'}}) p ON p.round_id = rd.id''')
con.execute(f"COPY ({sql}) TO '{out}' (HEADER, DELIMITER ',')")
"""


def commands(folder: Path, peer_python: str, extension: Path) -> dict[str, list[str]]:
    """The command line of each contender (``{out}`` is replaced by its output file)."""
    klaster = shutil.which("klaster", path=str(Path(sys.executable).parent)) or "klaster"
    store = str(folder / "program.klaster")
    peer = [peer_python, "-c", PEER, store, str(folder / "rounds.csv"), str(extension)]
    return {
        "klaster": [klaster, "report", store, "--indicator", *FIGURES, "--by", "cluster,sector",
                    "--format", "csv", "--output", "{out}"],
        "duckdb": [*peer, "{out}", DUCKDB_SQL],
        "klaster_md": [klaster, "report", store, "--format", "md", "--out", "{out}"],
    }  # fmt: skip


def run(
    members: int, repeat: int, store: Path | None, keep: Path | None, python: str, ext: Path
) -> dict[str, Any]:
    """Prepare, time every contender (interleaved), check the figures agree."""
    folder = Path(tempfile.mkdtemp(prefix="klaster-report-store-")) if keep is None else keep
    folder.mkdir(parents=True, exist_ok=True)
    try:
        results: dict[str, Any] = {"members": members, "cpus": os.cpu_count()}
        results.update(prepare(members, folder, store))
        runs: dict[str, list[float]] = {}
        lines = commands(folder, python, ext)
        for command in lines.values():  # compile the bytecode once (not timed)
            timed(command, folder / "warm.out")
        for _ in range(repeat):
            for name, command in lines.items():
                runs.setdefault(name, []).append(timed(command, folder / f"{name}.out"))
        for name, seconds in runs.items():
            results[f"{name}_s"] = min(seconds)
        ours = read_figures(folder / "klaster.out")
        results["figures"] = len(ours)
        results["problems"] = differences(ours, read_figures(folder / "duckdb.out"))[:5]
        results["vs_duckdb"] = results["klaster_s"] / results["duckdb_s"]
        results["goal_met"] = results["vs_duckdb"] <= GOAL and not results["problems"]
        return results
    finally:
        if keep is None:
            shutil.rmtree(folder, ignore_errors=True)


def text(r: dict[str, Any]) -> str:
    return "\n".join(
        [
            f"klaster report from the store, {r['members']:,} members x 3 rounds "
            f"({r['store_mb']:.0f} MB, {r['cpus']} CPUs); each a fresh process, best time",
            f"  {'klaster report STORE --format csv (4 figures)':<52}{r['klaster_s']:>8.2f} s",
            f"  {'DuckDB + sqlite extension on the store file':<52}{r['duckdb_s']:>8.2f} s",
            f"  {'klaster report STORE --format md (whole report)':<52}{r['klaster_md_s']:>8.2f} s",
            f"klaster / DuckDB {r['vs_duckdb']:.2f}x (goal <= {GOAL}x: "
            f"{'met' if r['goal_met'] else 'NOT met'}); {r['figures']} figures compared: "
            + ("every figure equal" if not r["problems"] else "; ".join(r["problems"])),
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--store", type=Path, help="a store of --members built before")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    parser.add_argument("--duckdb-python", default=sys.executable)
    parser.add_argument(
        "--extension",
        type=Path,
        default=Path("/tmp/h2/sqlite_scanner.duckdb_extension"),
        help="DuckDB's sqlite extension file (named sqlite_scanner.duckdb_extension)",
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    r = run(args.members, args.repeat, args.store, args.keep, args.duckdb_python, args.extension)
    print(json.dumps(r, indent=2) if args.json else text(r))
    return 0 if not r["problems"] else 1


if __name__ == "__main__":
    sys.exit(main())
