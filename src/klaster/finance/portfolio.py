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
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from klaster.errors import ValidationError
from klaster.finance import _python_figures, _snapshot
from klaster.finance._figures import FIGURES
from klaster.finance._select import Books, as_books, loan_keys
from klaster.finance.entry import Role
from klaster.finance.ratio import ZERO, Dimension, Ratio, RestructuredPolicy

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

_ENGINES = ("python", "polars")


def _figure(
    name: str,
    books: Books,
    on: _dt.date,
    by: Dimension | str | None,
    engine: str,
    params: Mapping[str, Any],
) -> dict[str | None, Ratio]:
    """Figure ``name`` (a row of the figure table) summed over ``books``, by key."""
    if engine not in _ENGINES:
        raise ValidationError(f"unknown engine {engine!r}: use 'python' or 'polars'", path="engine")
    if by is not None:
        Dimension(by)
    fig = FIGURES[name]
    result: dict[str | None, Ratio] = {}
    for book in as_books(books):
        codes: Sequence[int] | None
        codes, values = loan_keys(book, by)
        if engine == "polars":
            from klaster.finance import _columnar  # the optional extra, imported when asked

            part = _columnar.figure(fig, book.ledger, book.derived, on, params, codes, values)
        else:
            part = _python_figures.figure(fig, book.ledger, book.derived, on, params, codes, values)
        for key, (num, den, count, total) in part.items():
            result[key] = result.get(key, ZERO) + Ratio(Decimal(num), Decimal(den), count, total)
    return result


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
    at_risk = policy is RestructuredPolicy.AT_RISK
    return _figure("par", books, on, by, engine, {"n": days, "restructured_at_risk": at_risk})


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
    return sum(parts.values(), ZERO)


def cumulative_repayment_rate(
    books: Books, on: _dt.date, *, by: Dimension | str | None = None, engine: str = "python"
) -> dict[str | None, Ratio] | Ratio:
    """Paid (capped at due) over fallen due, over the loans' lives, on ``on``.

    ``engine`` is ``"python"`` or ``"polars"`` (same figures; see :func:`par_by`). Returns a
    :class:`Ratio` (count: loans fully up to date; total: loans with anything due), or a dict of
    them when ``by`` is given.
    """
    sums = _figure("cumulative_repayment", books, on, by, engine, {})
    return sums if by is not None else sum(sums.values(), ZERO)


def on_time_repayment_rate(
    books: Books, start: _dt.date, end: _dt.date, *, by: Dimension | str | None = None
) -> dict[str | None, Ratio] | Ratio:
    """Of what fell due in ``(start, end]``, the part paid by its due date."""
    sums: dict[str | None, Ratio] = {}
    for book in as_books(books):
        codes, values = loan_keys(book, by)
        for state in book.derived.by_number:
            if state.loan.disbursed_on > end:
                break
            due, paid = _python_figures.loan_due_paid(
                book.ledger, book.derived.schedules, state, end, start
            )
            if due == 0:
                continue
            k = values[0 if codes is None else codes[state.number]]
            sums[k] = sums.get(k, ZERO) + Ratio(Decimal(paid), Decimal(due), int(paid >= due), 1)
    return sums if by is not None else sum(sums.values(), ZERO)


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
    for book in as_books(books):
        codes, values = loan_keys(book, by)
        first = _snapshot.take(book.ledger, book.derived, start)
        last = _snapshot.take(book.ledger, book.derived, end)
        average: dict[str | None, int] = {}
        for snap in (first, last):
            for number, out in enumerate(snap.outstanding):
                k = values[0 if codes is None else codes[number]]
                average[k] = average.get(k, 0) + max(out, 0)
        written: dict[str | None, list[int]] = {}
        cols = book.ledger.columns()
        for pos in range(first.end, last.end):
            if cols["role"][pos] in roles:
                number = cols["loan"][pos]
                slot = written.setdefault(values[0 if codes is None else codes[number]], [0, 0])
                slot[0] += cols["amount"][pos]
                slot[1] += 1
        for k in set(average) | set(written):
            amount, count = written.get(k, [0, 0])
            sums[k] = sums.get(k, ZERO) + Ratio(
                Decimal(amount), Decimal(average.get(k, 0)) / 2, count, 0
            )
    return sums if by is not None else sum(sums.values(), ZERO)


def turnover(books: Books, on: _dt.date, *, fund_id: str | None = None) -> Ratio:
    """Times the fund(s) revolved by ``on``: total disbursed over total capital received."""
    disbursed = received = loans = 0
    for book in as_books(books):
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
