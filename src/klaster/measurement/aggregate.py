"""Combining unit values (one per member, group...) into one figure, the way the indicator says.

The aggregation is always explicit, because mixing them up is the classic M&E error: the mean of
members' profit margins is not the margin of their combined business (ratio of sums).

Sums are exact (never rounded, whatever their number of digits, so the order of the units does not
matter); a figure is rounded once, when a mean, share or ratio divides in the decimal context
(28 significant digits by default).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from attrs import frozen

from klaster.catalogue.indicator import Aggregation
from klaster.errors import ValidationError
from klaster.measurement.methods.exactmath import exact_sum
from klaster.measurement.na import NotAvailable, bilingual

__all__ = ["Figure", "aggregate", "aggregate_ratio", "ratio_figure", "total_figure"]


@frozen
class Figure:
    """One aggregated figure with what it was computed from.

    Args:
        value: The figure, or :class:`NotAvailable` with the reason.
        n: Units that contributed (non-missing values).
        numerator: For ratios and shares: the top of the fraction; for sums and means: the sum.
        denominator: For ratios and shares: the bottom; for means: ``n``.
        missing: Units left out because a value was missing (or a division by zero).
    """

    value: Decimal | NotAvailable
    n: int
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    missing: int = 0


ZERO_DENOMINATOR = bilingual("the denominator sums to zero", "jumlah penyebutnya nol")
"""A ratio whose denominator sums to zero (both backends give this one)."""


def _unavailable(reason: NotAvailable, n: int = 0, missing: int = 0) -> Figure:
    return Figure(reason, n, missing=missing)


def aggregate(values: Sequence[Any], how: Aggregation, *, minimum_n: int = 1) -> Figure:
    """Aggregate one value per unit (``None`` = missing) with ``how``.

    Args:
        values: Decimals (sum, mean, median) or booleans (share_meeting, count); ``None`` is
            missing and left out, and counted in :attr:`Figure.missing`.
        how: The :class:`~klaster.catalogue.indicator.Aggregation`. ``ratio_of_sums`` needs two
        columns:
            use :func:`aggregate_ratio`.
        minimum_n: Fewest contributing units for a figure; fewer gives ``NotAvailable``.

    Example:
        >>> aggregate([Decimal(2), None, Decimal(4)], Aggregation.MEAN)
        Figure(value=Decimal('3'), n=2, numerator=Decimal('6'), denominator=Decimal('2'), missing=1)
        >>> aggregate([True, False, True, None], Aggregation.SHARE_MEETING).value
        Decimal('0.6666666666666666666666666667')
    """
    present = [v for v in values if v is not None]
    missing = len(values) - len(present)
    if how is Aggregation.RATIO_OF_SUMS:
        raise ValidationError(
            "ratio_of_sums needs a numerator and a denominator column: use aggregate_ratio"
        )
    if how is Aggregation.MEDIAN:
        n = len(present)
        if n < minimum_n:
            return _too_few(n, missing, minimum_n)
        return Figure(Decimal(statistics.median(present)), n, None, None, missing)
    if how in (Aggregation.SHARE_MEETING, Aggregation.COUNT):
        meeting = sum(1 for v in present if v is True)
        return total_figure(how, meeting, len(present), missing, minimum_n=minimum_n)
    return total_figure(how, exact_sum(present), len(present), missing, minimum_n=minimum_n)


def _too_few(n: int, missing: int, minimum_n: int) -> Figure:
    noun = "unit" if minimum_n == 1 else "units"
    gone, hilang = (f" ({missing} missing)", f" ({missing} tanpa nilai)") if missing else ("", "")
    reason = bilingual(
        f"{n} observed, at least {minimum_n} {noun} needed{gone}",
        f"{n} teramati, perlu paling sedikit {minimum_n} unit{hilang}",
    )
    return _unavailable(reason, n, missing)


def total_figure(
    how: Aggregation, total: Decimal | int, n: int, missing: int, *, minimum_n: int = 1
) -> Figure:
    """The figure of a sum, mean, count or share from totals already taken over the units.

    What :func:`aggregate` returns for the same units, for callers that add up the units
    themselves (per part of a disaggregation, or in a column engine).

    Args:
        how: ``sum``, ``mean``, ``count`` or ``share_meeting``.
        total: Sum of the values present (``Decimal``, exact), or for ``count`` and
            ``share_meeting`` the number of units meeting the condition.
        n: Units with a value.
        missing: Units left out because their value was missing.
        minimum_n: Fewest contributing units for a figure.
    """
    if n < minimum_n:
        return _too_few(n, missing, minimum_n)
    if how in (Aggregation.SHARE_MEETING, Aggregation.COUNT):
        meeting = Decimal(total)
        if how is Aggregation.COUNT:
            return Figure(meeting, n, meeting, None, missing)
        return Figure(meeting / n, n, meeting, Decimal(n), missing)
    if not isinstance(total, Decimal):
        total = Decimal(total)
    if how is Aggregation.SUM:
        return Figure(total, n, total, None, missing)
    if how is Aggregation.MEAN:
        return Figure(total / n, n, total, Decimal(n), missing)
    raise ValidationError(f"{how.value} cannot be computed from totals")


def aggregate_ratio(
    numerators: Sequence[Any], denominators: Sequence[Any], *, minimum_n: int = 1
) -> Figure:
    """The ratio of sums: Σ numerator / Σ denominator over units where both are present.

    Never the mean of the units' ratios. A zero total denominator gives ``NotAvailable``.

    Example:
        >>> profit = [Decimal(10), Decimal(1)]
        >>> revenue = [Decimal(100), Decimal(2)]
        >>> aggregate_ratio(profit, revenue).value  # 11 / 102, not (0.1 + 0.5) / 2
        Decimal('0.1078431372549019607843137255')
    """
    pairs = [
        (a, b)
        for a, b in zip(numerators, denominators, strict=True)
        if a is not None and b is not None
    ]
    top = exact_sum(a for a, _ in pairs)
    bottom = exact_sum(b for _, b in pairs)
    return ratio_figure(top, bottom, len(pairs), len(numerators) - len(pairs), minimum_n=minimum_n)


def ratio_figure(
    top: Decimal, bottom: Decimal, n: int, missing: int, *, minimum_n: int = 1
) -> Figure:
    """The figure of a ratio of sums from its two sums (what :func:`aggregate_ratio` returns).

    Args:
        top: Sum of the numerators over the units where both parts are present.
        bottom: Sum of the denominators over the same units.
        n: Units where both parts are present.
        missing: Units left out because a part was missing.
        minimum_n: Fewest contributing units for a figure.
    """
    if n < minimum_n:
        reason = bilingual(
            f"{n} observed, at least {minimum_n} needed",
            f"{n} teramati, perlu paling sedikit {minimum_n}",
        )
        return _unavailable(reason, n, missing)
    if bottom == 0:
        return Figure(ZERO_DENOMINATOR, n, top, bottom, missing)
    return Figure(top / bottom, n, top, bottom, missing)
