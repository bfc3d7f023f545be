"""Benchmark: screening a million applicants vs hand-written polars and DuckDB queries.

Usage::

    python bench/screening.py                       # 1,000,000 applicants
    python bench/screening.py --applicants 100000   # quick run
    python bench/screening.py --json                # machine-readable figures on stdout

What is built (deterministic, fixed seed): ``--applicants`` synthetic applicants in three
sectors with their screening answers (income, spending, assets, debt, land in ha with two
decimals, house floor/wall/roof, *asnaf*, space for animals), applied on days of 2012-2013 in
kabupaten of South Sulawesi. The rules (``RULES`` below): all of — per-capita income at most the
BPS poverty line of the applicant's area and date (the bundled national lines, with fallback),
asnaf fakir/miskin/gharim, assets below Rp 20 million, and a 12-item scorecard of at least 8
points (points per answer and per band, three of them per capita) — plus the livestock plugin's
"has space for animals" for livestock applicants.

What is timed, interleaved, best of ``--repeat``:

* ``klaster``: :func:`klaster.targeting.screen_frame` on the DataFrame (the rules checked
  against the variables, every value checked against its variable, the lines resolved per area
  and date, the compiled query collected);
* ``polars``: a hand-written lazy polars query of the same rules over the same DataFrame, the
  lines per date looked up beforehand and joined;
* ``duckdb``: the same in DuckDB SQL over the same DataFrame.

The decisions must be identical (checked). The user's path — a CSV file in, a decisions CSV out
(``screen_file(..., out=...)``, through klaster's one CSV writer) — is timed against the
references reading the CSV and writing theirs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as `python bench/screening.py`: make `src` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import duckdb
import numpy as np
import polars as pl

from klaster.measurement.methods.poverty_lines import PovertyLines
from klaster.targeting import read_rules, screen_file, screen_frame

TARGET = 1.5
START = dt.date(2012, 1, 1)
FLOORS = ["earth", "bamboo", "wood", "cement", "tile"]
WALLS = ["bamboo", "wood", "brick"]
ROOFS = ["thatch", "zinc", "tile", "concrete"]
ASNAF = ["fakir", "miskin", "amil", "muallaf", "riqab", "gharim", "fisabilillah", "ibnu_sabil"]
AREAS = ["73.03", "73.01", "73.02", "73.04"]

RULES = """
version = 1
form = "all_of"

[[criteria]]
code = "poor"
label = { id = "Miskin", en = "Poor" }
reads = "monthly_income"
per_capita = true
operator = "<="
line = "poverty_line"

[[criteria]]
code = "asnaf_zakat"
label = { id = "Asnaf", en = "Asnaf" }
reads = "asnaf"
operator = "in"
threshold = ["fakir", "miskin", "gharim"]

[[criteria]]
code = "few_assets"
label = { id = "Aset sedikit", en = "Few assets" }
reads = "assets_value"
operator = "<"
threshold = 20000000
synthetic = true

[[scorecards]]
code = "poverty_score"
label = { id = "Skor kemiskinan", en = "Poverty score" }
cut_off = 8
synthetic = true
[[scorecards.items]]
code = "floor"
label = { id = "Lantai", en = "Floor" }
reads = "house_floor"
points = { earth = 2, bamboo = 2, wood = 1 }
[[scorecards.items]]
code = "wall"
label = { id = "Dinding", en = "Wall" }
reads = "house_wall"
points = { bamboo = 2, wood = 1 }
[[scorecards.items]]
code = "roof"
label = { id = "Atap", en = "Roof" }
reads = "house_roof"
points = { thatch = 2, zinc = 1 }
[[scorecards.items]]
code = "land"
label = { id = "Lahan", en = "Land" }
reads = "land_area"
bands = [{ below = 0.25, points = 2 }, { at_least = 0.25, below = 0.5, points = 1 }]
[[scorecards.items]]
code = "assets"
label = { id = "Aset", en = "Assets" }
reads = "assets_value"
bands = [{ below = 2000000, points = 2 }, { at_least = 2000000, below = 10000000, points = 1 }]
[[scorecards.items]]
code = "debt"
label = { id = "Utang", en = "Debt" }
reads = "debt"
bands = [{ at_least = 5000000, points = 1 }]
[[scorecards.items]]
code = "size"
label = { id = "Anggota", en = "Household size" }
reads = "household_size"
bands = [{ at_least = 6, points = 2 }, { at_least = 4, below = 6, points = 1 }]
[[scorecards.items]]
code = "spending"
label = { id = "Pengeluaran per kapita", en = "Spending per head" }
reads = "monthly_expenditure"
per_capita = true
bands = [{ below = 200000, points = 2 }, { at_least = 200000, below = 350000, points = 1 }]
[[scorecards.items]]
code = "asnaf"
label = { id = "Asnaf", en = "Asnaf" }
reads = "asnaf"
points = { fakir = 2, miskin = 1 }
[[scorecards.items]]
code = "space"
label = { id = "Tanpa tempat ternak", en = "No space for animals" }
reads = "has_animal_space"
points = { false = 1 }
[[scorecards.items]]
code = "income_head"
label = { id = "Pendapatan per kapita", en = "Income per head" }
reads = "monthly_income"
per_capita = true
bands = [{ below = 150000, points = 2 }, { at_least = 150000, below = 250000, points = 1 }]
[[scorecards.items]]
code = "income"
label = { id = "Pendapatan", en = "Income" }
reads = "monthly_income"
bands = [{ below = 1000000, points = 1 }]
"""


def build(n: int, seed: int = 13) -> pl.DataFrame:
    """``n`` synthetic applicants with their answers (fixed seed)."""
    rng = np.random.default_rng(seed)
    size = rng.integers(1, 11, n)
    return pl.DataFrame(
        {
            "applicant_id": [f"A{i:07d}" for i in range(n)],
            "sector": rng.choice(["umkm", "farming", "livestock"], n),
            "household_size": size,
            "applied_on": rng.integers(START.toordinal(), START.toordinal() + 730, n),
            "area": rng.choice(AREAS, n),
            "monthly_income": rng.integers(0, 400_000, n) * size,
            "monthly_expenditure": rng.integers(50_000, 500_000, n) * size,
            "assets_value": rng.integers(0, 30_000_000, n),
            "debt": rng.integers(0, 8_000_000, n),
            "land_area": pl.Series(rng.integers(0, 200, n)).cast(pl.Decimal(38, 0)) / 100,
            "house_floor": rng.choice(FLOORS, n),
            "house_wall": rng.choice(WALLS, n),
            "house_roof": rng.choice(ROOFS, n),
            "asnaf": rng.choice(ASNAF, n),
            "has_animal_space": rng.integers(0, 2, n).astype(bool),
        }
    ).with_columns(
        (pl.col("applied_on") - (dt.date(1970, 1, 1).toordinal())).cast(pl.Int32).cast(pl.Date),
        pl.col("land_area").cast(pl.Decimal(38, 2)),
    )


def lines_by_date(frame: pl.DataFrame) -> pl.DataFrame:
    """The poverty line of each distinct date (every area falls back to the national line)."""
    table = PovertyLines.bps_national()
    days = frame["applied_on"].unique().sort().to_list()
    found = []
    for day in days:
        match = table.lookup(AREAS[0], day)
        found.append(int(match.rupiah))  # type: ignore[union-attr]
    return pl.DataFrame(
        {"applied_on": days, "line": found}, schema_overrides={"applied_on": pl.Date}
    )


def _bands(column: pl.Expr, bands: list[tuple[int | None, int | None, int]]) -> pl.Expr:
    out = pl.lit(0)
    for low, high, points in reversed(bands):
        cond = pl.lit(True)
        if low is not None:
            cond = cond & (column >= low)
        if high is not None:
            cond = cond & (column < high)
        out = pl.when(cond).then(points).otherwise(out)
    return out


def reference_polars(frame: pl.DataFrame, lines: pl.DataFrame) -> pl.DataFrame:
    """The same rules, written by hand as one lazy polars query."""
    size = pl.col("household_size")
    income, spending = pl.col("monthly_income"), pl.col("monthly_expenditure")
    score = (
        pl.col("house_floor").replace_strict({"earth": 2, "bamboo": 2, "wood": 1}, default=0)
        + pl.col("house_wall").replace_strict({"bamboo": 2, "wood": 1}, default=0)
        + pl.col("house_roof").replace_strict({"thatch": 2, "zinc": 1}, default=0)
        + _bands((pl.col("land_area") * 100).cast(pl.Int64), [(None, 25, 2), (25, 50, 1)])
        + _bands(pl.col("assets_value"), [(None, 2_000_000, 2), (2_000_000, 10_000_000, 1)])
        + _bands(pl.col("debt"), [(5_000_000, None, 1)])
        + _bands(size, [(6, None, 2), (4, 6, 1)])
        + pl.when(spending < size * 200_000)
        .then(2)
        .when(spending < size * 350_000)
        .then(1)
        .otherwise(0)
        + pl.col("asnaf").replace_strict({"fakir": 2, "miskin": 1}, default=0)
        + pl.when(pl.col("has_animal_space")).then(0).otherwise(1)
        + pl.when(income < size * 150_000)
        .then(2)
        .when(income < size * 250_000)
        .then(1)
        .otherwise(0)
        + pl.when(income < 1_000_000).then(1).otherwise(0)
    )
    eligible = (
        (income <= pl.col("line") * size)
        & pl.col("asnaf").is_in(["fakir", "miskin", "gharim"])
        & (pl.col("assets_value") < 20_000_000)
        & (score >= 8)
        & ((pl.col("sector") != "livestock") | pl.col("has_animal_space"))
    )
    return (
        frame.lazy()
        .join(lines.lazy(), on="applied_on", how="left", maintain_order="left")
        .select("applicant_id", eligible.alias("eligible"))
        .collect()
    )


SQL = """
SELECT a.applicant_id,
  a.monthly_income <= l.line * a.household_size
  AND a.asnaf IN ('fakir', 'miskin', 'gharim')
  AND a.assets_value < 20000000
  AND (CASE a.house_floor WHEN 'earth' THEN 2 WHEN 'bamboo' THEN 2 WHEN 'wood' THEN 1 ELSE 0 END
     + CASE a.house_wall WHEN 'bamboo' THEN 2 WHEN 'wood' THEN 1 ELSE 0 END
     + CASE a.house_roof WHEN 'thatch' THEN 2 WHEN 'zinc' THEN 1 ELSE 0 END
     + CASE WHEN a.land_area < 0.25 THEN 2 WHEN a.land_area < 0.5 THEN 1 ELSE 0 END
     + CASE WHEN a.assets_value < 2000000 THEN 2 WHEN a.assets_value < 10000000 THEN 1 ELSE 0 END
     + CASE WHEN a.debt >= 5000000 THEN 1 ELSE 0 END
     + CASE WHEN a.household_size >= 6 THEN 2 WHEN a.household_size >= 4 THEN 1 ELSE 0 END
     + CASE WHEN a.monthly_expenditure < 200000 * a.household_size THEN 2
            WHEN a.monthly_expenditure < 350000 * a.household_size THEN 1 ELSE 0 END
     + CASE a.asnaf WHEN 'fakir' THEN 2 WHEN 'miskin' THEN 1 ELSE 0 END
     + CASE WHEN a.has_animal_space THEN 0 ELSE 1 END
     + CASE WHEN a.monthly_income < 150000 * a.household_size THEN 2
            WHEN a.monthly_income < 250000 * a.household_size THEN 1 ELSE 0 END
     + CASE WHEN a.monthly_income < 1000000 THEN 1 ELSE 0 END) >= 8
  AND (a.sector <> 'livestock' OR a.has_animal_space) AS eligible
FROM {source} a LEFT JOIN lines l ON a.applied_on = l.applied_on
ORDER BY a.applicant_id
"""


def duckdb_connection(frame: pl.DataFrame | None, lines: pl.DataFrame) -> Any:
    """An in-memory DuckDB database holding the tables (copied in, not timed)."""
    con = duckdb.connect(":memory:")
    tables = {"lines": lines} if frame is None else {"applicants": frame, "lines": lines}
    for name, table in tables.items():
        if "land_area" in table.columns:
            table = table.with_columns((pl.col("land_area") * 100).cast(pl.Int64))
        table = table.with_columns(pl.col("applied_on").cast(pl.Int32))
        data = {c: table[c].to_numpy() for c in table.columns}  # noqa: F841 - read by the SQL
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM data")
        con.execute(
            f"ALTER TABLE {name} ALTER applied_on TYPE DATE "
            "USING DATE '1970-01-01' + CAST(applied_on AS INTEGER)"
        )
        if "land_area" in table.columns:
            con.execute(
                f"ALTER TABLE {name} ALTER land_area TYPE DECIMAL(18, 2) "
                "USING CAST(land_area AS DECIMAL(18, 2)) / 100"
            )
    return con


def reference_duckdb(con: Any, source: str = "applicants") -> list[bool]:
    return [bool(row[1]) for row in con.execute(SQL.format(source=source)).fetchall()]


def timed(action: Callable[[], Any]) -> tuple[float, Any]:
    gc.collect()
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def user_paths(frame: pl.DataFrame, lines: pl.DataFrame, rules: Any, repeat: int) -> dict[str, Any]:
    """CSV in, decisions CSV out: klaster vs the references."""
    folder = Path(tempfile.mkdtemp(prefix="klaster-screen-"))
    source = folder / "applicants.csv"
    frame.write_csv(source)
    con = duckdb_connection(None, lines)

    def klaster_path() -> list[bool]:
        out = folder / "klaster.csv"
        screen_file(rules, source, out=out)
        return pl.read_csv(out)["eligible"].to_list()

    def polars_path() -> list[bool]:
        read = pl.read_csv(
            source, try_parse_dates=True, schema_overrides={"land_area": pl.Decimal(38, 2)}
        )
        result = reference_polars(read, lines)
        result.write_csv(folder / "polars.csv")
        return result["eligible"].to_list()

    def duckdb_path() -> list[bool]:
        out = folder / "duckdb.csv"
        query = SQL.format(
            source=f"read_csv_auto('{source}', types={{'land_area': 'DECIMAL(18,2)'}})"
        )
        con.execute(f"COPY ({query}) TO '{out}' (HEADER)")
        return list(pl.read_csv(out)["eligible"].to_list())

    actions = {"user_klaster": klaster_path, "user_polars": polars_path, "user_duckdb": duckdb_path}
    runs: dict[str, list[float]] = {name: [] for name in actions}
    results: dict[str, Any] = {}
    for _ in range(repeat):
        for name, action in actions.items():
            elapsed, results[name] = timed(action)
            runs[name].append(elapsed)
    best = {name: min(t) for name, t in runs.items()}
    return {
        "user_agree": results["user_klaster"] == results["user_polars"] == results["user_duckdb"],
        **{f"{name}_s": round(t, 3) for name, t in best.items()},
        "user_ratio_polars": round(best["user_klaster"] / best["user_polars"], 2),
        "user_ratio_duckdb": round(best["user_klaster"] / best["user_duckdb"], 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--applicants", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-user", action="store_true", help="skip the CSV-file paths")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    rules = read_rules(RULES)
    frame = build(args.applicants)
    lines = lines_by_date(frame)
    con = duckdb_connection(frame, lines)
    actions: dict[str, Callable[[], Any]] = {
        "klaster": lambda: screen_frame(rules, frame),
        "polars": lambda: reference_polars(frame, lines),
        "duckdb": lambda: reference_duckdb(con),
    }
    runs: dict[str, list[float]] = {name: [] for name in actions}
    results: dict[str, Any] = {}
    for _ in range(args.repeat):  # interleaved, best of --repeat each
        for name, action in actions.items():
            elapsed, results[name] = timed(action)
            runs[name].append(elapsed)
    best = {name: min(times) for name, times in runs.items()}
    mine = list(results["klaster"].eligible)
    agree = mine == results["polars"]["eligible"].to_list() == results["duckdb"]
    figures: dict[str, Any] = {
        "applicants": args.applicants,
        "eligible": sum(mine),
        "agree": agree,
        **{f"{name}_s": round(t, 3) for name, t in best.items()},
        "ratio_polars": round(best["klaster"] / best["polars"], 2),
        "ratio_duckdb": round(best["klaster"] / best["duckdb"], 2),
    }
    if not args.no_user:
        figures.update(user_paths(frame, lines, rules, max(1, args.repeat - 1)))
    figures["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    if args.json:
        print(json.dumps(figures))
    else:
        for key, value in figures.items():
            print(f"{key}: {value}")
    ok = agree and figures.get("user_agree", True) and figures["ratio_polars"] <= TARGET
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
