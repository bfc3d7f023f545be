"""Finance books in the store: funds, loans, ledger, assets, handover, budget and spending.

One book per cluster. Amounts are INTEGER whole rupiah (the finance model refuses any fraction,
see :mod:`klaster.finance.money`), rates (a profit share) TEXT of the exact ``Decimal``, dates
ISO TEXT. A book only grows: saving compares the stored records with the book's and appends
what is new; a stored record that differs is refused. The spending policy is the one setting:
saving replaces it (budget revisions and lines, and spendings, are appended like the ledger:
:mod:`klaster.store._budget_rows`). Loading replays the records through ``Finance(...)``, the
rules of the live operations. Member savings are ledger accounts; the ``savings`` view lists
their postings.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from klaster.errors import KlasterError, StoreError
from klaster.finance.assets import Asset, AssetEvent, AssetRegister
from klaster.finance.book import Finance
from klaster.finance.entry import Account, Entry, Posting
from klaster.finance.fund import Fund
from klaster.finance.handover import Handover, HandoverItem
from klaster.finance.ledger import Ledger
from klaster.finance.loan import Loan, Restructuring
from klaster.finance.party import Party
from klaster.finance.program_fit import BookContext, fit_problems, program_problems
from klaster.model.program import Program
from klaster.model.records import Records
from klaster.store._budget_rows import (
    line_rows,
    load_budget,
    load_policy,
    load_spendings,
    revision_rows,
    save_policy,
    spending_row,
)
from klaster.store._finance_rows import (
    asset_row,
    entry_row,
    event_row,
    fund_row,
    handover_rows,
    item_rows,
    loan_row,
    posting_rows,
    restructuring_row,
)

# -- saving -------------------------------------------------------------------------------------


def as_books(books: Finance | Iterable[Finance]) -> list[Finance]:
    """One book or several as a list, each checked to be a :class:`Finance` book."""
    if isinstance(books, Finance):
        return [books]
    if isinstance(books, str | bytes | Mapping) or not isinstance(books, Iterable):
        raise StoreError(f"can only save Finance books, got {type(books).__name__}")
    listed = list(books)
    for index, book in enumerate(listed):
        if not isinstance(book, Finance):
            raise StoreError(
                f"can only save Finance books, got {type(book).__name__}", path=f"books[{index}]"
            )
    return listed


def save_finance(conn: sqlite3.Connection, source: Path, books: Sequence[Finance]) -> None:
    """Append what is new in each book (inside the caller's write transaction).

    Raises:
        StoreError: A book of another program or of no stored cluster, a party that is not the
            program or one of the cluster's cooperatives, or a stored record the book rewrote.
    """
    program_id = conn.execute("SELECT id FROM program").fetchone()[0]
    problems = []
    for index, book in enumerate(books):
        problems += _fit_problems(conn, book, program_id, f"books[{index}]")
    if problems:
        listing = "".join(f"\n  - {p}" for p in problems)
        raise StoreError(f"{source}: the books do not fit the stored program:{listing}")
    for book in books:
        _append_book(conn, source, book)


def _fit_problems(
    conn: sqlite3.Connection, book: Finance, program_id: str, where: str
) -> list[str]:
    found = conn.execute("SELECT 1 FROM clusters WHERE id = ?", (book.cluster_id,)).fetchone()
    if found is None:
        return [f"{where}.cluster_id: the store has no cluster {book.cluster_id!r}"]
    return fit_problems(book, _context(conn, book.cluster_id, program_id), where)


def _context(conn: sqlite3.Connection, cid: str, program_id: str) -> BookContext:
    """The stored cluster ``cid`` as a book is checked against it (IDs and sector codes)."""
    served: dict[str, list[str]] = {}
    for coop, sector in _rows(
        conn,
        "SELECT c.id, s.sector FROM cooperatives AS c LEFT JOIN cooperative_sectors AS s "
        "ON s.cluster_id = c.cluster_id AND s.cooperative_id = c.id WHERE c.cluster_id = ? "
        "ORDER BY c.position, s.position",
        cid,
    ):
        served.setdefault(coop, []).extend(() if sector is None else (sector,))
    return BookContext(
        program_id,
        cid,
        tuple(r[0] for r in _rows(conn, _SECTORS, cid)),
        dict(_rows(conn, "SELECT id, sector FROM members WHERE cluster_id = ?", cid)),
        dict(_rows(conn, "SELECT id, sector FROM groups WHERE cluster_id = ?", cid)),
        {coop: tuple(sectors) for coop, sectors in served.items()},
        # Service providers (recipients of spending) are the program's organisations.
        tuple(r[0] for r in conn.execute("SELECT id FROM organisations ORDER BY position")),
    )


_SECTORS = "SELECT sector FROM cluster_sectors WHERE cluster_id = ? ORDER BY position"


def _append_book(conn: sqlite3.Connection, source: Path, book: Finance) -> None:
    cid = book.cluster_id
    if conn.execute("SELECT 1 FROM finance_books WHERE cluster_id = ?", (cid,)).fetchone() is None:
        conn.execute(
            "INSERT INTO finance_books VALUES (?, "
            "(SELECT coalesce(max(position) + 1, 0) FROM finance_books), ?)",
            (cid, book.program_id),
        )
    entries = list(book.ledger)

    def extend(what: str, table: str, order: str, rows: list[tuple[Any, ...]]) -> None:
        stored = conn.execute(
            f"SELECT * FROM {table} WHERE cluster_id = ? ORDER BY {order}",
            (cid,),
        ).fetchall()
        for index, old in enumerate(stored):
            if index >= len(rows) or tuple(old) != rows[index]:
                raise StoreError(
                    f"{source}: finance book {cid!r}: {what}[{index}] differs from the stored "
                    "one; a book's records are only ever added to, never rewritten or removed"
                )
        if rows[len(stored) :]:
            marks = ", ".join("?" * len(rows[0]))
            conn.executemany(f"INSERT INTO {table} VALUES ({marks})", rows[len(stored) :])

    extend("funds", "funds", "position", [fund_row(cid, i, f) for i, f in enumerate(book.funds)])
    extend("loans", "loans", "position", [loan_row(cid, i, x) for i, x in enumerate(book.loans)])
    spendings = [spending_row(cid, i, x) for i, x in enumerate(book.spendings)]
    extend("spendings", "spendings", "seq", spendings)  # before the entries naming them
    extend(
        "ledger.entries",
        "ledger_entries",
        "seq",
        [entry_row(cid, i, e) for i, e in enumerate(entries)],
    )
    extend(
        "ledger postings",
        "ledger_postings",
        "entry_seq, seq",
        [row for i, e in enumerate(entries) for row in posting_rows(cid, i, e)],
    )
    extend(
        "restructurings",
        "restructurings",
        "seq",
        [restructuring_row(cid, i, r) for i, r in enumerate(book.restructurings)],
    )
    extend(
        "assets.assets",
        "assets",
        "position",
        [asset_row(cid, i, a) for i, a in enumerate(book.assets.assets)],
    )
    extend(
        "assets.events",
        "asset_events",
        "seq",
        [event_row(cid, i, e) for i, e in enumerate(book.assets.events)],
    )
    extend("handover", "handovers", "cluster_id", handover_rows(cid, book.handover))
    extend("handover.items", "handover_items", "position", item_rows(cid, book.handover))
    extend("budget.revisions", "budget_revisions", "number", revision_rows(cid, book.budget))
    extend("budget lines", "budget_lines", "revision, position", line_rows(cid, book.budget))
    save_policy(conn, cid, book.policy)


# -- loading ------------------------------------------------------------------------------------


def load_books(conn: sqlite3.Connection, source: Path) -> Records[Finance]:
    """Every stored book, replayed through the finance rules, by cluster ID."""
    books = []
    stored_program = conn.execute("SELECT id FROM program").fetchone()[0]
    for cid, program_id in conn.execute(
        "SELECT cluster_id, program_id FROM finance_books ORDER BY position"
    ).fetchall():
        try:
            books.append(_load_book(conn, cid, program_id))
        except KlasterError as exc:
            raise StoreError(
                f"{source}: the stored finance book of cluster {cid!r} is not valid ({exc}); "
                "the store was changed outside klaster"
            ) from None
    # The stored program is the context of its books, as when they were saved.
    problems = [
        p
        for i, b in enumerate(books)
        for p in _fit_problems(conn, b, stored_program, f"books[{i}]")
    ]
    if problems:
        listing = "".join(f"\n  - {p}" for p in problems)
        raise StoreError(
            f"{source}: the stored books do not fit the stored program (the store was changed "
            f"outside klaster):{listing}"
        )
    return Records("books", books)


def _rows(conn: sqlite3.Connection, query: str, cid: str) -> list[Any]:
    return conn.execute(query, (cid,)).fetchall()


def _load_book(conn: sqlite3.Connection, cid: str, program_id: str) -> Finance:
    funds = [
        Fund(fid, name, source, Party(kind, holder), opened, note)
        for fid, name, source, kind, holder, opened, note in _rows(
            conn,
            "SELECT id, name, source, held_by_kind, held_by_id, opened, note FROM funds "
            "WHERE cluster_id = ? ORDER BY position",
            cid,
        )
    ]
    loans = [
        Loan(r[0], r[1], Party(r[2], r[3]), *r[4:])
        for r in _rows(
            conn,
            "SELECT id, fund_id, borrower_kind, borrower_id, product, principal, disbursed_on, "
            "instalments, frequency, method, margin, profit_share, group_id, sector, first_due, "
            "purpose FROM loans WHERE cluster_id = ? ORDER BY position",
            cid,
        )
    ]
    postings: dict[int, list[Posting]] = {}
    for seq, debit_kind, debit_ref, credit_kind, credit_ref, amount, fund in _rows(
        conn,
        "SELECT p.entry_seq, p.debit_kind, p.debit_ref, p.credit_kind, p.credit_ref, p.amount, "
        "e.fund_id FROM ledger_postings AS p JOIN ledger_entries AS e "
        "ON e.cluster_id = p.cluster_id AND e.seq = p.entry_seq "
        "WHERE p.cluster_id = ? ORDER BY p.entry_seq, p.seq",
        cid,
    ):
        posting = Posting(
            Account(fund, debit_kind, debit_ref), Account(fund, credit_kind, credit_ref), amount
        )
        postings.setdefault(seq, []).append(posting)
    entries = [
        Entry(on, kind, loan_id, postings.get(seq, ()), memo, spending_id)
        for seq, on, kind, loan_id, memo, spending_id in _rows(
            conn,
            "SELECT seq, on_date, kind, loan_id, memo, spending_id FROM ledger_entries "
            "WHERE cluster_id = ? ORDER BY seq",
            cid,
        )
    ]
    restructurings = [
        Restructuring(*row)
        for row in _rows(
            conn,
            "SELECT loan_id, on_date, instalments, frequency, method, first_due, margin, reason, "
            "after_entry FROM restructurings WHERE cluster_id = ? ORDER BY seq",
            cid,
        )
    ]
    return Finance(
        cluster_id=cid,
        program_id=program_id,
        funds=funds,
        loans=loans,
        ledger=Ledger(entries),
        restructurings=restructurings,
        assets=_register(conn, cid),
        handover=_handover(conn, cid),
        budget=load_budget(conn, cid),
        spendings=load_spendings(conn, cid),
        policy=load_policy(conn, cid),
    )


def _party(kind: str | None, pid: str | None) -> Party | None:
    return None if kind is None or pid is None else Party(kind, pid)


def _register(conn: sqlite3.Connection, cid: str) -> AssetRegister:
    assets = [
        Asset(r[0], r[1], r[2], r[3], r[4], r[5], Party(r[6], r[7]), Party(r[8], r[9]), *r[10:])
        for r in _rows(
            conn,
            "SELECT id, kind, description, quantity, value, acquired_on, custodian_kind, "
            "custodian_id, owner_kind, owner_id, unit, sector, fund_id FROM assets "
            "WHERE cluster_id = ? ORDER BY position",
            cid,
        )
    ]
    events = [
        AssetEvent(
            r[0], r[1], r[2], r[3], r[4], _party(r[5], r[6]), _party(r[7], r[8]), r[9], r[10]
        )
        for r in _rows(
            conn,
            "SELECT asset_id, on_date, kind, value, quantity_change, custodian_kind, "
            "custodian_id, owner_kind, owner_id, proceeds, note FROM asset_events "
            "WHERE cluster_id = ? ORDER BY seq",
            cid,
        )
    ]
    return AssetRegister(assets, events)


def _handover(conn: sqlite3.Connection, cid: str) -> Handover | None:
    row = conn.execute(
        "SELECT id, on_date, program_id, decided_by, note FROM handovers WHERE cluster_id = ?",
        (cid,),
    ).fetchone()
    if row is None:
        return None
    items = [
        HandoverItem(*item)
        for item in _rows(
            conn,
            "SELECT kind, ref, to_cooperative, amount, count FROM handover_items "
            "WHERE cluster_id = ? ORDER BY position",
            cid,
        )
    ]
    hid, on, program_id, decided_by, note = row
    return Handover(hid, on, cid, program_id, items, decided_by, note)


def check_fit(books: Records[Finance], program: Program, source: Path) -> Records[Finance]:
    """``books``, once known to fit ``program`` (see :mod:`klaster.finance.program_fit`).

    Raises:
        StoreError: Listing every problem.
    """
    problems = [p for i, book in enumerate(books) for p in program_problems(book, program, i)]
    if problems:
        listing = "".join(f"\n  - {p}" for p in problems)
        raise StoreError(f"{source}: the stored books do not fit the program:{listing}")
    return books
