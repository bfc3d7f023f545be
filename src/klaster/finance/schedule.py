"""Repayment schedules: due dates and the principal and margin of each instalment.

Two methods, both exact to the rupiah (the remainder of every rounding goes to the last
instalment, so a schedule always sums to the principal plus the margin):

* **Equal instalments** (*angsuran tetap*): the principal and the margin are each split evenly
  (``round_rupiah(total / n)``, half up), so every instalment but the last is the same amount. For
  a *murabahah* margin this is the flat margin the contract states.
* **Equal principal** (*pokok tetap*): the principal is split evenly and the margin is spread in
  proportion to the principal still outstanding at the start of each period, so instalments
  decline. It is rounded cumulatively (each margin part is ``round(M·W_k/W) − round(M·W_{k−1}/W)``
  over the cumulative weights ``W``), which never gives a negative part.

For an interest-free loan (*qard hasan*, margin 0) both methods give the same schedule.

Due dates: weekly instalments fall every 7 days from the first due date; monthly ones on the same
day of the month as the first due date, or the month's last day when it is shorter (a first due
date of 31 January gives 29 February in a leap year, then 31 March). The first due date is one
period after disbursement unless the loan says otherwise (a grace period).
"""

from __future__ import annotations

import calendar
import datetime as _dt
from decimal import Decimal

from attrs import frozen

from klaster.errors import ValidationError
from klaster.finance.money import round_rupiah
from klaster.label import LabelledEnum, labelled

__all__ = [
    "Frequency",
    "Instalment",
    "Method",
    "add_months",
    "build_schedule",
    "due_dates",
    "first_due_after",
    "flat_margin",
]


class Frequency(LabelledEnum):
    """How often instalments fall due."""

    WEEKLY = labelled("weekly", "Mingguan", "Weekly")
    """Mingguan: every 7 days (common in group lending with weekly meetings)."""
    MONTHLY = labelled("monthly", "Bulanan", "Monthly")
    """Bulanan: on the same day every month."""

    @property
    def periods_per_year(self) -> int:
        """52 for weekly, 12 for monthly."""
        return 52 if self is Frequency.WEEKLY else 12


class Method(LabelledEnum):
    """How principal and margin are spread over the instalments."""

    EQUAL_INSTALMENTS = labelled("equal_instalments", "Angsuran tetap", "Equal instalments")
    """Angsuran tetap: equal principal and equal (flat) margin parts."""
    EQUAL_PRINCIPAL = labelled("equal_principal", "Pokok tetap", "Equal principal")
    """Pokok tetap: equal principal, margin by outstanding principal (declining instalments)."""


@frozen
class Instalment:
    """One instalment of a schedule.

    Args:
        number: 1 for the first.
        due: Due date.
        principal: Principal part (whole rupiah).
        margin: Margin part (whole rupiah; 0 for qard hasan).
    """

    number: int
    due: _dt.date
    principal: Decimal
    margin: Decimal

    @property
    def total(self) -> Decimal:
        """Principal plus margin: what falls due on :attr:`due`."""
        return self.principal + self.margin


def add_months(day: _dt.date, months: int) -> _dt.date:
    """``day`` moved by ``months`` calendar months, clamped to the end of a shorter month.

    Example:
        >>> add_months(_dt.date(2012, 1, 31), 1)
        datetime.date(2012, 2, 29)
    """
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return _dt.date(year, month + 1, min(day.day, last))


def first_due_after(disbursed_on: _dt.date, frequency: Frequency) -> _dt.date:
    """The default first due date: one period after disbursement."""
    if frequency is Frequency.WEEKLY:
        return disbursed_on + _dt.timedelta(days=7)
    return add_months(disbursed_on, 1)


def due_dates(first_due: _dt.date, count: int, frequency: Frequency) -> tuple[_dt.date, ...]:
    """The ``count`` due dates from ``first_due`` (monthly ones computed from the first, no drift).

    Example:
        >>> [d.isoformat() for d in due_dates(_dt.date(2012, 1, 31), 3, Frequency.MONTHLY)]
        ['2012-01-31', '2012-02-29', '2012-03-31']
    """
    if frequency is Frequency.WEEKLY:
        return tuple(first_due + _dt.timedelta(days=7 * k) for k in range(count))
    return tuple(add_months(first_due, k) for k in range(count))


def flat_margin(
    principal: Decimal, annual_rate: Decimal, instalments: int, frequency: Frequency
) -> Decimal:
    """A murabahah margin from a flat annual rate: ``principal × rate × periods / periods a year``.

    The contract (*akad*) states the margin as an amount; this helps compute it from a quoted
    flat rate, rounded half up to whole rupiah.

    Example:
        >>> flat_margin(Decimal(1_200_000), Decimal("0.12"), 12, Frequency.MONTHLY)
        Decimal('144000')
    """
    if isinstance(annual_rate, float) or not isinstance(annual_rate, Decimal):
        raise ValidationError("must be a Decimal such as Decimal('0.12')", path="annual_rate")
    raw = principal * annual_rate * instalments / frequency.periods_per_year
    return round_rupiah(raw)


def _half_up(numerator: int, denominator: int) -> int:
    # round(numerator / denominator) half up, for non-negative integers, without Decimal.
    return (2 * numerator + denominator) // (2 * denominator)


def _split(total: int, parts: int) -> list[int]:
    each = _half_up(total, parts)
    if each * (parts - 1) > total:
        each = total // parts
    return [each] * (parts - 1) + [total - each * (parts - 1)]


def schedule_parts(
    principal: int, margin: int, instalments: int, method: Method
) -> tuple[list[int], list[int]]:
    """Principal and margin parts as whole-rupiah ints (internal: the book stores columns)."""
    principals = _split(principal, instalments)
    if method is Method.EQUAL_INSTALMENTS or margin == 0:
        return principals, _split(margin, instalments)
    weights = []
    outstanding = principal
    for part in principals:
        weights.append(outstanding)
        outstanding -= part
    total_weight = sum(weights)
    margins = []
    cumulative = previous = 0
    for weight in weights:
        cumulative += weight
        current = _half_up(margin * cumulative, total_weight)
        margins.append(current - previous)
        previous = current
    return principals, margins


def build_schedule(
    principal: Decimal,
    margin: Decimal,
    instalments: int,
    frequency: Frequency,
    method: Method,
    first_due: _dt.date,
) -> tuple[Instalment, ...]:
    """The schedule of a loan (or of a restructured balance).

    Args:
        principal: Principal to repay (whole rupiah).
        margin: Total margin to collect (whole rupiah; 0 for qard hasan).
        instalments: Number of instalments, at least 1.
        frequency: :class:`Frequency`.
        method: :class:`Method`.
        first_due: Due date of the first instalment.

    Example:
        >>> s = build_schedule(Decimal(1_200_000), Decimal(0), 12, Frequency.MONTHLY,
        ...                    Method.EQUAL_INSTALMENTS, _dt.date(2012, 2, 9))
        >>> {i.total for i in s}, s[-1].due
        ({Decimal('100000')}, datetime.date(2013, 1, 9))
    """
    principals, margins = schedule_parts(int(principal), int(margin), instalments, method)
    dates = due_dates(first_due, instalments, frequency)
    return tuple(
        Instalment(k + 1, dates[k], Decimal(principals[k]), Decimal(margins[k]))
        for k in range(instalments)
    )
