"""Benchmark: ``klaster report`` from a program document and its sidecar, against DuckDB, polars.

Usage::

    python bench/report_files.py                     # 1,000,000 members x 3 rounds
    python bench/report_files.py --members 100000    # a smaller program
    python bench/report_files.py --md                # also time the Markdown program report
    python bench/report_files.py --json              # machine-readable figures on stdout
    python bench/report_files.py --files P.json P.observations.jsonl   # files written before

The data is the measurement benchmark's synthetic program (``bench/_measurement_data.py``,
fixed seed), written once (not timed) as klaster's own files in both their forms, JSON
(``program.json`` by ``klaster.save``, ``program.observations.jsonl`` by
``klaster.observations.save``) and Parquet (``program.parquet``, ``program.observations.parquet``:
the same calls with a ``.parquet`` name), and as an equivalent set of
CSV files of the same values: ``values.csv`` (one row per member and round, every member
variable the sidecar holds, decimals as exact text), ``members.csv`` (cluster, member, sector,
household size, joined, left) and ``rounds.csv`` (cluster, round, kind, date and the BPS poverty
line of the cluster's kabupaten on that date, as klaster looks it up).

What is timed: each contender as a fresh process, from process start until it has written its
figures to a file (best of ``--repeat``, interleaved):

* ``klaster``: ``klaster report program.json --observations program.observations.jsonl
  --indicator members income_per_capita income_change_pct poverty_headcount --by cluster,sector
  --format csv --output FILE`` (loading the program document, the sidecar, computing, writing);
* ``klaster_parquet``: the same from ``program.parquet`` and ``program.observations.parquet``;
* ``duckdb``: a hand-written SQL program reading the CSV files (``read_csv`` with the column
  types given, decimals as ``DECIMAL``), every figure in one ``GROUP BY GROUPING SETS`` query,
  written with ``COPY ... TO``;
* ``polars``: an expert lazy polars query (``scan_csv`` with a schema, one plan, one
  ``collect_all``), written with ``write_csv``;
* with ``--md``: ``klaster report ... --format md --out FILE`` from each form (the whole program
  report people read, far more than the four figures: shown for information, no peer).

Every process starts as after ``pip install``: bytecode compiled once and reused (see ``ENV``).

The figures: member counts, income per capita, the paired income change against the baseline
and the FGT headcount P0, by round in total and by round x cluster x sector. Checked in the
same run: every figure of the four (value to 1e-9 relative, and ``n``) agrees; a difference
exits with status 1. The goal (issue 18): klaster from its files <= 1.5 x DuckDB (the best of
its file forms; each form's ratio is printed).
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

if __package__ in (None, ""):  # run as `python bench/report_files.py`: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

GOAL = 1.5
FORMS = (
    ("klaster", "program.json", "program.observations.jsonl"),
    ("klaster_parquet", "program.parquet", "program.observations.parquet"),
)
"""klaster's file forms of the same program and observations: JSON (text) and Parquet."""
# Each process starts as after `pip install` (bytecode compiled once, then reused): a machine
# that sets PYTHONDONTWRITEBYTECODE would add compiling klaster's ~800 modules (1-1.5 s) to every
# run. The bytecode goes to a folder of its own, never into the source tree.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
ENV["PYTHONPYCACHEPREFIX"] = str(Path(tempfile.gettempdir()) / "klaster-bench-pycache")
FIGURES = ("members", "income_per_capita", "income_change_pct", "poverty_headcount")
Key = tuple[str, str, str, str]  # indicator, round, cluster, sector ("" for the total)


# -- the files (not timed) -----------------------------------------------------------------------
def prepare(members: int, folder: Path, files: list[Path] | None = None) -> dict[str, Any]:
    """Write the program document, the sidecar and the equivalent CSV files into ``folder``.

    ``files``: a program document and its sidecar this benchmark wrote before (same size and
    seed), copied and read instead of building the program again.
    """
    import polars as pl
    from bench._measurement_data import build
    from bench._measurement_reference import export

    import klaster
    import klaster.observations

    start = time.perf_counter()
    if files:
        shutil.copyfile(files[0], folder / "program.json")
        shutil.copyfile(files[1], folder / "program.observations.jsonl")
        program = klaster.load(folder / "program.json")
        catalogue = klaster.observations.variable_catalogue()
        obs = klaster.observations.load(folder / "program.observations.jsonl", program, catalogue)
        found = sum(len(c.members) for c in program.clusters)
        if found != members:
            raise SystemExit(f"{files[0]} holds {found:,} members, not {members:,}")
    else:
        program, obs = build(members)
        klaster.save(program, folder / "program.json")
        klaster.observations.save(obs, folder / "program.observations.jsonl")
    built = time.perf_counter() - start
    columnar_forms(folder, program, obs)
    frames = export(program, obs)
    scales = frames["scales"].row(0, named=True)
    values = frames["values"]
    text = []
    for name in values.columns:
        scale = int(scales.get(name, 0) or 0)
        if values[name].dtype == pl.Int64 and scale:
            column = pl.col(name)
            whole = (column.abs() // 10**scale).cast(pl.String)
            part = (column.abs() % 10**scale).cast(pl.String).str.zfill(scale)
            sign = pl.when(column < 0).then(pl.lit("-")).otherwise(pl.lit(""))
            text.append(pl.concat_str(sign, whole, pl.lit("."), part).alias(name))
        else:
            text.append(pl.col(name))
    values.select(text).write_csv(folder / "values.csv")
    frames["members"].write_csv(folder / "members.csv")
    frames["rounds"].write_csv(folder / "rounds.csv")
    (folder / "scales.json").write_text(json.dumps(scales))
    sizes = {
        name: (folder / name).stat().st_size / 2**20
        for name in (
            "program.json",
            "program.observations.jsonl",
            "program.parquet",
            "program.observations.parquet",
            "values.csv",
            "members.csv",
            "rounds.csv",
        )
    }
    return {"build_s": built, "files_mb": sizes}


def columnar_forms(folder: Path, program: Any = None, obs: Any = None) -> None:
    """Write the program and observations in klaster's Parquet forms (read from JSON if needed)."""
    import klaster
    import klaster.observations

    if program is None:
        program = klaster.load(folder / "program.json")
        catalogue = klaster.observations.variable_catalogue()
        obs = klaster.observations.load(folder / "program.observations.jsonl", program, catalogue)
    klaster.save(program, folder / "program.parquet")
    klaster.observations.save(obs, folder / "program.observations.parquet")


# -- the peers (each run in its own process) ------------------------------------------------------
def _types(folder: Path) -> dict[str, str]:
    scales: dict[str, int] = json.loads((folder / "scales.json").read_text())
    header = (folder / "values.csv").open(encoding="utf-8").readline().strip().split(",")
    types = {"member": "VARCHAR", "round_id": "VARCHAR"}
    for name in header[2:]:
        types[name] = f"DECIMAL(18,{scales[name]})" if scales.get(name) else "BIGINT"
    types["business_running"] = "BOOLEAN"
    return types


DUCKDB_SQL = """
WITH obs AS (
    SELECT v.member, r.round, r.cluster, m.sector, r.line,
           v.monthly_income AS income, coalesce(v.household_size, m.size) AS size
    FROM v JOIN r USING (round_id) JOIN m USING (member)
),
paired AS (
    SELECT o.*, CASE WHEN o.round <> 'baseline' THEN b.income END AS before
    FROM obs o LEFT JOIN (SELECT member, income FROM obs WHERE round = 'baseline') b
         USING (member)
),
figures AS (
    SELECT round, cluster, sector,
        count(*) FILTER (WHERE income IS NOT NULL AND size IS NOT NULL) AS ipc_n,
        sum(income) FILTER (WHERE income IS NOT NULL AND size IS NOT NULL) AS ipc_top,
        sum(size) FILTER (WHERE income IS NOT NULL AND size IS NOT NULL) AS ipc_bottom,
        count(*) FILTER (WHERE income IS NOT NULL AND before IS NOT NULL) AS chg_n,
        sum((income - before) * 100) FILTER (WHERE income IS NOT NULL AND before IS NOT NULL)
            AS chg_top,
        sum(before) FILTER (WHERE income IS NOT NULL AND before IS NOT NULL) AS chg_bottom,
        count(*) FILTER (WHERE income IS NOT NULL AND size IS NOT NULL AND size <> 0
                         AND line IS NOT NULL) AS pov_n,
        sum(size) FILTER (WHERE income IS NOT NULL AND size IS NOT NULL AND size <> 0
                          AND line IS NOT NULL) AS people,
        sum(size) FILTER (WHERE income IS NOT NULL AND size IS NOT NULL AND size <> 0
                          AND line IS NOT NULL
                          AND greatest(income::DOUBLE / size, 0) < line) AS poor
    FROM paired
    GROUP BY GROUPING SETS ((round), (round, cluster, sector))
),
active AS (
    SELECT r.round, r.cluster, m.sector, count(*) AS n
    FROM m JOIN r USING (cluster)
    WHERE m.joined <= r.on AND (m."left" IS NULL OR r.on < m."left")
    GROUP BY GROUPING SETS ((r.round), (r.round, r.cluster, m.sector))
)
SELECT 'members' AS indicator, round, cluster, sector, n::DOUBLE AS value, n FROM active
UNION ALL
SELECT 'income_per_capita', round, cluster, sector,
       CASE WHEN ipc_n > 0 AND ipc_bottom <> 0 THEN ipc_top::DOUBLE / ipc_bottom END, ipc_n
FROM figures
UNION ALL
SELECT 'income_change_pct', round, cluster, sector,
       CASE WHEN chg_n > 0 AND chg_bottom <> 0 THEN chg_top::DOUBLE / chg_bottom END, chg_n
FROM figures
UNION ALL
SELECT 'poverty_headcount', round, cluster, sector,
       CASE WHEN pov_n > 0 THEN coalesce(poor, 0)::DOUBLE / people END, pov_n
FROM figures
"""


def duckdb_peer(folder: Path, out: Path) -> None:
    """Hand-written DuckDB SQL over the CSV files."""
    import duckdb

    con = duckdb.connect()
    types = _types(folder)
    con.execute(
        f"CREATE VIEW v AS SELECT * FROM read_csv({_quoted(folder / 'values.csv')}, "
        f"header = true, columns = {_struct(types)})"
    )
    con.execute(
        f"CREATE VIEW m AS SELECT * FROM read_csv({_quoted(folder / 'members.csv')}, "
        "header = true, columns = "
        + _struct(
            {
                "cluster": "VARCHAR",
                "member": "VARCHAR",
                "sector": "VARCHAR",
                "size": "BIGINT",
                "joined": "DATE",
                "left": "DATE",
            }
        )
        + ")"
    )
    con.execute(
        f"CREATE VIEW r AS SELECT * FROM read_csv({_quoted(folder / 'rounds.csv')}, "
        "header = true, columns = "
        + _struct(
            {
                "cluster": "VARCHAR",
                "round_id": "VARCHAR",
                "round": "VARCHAR",
                "on": "DATE",
                "line": "BIGINT",
            }
        )
        + ")"
    )
    con.execute(f"COPY ({DUCKDB_SQL}) TO {_quoted(out)} (HEADER, DELIMITER ',')")


def _quoted(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _struct(types: dict[str, str]) -> str:
    return "{" + ", ".join(f"'{name}': '{kind}'" for name, kind in types.items()) + "}"


def polars_peer(folder: Path, out: Path) -> None:
    """An expert lazy polars query over the CSV files: one plan, one ``collect_all``."""
    import polars as pl

    scales: dict[str, int] = json.loads((folder / "scales.json").read_text())
    income_scale = scales.get("monthly_income", 0)
    values = pl.scan_csv(
        folder / "values.csv",
        schema_overrides={
            "member": pl.String,
            "round_id": pl.String,
            "monthly_income": pl.Decimal(18, income_scale) if income_scale else pl.Int64,
            "household_size": pl.Int64,
        },
    ).select("member", "round_id", "monthly_income", "household_size")
    members = pl.scan_csv(
        folder / "members.csv",
        schema_overrides={"size": pl.Int64, "joined": pl.Date, "left": pl.Date},
    )
    rounds = pl.scan_csv(folder / "rounds.csv", schema_overrides={"on": pl.Date, "line": pl.Int64})
    col = pl.col
    obs = (
        values.join(rounds, on="round_id")
        .join(members.select("member", "sector", "size"), on="member")
        .select(
            "member",
            "round",
            "cluster",
            "sector",
            "line",
            income=col("monthly_income").cast(pl.Float64),
            size=pl.coalesce("household_size", "size"),
        )
    )
    base = obs.filter(col("round") == "baseline").select("member", before=col("income"))
    paired = obs.join(base, on="member", how="left").with_columns(
        before=pl.when(col("round") != "baseline").then(col("before"))
    )
    ipc = col("income").is_not_null() & col("size").is_not_null()
    chg = col("income").is_not_null() & col("before").is_not_null()
    pov = ipc & (col("size") != 0) & col("line").is_not_null()
    poor = pov & (pl.max_horizontal(col("income") / col("size"), pl.lit(0.0)) < col("line"))
    aggs = [
        ipc.sum().alias("ipc_n"),
        col("income").filter(ipc).sum().alias("ipc_top"),
        col("size").filter(ipc).sum().alias("ipc_bottom"),
        chg.sum().alias("chg_n"),
        ((col("income") - col("before")) * 100).filter(chg).sum().alias("chg_top"),
        col("before").filter(chg).sum().alias("chg_bottom"),
        pov.sum().alias("pov_n"),
        col("size").filter(pov).sum().alias("people"),
        col("size").filter(poor).sum().alias("poor"),
    ]
    names = [a.meta.output_name() for a in aggs]
    fine = paired.group_by("round", "cluster", "sector").agg(aggs)
    total = fine.group_by("round").agg(col(n).sum() for n in names)
    active = (
        members.join(rounds, on="cluster")
        .filter((col("joined") <= col("on")) & (col("left").is_null() | (col("on") < col("left"))))
        .group_by("round", "cluster", "sector")
        .agg(n=pl.len())
    )
    active_total = active.group_by("round").agg(col("n").sum())
    parts = pl.collect_all([fine, total, active, active_total])
    blank = [
        pl.lit(None, dtype=pl.String).alias("cluster"),
        pl.lit(None, dtype=pl.String).alias("sector"),
    ]
    figures = pl.concat([parts[0], parts[1].with_columns(blank)], how="diagonal")
    counts = pl.concat([parts[2], parts[3].with_columns(blank)], how="diagonal")
    keys = ["round", "cluster", "sector"]

    def ratio(top: str, bottom: str, n: str) -> pl.Expr:
        return pl.when((col(n) > 0) & (col(bottom) != 0)).then(col(top) / col(bottom))

    rows = pl.concat(
        [
            counts.select(
                pl.lit("members").alias("indicator"),
                *keys,
                value=col("n").cast(pl.Float64),
                n=col("n").cast(pl.Int64),
            ),
            figures.select(
                pl.lit("income_per_capita").alias("indicator"),
                *keys,
                value=ratio("ipc_top", "ipc_bottom", "ipc_n").cast(pl.Float64),
                n=col("ipc_n").cast(pl.Int64),
            ),
            figures.select(
                pl.lit("income_change_pct").alias("indicator"),
                *keys,
                value=ratio("chg_top", "chg_bottom", "chg_n").cast(pl.Float64),
                n=col("chg_n").cast(pl.Int64),
            ),
            figures.select(
                pl.lit("poverty_headcount").alias("indicator"),
                *keys,
                value=pl.when(col("pov_n") > 0)
                .then(col("poor").fill_null(0) / col("people"))
                .cast(pl.Float64),
                n=col("pov_n").cast(pl.Int64),
            ),
        ]
    )
    rows.write_csv(out)


# -- timing and checking ------------------------------------------------------------------------
def commands(folder: Path, md: bool, engine: str | None) -> dict[str, list[str]]:
    """The command line of each contender (``{out}`` is replaced by its output file)."""
    klaster = shutil.which("klaster", path=str(Path(sys.executable).parent)) or "klaster"
    extra = ["--engine", engine] if engine else []
    figures = ["--indicator", *FIGURES, "--by", "cluster,sector", *extra]
    found: dict[str, list[str]] = {}
    for name, program, sidecar in FORMS:
        report = [klaster, "report", str(folder / program), "--observations"]
        report.append(str(folder / sidecar))
        found[name] = [*report, *figures, "--format", "csv", "--output", "{out}"]
        if md:
            found[f"{name}_md"] = [*report, *extra, "--format", "md", "--out", "{out}"]
    found["duckdb"] = [sys.executable, __file__, "--peer", "duckdb", str(folder), "{out}"]
    found["polars"] = [sys.executable, __file__, "--peer", "polars", str(folder), "{out}"]
    return found


def timed(command: list[str], out: Path) -> float:
    """Seconds from process start until it exits having written ``out``."""
    out.unlink(missing_ok=True)
    line = [part.replace("{out}", str(out)) for part in command]
    start = time.perf_counter()
    done = subprocess.run(line, capture_output=True, text=True, check=False, env=ENV)
    seconds = time.perf_counter() - start
    if done.returncode or not out.exists():
        raise SystemExit(f"{' '.join(line)} failed ({done.returncode}):\n{done.stderr}")
    return seconds


def read_figures(path: Path) -> dict[Key, tuple[float | None, int]]:
    """``(indicator, round, cluster, sector) -> (value, n)`` of a figures CSV."""
    found: dict[Key, tuple[float | None, int]] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["indicator"] not in FIGURES:
                continue
            key = (row["indicator"], row["round"], row["cluster"] or "", row["sector"] or "")
            value = float(row["value"]) if row["value"] not in ("", None) else None
            found[key] = (value, int(row["n"] or 0))
    return found


def differences(ours: dict[Key, Any], theirs: dict[Key, Any]) -> list[str]:
    """Where two sets of figures disagree (a value to 1e-9 relative, or ``n`` where a value)."""
    problems = []
    for key in sorted(ours.keys() | theirs.keys()):
        mine, peer = ours.get(key, (None, 0)), theirs.get(key, (None, 0))
        if mine[0] is None and peer[0] is None:
            continue
        apart = mine[0] is None or peer[0] is None or mine[1] != peer[1]
        if apart or abs(mine[0] - peer[0]) > 1e-9 * max(1.0, abs(peer[0])):
            problems.append(f"{key}: {mine} vs {peer}")
    return problems


def run(
    members: int,
    repeat: int,
    md: bool,
    engine: str | None,
    keep: Path | None,
    files: list[Path] | None = None,
) -> dict[str, Any]:
    """Write the files, time every contender (interleaved), check the figures agree."""
    folder = Path(tempfile.mkdtemp(prefix="klaster-report-files-")) if keep is None else keep
    folder.mkdir(parents=True, exist_ok=True)
    try:
        results: dict[str, Any] = {"members": members, "cpus": os.cpu_count()}
        if not (folder / "program.json").exists():
            results.update(prepare(members, folder, files))
        elif not (folder / "program.parquet").exists():
            columnar_forms(folder)  # (files kept from before the columnar forms)
        runs: dict[str, list[float]] = {}
        lines = commands(folder, md, engine)
        for _ in range(repeat):
            for name, command in lines.items():
                runs.setdefault(name, []).append(timed(command, folder / f"{name}.out"))
        for name, seconds in runs.items():
            results[f"{name}_s"] = min(seconds)
        ours = read_figures(folder / "klaster.out")
        results["figures"] = len(ours)
        results["problems"] = {
            peer: differences(ours, read_figures(folder / f"{peer}.out"))[:5]
            for peer in ("duckdb", "polars", *(n for n, _, _ in FORMS[1:] if n in runs))
        }
        for name, _, _ in FORMS:
            if name in runs:
                results[f"{name}_vs_duckdb"] = results[f"{name}_s"] / results["duckdb_s"]
                results[f"{name}_vs_polars"] = results[f"{name}_s"] / results["polars_s"]
        results["vs_duckdb"] = min(v for k, v in results.items() if k.endswith("_vs_duckdb"))
        results["goal_met"] = results["vs_duckdb"] <= GOAL
        return results
    finally:
        if keep is None:
            shutil.rmtree(folder, ignore_errors=True)


def text(r: dict[str, Any]) -> str:
    lines = [
        f"klaster report from the document + sidecar, {r['members']:,} members x 3 rounds "
        f"({r['cpus']} CPUs); each a fresh process, best time",
    ]
    if "files_mb" in r:
        lines.append("files (MB): " + ", ".join(f"{k} {v:.0f}" for k, v in r["files_mb"].items()))
    names = {
        "klaster": "klaster report JSON files --format csv",
        "klaster_parquet": "klaster report Parquet files --format csv",
        "duckdb": "DuckDB SQL reading the CSV files",
        "polars": "expert lazy polars reading the CSV files",
        "klaster_md": "klaster report JSON files --format md",
        "klaster_parquet_md": "klaster report Parquet files --format md",
    }
    for key, name in names.items():
        if f"{key}_s" in r:
            lines.append(f"  {name:<46}{r[f'{key}_s']:>8.2f} s")
    for key, _, _ in FORMS:
        if f"{key}_vs_duckdb" in r:
            lines.append(
                f"{key} / DuckDB {r[f'{key}_vs_duckdb']:.2f}x, "
                f"/ polars {r[f'{key}_vs_polars']:.2f}x"
            )
    lines.append(
        f"best file form / DuckDB {r['vs_duckdb']:.2f}x (goal <= {GOAL}x: "
        f"{'met' if r['goal_met'] else 'NOT met'}); {r['figures']} figures compared"
    )
    for peer, found in r["problems"].items():
        lines.append(f"  vs {peer}: " + ("every figure equal" if not found else "; ".join(found)))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each; best time is kept")
    parser.add_argument("--md", action="store_true", help="also time --format md")
    parser.add_argument("--engine", help="pass --engine to klaster report (where it has one)")
    parser.add_argument("--keep", type=Path, help="write (or reuse) the files in this folder")
    parser.add_argument(
        "--files",
        nargs=2,
        type=Path,
        metavar=("PROGRAM.json", "SIDECAR.jsonl"),
        help="read a program and sidecar written before at this size instead of building them",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--peer", nargs=3, metavar=("NAME", "FOLDER", "OUT"), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    if args.peer:
        name, folder, out = args.peer
        (duckdb_peer if name == "duckdb" else polars_peer)(Path(folder), Path(out))
        return 0
    if args.members < 1 or args.repeat < 1:
        parser.error("--members and --repeat must be at least 1")
    results = run(args.members, args.repeat, args.md, args.engine, args.keep, args.files)
    print(json.dumps(results, indent=2) if args.json else text(results))
    return 1 if any(results["problems"].values()) else 0


if __name__ == "__main__":
    raise SystemExit(main())
