"""Exact arithmetic shared by the poverty and welfare statistics.

Sums and products of ``Decimal`` inputs are computed exactly (a context with the maximum
precision never rounds an addition or a multiplication); divisions are done once, at the end, on
exact rationals (:class:`fractions.Fraction`) and rounded to :data:`RESULT_PRECISION` significant
digits. So a statistic does not depend on the order of its inputs, and hand calculations match.

Readers of per-unit values never echo the value in an error: incomes and survey answers are
personal data (``klaster.errors``), so messages give the position and the expected type only.
"""

from __future__ import annotations

import decimal
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction

from klaster.errors import ValidationError
from klaster.measurement.na import NotAvailable

RESULT_PRECISION = 28
"""Significant digits of every computed ratio, mean or index (Python's default context)."""

TERM_PRECISION = 50
"""Significant digits of a per-unit ratio that is summed before the final division (a member's
percent change): far beyond :data:`RESULT_PRECISION`, so the rounded result is not affected in
practice, while a sum over a million distinct denominators stays fast."""

# A context in which +, - and * are exact: precision and exponents at their maxima.
EXACT = decimal.Context(
    prec=decimal.MAX_PREC,
    Emax=decimal.MAX_EMAX,
    Emin=decimal.MIN_EMIN,
    rounding=ROUND_HALF_EVEN,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow],
)
_RESULT = decimal.Context(prec=RESULT_PRECISION, rounding=ROUND_HALF_EVEN)
_TERM = decimal.Context(prec=TERM_PRECISION, rounding=ROUND_HALF_EVEN)

Value = Decimal | int | None | NotAvailable
"""A per-unit observation: a number, or missing (``None`` or a :class:`NotAvailable`)."""


def is_missing(value: object) -> bool:
    """Whether an observation is missing (``None`` or :class:`NotAvailable`)."""
    return value is None or isinstance(value, NotAvailable)


def plain_number(value: object) -> Decimal | int | None:
    """``value`` when it is an ``int`` or a finite ``Decimal`` (the fast path), else ``None``.

    Loops over a million observations test this first and call :func:`read_number` (which
    refuses, with a location) only for anything else.
    """
    if type(value) is int or (type(value) is Decimal and value.is_finite()):
        return value
    return None


def read_number(value: object, path: str) -> Decimal:
    """Read one observed number as ``Decimal`` without echoing it in an error.

    ``klaster._support.validate.check_decimal`` shows a refused float; that is right for a record
    field
    such as a rate, but not for a member's income, so this reader only names the type.
    """
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValidationError("must be a finite number", path=path)
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    if isinstance(value, float):
        raise ValidationError(
            "is a float: pass a Decimal or an int (floats cannot hold exact amounts)", path=path
        )
    raise ValidationError(
        f"must be a Decimal or an int (or None when missing), got {type(value).__name__}",
        path=path,
    )


def check_length(values: Sequence[object], expected: int, name: str, against: str) -> None:
    """Raise unless a parallel sequence has one value per unit."""
    if len(values) != expected:
        raise ValidationError(
            f"has {len(values)} values but {against} has {expected}: give one value per unit",
            path=name,
        )


def check_household_size(value: object, path: str) -> None:
    """Raise unless ``value`` is a household size: a whole number (not a bool) of at least 1."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValidationError("a household size must be a whole number of at least 1", path=path)


def exact_sum(values: Iterable[Decimal]) -> Decimal:
    """The exact sum of ``Decimal`` values."""
    total = Decimal(0)
    add = EXACT.add
    for value in values:
        total = add(total, value)
    return total


def to_result(value: Fraction) -> Decimal:
    """Round an exact rational to :data:`RESULT_PRECISION` significant digits (half even)."""
    return _RESULT.divide(Decimal(value.numerator), Decimal(value.denominator))


def divide(numerator: Decimal | int, denominator: Decimal | int) -> Decimal:
    """``numerator / denominator`` of two exact numbers, rounded once to 28 significant digits."""
    return _RESULT.divide(numerator, denominator)


def term(numerator: Decimal | int, denominator: Decimal | int) -> Decimal:
    """A per-unit ratio to :data:`TERM_PRECISION` digits, for sums of many ratios."""
    return _TERM.divide(numerator, denominator)


def mean(values: Sequence[Decimal]) -> Decimal:
    """The mean of a non-empty sequence, from its exact sum."""
    return divide(exact_sum(values), len(values))


def median(values: Sequence[Decimal | int]) -> Decimal:
    """The median of a non-empty sequence (the mean of the two middle values when even)."""
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return Decimal(ordered[middle])
    return to_result((Fraction(ordered[middle - 1]) + Fraction(ordered[middle])) / 2)


def round_to(value: Decimal, places: int) -> Decimal:
    """Round half up to ``places`` decimals, as a hand calculation or a spreadsheet would."""
    if isinstance(places, bool) or not isinstance(places, int) or places < 0:
        raise ValidationError("must be a whole number of decimal places, 0 or more", path="places")
    # The one rounding rule, money's; imported here: the finance package is a tenth of a second
    # of import that a report without round() does not need.
    from klaster.finance.money import ROUNDING

    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUNDING)
