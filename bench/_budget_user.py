"""The user's path of ``bench/budget.py``: a book through the public API, a document, the statement.

One cluster book (``make_cluster``'s Lebak: two members) with three funds and a budget of one line
per component, source and year; ``entries`` ledger entries recorded through
``Finance.receive``/``spend`` (every rule checked): one receipt in ten, the rest expenses and
zakat grants over the six components, 2012-2014. The book is saved as a finance document and
loaded back (replaying every entry through the same rules), then the statement is computed by
cluster × component × source × month with each engine.
"""

from __future__ import annotations

import datetime as dt
import random
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

from klaster import Organisation, Program
from klaster.finance import (
    BudgetLine,
    Component,
    Finance,
    Fund,
    Party,
    Spending,
    SpendingPolicy,
    budget_vs_actual,
)
from klaster.finance import load as load_finance
from klaster.finance import save as save_finance
from klaster.finance.testing import PROGRAM, make_cluster

_FUNDS = (("F-Z", "zakat"), ("F-I", "infaq_sadaqah"), ("F-C", "grant"))
_BY = ("cluster", "component", "source", "month")


def _program() -> Program:
    program = Program(
        id=PROGRAM,
        name="Klaster Mandiri",
        organisation_id="dd",
        organisations=[Organisation("dd", "Dompet Dhuafa", "ngo")],
    )
    program.add_cluster(make_cluster())
    return program


def record(entries: int, seed: int = 2013) -> Finance:
    """The book, every entry through the public API."""
    rng = random.Random(seed)
    book = Finance("lebak", PROGRAM, policy=SpendingPolicy(over_budget="allow"))
    start = dt.date(2012, 1, 1)
    for fund_id, source in _FUNDS:
        book.add_fund(Fund(fund_id, fund_id, source, Party.program(PROGRAM), start))
    years = [(dt.date(y, 1, 1), dt.date(y, 12, 31)) for y in (2012, 2013, 2014)]
    book.revise_budget(
        start,
        "initial budget",
        [
            BudgetLine(c, s, 50_000_000, *span)
            for c in Component
            for _f, s in _FUNDS
            for span in years
        ],
    )
    days = sorted(rng.randrange(0, 1096) for _ in range(entries))
    member = Party.member("M-1")
    for number, offset in enumerate(days):
        on = start + dt.timedelta(days=offset)
        fund_id, _source = _FUNDS[number % 3]
        amount = rng.randrange(50, 5_000) * 1_000
        if number % 10 == 0 or book.cash(fund_id) < amount:
            book.receive(fund_id, on, 10 * amount, for_spending=number % 20 == 0)
            continue
        component = Component(list(Component)[rng.randrange(1, 6)])
        if fund_id == "F-Z":
            spending = Spending(
                f"S-{number}", "grant", on, fund_id, amount, component, member, asnaf="miskin"
            )
        else:
            spending = Spending(f"S-{number}", "expense", on, fund_id, amount, component)
        book.spend(spending)
    return book


def user_path(entries: int) -> dict[str, Any]:
    """Seconds for each step of the user's path, at ``entries`` entries."""
    program = _program()
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = record(entries)
    recorded = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "km.finance.json"
        save_finance(book, path, program=program)
        started = time.perf_counter()
        books = list(load_finance(path, program))
        loaded = time.perf_counter() - started
    timings: dict[str, float] = {}
    statements = {}
    for engine in ("python", "polars"):
        started = time.perf_counter()
        statements[engine] = budget_vs_actual(books, by=_BY, program=program, engine=engine)
        timings[engine] = time.perf_counter() - started
    assert statements["python"] == statements["polars"], "the engines disagree"
    return {
        "user_entries": len(book.ledger),
        "user_record_entries_per_s": round(len(book.ledger) / recorded),
        "user_load_s": round(loaded, 3),
        "user_statement_python_s": round(timings["python"], 3),
        "user_statement_polars_s": round(timings["polars"], 3),
        "user_rows": len(statements["python"].rows),
    }
