"""Exact decimals as scaled integers: ``value × 10**scale``, never rounded.

A decimal's denominator is a product of powers of 2 and 5, so the decimals it needs are found
from its integer ratio without formatting it; scaling back goes through text so that the result
is exact whatever the thread's decimal context. Internal interface of the numeric columns.
"""

from __future__ import annotations

from decimal import Decimal

from klaster.errors import ValidationError
from klaster.observations.columns._buffers import wrong
from klaster.observations.columns.base import MAX_SCALE

POW10: list[int] = [10**k for k in range(MAX_SCALE + 1)]


def ratio(value: object, index: int | None) -> tuple[int, int]:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValidationError(
                "must be a finite number", path=None if index is None else f"values[{index}]"
            )
        return value.as_integer_ratio()
    if isinstance(value, int) and not isinstance(value, bool):
        return value, 1
    raise wrong(value, index, "a Decimal or int")


def decimals(denominator: int) -> int:
    # A decimal's denominator is 2**a * 5**b: the decimals it needs are max(a, b).
    if denominator == 1:
        return 0
    for k in range(1, MAX_SCALE + 1):
        if POW10[k] % denominator == 0:
            return k
    return MAX_SCALE + 1


def scaled(numerator: int, denominator: int, scale: int) -> int:
    return (numerator * POW10[scale]) // denominator


def unscale(raw: int, scale: int) -> Decimal:
    return Decimal(raw) if scale == 0 else Decimal(f"{raw}E-{scale}")
