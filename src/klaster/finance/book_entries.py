"""The ledger entries the operations of a book make, checked before recording.

Each function builds one :class:`~klaster.finance.Entry` from a loan's running state (or a
member's savings) and refuses what the operation never allows, with the loan's or argument's
path; :meth:`Finance._record <klaster.finance.Finance>` then checks it against the book's rules and
appends it.
"""

from __future__ import annotations

import datetime as _dt
from decimal import Decimal

from klaster._support.validate import to_date
from klaster.errors import ValidationError
from klaster.finance._state import LoanState, Schedules, split_payment
from klaster.finance.entry import Account, AccountKind, Entry, EntryKind, Posting
from klaster.finance.errors import LoanStateError, OverpaymentError
from klaster.finance.loan import Loan, Product
from klaster.finance.money import round_rupiah, rupiah
from klaster.finance.savings import SavingsKind

__all__ = [
    "closing",
    "disbursement",
    "funding",
    "profit_share",
    "recovery",
    "repayment",
    "require_withdrawable",
    "savings",
    "to_day",
]


def to_day(value: object, path: str = "on") -> _dt.date:
    """``value`` as a date (a ``datetime.date`` or ``"YYYY-MM-DD"``), or a located error."""
    day = to_date(value)  # type: ignore[arg-type]
    if not isinstance(day, _dt.date) or isinstance(day, _dt.datetime):
        raise ValidationError("must be a date (datetime.date or 'YYYY-MM-DD')", path=path)
    return day


def funding(
    fund_id: str,
    on: object,
    amount: Decimal | int | str,
    memo: str | None,
    *,
    for_spending: bool = False,
) -> Entry:
    """Money received into a fund from its source: capital, or money to be spent."""
    kind = AccountKind.SPENDING_FUNDS if for_spending else AccountKind.CAPITAL
    cash, capital = Account(fund_id, AccountKind.CASH), Account(fund_id, kind)
    posting = Posting(cash, capital, rupiah(amount))
    return Entry(to_day(on), EntryKind.FUNDING, None, [posting], memo)


def disbursement(loan: Loan, memo: str | None) -> Entry:
    """``loan`` paid out of its fund's cash."""
    fund = loan.fund_id
    loans, cash = Account(fund, AccountKind.LOANS, loan.id), Account(fund, AccountKind.CASH)
    posting = Posting(loans, cash, loan.principal)
    return Entry(loan.disbursed_on, EntryKind.DISBURSEMENT, loan.id, [posting], memo)


def recovery(state: LoanState, on: object, amount: Decimal | int | str, memo: str | None) -> Entry:
    """Money collected on a written-off loan."""
    value = rupiah(amount)
    fund = state.loan.fund_id
    cash, recoveries = Account(fund, AccountKind.CASH), Account(fund, AccountKind.RECOVERIES)
    return Entry(
        to_day(on), EntryKind.RECOVERY, state.loan.id, [Posting(cash, recoveries, value)], memo
    )


def repayment(
    schedules: Schedules, state: LoanState, day: _dt.date, value: int, memo: str | None
) -> tuple[Entry, int, int]:
    """A repayment of ``value`` allocated oldest instalment first, margin before principal.

    Returns the entry, its margin and its principal.
    """
    loan_id = state.loan.id
    owed = state.segment.total - state.paid
    if value > owed:
        raise OverpaymentError(
            f"loan {loan_id!r} owes {owed:,} rupiah; a payment of {value:,} is too much",
            path=f"loans[{loan_id!r}]",
        )
    margin, principal = split_payment(schedules, state.segment, state.paid, value)
    cash, loans, income = state.accounts
    postings = []
    if margin:
        postings.append(Posting(cash, income, margin))
    if principal:
        postings.append(Posting(cash, loans, principal))
    return Entry(day, EntryKind.REPAYMENT, loan_id, postings, memo), margin, principal


def profit_share(
    state: LoanState, on: object, business_profit: Decimal | int | str, memo: str | None
) -> Entry:
    """The fund's share (nisbah) of a profit-sharing loan's realised profit."""
    loan = state.loan
    if loan.product is not Product.PROFIT_SHARING or loan.profit_share is None:
        raise LoanStateError(
            f"loan {loan.id!r} is {loan.product.value}, not profit sharing",
            path=f"loans[{loan.id!r}]",
        )
    amount = int(round_rupiah(rupiah(business_profit, path="business_profit") * loan.profit_share))
    if amount == 0:
        raise OverpaymentError("the fund's share rounds to zero rupiah", path="business_profit")
    posting = Posting(
        Account(loan.fund_id, AccountKind.CASH),
        Account(loan.fund_id, AccountKind.MARGIN_INCOME),
        amount,
    )
    return Entry(to_day(on), EntryKind.PROFIT_SHARE, loan.id, [posting], memo)


def closing(
    state: LoanState, on: object, reason: str, kind: EntryKind, debit: AccountKind
) -> Entry:
    """Take the whole outstanding principal off the books (write-off or zakat conversion)."""
    loan_id = state.loan.id
    if state.outstanding == 0:
        raise LoanStateError(
            f"loan {loan_id!r} has no principal outstanding", path=f"loans[{loan_id!r}]"
        )
    fund = state.loan.fund_id
    posting = Posting(
        Account(fund, debit), Account(fund, AccountKind.LOANS, loan_id), state.outstanding
    )
    return Entry(to_day(on), kind, loan_id, [posting], reason)


def require_withdrawable(kind: SavingsKind, leaving: bool) -> None:
    """Sukarela is paid out any time; pokok and wajib only when the member leaves."""
    if not kind.withdrawable and not leaving:
        raise LoanStateError(
            f"simpanan {kind.value} is returned only when the member leaves (pass leaving=True)",
            path="kind",
        )


def savings(
    fund_id: str,
    member_id: str,
    kind: SavingsKind,
    on: object,
    amount: Decimal | int | str,
    *,
    withdrawal: bool,
) -> Entry:
    """A member's savings deposit, or withdrawal (see :func:`require_withdrawable`)."""
    cash = Account(fund_id, AccountKind.CASH)
    member = Account(fund_id, kind.account_kind, member_id)
    value = rupiah(amount)
    if withdrawal:
        return Entry(to_day(on), EntryKind.SAVINGS_WITHDRAWAL, None, [Posting(member, cash, value)])
    return Entry(to_day(on), EntryKind.SAVINGS_DEPOSIT, None, [Posting(cash, member, value)])
