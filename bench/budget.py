"""Benchmark: a budget-vs-actual statement over ten million entries vs hand-written queries.

Usage::

    python bench/budget.py                      # 10,000,000 entries in 100 cluster books
    python bench/budget.py --entries 100000     # quick run
    python bench/budget.py --json               # machine-readable figures on stdout

What is built (deterministic, fixed seed): ``--clusters`` books (100), each with three funds
(zakat, infak/sedekah, CSR grant) and one account per fund and component, and ``--entries``
ledger postings spread over the books, dated 2012-01-01 to 2014-12-31 in date order: 10% money
received into a fund (counted as ``capital``), 90% grants, in-kind transfers and expenses
spread over the six components. Ten million entries through the public API would take about
eight minutes of validated appends, so the statement's columnar inputs are built directly, as
:func:`klaster.finance._budget_actuals.inputs_of` hands a book's ledger columns to it (integer
``array.array`` columns and two per-account lookups); every book has a budget of one line per
component, source and year.

What is timed (the statement by cluster × component × source × month):

* ``klaster`` (columnar): ``polars_sums`` over each book's columns (their conversion to polars
  inside the timing), then the statement (periods, budget shares, rows, source shares);
* ``python``: the same with the pure-Python sums (``--python`` only: about a minute at 10M);
* ``polars``: a hand-written lazy polars query over one DataFrame of every book's postings,
  built before the timing (the reference pays nothing for getting its data into polars);
* ``duckdb``: the same figures in DuckDB SQL over the same DataFrame.

The budget side (a few thousand lines) is the same straight-line rule for all; the actuals by
cluster, component, source and month must agree to the rupiah (checked). The user's whole path
(books recorded through the public API, saved as a finance document, loaded back, then the
statement) is timed separately at ``--user-entries`` (default 20,000).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import resource
import sys
import time
from array import array
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as `python bench/budget.py`: make `src` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import duckdb
import numpy as np
import polars as pl

from klaster.finance import _budget_actuals as actuals
from klaster.finance.budget_statements import statement

TARGET = 3.0
START, END = dt.date(2012, 1, 1), dt.date(2014, 12, 31)
SOURCES = (0, 1, 2)  # codes of zakat, infaq_sadaqah, grant in actuals.SOURCES
BY = ("cluster", "component", "source", "month")


def build(entries: int, clusters: int, seed: int = 2012) -> list[actuals.ActualInputs]:
    """Each book's columnar inputs (fixed seed)."""
    rng = np.random.default_rng(seed)
    components = len(actuals.COMPONENTS)
    # Accounts per book: per fund, its cash then one spent account per component.
    per_fund = 1 + components
    source_of_account = array("i", [s for s in SOURCES for _ in range(per_fund)])
    component_of_account = array(
        "i", [c for _ in SOURCES for c in (actuals.CAPITAL, *range(components))]
    )
    roles = np.array(sorted(actuals.SPENDING_ROLES), dtype=np.uint8)
    books = []
    first, last = START.toordinal(), END.toordinal()
    for b in range(clusters):
        n = entries // clusters + (b < entries % clusters)
        on = np.sort(rng.integers(first, last + 1, n, dtype=np.int32))
        funding = rng.random(n) < 0.1
        fund = rng.integers(0, len(SOURCES), n, dtype=np.int32)
        component = rng.integers(0, components, n, dtype=np.int32)
        account = (fund * per_fund + np.where(funding, 0, 1 + component)).astype(np.int32)
        role = np.where(funding, 0, roles[rng.integers(0, len(roles), n)]).astype(np.uint8)
        amount = rng.integers(50, 5_000, n, dtype=np.int64) * 1_000
        books.append(
            actuals.ActualInputs(
                array("i", on.tobytes()),
                array("B", role.tobytes()),
                array("i", account.tobytes()),
                array("q", amount.tobytes()),
                source_of_account,
                component_of_account,
            )
        )
    return books


def budget_lines(clusters: int) -> list[list[tuple[int, int, tuple[dt.date, dt.date], int]]]:
    """One line per component, source and year, per book."""
    years = [(dt.date(y, 1, 1), dt.date(y, 12, 31)) for y in (2012, 2013, 2014)]
    return [
        [
            (c, s, span, 1_000_000_000 + 7_919 * (b + 3 * c + 11 * s))
            for c in range(len(actuals.COMPONENTS))
            for s in SOURCES
            for span in years
        ]
        for b in range(clusters)
    ]


def reference_frame(books: list[actuals.ActualInputs]) -> Any:
    """One DataFrame of every book's postings with the account lookups joined (untimed)."""
    parts = []
    for b, inputs in enumerate(books):
        parts.append(
            pl.DataFrame(
                {
                    "cluster": np.full(len(inputs.on), b, dtype=np.int32),
                    "on": np.frombuffer(inputs.on, dtype=np.int32),
                    "role": np.frombuffer(inputs.role, dtype=np.uint8),
                    "account": np.frombuffer(inputs.account, dtype=np.int32),
                    "amount": np.frombuffer(inputs.amount, dtype=np.int64),
                }
            )
        )
    return pl.concat(parts, rechunk=True)


def account_frame(books: list[actuals.ActualInputs]) -> Any:
    inputs = books[0]  # every book has the same chart of accounts
    return pl.DataFrame(
        {
            "account": np.arange(len(inputs.source_of_account), dtype=np.int32),
            "source": np.frombuffer(inputs.source_of_account, dtype=np.int32),
            "component": np.frombuffer(inputs.component_of_account, dtype=np.int32),
        }
    )


def reference_polars(frame: Any, accounts: Any) -> dict[tuple[int, int, int, int], int]:
    """Actual by cluster, component, source and month: a tuned lazy polars query."""
    day = pl.from_epoch((pl.col("on") - dt.date(1970, 1, 1).toordinal()).cast(pl.Int64), "d")
    result = (
        frame.lazy()
        .filter(pl.col("role").is_in(actuals.COSTED_ROLES))
        .join(accounts.lazy(), on="account")
        .group_by("cluster", "component", "source", day.dt.truncate("1mo").alias("month"))
        .agg(pl.col("amount").sum())
        .collect()
    )
    return {
        (c, k, s, m.toordinal()): a
        for c, k, s, m, a in result.select(
            "cluster", "component", "source", "month", "amount"
        ).iter_rows()
    }


def duckdb_connection(frame: Any, accounts: Any) -> Any:
    """DuckDB tables of the same postings and accounts (copied in before the timing)."""
    con = duckdb.connect(":memory:")
    for name, table in (("postings", frame), ("accounts", accounts)):
        data = {c: table[c].to_numpy() for c in table.columns}  # noqa: F841 - read by the SQL
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM data")
    return con


def reference_duckdb(con: Any) -> dict[tuple[int, int, int, int], int]:
    """The same in DuckDB SQL over the same postings."""
    epoch = dt.date(1970, 1, 1).toordinal()
    roles = ", ".join(str(r) for r in actuals.COSTED_ROLES)
    rows = con.execute(
        f"""
        SELECT p.cluster, a.component, a.source,
               date_trunc('month', DATE '1970-01-01' + CAST(p."on" - {epoch} AS INTEGER)) AS month,
               SUM(p.amount)::BIGINT
        FROM postings p JOIN accounts a USING (account)
        WHERE p.role IN ({roles})
        GROUP BY ALL
        """
    ).fetchall()
    return {(c, k, s, m.toordinal()): int(a) for c, k, s, m, a in rows}


def klaster_statement(
    books: list[actuals.ActualInputs], lines: Any, sums: Callable[..., Any]
) -> Any:
    names = [str(b) for b in range(len(books))]
    return statement(names, lines, sums(books, "month", None), BY, None)


def actual_cells(result: Any) -> dict[tuple[int, int, int, int], int]:
    components, sources = actuals.COMPONENTS, actuals.SOURCES
    return {
        (
            int(r.cluster),
            components.index(r.component),
            sources.index(r.source),
            r.start.toordinal(),
        ): int(r.actual)
        for r in result.rows
        if r.actual
    }


def timed(action: Callable[[], Any]) -> tuple[float, Any]:
    gc.collect()
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=10_000_000)
    parser.add_argument("--clusters", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--python", action="store_true", help="also time the pure-Python sums")
    parser.add_argument("--user-entries", type=int, default=20_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    books = build(args.entries, args.clusters)
    lines = budget_lines(args.clusters)
    frame, accounts = reference_frame(books), account_frame(books)
    con = duckdb_connection(frame, accounts)
    actions: dict[str, Callable[[], Any]] = {
        "polars": lambda: reference_polars(frame, accounts),
        "duckdb": lambda: reference_duckdb(con),
        "klaster": lambda: klaster_statement(books, lines, actuals.polars_sums),
    }
    if args.python:
        actions["python"] = lambda: klaster_statement(books, lines, actuals.python_sums)
    runs: dict[str, list[float]] = {name: [] for name in actions}
    results: dict[str, Any] = {}
    for _ in range(args.repeat):  # interleaved, best of --repeat each
        for name, action in actions.items():
            elapsed, results[name] = timed(action)
            runs[name].append(elapsed)
    best = {name: min(times) for name, times in runs.items()}
    mine = actual_cells(results["klaster"])
    agree = mine == results["polars"] == results["duckdb"]
    if "python" in results:
        agree = agree and results["python"] == results["klaster"]
    figures: dict[str, Any] = {
        "entries": args.entries,
        "clusters": args.clusters,
        "rows": len(results["klaster"].rows),
        "agree": agree,
        **{f"{name}_s": round(t, 3) for name, t in best.items()},
        "ratio_polars": round(best["klaster"] / best["polars"], 2),
        "ratio_duckdb": round(best["klaster"] / best["duckdb"], 2),
    }
    if args.user_entries:
        from bench._budget_user import user_path  # the public API end to end, smaller

        figures.update(user_path(args.user_entries))
    figures["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    if args.json:
        print(json.dumps(figures))
    else:
        for key, value in figures.items():
            print(f"{key}: {value}")
    ok = agree and max(figures["ratio_polars"], figures["ratio_duckdb"]) <= TARGET
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
