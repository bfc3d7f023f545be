"""Portfolio quality: PAR, repayment rates, write-off ratio and fund turnover, with definitions.

Every measure is a :class:`Ratio` (numerator, denominator, loan counts) so that figures by group,
fund, sector or cluster add up to the total. The definitions (also in ``docs/finance.md``):

* **PAR(n)** (portfolio at risk, CGAP): outstanding principal of every loan with an instalment
  more than ``n`` days late, divided by the gross outstanding portfolio (the principal outstanding
  of all loans), at the end of day ``on``. The *whole* outstanding principal of such a loan is at
  risk, not just the late instalment (that would be an arrears rate). Written-off and converted
  loans are out of the portfolio. A **restructured** loan counts as at risk whatever its days late
  (``restructured="at_risk"``, the default: rescheduling hides arrears, and CGAP asks that it not
  flatter PAR); ``"by_arrears"`` judges it by its new schedule like any other loan.
* **Cumulative repayment rate** on day ``on``: paid / fallen due over the loans' lives, where a
  loan's "paid" is capped at what fell due (prepayments are not credit for others' arrears).
  Amounts a restructured schedule collected count as due and paid; its arrears were rescheduled
  and count when they fall due again. A written-off loan stops falling due when written off.
* **On-time repayment rate** for a period ``(start, end]``: of the amounts that fell due in the
  period, the part paid by its due date.
* **Write-off ratio** for ``(start, end]``: principal written off (and, by default, converted to
  zakat) in the period, over the average of the gross portfolio at ``start`` and at ``end``.
* **Turnover** (times the fund revolved) on ``on``: total disbursed since the start over total
  capital received. A fund that has lent out its capital once has turned over 1.0 times.
"""

from __future__ import annotations

import datetime as _dt
import enum
from collections.abc import Callable, Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal

from attrs import frozen

from klaster.errors import ValidationError
from klaster.finance import _snapshot
from klaster.finance._state import LoanState, due_by
from klaster.finance.book import Finance
from klaster.finance.entry import Role
from klaster.finance.loan import Loan

__all__ = [
    "Dimension",
    "Ratio",
    "RestructuredPolicy",
    "cumulative_repayment_rate",
    "on_time_repayment_rate",
    "par",
    "par_by",
    "turnover",
    "write_off_ratio",
]


class RestructuredPolicy(enum.StrEnum):
    """How PAR counts a loan whose schedule was restructured."""

    AT_RISK = "at_risk"
    """Always at risk while outstanding (the default, as CGAP recommends)."""
    BY_ARREARS = "by_arrears"
    """At risk only if late on its new schedule."""


class Dimension(enum.StrEnum):
    """What figures can be broken down by."""

    FUND = "fund"
    """Per fund (*dana*)."""
    GROUP = "group"
    """Per liable group (*kelompok*); member loans outside a group under ``None``."""
    SECTOR = "sector"
    """Per sector code of the financed business."""
    PRODUCT = "product"
    """Per product (qard hasan, murabahah, profit sharing)."""
    CLUSTER = "cluster"
    """Per book (cluster), for several books at once."""

    @property
    def label_id(self) -> str:
        """Indonesian label for reports."""
        return _LABELS[self][0]

    @property
    def label_en(self) -> str:
        """English label for reports."""
        return _LABELS[self][1]


_LABELS: Mapping[Dimension, tuple[str, str]] = {
    Dimension.FUND: ("Dana", "Fund"),
    Dimension.GROUP: ("Kelompok", "Group"),
    Dimension.SECTOR: ("Sektor", "Sector"),
    Dimension.PRODUCT: ("Produk", "Product"),
    Dimension.CLUSTER: ("Klaster", "Cluster"),
}


@frozen
class Ratio:
    """A figure with its parts: ``numerator / denominator`` over ``count`` of ``total`` loans.

    Args:
        numerator: Rupiah at risk, paid, written off, disbursed...
        denominator: Rupiah outstanding, due, average portfolio, capital...
        count: Loans in the numerator (at risk, written off...).
        total: Loans in the denominator.
    """

    numerator: Decimal
    denominator: Decimal
    count: int
    total: int

    @property
    def value(self) -> Decimal:
        """``numerator / denominator`` (0 when the denominator is 0: nothing at risk of nothing)."""
        return self.numerator / self.denominator if self.denominator else Decimal(0)

    @property
    def percent(self) -> Decimal:
        """The value in percent, rounded half up to two decimals (for reports)."""
        return (self.value * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    def __add__(self, other: Ratio) -> Ratio:
        return Ratio(
            self.numerator + other.numerator,
            self.denominator + other.denominator,
            self.count + other.count,
            self.total + other.total,
        )


_ZERO = Ratio(Decimal(0), Decimal(0), 0, 0)
Books = Finance | Iterable[Finance]


def _books(books: Books) -> list[Finance]:
    found = [books] if isinstance(books, Finance) else list(books)
    for index, book in enumerate(found):
        if not isinstance(book, Finance):
            raise ValidationError(
                f"must be a Finance book, got {type(book).__name__}", path=f"books[{index}]"
            )
    return found


def _key(by: Dimension | str | None, book: Finance) -> Callable[[Loan], str | None]:
    if by is None:
        return lambda _loan: None
    dim = Dimension(by)
    if dim is Dimension.FUND:
        return lambda loan: loan.fund_id
    if dim is Dimension.GROUP:
        return lambda loan: loan.liable_group
    if dim is Dimension.SECTOR:
        return lambda loan: loan.sector
    if dim is Dimension.PRODUCT:
        return lambda loan: loan.product.value
    cluster = book.cluster_id
    return lambda _loan: cluster


def _check_days(n: object) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValidationError("must be a whole number of days, 0 or more", path="n")
    return n


def par_by(
    books: Books,
    n: int,
    on: _dt.date,
    by: Dimension | str,
    *,
    restructured: RestructuredPolicy | str = RestructuredPolicy.AT_RISK,
    engine: str = "python",
) -> dict[str | None, Ratio]:
    """PAR(``n``) on ``on`` per group, fund, sector, product or cluster (see the module doc).

    Args:
        books: One book or several (for ``by="cluster"`` or a program total).
        n: Days: a loan is at risk with an instalment more than ``n`` days late.
        on: The day (end of day).
        by: A :class:`Dimension`.
        restructured: A :class:`RestructuredPolicy`.
        engine: ``"python"`` or ``"polars"`` (the ``columnar`` extra; same figures, faster on
            millions of entries).

    Returns:
        Key → :class:`Ratio` of at-risk principal over outstanding principal (loan counts too).
    """
    days = _check_days(n)
    policy = RestructuredPolicy(restructured)
    result: dict[str | None, Ratio] = {}
    for book in _books(books):
        if engine == "polars":
            from klaster.finance import _columnar

            part = _columnar.par(book, days, on, by, policy is RestructuredPolicy.AT_RISK)
        elif engine == "python":
            part = _par_python(book, days, on, by, policy)
        else:
            raise ValidationError(
                f"unknown engine {engine!r}: use 'python' or 'polars'", path="engine"
            )
        for key, ratio in part.items():
            result[key] = result.get(key, _ZERO) + ratio
    return result


def par(
    books: Books,
    n: int,
    on: _dt.date,
    *,
    restructured: RestructuredPolicy | str = RestructuredPolicy.AT_RISK,
    engine: str = "python",
) -> Ratio:
    """PAR(``n``) of the whole portfolio on ``on`` (see :func:`par_by`).

    Example:
        >>> # par(book, 30, dt.date(2013, 6, 30)).percent  ->  Decimal('4.17')
    """
    parts = par_by(books, n, on, Dimension.CLUSTER, restructured=restructured, engine=engine)
    return sum(parts.values(), _ZERO)


def _par_python(
    book: Finance, n: int, on: _dt.date, by: Dimension | str | None, policy: RestructuredPolicy
) -> dict[str | None, Ratio]:
    snap = _snapshot.take(book, on)
    key = _key(by, book)
    sums: dict[str | None, list[int]] = {}
    at_risk_restructured = policy is RestructuredPolicy.AT_RISK
    for loan, out, late, restr in zip(
        snap.loans, snap.outstanding, snap.late, snap.restructured, strict=True
    ):
        if out <= 0:
            continue
        slot = sums.setdefault(key(loan), [0, 0, 0, 0])
        slot[1] += out
        slot[3] += 1
        if late > n or (restr and at_risk_restructured):
            slot[0] += out
            slot[2] += 1
    return {k: Ratio(Decimal(a), Decimal(b), c, d) for k, (a, b, c, d) in sums.items()}


def cumulative_repayment_rate(
    books: Books, on: _dt.date, *, by: Dimension | str | None = None
) -> dict[str | None, Ratio] | Ratio:
    """Paid (capped at due) over fallen due, over the loans' lives, on ``on``.

    Returns a :class:`Ratio` (count: loans fully up to date; total: loans with anything due), or
    a dict of them when ``by`` is given.
    """
    sums: dict[str | None, Ratio] = {}
    for book in _books(books):
        key = _key(by, book)
        for state in _disbursed(book, on):
            due, paid = _loan_due_paid(book, state, on, None)
            if due == 0:
                continue
            k = key(state.loan)
            ratio = Ratio(Decimal(min(paid, due)), Decimal(due), int(paid >= due), 1)
            sums[k] = sums.get(k, _ZERO) + ratio
    return sums if by is not None else sum(sums.values(), _ZERO)


def on_time_repayment_rate(
    books: Books, start: _dt.date, end: _dt.date, *, by: Dimension | str | None = None
) -> dict[str | None, Ratio] | Ratio:
    """Of what fell due in ``(start, end]``, the part paid by its due date."""
    sums: dict[str | None, Ratio] = {}
    for book in _books(books):
        key = _key(by, book)
        for state in _disbursed(book, end):
            due, paid = _loan_due_paid(book, state, end, start)
            if due == 0:
                continue
            k = key(state.loan)
            sums[k] = sums.get(k, _ZERO) + Ratio(Decimal(paid), Decimal(due), int(paid >= due), 1)
    return sums if by is not None else sum(sums.values(), _ZERO)


def _disbursed(book: Finance, on: _dt.date) -> list[LoanState]:
    return [s for s in book._by_number if s.loan.disbursed_on <= on]


def _loan_due_paid(
    book: Finance, state: LoanState, on: _dt.date, start: _dt.date | None
) -> tuple[int, int]:
    """(due, paid) for one loan: cumulative (``start`` None) or on time within ``(start, on]``."""
    ledger, schedules = book.ledger, book._schedules
    cols = ledger.columns()
    role_col, amount_col, on_col = cols["role"], cols["amount"], cols["on"]
    end = ledger.position(on)
    day = on.toordinal()
    segments = [s for s in state.segments if s.day <= day]
    # A written-off loan stops falling due on its write-off day.
    payments: list[tuple[int, int, int]] = []  # (position, day, amount)
    for pos in state.positions:
        if pos >= end:
            break
        role = role_col[pos]
        if role in (Role.PRINCIPAL, Role.MARGIN):
            payments.append((pos, on_col[pos], amount_col[pos]))
        elif role in (Role.WRITE_OFF, Role.ZAKAT):
            day = min(day, on_col[pos])
    due_total = paid_total = 0
    for index, seg in enumerate(segments):
        last = index == len(segments) - 1
        seg_end = end if last else segments[index + 1].start
        mine = [(d, a) for p, d, a in payments if seg.start <= p < seg_end]
        if start is None:
            collected = sum(a for _, a in mine)
            if last:
                due = due_by(schedules, seg, day)
                due_total += due
                paid_total += min(collected, due)
            else:
                due_total += collected
                paid_total += collected
            continue
        limit = day if last else min(day, segments[index + 1].day)
        previous = 0
        for k in range(seg.n):
            due_day = schedules.due[seg.row + k]
            cum = schedules.cum[seg.row + k]
            amount = cum - previous
            if start.toordinal() < due_day <= limit and amount:
                by_due = sum(a for d, a in mine if d <= due_day)
                due_total += amount
                paid_total += min(amount, max(0, by_due - previous))
            previous = cum
    return due_total, paid_total


def write_off_ratio(
    books: Books,
    start: _dt.date,
    end: _dt.date,
    *,
    include_zakat: bool = True,
    by: Dimension | str | None = None,
) -> dict[str | None, Ratio] | Ratio:
    """Principal written off in ``(start, end]`` over the average gross portfolio (start, end)."""
    roles = {int(Role.WRITE_OFF)} | ({int(Role.ZAKAT)} if include_zakat else set())
    sums: dict[str | None, Ratio] = {}
    for book in _books(books):
        key = _key(by, book)
        first = _snapshot.take(book, start)
        last = _snapshot.take(book, end)
        average: dict[str | None, int] = {}
        for snap in (first, last):
            for loan, out in zip(snap.loans, snap.outstanding, strict=True):
                average[key(loan)] = average.get(key(loan), 0) + max(out, 0)
        written: dict[str | None, list[int]] = {}
        cols = book.ledger.columns()
        for pos in range(first.end, last.end):
            if cols["role"][pos] in roles:
                loan = book._by_number[cols["loan"][pos]].loan
                slot = written.setdefault(key(loan), [0, 0])
                slot[0] += cols["amount"][pos]
                slot[1] += 1
        for k in set(average) | set(written):
            amount, count = written.get(k, [0, 0])
            sums[k] = sums.get(k, _ZERO) + Ratio(
                Decimal(amount), Decimal(average.get(k, 0)) / 2, count, 0
            )
    return sums if by is not None else sum(sums.values(), _ZERO)


def turnover(books: Books, on: _dt.date, *, fund_id: str | None = None) -> Ratio:
    """Times the fund(s) revolved by ``on``: total disbursed over total capital received."""
    disbursed = received = loans = 0
    for book in _books(books):
        if fund_id is not None:
            book.fund(fund_id)
        cols = book.ledger.columns()
        accounts = book.ledger.accounts()
        end = book.ledger.position(on)
        for pos in range(end):
            role = cols["role"][pos]
            if role == Role.DISBURSEMENT or role == Role.FUNDING:
                fund = accounts[cols["debit"][pos]].fund_id
                if fund_id is not None and fund != fund_id:
                    continue
                if role == Role.DISBURSEMENT:
                    disbursed += cols["amount"][pos]
                    loans += 1
                else:
                    received += cols["amount"][pos]
    return Ratio(Decimal(disbursed), Decimal(received), loans, loans)
