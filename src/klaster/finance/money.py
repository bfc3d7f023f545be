"""Rupiah amounts: whole-rupiah ``Decimal`` values, one rounding rule, one display format.

Two decisions every figure in this package follows:

* **Whole rupiah.** The sen (1/100 rupiah) has not been in circulation for decades and no revolving
  fund collects it, so every amount that enters the ledger is a whole number of rupiah. An input
  with a fraction (``Decimal("1000.50")``) is *refused*, never silently rounded: a finance officer
  must see where a sen came from. ``Decimal("1000.00")`` is fine (it is a whole number).
* **Half-up rounding** (:data:`ROUNDING`, ``ROUND_HALF_UP``) wherever an amount is *computed* from a
  division or a rate (instalments, a margin from a flat rate, a profit share). It is what a
  spreadsheet's ``ROUND`` and a hand calculation give, so schedules can be checked on paper;
  banker's rounding would be unbiased over millions of roundings, but a schedule rounds a handful
  of times and always hands the remainder to its last instalment, so the total is exact anyway.

Inside the ledger amounts are Python ``int`` rupiah (exact, and compact in columns); every public
function takes and returns ``Decimal``. Floats are refused everywhere.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from types import SimpleNamespace
from typing import Any

from klaster._support.validate import check_decimal, to_decimal
from klaster.errors import ValidationError
from klaster.finance.errors import AmountError
from klaster.formatting import Lang, format_money

__all__ = [
    "MAX_RUPIAH",
    "ROUNDING",
    "RUPIAH",
    "check_rupiah",
    "format_rupiah",
    "round_rupiah",
    "rupiah",
    "split_evenly",
    "to_rupiah",
]

RUPIAH = Decimal(1)
"""The quantum of every ledger amount: one whole rupiah."""

ROUNDING = ROUND_HALF_UP
"""How computed amounts are rounded to whole rupiah (0.5 goes up, as in a spreadsheet)."""

MAX_RUPIAH = Decimal(2**63 - 1)
"""The largest amount (and balance) a book keeps: Rp 9.223.372.036.854.775.807, what the store's
INTEGER and the ledger's 64-bit columns hold. Larger amounts are refused before any conversion."""
MAX_RUPIAH_BITS = 63
"""Bits of :data:`MAX_RUPIAH` (an ``int`` with more is beyond it)."""
_BEYOND = MAX_RUPIAH + 1


def to_rupiah(value: Decimal | int | str) -> Decimal:
    """Converter for attrs fields: ``int`` or a numeric string becomes ``Decimal``.

    Floats and unreadable values pass through for :func:`check_rupiah` to refuse with the field's
    name (the shared :func:`klaster._support.validate.to_decimal` does the reading). An ``int``
    beyond :data:`MAX_RUPIAH` is never converted (that takes quadratic time): it becomes a value
    just beyond the bound, which :func:`check_rupiah` refuses with the bound's message.
    """
    if isinstance(value, int) and value.bit_length() > MAX_RUPIAH_BITS:
        return _BEYOND if value > 0 else -_BEYOND
    return to_decimal(value)


def check_rupiah(_inst: object, attribute: Any, value: Any) -> None:
    """Attrs validator: a whole, non-negative Rupiah ``Decimal`` (floats refused with a hint)."""
    if isinstance(value, Decimal) and value.is_finite():
        check_bound(value, attribute.name)
    check_decimal(_inst, attribute, value)
    _check_whole(value, attribute.name, positive=False)


def check_bound(value: Decimal | int, path: str, subject: str = "is") -> None:
    """Refuse ``value`` beyond :data:`MAX_RUPIAH` with an :class:`AmountError` (cheap at any size).

    Compares without converting or rounding, so ``Decimal("1E+999999999")`` or a huge ``int`` is
    refused at once instead of building a huge integer. ``subject`` starts the message.
    """
    too_big = (
        value.copy_abs() > MAX_RUPIAH
        if isinstance(value, Decimal)
        else value.bit_length() > MAX_RUPIAH_BITS
    )
    if too_big:
        raise AmountError(
            f"{subject} beyond {format_rupiah(MAX_RUPIAH)} in size, the largest amount a book "
            "keeps (what the store's INTEGER holds)",
            path=path,
        )


def rupiah(value: object, *, path: str = "amount", positive: bool = True) -> Decimal:
    """Read ``value`` as a whole-rupiah amount for an operation, or raise :class:`AmountError`.

    Args:
        value: A ``Decimal``, an ``int`` or a numeric string (``"1700000"``). Not a float.
        path: Where the amount is, for the error (``"amount"``, ``"loans['L-1'].principal"``).
        positive: Require more than zero (the default); otherwise zero is allowed.

    Returns:
        The amount as a ``Decimal`` with no fractional part.

    Raises:
        AmountError: A float, text that is no number, a fraction of a rupiah, zero or less, or
            more than :data:`MAX_RUPIAH`.

    Example:
        >>> rupiah("1200000")
        Decimal('1200000')
    """
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str | float):
        raise AmountError(
            f"must be a Rupiah amount (Decimal, int or a string such as '1200000'), got "
            f"{type(value).__name__}",
            path=path,
        )
    if isinstance(value, int) and not isinstance(value, bool):
        check_bound(value, path)  # before converting: a huge int is never turned into a Decimal
    converted = to_rupiah(value) if not isinstance(value, float) else value
    if isinstance(converted, Decimal) and converted.is_finite():
        check_bound(converted, path)
    try:
        check_decimal(None, SimpleNamespace(name=path), converted)
    except ValidationError as exc:
        raise AmountError(exc.message, path=path) from None
    assert isinstance(converted, Decimal)
    _check_whole(converted, path, positive=positive)
    return converted


def _check_whole(value: Decimal, path: str, *, positive: bool) -> None:
    if value != value.to_integral_value():
        raise AmountError(
            f"{value} has a fraction of a rupiah; amounts are whole rupiah (e.g. '1200000')",
            path=path,
        )
    if value < 0 or (positive and value == 0):
        bound = "more than zero" if positive else "zero or more"
        raise AmountError(f"must be {bound}, got {value}", path=path)


def round_rupiah(value: Decimal) -> Decimal:
    """Round a computed amount to whole rupiah, half up (:data:`ROUNDING`).

    Example:
        >>> round_rupiah(Decimal("83333.5")), round_rupiah(Decimal("83333.49"))
        (Decimal('83334'), Decimal('83333'))
    """
    return value.quantize(RUPIAH, rounding=ROUNDING)


def split_evenly(total: Decimal, parts: int) -> tuple[Decimal, ...]:
    """Split ``total`` into ``parts`` equal whole-rupiah amounts; the last takes the remainder.

    Each part but the last is ``round_rupiah(total / parts)``; the last makes the sum exact. When
    rounding up would leave the last part below zero (tiny totals over many parts) the parts are
    rounded down instead.

    Example:
        >>> split_evenly(Decimal(1_000_000), 12)[-2:]
        (Decimal('83333'), Decimal('83337'))
    """
    if parts < 1:
        raise ValidationError(f"must split into at least 1 part, got {parts}", path="parts")
    each = round_rupiah(total / parts)
    if each * (parts - 1) > total:
        each = Decimal(int(total) // parts)
    return (each,) * (parts - 1) + (total - each * (parts - 1),)


def format_rupiah(value: Decimal | int, lang: Lang = "id") -> str:
    """Show an amount as its reader expects: ``Rp 1.700.000.000`` (id) or ``IDR 1,700,000,000``.

    The one formatting rule of :func:`klaster.formatting.format_money` (half-up to whole rupiah).

    Example:
        >>> format_rupiah(Decimal(1_700_000_000)), format_rupiah(-2500)
        ('Rp 1.700.000.000', '-Rp 2.500')
        >>> format_rupiah(Decimal(1_700_000), "en")
        'IDR 1,700,000'
    """
    return format_money(value, lang)


def to_int(value: Decimal) -> int:
    """The whole-rupiah ``int`` the ledger stores for a validated amount (internal helper)."""
    return int(value)
