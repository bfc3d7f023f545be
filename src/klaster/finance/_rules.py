"""The book's rules, one place for live operations and for replaying stored records.

:func:`plan` checks one entry against the book (loan state, allocation, fund, dates) without
changing anything and returns the change to make once the ledger has accepted the entry. Live
operations and :func:`replay` (loading a book) both go through it, so a stored book can never
hold what the API would refuse.
"""

from __future__ import annotations

import datetime as _dt
import enum
from collections.abc import Callable
from typing import TypeVar

from klaster._support.validate import enum_value
from klaster.errors import KlasterError, ValidationError
from klaster.finance._loanbook import BookParts
from klaster.finance._spend_rules import apply_spending, count_receipt, plan_spending
from klaster.finance._state import LoanState, Segment, split_payment
from klaster.finance.entry import SPENDING_KINDS, AccountKind, Entry, EntryKind
from klaster.finance.errors import (
    DateOrderError,
    FinanceError,
    HandoverError,
    LedgerError,
    LoanStateError,
    OverpaymentError,
    UnknownRecordError,
)
from klaster.finance.fund import Fund, FundSource
from klaster.finance.loan import Loan, LoanStatus, Product
from klaster.finance.party import PartyKind
from klaster.finance.spending import Spending

E = TypeVar("E", bound=enum.Enum)
Apply = Callable[[], None]


def _nothing() -> None:
    return None


def enum_arg(cls: type[E], value: object, default: E | None, path: str) -> E:
    """``value`` as a member of ``cls`` (``default`` for ``None``), or a located error."""
    if value is None and default is not None:
        return default
    found = enum_value(cls, value)  # type: ignore[arg-type]
    if not isinstance(found, cls):
        valid = ", ".join(repr(m.value) for m in cls)
        raise ValidationError(f"invalid value {value!r}: use one of {valid}", path=path)
    return found


def require_active(state: LoanState, action: str) -> None:
    """Refuse ``action`` on a loan that is not active (repaid, written off, converted)."""
    if state.status is not LoanStatus.ACTIVE:
        hint = (
            "; record money collected with recover()"
            if (state.status is LoanStatus.WRITTEN_OFF and action == "repay")
            else ""
        )
        raise LoanStateError(
            f"cannot {action} loan {state.loan.id!r}: it is {state.status.value}{hint}",
            path=f"loans[{state.loan.id!r}]",
        )


def require_after_disbursement(state: LoanState, day: _dt.date) -> None:
    """Refuse a date before the loan was disbursed."""
    if day < state.loan.disbursed_on:
        raise DateOrderError(
            f"dated {day}, before loan {state.loan.id!r} was disbursed on "
            f"{state.loan.disbursed_on}",
            path=f"loans[{state.loan.id!r}].on",
        )


def remaining_margin(book: BookParts, state: LoanState) -> int:
    """Margin of the schedule in force not yet covered by payments."""
    s, seg = book.derived.schedules, state.segment
    total = sum(s.margin[seg.row : seg.row + seg.n])
    return total - split_payment(s, seg, 0, state.paid)[0]


def check_new_fund(book: BookParts, fund: Fund, where: str) -> None:
    """A new fund: a Fund, a new ID, and after the handover never the program's."""
    if not isinstance(fund, Fund):
        raise ValidationError(f"must be a Fund, got {type(fund).__name__}", path=where)
    if fund.id in book.funds:
        raise ValidationError(f"duplicate ID {fund.id!r}: the fund exists", path=f"{where}.id")
    if book.handover is not None and fund.held_by.kind is PartyKind.PROGRAM:
        raise HandoverError(
            f"the book was handed over on {book.handover.on}; new funds are a cooperative's",
            path=f"{where}.held_by",
        )


def plan(
    book: BookParts, entry: Entry, index: int, first: int, pending: Loan | Spending | None
) -> Apply:
    """Check ``entry`` (to be entry ``index``, postings from ``first``); return its change."""
    where = f"entries[{index}]"
    try:
        return _plan(book, entry, where, index, first, pending)
    except KlasterError as exc:
        if exc.path and exc.path.startswith(("entries", "loans", "spendings")):
            raise
        raise exc.at(where) from None


def _plan(
    book: BookParts,
    entry: Entry,
    where: str,
    index: int,
    first: int,
    pending: Loan | Spending | None,
) -> Apply:
    fund = book.funds.get(entry.fund_id)
    if fund is None:
        raise UnknownRecordError(
            f"no fund {entry.fund_id!r}; funds: {', '.join(book.funds.ids()) or 'none yet'}",
            path=f"{where}.postings",
        )
    if entry.on < fund.opened:
        raise DateOrderError(
            f"dated {entry.on}, before fund {fund.id!r} was opened on {fund.opened}",
            path=f"{where}.on",
        )
    kind = entry.kind
    if kind is EntryKind.FUNDING:
        return lambda: count_receipt(book, entry, fund.source)
    if kind in SPENDING_KINDS:
        spending = plan_spending(
            book, entry, where, fund, pending if isinstance(pending, Spending) else None
        )
        return lambda: apply_spending(book, spending, fund.source, index)
    if kind in (EntryKind.SAVINGS_DEPOSIT, EntryKind.SAVINGS_WITHDRAWAL):
        holder = book.holder_of(fund.id, entry.on)
        if holder.kind is not PartyKind.COOPERATIVE:
            raise FinanceError(
                f"savings are held by a cooperative; fund {fund.id!r} is held by {holder} on "
                f"{entry.on}",
                path=f"{where}.postings",
            )
        return _nothing
    if kind is EntryKind.DISBURSEMENT:
        loan = pending if isinstance(pending, Loan) else None
        return _plan_disbursement(book, entry, where, index, first, fund, loan)
    assert entry.loan_id is not None
    state = book.derived.require(entry.loan_id, book.cluster_id)
    loan = state.loan
    where_loan = f"{where} (loan {loan.id!r})"
    if loan.fund_id != fund.id:
        raise LedgerError(
            f"loan {loan.id!r} belongs to fund {loan.fund_id!r}, not {fund.id!r}", path=where_loan
        )
    require_after_disbursement(state, entry.on)
    amounts = {AccountKind.MARGIN_INCOME: 0, AccountKind.LOANS: 0}
    for posting in entry.postings:
        key = posting.credit.kind
        amounts[key] = amounts.get(key, 0) + int(posting.amount)
    total = sum(amounts.values())
    positions = range(first, first + len(entry.postings))

    if kind is EntryKind.REPAYMENT:
        require_active(state, "repay")
        if len(entry.postings) > 2 or len({p.credit.kind for p in entry.postings}) != len(
            entry.postings
        ):
            raise LedgerError(
                "a repayment has one margin and one principal posting at most", path=where_loan
            )
        owed = state.segment.total - state.paid
        if total > owed:
            raise OverpaymentError(
                f"loan {loan.id!r} owes {owed:,} rupiah; a payment of {total:,} is too much",
                path=where_loan,
            )
        margin, principal = amounts[AccountKind.MARGIN_INCOME], amounts[AccountKind.LOANS]
        expected = split_payment(book.derived.schedules, state.segment, state.paid, total)
        if (margin, principal) != expected:
            raise LedgerError(
                f"splits {total:,} as margin {margin:,} + principal {principal:,}; the allocation "
                f"order gives margin {expected[0]:,} + principal {expected[1]:,}",
                path=where_loan,
            )

        def repaid() -> None:
            state.paid += total
            state.outstanding -= principal
            state.principal_paid += principal
            state.margin_paid += margin
            state.positions.extend(positions)
            if state.paid >= state.segment.total:
                state.status = LoanStatus.REPAID

        return repaid

    if kind is EntryKind.PROFIT_SHARE:
        if loan.product is not Product.PROFIT_SHARING:
            raise LoanStateError(f"loan {loan.id!r} is not profit sharing", path=where_loan)
        if state.status in (LoanStatus.WRITTEN_OFF, LoanStatus.CONVERTED_TO_ZAKAT):
            raise LoanStateError(f"loan {loan.id!r} is {state.status.value}", path=where_loan)

        def shared() -> None:
            state.profit_paid += total
            state.positions.extend(positions)

        return shared

    if kind in (EntryKind.WRITE_OFF, EntryKind.ZAKAT_CONVERSION):
        require_active(state, kind.value.replace("_", " "))
        if total != state.outstanding or total == 0:
            raise LedgerError(
                f"takes {total:,} off loan {loan.id!r}, which has {state.outstanding:,} "
                "outstanding; the whole outstanding principal is written off",
                path=where_loan,
            )
        zakat = kind is EntryKind.ZAKAT_CONVERSION
        if zakat and fund.source is not FundSource.ZAKAT:
            raise LoanStateError(
                f"loan {loan.id!r} is from fund {fund.id!r} (source {fund.source.value}); only "
                "zakat money may end as zakat to a gharim (write it off instead)",
                path=where_loan,
            )
        if zakat and loan.borrower.kind is not PartyKind.MEMBER:
            raise LoanStateError(
                f"loan {loan.id!r} is a group loan; only a person can be a gharim",
                path=where_loan,
            )

        def closed() -> None:
            state.status = LoanStatus.CONVERTED_TO_ZAKAT if zakat else LoanStatus.WRITTEN_OFF
            state.written_off = total
            state.outstanding = 0
            state.positions.extend(positions)

        return closed

    # EntryKind.RECOVERY
    if state.status is not LoanStatus.WRITTEN_OFF:
        raise LoanStateError(
            f"loan {loan.id!r} is {state.status.value}; recoveries follow a write-off",
            path=where_loan,
        )
    left = state.written_off - state.recovered
    if total > left:
        raise OverpaymentError(
            f"loan {loan.id!r} has {left:,} rupiah left to recover; {total:,} is too much",
            path=where_loan,
        )

    def recovered() -> None:
        state.recovered += total
        state.positions.extend(positions)

    return recovered


def _plan_disbursement(
    book: BookParts,
    entry: Entry,
    where: str,
    index: int,
    first: int,
    fund: Fund,
    pending: Loan | None,
) -> Apply:
    assert entry.loan_id is not None
    loan = pending if pending is not None else book.loans.get(entry.loan_id)
    if loan is None or loan.id != entry.loan_id:
        raise UnknownRecordError(f"no loan {entry.loan_id!r} among the loans", path=where)
    if loan.id in book.derived:
        raise LoanStateError(f"loan {loan.id!r} was already disbursed", path=where)
    if loan.fund_id != fund.id:
        raise LedgerError(f"loan {loan.id!r} is from fund {loan.fund_id!r}", path=where)
    if entry.on != loan.disbursed_on or entry.amount != loan.principal:
        raise LedgerError(
            f"disburses {entry.amount:,} on {entry.on}; loan {loan.id!r} says "
            f"{loan.principal:,} on {loan.disbursed_on}",
            path=where,
        )

    def disbursed() -> None:
        state = LoanState(loan, book.ledger.loan_number(loan.id))
        principal, margin = int(loan.principal), int(loan.margin)
        row = book.derived.schedules.add(
            principal,
            margin,
            loan.instalments,
            loan.frequency,
            loan.method,
            loan.first_due_date,
            loan=state.number,
            start=first,
            number=0,
            day=entry.on.toordinal(),
        )
        state.segments.append(
            Segment(
                0, row, loan.instalments, first, index, principal + margin, entry.on.toordinal()
            )
        )
        state.outstanding = principal
        state.positions.append(first)
        book.derived.add(state)

    return disbursed
