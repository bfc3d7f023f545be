"""The division rule of the formula language: exact quotient, rounded half-even to 18 decimals.

``+``, ``-`` and ``*`` never round; a division per unit (``a / b`` anywhere but at the top of a
``ratio_of_sums`` formula, and ``pct_change(x)``) gives the exact quotient rounded half-even to
:data:`DIVISION_SCALE` decimals: a fixed-point number, so a formula's unit values, and their
sums over any number of units in any order, are the same integers in every backend.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final

from klaster.measurement.methods.exactmath import EXACT

__all__ = ["DIVISION_SCALE", "divide", "quotient"]

DIVISION_SCALE: Final = 18
"""Decimals kept by a division per unit in a formula (rounded half-even; see :func:`divide`)."""


def quotient(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded half-even to an integer (``denominator`` not zero).

    Example:
        >>> quotient(5, 2), quotient(7, 2), quotient(-5, 2), quotient(10, -4)
        (2, 4, -2, -2)
    """
    if denominator < 0:
        numerator, denominator = -numerator, -denominator
    whole, rest = divmod(numerator, denominator)  # floor, 0 <= rest < denominator
    twice = 2 * rest
    if twice > denominator or (twice == denominator and whole % 2):
        whole += 1
    return whole


def divide(numerator: Decimal | int, denominator: Decimal | int) -> Decimal:
    """The rule of a division per unit: the exact quotient, half-even to 18 decimals.

    The result always has exactly :data:`DIVISION_SCALE` decimals (``Decimal('0.5')`` comes out
    as ``Decimal('0.500000000000000000')``), like a fixed-point type; ``denominator`` must not
    be zero (formulas give a missing value instead).

    Example:
        >>> divide(Decimal(1), Decimal(3))
        Decimal('0.333333333333333333')
        >>> divide(Decimal(2), Decimal(3)) == Decimal('0.666666666666666667')
        True
    """
    top, top_down = numerator.as_integer_ratio()
    bottom, bottom_down = denominator.as_integer_ratio()
    raw = quotient(top * bottom_down * 10**DIVISION_SCALE, top_down * bottom)
    return Decimal(raw).scaleb(-DIVISION_SCALE, EXACT)
