"""Restructurings and the replay of a book's stored records (internal to the book).

:func:`plan_restructuring` checks a restructuring against the book and returns the change (a new
schedule in force); :func:`restructure` builds one from the book's arguments. :func:`replay`
rebuilds a book's derived state (loans, spending) from its stored records through the rules of
the live operations (:mod:`klaster.finance._rules`), restructurings at their place in the ledger.
"""

from __future__ import annotations

import datetime as _dt
from decimal import Decimal

from klaster.errors import KlasterError, ValidationError
from klaster.finance._loanbook import BookParts
from klaster.finance._rules import (
    Apply,
    enum_arg,
    plan,
    remaining_margin,
    require_active,
    require_after_disbursement,
)
from klaster.finance._state import Segment
from klaster.finance.book_entries import to_day
from klaster.finance.errors import DateOrderError, HandoverError, LedgerError, LoanStateError
from klaster.finance.loan import Restructuring
from klaster.finance.money import rupiah
from klaster.finance.schedule import Frequency, Method, first_due_after
from klaster.finance.spending import Spending

__all__ = ["plan_restructuring", "replay", "restructure"]


def restructure(
    book: BookParts,
    loan_id: str,
    on: _dt.date,
    *,
    instalments: int,
    reason: str,
    first_due: _dt.date | None,
    frequency: Frequency | str | None,
    method: Method | str | None,
    margin: Decimal | int | str | None,
) -> Restructuring:
    """The restructuring :meth:`Finance.restructure <klaster.finance.Finance>` records, applied."""
    state = book.derived.require(loan_id, book.cluster_id)
    day = to_day(on)
    freq = enum_arg(Frequency, frequency, state.loan.frequency, "frequency")
    meth = enum_arg(Method, method, state.loan.method, "method")
    remaining = remaining_margin(book, state)
    new_margin = remaining if margin is None else int(rupiah(margin, positive=False))
    record = Restructuring(
        loan_id=loan_id,
        on=day,
        instalments=instalments,
        frequency=freq,
        method=meth,
        first_due=first_due or first_due_after(day, freq),
        margin=Decimal(new_margin),
        reason=reason,
        after_entry=len(book.ledger),
    )
    plan_restructuring(book, record, len(book.restructurings))()
    return record


def plan_restructuring(book: BookParts, record: Restructuring, r_index: int) -> Apply:
    """Check a restructuring against the book; return the change (a new schedule in force)."""
    where = f"restructurings[{r_index}]"
    if not isinstance(record, Restructuring):
        raise ValidationError(f"must be a Restructuring, got {type(record).__name__}", path=where)
    try:
        state = book.derived.require(record.loan_id, book.cluster_id)
    except KlasterError as exc:
        raise exc.at(where) from None
    loan = state.loan
    require_active(state, "restructure")
    if state.outstanding == 0:
        raise LoanStateError(f"loan {loan.id!r} has no principal outstanding", path=where)
    require_after_disbursement(state, record.on)
    ledger = book.ledger
    after = record.after_entry
    if after > len(ledger):
        raise ValidationError(f"after_entry {after} is past the ledger's end", path=where)
    before = ledger.entry_date(after - 1) if after else None
    following = ledger.entry_date(after) if after < len(ledger) else None
    if (before and record.on < before) or (following and record.on > following):
        raise DateOrderError(
            f"dated {record.on}, out of order with the ledger entries around it", path=where
        )
    left = remaining_margin(book, state)
    if int(record.margin) > left:
        raise LoanStateError(
            f"new margin {record.margin:,} is more than the {left:,} left to pay; a rescheduled "
            "debt may not grow (DSN-MUI fatwa 48/2005)",
            path=f"{where}.margin",
        )
    start = ledger.entry_start(after)
    outstanding = state.outstanding

    def restructured() -> None:
        margin = int(record.margin)
        number = len(state.segments)
        row = book.derived.schedules.add(
            outstanding,
            margin,
            record.instalments,
            record.frequency,
            record.method,
            record.first_due,
            loan=state.number,
            start=start,
            number=number,
            day=record.on.toordinal(),
        )
        state.segments.append(
            Segment(
                number,
                row,
                record.instalments,
                start,
                after,
                outstanding + margin,
                record.on.toordinal(),
            )
        )
        state.paid = 0

    return restructured


def replay(book: BookParts) -> None:
    """Rebuild the derived state of ``book`` from its stored records, checking every rule."""
    ledger, records = book.ledger, book.restructurings
    pending = 0
    for index in range(len(ledger) + 1):
        while pending < len(records) and records[pending].after_entry <= index:
            if records[pending].after_entry < index:
                raise ValidationError(
                    "restructurings are not in ledger order", path=f"restructurings[{pending}]"
                )
            plan_restructuring(book, records[pending], pending)()
            pending += 1
        if index < len(ledger):
            plan(book, ledger[index], index, ledger.entry_start(index), None)()
    if pending < len(records):
        raise ValidationError(
            "after_entry is past the ledger's end", path=f"restructurings[{pending}]"
        )
    for position, loan in enumerate(book.loans):
        if loan.id not in book.derived:
            raise LedgerError(
                f"loan {loan.id!r} has no disbursement entry", path=f"loans[{position}]"
            )
    for position, spending in enumerate(book.spendings):
        if not isinstance(spending, Spending):
            raise ValidationError(
                f"must be a Spending, got {type(spending).__name__}", path=f"spendings[{position}]"
            )
        if spending.id not in book.spent.entries:
            raise LedgerError(
                f"spending {spending.id!r} has no ledger entry", path=f"spendings[{position}]"
            )
    if book.handover is not None:
        for fund_id in book.handover.fund_ids():
            if fund_id not in book.funds:
                raise HandoverError(f"hands over unknown fund {fund_id!r}", path="handover")
