"""Statements a finance officer expects: fund statement, schedule vs actual, aging.

Every line a report shows carries an Indonesian and an English label; the ``render`` functions
print both (``"Angsuran pokok / Principal repaid"``) with amounts in the Indonesian format, or
one language with ``lang=`` (``IDR 1,700,000`` in English), through :mod:`klaster.formatting`.
In a notebook a statement shows as a table (``_repr_html_``, in ``KLASTER_LANG``, else English).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping
from decimal import Decimal

from attrs import frozen

from klaster.finance import _render, _snapshot
from klaster.finance._select import Books, as_books, loan_keys
from klaster.finance.book import Finance
from klaster.finance.entry import Account, AccountKind, Role
from klaster.finance.errors import LedgerError
from klaster.finance.party import Party
from klaster.finance.ratio import Dimension
from klaster.formatting import Lang, default_lang

__all__ = [
    "AgingBucket",
    "FundStatement",
    "InstalmentStatus",
    "StatementLine",
    "aging",
    "fund_statement",
    "render_aging",
    "render_statement",
    "schedule_vs_actual",
]

_ROLE_LABELS: Mapping[int, tuple[str, str]] = {
    Role.FUNDING: ("Penerimaan dana", "Funds received"),
    Role.PRINCIPAL: ("Angsuran pokok", "Principal repaid"),
    Role.MARGIN: ("Margin diterima", "Margin received"),
    Role.PROFIT_SHARE: ("Bagi hasil diterima", "Profit shares received"),
    Role.RECOVERY: ("Pemulihan piutang hapus buku", "Recoveries after write-off"),
    Role.SAVINGS_IN: ("Setoran simpanan anggota", "Member savings deposited"),
    Role.DISBURSEMENT: ("Pencairan pembiayaan", "Loans disbursed"),
    Role.SAVINGS_OUT: ("Penarikan simpanan anggota", "Member savings withdrawn"),
    Role.WRITE_OFF: ("Hapus buku", "Written off"),
    Role.ZAKAT: ("Konversi ke zakat (gharim)", "Converted to zakat (gharim)"),
    Role.FUNDING_FOR_SPENDING: ("Dana diterima untuk disalurkan", "Funds received for spending"),
    Role.GRANT: ("Bantuan tunai disalurkan", "Grants paid"),
    Role.IN_KIND: ("Bantuan barang disalurkan", "In-kind transfers"),
    Role.EXPENSE: ("Biaya operasional", "Operating expenses"),
}
_RECEIPTS = (
    Role.FUNDING,
    Role.PRINCIPAL,
    Role.MARGIN,
    Role.PROFIT_SHARE,
    Role.RECOVERY,
    Role.SAVINGS_IN,
)
_PAYMENTS = (Role.DISBURSEMENT, Role.SAVINGS_OUT)
_SPENT = (Role.GRANT, Role.IN_KIND, Role.EXPENSE)  # listed when the period has any


@frozen
class StatementLine:
    """One labelled amount of a statement.

    Args:
        label_id: Indonesian label.
        label_en: English label.
        amount: Whole rupiah.
    """

    label_id: str
    label_en: str
    amount: Decimal


@frozen(repr=False)
class FundStatement:
    """A fund's cash movements over a period, with its loan portfolio at both ends.

    Args:
        fund_id: The fund.
        start: First day of the period.
        end: Last day of the period.
        held_by: Who held the fund at the end of the period.
        opening_cash: Cash at the end of the day before ``start``.
        receipts: Cash received in the period, by kind.
        payments: Cash paid out in the period, by kind.
        closing_cash: Cash at the end of ``end`` (= opening + receipts − payments, checked).
        loans_opening: Principal outstanding before ``start``.
        loans_closing: Principal outstanding at the end of ``end``.
        non_cash: Principal taken off the books in the period (write-offs, zakat conversions).
    """

    fund_id: str
    start: _dt.date
    end: _dt.date
    held_by: Party
    opening_cash: Decimal
    receipts: tuple[StatementLine, ...]
    payments: tuple[StatementLine, ...]
    closing_cash: Decimal
    loans_opening: Decimal
    loans_closing: Decimal
    non_cash: tuple[StatementLine, ...]

    @property
    def net_assets(self) -> Decimal:
        """Cash plus loans outstanding at the end (what the fund is worth as a revolving fund)."""
        return self.closing_cash + self.loans_closing

    def __repr__(self) -> str:
        return (
            f"FundStatement({self.fund_id!r}, {self.start} – {self.end}, "
            f"closing cash {_render.money(self.closing_cash, 'en')}, "
            f"net assets {_render.money(self.net_assets, 'en')})"
        )

    def _repr_html_(self) -> str:
        return _render.fund_html(self, default_lang())


def fund_statement(book: Finance, fund_id: str, start: _dt.date, end: _dt.date) -> FundStatement:
    """The statement of fund ``fund_id`` for the days ``start`` to ``end`` (both included).

    Raises:
        LedgerError: The movements do not add up to the ledger's closing balance (an audit
            failure: it cannot happen through the API).
    """
    book.fund(fund_id)
    ledger = book.ledger
    accounts = ledger.accounts()
    cash = ledger.account_number(_account(fund_id))
    begin = ledger.position(start - _dt.timedelta(days=1))
    stop = ledger.position(end)
    cols = ledger.columns()
    opening = loans_open = loans_close = 0
    flows: dict[int, int] = {}
    for pos in range(stop):
        debit, credit, amount = cols["debit"][pos], cols["credit"][pos], cols["amount"][pos]
        account = accounts[debit] if debit != cash else accounts[credit]
        if account.fund_id != fund_id:
            continue
        delta_cash = amount if debit == cash else -amount if credit == cash else 0
        delta_loans = (
            amount
            if accounts[debit].kind is AccountKind.LOANS
            else -amount
            if accounts[credit].kind is AccountKind.LOANS
            else 0
        )
        if pos < begin:
            opening += delta_cash
            loans_open += delta_loans
        else:
            role = cols["role"][pos]
            flows[role] = flows.get(role, 0) + amount
        loans_close += delta_loans
    spending_funds = (Role.FUNDING_FOR_SPENDING,) if flows.get(Role.FUNDING_FOR_SPENDING) else ()
    receipts = _lines(flows, _RECEIPTS + spending_funds)
    payments = _lines(flows, _PAYMENTS + tuple(r for r in _SPENT if flows.get(r)))
    closing = ledger.balance(_account(fund_id), end)
    computed = opening + sum(int(x.amount) for x in receipts) - sum(int(x.amount) for x in payments)
    if computed != closing:
        raise LedgerError(
            f"fund {fund_id!r}: movements give {computed:,} but the ledger {closing:,}",
            path="entries",
        )
    return FundStatement(
        fund_id=fund_id,
        start=start,
        end=end,
        held_by=book.holder_of(fund_id, end),
        opening_cash=Decimal(opening),
        receipts=receipts,
        payments=payments,
        closing_cash=closing,
        loans_opening=Decimal(loans_open),
        loans_closing=Decimal(loans_close),
        non_cash=_lines(flows, (Role.WRITE_OFF, Role.ZAKAT)),
    )


def _account(fund_id: str) -> Account:
    return Account(fund_id, AccountKind.CASH)


def _lines(flows: Mapping[int, int], roles: Iterable[Role]) -> tuple[StatementLine, ...]:
    return tuple(StatementLine(*_ROLE_LABELS[role], Decimal(flows.get(role, 0))) for role in roles)


def render_statement(statement: FundStatement, lang: Lang | None = None) -> str:
    """The statement as a text table.

    Args:
        statement: The statement.
        lang: ``None`` (the default) for labels in both languages and amounts as
            ``Rp 1.700.000``; ``"id"`` or ``"en"`` for one language (``IDR 1,700,000``).
    """
    return _render.text_table(_render.fund_rows(statement, lang))


@frozen
class InstalmentStatus:
    """One instalment of the schedule in force, against what was paid.

    Args:
        number: Instalment number.
        due: Due date.
        total: Amount due (principal + margin).
        paid: Part of it paid by the day asked about.
        paid_on: Day it was fully paid (``None`` while not).
        days_late: Days between due and full payment, or until the day asked if still unpaid.
    """

    number: int
    due: _dt.date
    total: Decimal
    paid: Decimal
    paid_on: _dt.date | None
    days_late: int


def schedule_vs_actual(book: Finance, loan_id: str, on: _dt.date) -> tuple[InstalmentStatus, ...]:
    """The schedule in force for ``loan_id`` on ``on``, instalment by instalment, vs payments."""
    position = book.position(loan_id, on)  # checks the loan and the date
    state = book.derived.require(loan_id, book.cluster_id)
    day = on.toordinal()
    seg = state.segment_on(day)
    cols = book.ledger.columns()
    end = book.ledger.position(on)
    payments = [
        (cols["on"][p], cols["amount"][p])
        for p in state.positions
        if seg.start <= p < end and cols["role"][p] in (Role.PRINCIPAL, Role.MARGIN)
    ]
    s = book.derived.schedules
    result = []
    previous = 0
    for k in range(seg.n):
        cum, due = s.cum[seg.row + k], s.due[seg.row + k]
        covered = min(cum - previous, max(0, int(position.paid) - previous))
        running, paid_on = 0, None
        for when, amount in payments:
            running += amount
            if running >= cum:
                paid_on = when
                break
        late = (paid_on if paid_on is not None else day) - due
        result.append(
            InstalmentStatus(
                k + 1,
                _dt.date.fromordinal(due),
                Decimal(cum - previous),
                Decimal(covered),
                _dt.date.fromordinal(paid_on) if paid_on is not None else None,
                max(0, late) if paid_on is not None or due < day else 0,
            )
        )
        previous = cum
    return tuple(result)


_BUCKETS: tuple[tuple[int, int | None, str, str], ...] = (
    (0, 0, "Lancar (tidak menunggak)", "Current (not late)"),
    (1, 30, "Menunggak 1–30 hari", "1–30 days late"),
    (31, 60, "Menunggak 31–60 hari", "31–60 days late"),
    (61, 90, "Menunggak 61–90 hari", "61–90 days late"),
    (91, None, "Menunggak lebih dari 90 hari", "More than 90 days late"),
)


@frozen(repr=False)
class AgingBucket:
    """Loans outstanding by days late (*umur tunggakan*).

    Args:
        label_id: Indonesian label.
        label_en: English label.
        low: Fewest days late in the bucket.
        high: Most days late (``None``: no limit).
        loans: Loans in the bucket.
        outstanding: Their principal outstanding.
        share: Their share of the gross outstanding portfolio.
        restructured: How many of them are restructured.
    """

    label_id: str
    label_en: str
    low: int
    high: int | None
    loans: int
    outstanding: Decimal
    share: Decimal
    restructured: int

    def __repr__(self) -> str:
        return (
            f"AgingBucket({self.label_en!r}, {self.loans} loans, "
            f"{_render.money(self.outstanding, 'en')}, {self.share * 100:.2f}%)"
        )

    def _repr_html_(self) -> str:
        return _render.aging_html([self], default_lang())


def aging(
    books: Books, on: _dt.date, *, by: Dimension | str | None = None
) -> dict[str | None, tuple[AgingBucket, ...]]:
    """Aging of the loans outstanding on ``on``: current, 1–30, 31–60, 61–90, >90 days late.

    Returns key → buckets (the key is ``None`` when ``by`` is ``None``).
    """
    sums: dict[str | None, list[list[int]]] = {}
    for book in as_books(books):
        codes, values = loan_keys(book, by)
        snap = _snapshot.take(book.ledger, book.derived, on)
        for number, (out, late, restr) in enumerate(
            zip(snap.outstanding, snap.late, snap.restructured, strict=True)
        ):
            if out <= 0:
                continue
            key = values[0 if codes is None else codes[number]]
            slots = sums.setdefault(key, [[0, 0, 0] for _ in _BUCKETS])
            index = next(
                i
                for i, (low, high, _, _) in enumerate(_BUCKETS)
                if late >= low and (high is None or late <= high)
            )
            slots[index][0] += 1
            slots[index][1] += out
            slots[index][2] += int(restr)
    result = {}
    for k, slots in sums.items():
        total = sum(s[1] for s in slots)
        result[k] = tuple(
            AgingBucket(
                label_id,
                label_en,
                low,
                high,
                loans,
                Decimal(out),
                Decimal(out) / total if total else Decimal(0),
                restr,
            )
            for (low, high, label_id, label_en), (loans, out, restr) in zip(
                _BUCKETS, slots, strict=True
            )
        )
    return result


def render_aging(buckets: Iterable[AgingBucket], lang: Lang | None = None) -> str:
    """Aging buckets as a text table, in both languages (the default) or in ``lang``."""
    return _render.text_table(_render.aging_rows(buckets, lang))
