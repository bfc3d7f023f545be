"""A cluster's money as IATI budgets and transactions, from its finance book.

Transactions are the ledger's entries, exact whole rupiah, dated by the entry (``value-date``
too), in ledger order:

========================================  ======================================
ledger entry                               IATI TransactionType
========================================  ======================================
funds received (``funding``)               1 Incoming Funds
loan disbursed (``disbursement``)          3 Disbursement (finance type 410 loan)
grant, in-kind transfer                    3 Disbursement (finance type 110 grant)
operating expense (``expense``)            4 Expenditure
repayment: its margin; profit share        5 Interest Payment
repayment: its principal; recovery         6 Loan Repayment
========================================  ======================================

Write-offs and conversions to zakat move no money; savings deposits and withdrawals are the
members' money held by their cooperative, not the activity's: neither is a transaction.

Budgets are the book's budget revisions: the first as the original budget (BudgetType 1), the
current one as revised (2) when the budget was revised, each line spread over the calendar years
it covers in proportion to its days (rounded half up to the rupiah, the last year taking the
remainder, so a revision's total is exact), one budget element per year.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Iterator
from decimal import Decimal
from xml.etree.ElementTree import Element

from attrs import frozen

from klaster.exports.iati_xml import amount_text, date_text, element, label_narratives
from klaster.finance.book import Finance
from klaster.finance.budget import BudgetLine, BudgetRevision
from klaster.finance.entry import AccountKind, Entry, EntryKind
from klaster.finance.money import round_rupiah
from klaster.label import Label

__all__ = [
    "BudgetPeriod",
    "IatiTransaction",
    "budget_periods",
    "transactions",
    "write_budgets",
    "write_transactions",
]

_INCOMING, _DISBURSEMENT, _EXPENDITURE, _INTEREST, _REPAYMENT = "1", "3", "4", "5", "6"
_LOAN_FINANCE, _GRANT_FINANCE = "410", "110"
_PRINCIPAL = Label("Angsuran pokok pembiayaan", "Loan repayment (principal)")
_MARGIN = Label("Margin angsuran pembiayaan", "Loan repayment (margin)")


@frozen
class IatiTransaction:
    """One IATI transaction made from a ledger entry (or from one part of a repayment).

    Args:
        type: TransactionType code.
        on: The entry's date (transaction date and value date).
        amount: Whole rupiah.
        description: What it is, in Indonesian and English.
        finance_type: FinanceType code (loans 410, grants 110), if one applies.
        provider: The provider's description (the fund source of incoming funds).
        receiver: The receiver's description (the kind of borrower), if known.
    """

    type: str
    on: _dt.date
    amount: Decimal
    description: Label
    finance_type: str | None = None
    provider: Label | None = None
    receiver: Label | None = None


@frozen
class BudgetPeriod:
    """One budget element: a revision's money for one calendar year (or part of one).

    Args:
        type: BudgetType code (1 original, 2 revised).
        start: First day of the period.
        end: Last day.
        amount: Whole rupiah.
    """

    type: str
    start: _dt.date
    end: _dt.date
    amount: Decimal


def transactions(book: Finance) -> list[IatiTransaction]:
    """The book's ledger entries as IATI transactions, in ledger order."""
    found: list[IatiTransaction] = []
    for entry in book.ledger.entries:
        found.extend(_of_entry(book, entry))
    return found


def _of_entry(book: Finance, entry: Entry) -> Iterator[IatiTransaction]:
    kind, on = entry.kind, entry.on
    described = kind.label
    if kind is EntryKind.FUNDING:
        source = book.funds[entry.fund_id].source.label
        yield IatiTransaction(_INCOMING, on, entry.amount, described, provider=source)
    elif kind is EntryKind.DISBURSEMENT:
        assert entry.loan_id is not None  # a loan entry names its loan
        borrower = book.loans[entry.loan_id].borrower.kind.label
        yield IatiTransaction(
            _DISBURSEMENT, on, entry.amount, described, _LOAN_FINANCE, receiver=borrower
        )
    elif kind in (EntryKind.GRANT, EntryKind.IN_KIND):
        assert entry.spending_id is not None  # a spending entry names its spending
        recipient = book.spendings[entry.spending_id].recipient
        yield IatiTransaction(
            _DISBURSEMENT,
            on,
            entry.amount,
            described,
            _GRANT_FINANCE,
            receiver=None if recipient is None else recipient.kind.label,
        )
    elif kind is EntryKind.EXPENSE:
        yield IatiTransaction(_EXPENDITURE, on, entry.amount, described)
    elif kind is EntryKind.PROFIT_SHARE:
        yield IatiTransaction(_INTEREST, on, entry.amount, described)
    elif kind is EntryKind.RECOVERY:
        yield IatiTransaction(_REPAYMENT, on, entry.amount, described)
    elif kind is EntryKind.REPAYMENT:
        margin = sum(
            (p.amount for p in entry.postings if p.credit.kind is AccountKind.MARGIN_INCOME),
            Decimal(0),
        )
        principal = entry.amount - margin
        if margin:
            yield IatiTransaction(_INTEREST, on, margin, _MARGIN)
        if principal:
            yield IatiTransaction(_REPAYMENT, on, principal, _PRINCIPAL)
    # Write-offs, conversions to zakat and savings move none of the activity's money.


def write_transactions(activity: Element, found: Iterable[IatiTransaction], currency: str) -> None:
    """Append a ``transaction`` per item, in the schema's element order."""
    for item in found:
        transaction = element(activity, "transaction")
        element(transaction, "transaction-type", code=item.type)
        element(transaction, "transaction-date", iso_date=date_text(item.on))
        element(
            transaction,
            "value",
            amount_text(item.amount),
            currency=currency,
            value_date=date_text(item.on),
        )
        label_narratives(element(transaction, "description"), item.description)
        if item.provider is not None:
            label_narratives(element(transaction, "provider-org"), item.provider)
        if item.receiver is not None:
            label_narratives(element(transaction, "receiver-org"), item.receiver)
        if item.finance_type is not None:
            element(transaction, "finance-type", code=item.finance_type)


def budget_periods(books: Iterable[Finance]) -> list[BudgetPeriod]:
    """The original budget and, when revised, the current one, by calendar year.

    The books of one cluster are added up.
    """
    years: dict[tuple[str, int], list[tuple[_dt.date, _dt.date, Decimal]]] = {}
    for book in books:
        revisions = book.budget.revisions
        chosen: list[tuple[str, BudgetRevision]] = [("1", r) for r in revisions[:1]]
        if len(revisions) > 1:
            chosen.append(("2", revisions[-1]))
        for code, revision in chosen:
            for line in revision.lines:
                for start, end, amount in _by_year(line):
                    years.setdefault((code, start.year), []).append((start, end, amount))
    return [
        BudgetPeriod(
            code,
            min(p[0] for p in parts),
            max(p[1] for p in parts),
            sum((p[2] for p in parts), Decimal(0)),
        )
        for (code, _year), parts in sorted(years.items())
    ]


def _by_year(line: BudgetLine) -> list[tuple[_dt.date, _dt.date, Decimal]]:
    days = (line.end - line.start).days + 1
    parts: list[tuple[_dt.date, _dt.date, Decimal]] = []
    given = Decimal(0)
    for year in range(line.start.year, line.end.year + 1):
        start = max(line.start, _dt.date(year, 1, 1))
        end = min(line.end, _dt.date(year, 12, 31))
        if year == line.end.year:
            amount = line.amount - given
        else:
            amount = round_rupiah(line.amount * ((end - start).days + 1) / days)
        given += amount
        parts.append((start, end, amount))
    return parts


def write_budgets(
    activity: Element, found: Iterable[BudgetPeriod], status: str, currency: str
) -> None:
    """Append a ``budget`` per period."""
    for period in found:
        budget = element(activity, "budget", type=period.type, status=status)
        element(budget, "period-start", iso_date=date_text(period.start))
        element(budget, "period-end", iso_date=date_text(period.end))
        element(
            budget,
            "value",
            amount_text(period.amount),
            currency=currency,
            value_date=date_text(period.start),
        )
