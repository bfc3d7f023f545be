"""Actual spending recomputed from a book's ledger, in two backends (internal).

The actual of a budget statement is read from the ledger's postings, never from a running total:

* a ``funding`` posting (money received into a fund, :meth:`Finance.receive`) counts as the
  ``capital`` component: it is the program's capital put into the revolving fund;
* a spending posting (a grant, in-kind transfer or expense: one entry per
  :class:`~klaster.finance.spending.Spending`) counts under the spending's component, which the
  account it debits names (``F-1:grants_paid:training``);
* every other posting (loans, repayments, savings) moves money within the program and is no cost.

The fund source is that of the fund the posting is in. Both backends reduce the postings to one
sum per (component code, source code, day ordinal); everything after that (periods, budget lines,
rows) is computed once, in Python, from those few sums, so the two agree by construction there.
"""

from __future__ import annotations

import datetime as _dt
from array import array
from collections.abc import Callable, Sequence
from typing import Any

from attrs import frozen

from klaster.finance._budget_periods import Span, bucket_of
from klaster.finance._columnar import polars
from klaster.finance.book import Finance
from klaster.finance.budget import Component
from klaster.finance.entry import SPENT_KINDS, Account, AccountKind, Role
from klaster.finance.fund import FundSource

__all__ = [
    "CAPITAL",
    "COMPONENTS",
    "COSTED_ROLES",
    "SOURCES",
    "SPENDING_ROLES",
    "ActualInputs",
    "Sums",
    "inputs_of",
    "key_of",
    "polars_frame",
    "polars_sums",
    "python_sums",
]

COMPONENTS: tuple[Component, ...] = tuple(Component)
"""Component ↔ its code in the sums."""
SOURCES: tuple[FundSource, ...] = tuple(FundSource)
"""Fund source ↔ its code in the sums."""
CAPITAL = COMPONENTS.index(Component.CAPITAL)
SPENDING_ROLES: frozenset[int] = frozenset({int(Role.GRANT), int(Role.IN_KIND), int(Role.EXPENSE)})
"""The posting roles of spending entries."""
COSTED_ROLES = sorted(SPENDING_ROLES | {int(Role.FUNDING)})
"""The roles whose postings are actuals."""

Sums = dict[tuple[int, int, int], int]
"""(component code, source code, day ordinal) → whole rupiah."""


@frozen
class ActualInputs:
    """What the actuals of one book are computed from: columns and two small lookups.

    Args:
        on: Per posting, the day ordinal.
        role: Per posting, its :class:`~klaster.finance.entry.Role` code.
        account: Per posting, the account number it debits.
        amount: Per posting, whole rupiah.
        source_of_account: Per account number, the source code of its fund.
        component_of_account: Per account number, the component code its postings count under
            when they are actuals (a fund's cash: ``capital``; a spent account: its ref); -1 else.
    """

    on: array[int]
    role: array[int]
    account: array[int]
    amount: array[int]
    source_of_account: array[int]
    component_of_account: array[int]


def inputs_of(book: Finance) -> ActualInputs:
    """The inputs of a :class:`~klaster.finance.Finance` book (its ledger columns, no copy)."""
    cols = book.ledger.columns()
    sources = {fund.id: SOURCES.index(fund.source) for fund in book.funds}
    accounts = book.ledger.accounts()
    source_of_account = array("i", (sources[a.fund_id] for a in accounts))
    components = array("i", (_component_of(a) for a in accounts))
    return ActualInputs(
        cols["on"], cols["role"], cols["debit"], cols["amount"], source_of_account, components
    )


def _component_of(account: Account) -> int:
    if account.kind is AccountKind.CASH:
        return CAPITAL
    if account.kind in SPENT_KINDS and account.ref is not None:
        return COMPONENTS.index(Component(account.ref))
    return -1


def key_of(grain: str | None, window: Span | None) -> Callable[[int], int | None]:
    """Day ordinal → the ordinal the sums are keyed by (``None``: outside the window).

    By calendar grain the key is the first day of the period; by the budget lines' periods the
    day itself (the statement finds the line); with no grain, 0.
    """
    first = -1 if window is None else window[0].toordinal()
    last = 1 << 40 if window is None else window[1].toordinal()
    cache: dict[int, int | None] = {}

    def key(day: int) -> int | None:
        found = cache.get(day, -1)
        if found == -1:
            if not first <= day <= last:
                found = None
            elif grain is None:
                found = 0
            elif grain == "period":
                found = day
            else:
                found = bucket_of(grain, _dt.date.fromordinal(day))[0].toordinal()
            cache[day] = found
        return found

    return key


def python_sums(
    books: Sequence[ActualInputs], grain: str | None, window: Span | None
) -> list[Sums]:
    """Each book's sums by one pass over its posting columns (the reference backend)."""
    key_for = key_of(grain, window)
    costed = frozenset(COSTED_ROLES)
    found = []
    for inputs in books:
        sums: Sums = {}
        get = sums.get
        source_of, component_of = inputs.source_of_account, inputs.component_of_account
        account, amount, on = inputs.account, inputs.amount, inputs.on
        for i, role in enumerate(inputs.role):
            if role in costed:
                day = key_for(on[i])
                if day is not None:
                    a = account[i]
                    key = (component_of[a], source_of[a], day)
                    sums[key] = get(key, 0) + amount[i]
        found.append(sums)
    return found


_DTYPES = {"i": "int32", "B": "uint8", "q": "int64"}


def _joined(pl: Any, books: Sequence[ActualInputs], name: str) -> Any:
    # One column of every book end to end: one memory copy (numpy.concatenate over views of the
    # arrays' bytes), handed to polars without conversion. The views are released before
    # returning, so the ledgers' arrays stay appendable.
    import numpy as np

    typecode = getattr(books[0], name).typecode
    views = [np.frombuffer(getattr(b, name), dtype=_DTYPES[typecode]) for b in books]
    joined = np.concatenate(views)
    del views
    return pl.Series(name, joined)


def polars_frame(
    pl: Any, books: Sequence[ActualInputs], grain: str | None, window: Span | None
) -> Any:
    """A lazy frame of every book's costed postings: book, component, source, key, amount.

    The books' columns are laid end to end; an account's number is offset by the accounts of
    the books before it, so one lookup by position (``gather``) gives its book, component and
    source. The key of each day comes from a table over the days of the ledgers (:func:`key_of`).
    """
    lengths = [len(inputs.on) for inputs in books]
    charts = [len(inputs.source_of_account) for inputs in books]
    offsets = [sum(charts[:i]) for i in range(len(books))]
    first = min((inputs.on[0] for inputs in books if len(inputs.on)), default=0)
    last = max((inputs.on[-1] for inputs in books if len(inputs.on)), default=0)
    key_for = key_of(grain, window)
    keys = pl.Series("key", [key_for(day) for day in range(first, last + 1)], dtype=pl.Int64)
    book_of = pl.Series("book", [b for b, n in enumerate(charts) for _ in range(n)], pl.Int32)
    component = _joined(pl, books, "component_of_account")
    source = _joined(pl, books, "source_of_account")
    offset = (
        pl.DataFrame({"offset": offsets, "n": lengths}, schema={"offset": pl.Int64, "n": pl.Int64})
        .select(pl.col("offset").repeat_by("n").explode())
        .to_series()
    )
    postings = pl.DataFrame(
        [
            _joined(pl, books, "on"),
            _joined(pl, books, "role"),
            _joined(pl, books, "account"),
            _joined(pl, books, "amount"),
            offset,
        ]
    ).lazy()
    at = pl.col("account").cast(pl.Int64) + pl.col("offset")
    return (
        postings.filter(pl.col("role").is_in(COSTED_ROLES))
        .select(
            pl.lit(book_of).gather(at).alias("book"),
            pl.lit(component).gather(at).alias("component"),
            pl.lit(source).gather(at).alias("source"),
            pl.lit(keys).gather(pl.col("on") - first).alias("key"),
            pl.col("amount"),
        )
        .filter(pl.col("key").is_not_null())
    )


def polars_sums(
    books: Sequence[ActualInputs], grain: str | None, window: Span | None
) -> list[Sums]:
    """The same sums by one polars query over every book's columns (the ``columnar`` extra)."""
    pl = polars()
    found: list[Sums] = [{} for _ in books]
    if not any(len(inputs.on) for inputs in books):
        return found
    totals = (
        polars_frame(pl, books, grain, window)
        .group_by("book", "component", "source", "key")
        .agg(pl.col("amount").sum())
        .collect()
    )
    for b, c, s, d, a in zip(*(totals[n].to_list() for n in totals.columns), strict=True):
        found[b][(c, s, d)] = a
    return found
