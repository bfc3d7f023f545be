"""Benchmark: replay a large ledger and compute PAR30 by group, against a hand-written polars query.

Usage::

    python bench/finance.py                 # full size: 1,000,000 loans, about 10,000,000 entries
    python bench/finance.py --scale 0.01    # quick run (10,000 loans)
    python bench/finance.py --json          # machine-readable figures on stdout

What is built (deterministic, fixed seed), through the public API (``Finance.disburse``,
``repay``, ``write_off``), so every entry went through the book's checks:

* ``scale × 1,000,000`` loans in ``scale × 100,000`` groups (10 loans a group), 90% qard hasan and
  10% murabahah, 10 monthly instalments, disbursed in 33 monthly cohorts from January 2012;
* repayments: 85% pay every instalment on its due day, 8% pay each one 1-2 months late, 4% pay a
  few instalments then stop (written off seven months later), 3% pay two instalments at a time;
* the ledger stops on 31 December 2014: about 10 entries a loan (1 disbursement + repayments).

What is timed, each on the whole ledger (PAR30 by group on its last day, so every entry is
replayed):

* ``python``: ``par_by(book, 30, on, "group")``, the pure-Python path (one pass over the posting
  columns, then each loan's schedule by bisection);
* ``fast``: the same call with ``engine="polars"`` (the ``columnar`` extra): the book's integer
  columns handed to polars as bytes, then one query; the conversion is inside the timing;
* ``reference``: a hand-written polars query over DataFrames of the same postings, segments,
  schedule rows and loan groups, built before the timing starts (so the reference pays nothing for
  getting its data into polars; the library does), filtering the postings by date itself.

All three must give the same figures for every group (checked). Entries/s is the number of ledger
entries replayed divided by the time. The three run in turn,
``--repeat`` times, and the best time of each counts (the machine may be shared: interleaving
slows all three alike).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import random
import resource
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as `python bench/finance.py`: make `src` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import polars as pl  # (the `columnar` extra: pip install -e '.[columnar]')

from klaster.finance import Finance, Fund, Ledger, Loan, Party
from klaster.finance._columnar import series
from klaster.finance.entry import Role
from klaster.finance.portfolio import Ratio, par_by
from klaster.finance.schedule import add_months

FAST_RATIO_TARGET = 3.0
START = dt.date(2012, 1, 1)
END = dt.date(2014, 12, 31)
MB = 1024 * 1024


def build(scale: float, seed: int = 2014) -> tuple[Finance, float]:
    """The synthetic book and the seconds its recording took."""
    rng = random.Random(seed)
    loans = max(100, round(1_000_000 * scale))
    groups = max(10, loans // 10)
    book = Finance("bench", "klaster-mandiri")
    book.add_fund(Fund("F-1", "Dana bergulir", "zakat", Party.program("klaster-mandiri"), START))
    book.receive("F-1", START, 10**15)
    borrower = Party.member("M-0")  # one Party object: the benchmark measures the ledger
    kinds = rng.choices(["ontime", "late", "default", "double"], [85, 8, 4, 3], k=loans)
    lags = [rng.choice((1, 2)) for _ in range(loans)]
    stops = [rng.randint(1, 6) for _ in range(loans)]
    by_dom: list[list[int]] = [[] for _ in range(28)]
    for i in range(loans):
        by_dom[(i // 33) % 28].append(i)
    instalment: list[int] = [0] * loans
    paid: list[int] = [0] * loans
    started = time.perf_counter()
    months = (END.year - START.year) * 12 + END.month - START.month + 1
    for month in range(months):
        for dom in range(28):
            day = add_months(START, month).replace(day=dom + 1)
            for i in by_dom[dom]:
                cohort = i % 33
                age = month - cohort
                if age < 0 or age > 12:
                    continue
                loan_id = f"L{i}"
                if age == 0:
                    murabahah = i % 10 == 0
                    loan = Loan(
                        loan_id,
                        "F-1",
                        borrower,
                        "murabahah" if murabahah else "qard_hasan",
                        1_000_000,
                        day,
                        10,
                        margin=100_000 if murabahah else 0,
                        group_id=f"G{i % groups}",
                    )
                    book.disburse(loan)
                    instalment[i] = 110_000 if murabahah else 100_000
                    continue
                kind = kinds[i]
                due_count = age - (lags[i] if kind == "late" else 0)
                if kind == "default" and paid[i] >= stops[i]:
                    if age == stops[i] + 7:
                        book.write_off(loan_id, day, "macet")
                    continue
                if kind == "double":
                    due_count = min(10, 2 * age)
                if due_count > 0 and paid[i] < min(due_count, 10):
                    count = min(due_count, 10) - paid[i]
                    book.repay(loan_id, day, instalment[i] * count)
                    paid[i] += count
    return book, time.perf_counter() - started


def reference_frames(book: Finance) -> dict[str, Any]:
    """The same entries as plain DataFrames, for the hand-written query (built untimed)."""
    cols = book.ledger.columns()
    sch = book.derived.schedules
    return {
        "postings": pl.DataFrame(
            [series(pl, n, cols[n]) for n in ("on", "role", "loan", "amount")]
        ).with_row_index("pos"),
        "segments": pl.DataFrame(
            [
                series(pl, "loan", sch.seg_loan),
                series(pl, "start", sch.seg_start),
                series(pl, "number", sch.seg_number),
                series(pl, "day", sch.seg_day),
            ]
        ).with_row_index("segment"),
        "rows": pl.DataFrame(
            [
                series(pl, "segment", sch.row_segment),
                series(pl, "due", sch.due),
                series(pl, "cum", sch.cum),
            ]
        ),
        "groups": pl.DataFrame(
            {
                "loan": list(range(len(book.derived.by_number))),
                "group": [s.loan.liable_group for s in book.derived.by_number],
            },
            schema={"loan": pl.Int32, "group": pl.String},
        ),
    }


def reference_par(frames: dict[str, Any], n: int, on: dt.date) -> dict[str | None, Ratio]:
    """PAR(n) by group written directly in polars, the way one would by hand.

    CGAP's definition: the outstanding principal of loans with any instalment more than ``n``
    days late over all outstanding principal; restructured loans at risk.
    """
    day = on.toordinal()
    role, amount = pl.col("role"), pl.col("amount")
    post = frames["postings"].filter(pl.col("on") <= day)
    payments = [int(Role.PRINCIPAL), int(Role.MARGIN)]
    per_loan = (
        post.select(
            "loan",
            pl.when(role == int(Role.DISBURSEMENT))
            .then(amount)
            .when(role.is_in([int(Role.PRINCIPAL), int(Role.WRITE_OFF), int(Role.ZAKAT)]))
            .then(-amount)
            .otherwise(0)
            .alias("out"),
            pl.when(role.is_in(payments)).then(amount).otherwise(0).alias("paid"),
        )
        .group_by("loan")
        .sum()
        .filter(pl.col("out") > 0)
    )
    current = (
        frames["segments"].filter(pl.col("day") <= day).sort("start").unique("loan", keep="last")
    )
    loans = per_loan.join(current, on="loan")
    restructured = loans.filter(pl.col("number") > 0).select("loan", "start")
    before = (
        post.join(restructured, on="loan")
        .filter((pl.col("pos") < pl.col("start")) & role.is_in(payments))
        .group_by("loan")
        .agg(amount.sum().alias("before"))
    )
    loans = loans.join(before, on="loan", how="left").with_columns(
        pl.col("paid") - pl.col("before").fill_null(0)
    )
    late = (
        frames["rows"]
        .filter(pl.col("due") < day - n)
        .join(loans.select(pl.col("segment").cast(pl.Int32), "paid"), on="segment")
        .filter(pl.col("cum") > pl.col("paid"))
        .select(pl.col("segment").unique().cast(pl.UInt32), pl.lit(True).alias("late"))
    )
    result = (
        loans.join(late, on="segment", how="left")
        .with_columns((pl.col("late").fill_null(False) | (pl.col("number") > 0)).alias("risk"))
        .join(frames["groups"], on="loan")
        .group_by("group")
        .agg(
            pl.col("out").filter(pl.col("risk")).sum().alias("at_risk"),
            pl.col("out").sum().alias("outstanding"),
            pl.col("risk").sum().alias("count"),
            pl.len().alias("total"),
        )
    )
    return {
        g: Ratio(Decimal(a), Decimal(o), int(c), int(t)) for g, a, o, c, t in result.iter_rows()
    }


def load_replay(book: Finance) -> float:
    """Seconds to rebuild the book from its stored records, as loading a document does."""
    stored = book.ledger.entries  # the Entry records a document holds (built untimed)
    funds, loans, restructurings = list(book.funds), list(book.loans), book.restructurings
    gc.collect()
    started = time.perf_counter()
    again = Finance(book.cluster_id, book.program_id, funds, loans, Ledger(stored), restructurings)
    elapsed = time.perf_counter() - started
    assert len(again.ledger) == len(book.ledger)
    return elapsed


def timed(action: Callable[[], Any]) -> tuple[float, Any]:
    gc.collect()
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--replay",
        action="store_true",
        help="also time loading the book from its stored records (Finance(...) replays every "
        "entry through the book's rules); needs memory for every Entry object at once",
    )
    args = parser.parse_args(argv)

    book, recording = build(args.scale)
    entries, postings = len(book.ledger), book.ledger.postings
    on = book.ledger.last_date
    assert on is not None
    frames = reference_frames(book)
    runs: dict[str, list[float]] = {"reference": [], "fast": [], "python": []}
    actions: dict[str, Callable[[], Any]] = {
        "reference": lambda: reference_par(frames, 30, on),
        "fast": lambda: par_by(book, 30, on, "group", engine="polars"),
        "python": lambda: par_by(book, 30, on, "group"),
    }
    results: dict[str, Any] = {}
    # Interleaved, best of --repeat each: a machine shared with other work slows all three alike.
    for _ in range(args.repeat):
        for name, action in actions.items():
            elapsed, results[name] = timed(action)
            runs[name].append(elapsed)
    t_ref, t_fast, t_py = (min(runs[k]) for k in ("reference", "fast", "python"))
    ref, fast, py = results["reference"], results["fast"], results["python"]
    assert py == fast == ref, "the three PAR30 computations disagree"
    total = sum(py.values(), Ratio(Decimal(0), Decimal(0), 0, 0))
    figures = {
        "scale": args.scale,
        "loans": len(book.loans),
        "groups": len(py),
        "entries": entries,
        "postings": postings,
        "as_of": on.isoformat(),
        "par30": str(total.percent),
        "recording_entries_per_s": round(entries / recording),
        "reference_s": round(t_ref, 3),
        "fast_s": round(t_fast, 3),
        "python_s": round(t_py, 3),
        "fast_entries_per_s": round(entries / t_fast),
        "python_entries_per_s": round(entries / t_py),
        "fast_ratio": round(t_fast / t_ref, 2),
        "python_ratio": round(t_py / t_ref, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
    if args.replay:
        figures["load_replay_entries_per_s"] = round(entries / load_replay(book))
    if args.json:
        print(json.dumps(figures))
    else:
        print(
            f"ledger: {entries:,} entries ({postings:,} postings), {len(book.loans):,} loans, "
            f"{len(py):,} groups; PAR30 on {on} = {total.percent}%\n"
            f"recording (validated appends): {figures['recording_entries_per_s']:,} entries/s\n"
            f"reference polars query: {t_ref:.3f} s\n"
            f"fast path (polars):     {t_fast:.3f} s = {figures['fast_entries_per_s']:,} "
            f"entries/s, {figures['fast_ratio']}x the reference (target <= {FAST_RATIO_TARGET}x)\n"
            f"pure Python:            {t_py:.3f} s = {figures['python_entries_per_s']:,} "
            f"entries/s, {figures['python_ratio']}x the reference\n"
            f"peak memory: {figures['peak_rss_mb']:,} MB"
        )
        if args.replay:
            print(f"load replay: {figures['load_replay_entries_per_s']:,} entries/s")
    return 0 if t_fast / t_ref <= FAST_RATIO_TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
