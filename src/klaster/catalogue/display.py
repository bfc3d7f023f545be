"""How a figure is shown: as a count, a number, a percentage or Rupiah, and with how many decimals.

An indicator's figures are exact decimals (a poverty headcount of ``0.31012...``); a reader wants
``31,0%``. :class:`Display` is what a table needs to show one: the :class:`DisplayKind` and the
decimals. An indicator declares it (``display``, ``digits``) or gets :func:`default_display`,
decided from its unit and aggregation: a share is a percentage, an ``IDR`` unit is Rupiah, a
count is a count. :func:`show` writes a value with :mod:`klaster.formatting`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Final

from attrs import field, frozen

from klaster._support.validate import check_enum, enum_value
from klaster.errors import ValidationError
from klaster.formatting import (
    Lang,
    format_count,
    format_money,
    format_number,
    format_percent,
)
from klaster.label import LabelledEnum, labelled

__all__ = [
    "MAX_DIGITS",
    "Display",
    "DisplayKind",
    "check_digits",
    "check_display_kind",
    "default_display",
    "show",
    "to_display_kind",
]

MAX_DIGITS: Final = 6
"""The most decimals a display shows (more is noise for a reader)."""

_SHARE_UNITS: Final = frozenset({"ratio", "share", "proportion"})
_COUNT_UNITS: Final = frozenset(
    {"member", "person", "group", "cooperative", "head", "household", "activity", "activities"}
)


class DisplayKind(LabelledEnum):
    """What a figure is, for its reader."""

    NUMBER = labelled("number", "Angka", "Number")
    """A plain number (``1.234,5``)."""
    PERCENT = labelled("percent", "Persentase", "Percentage")
    """A share between 0 and 1 shown in percent (``0.310`` → ``31,0%``)."""
    MONEY = labelled("money", "Rupiah", "Rupiah")
    """Rupiah, whole (``Rp 1.700.000``)."""
    COUNT = labelled("count", "Jumlah", "Count")
    """A count of units (``1.234``)."""


def _to_kind(value: DisplayKind | str) -> DisplayKind:
    return enum_value(DisplayKind, value)


def _check_digits(_inst: object, attribute: Any, value: Any) -> None:
    check_digits(value, "digits")


def check_digits(value: object, path: str) -> int:
    """``value`` as a number of decimals (0–6), or a located :class:`ValidationError`."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_DIGITS:
        raise ValidationError(
            f"must be a whole number from 0 to {MAX_DIGITS}, got {value!r}", path=path
        )
    return value


def to_display_kind(value: DisplayKind | str | None) -> DisplayKind | None:
    """A converter: a kind's value (``"percent"``) read as the :class:`DisplayKind`."""
    return None if value is None else _to_kind(value)


def check_display_kind(_inst: object, attribute: Any, value: object) -> None:
    """A validator: ``None`` or a :class:`DisplayKind`, with the kinds there are."""
    if value is not None:
        check_enum(DisplayKind)(_inst, attribute, value)


@frozen
class Display:
    """How the figures of one indicator are shown.

    Args:
        kind: :class:`DisplayKind`.
        digits: Decimals shown (0–6); for a percentage, decimals of the percent.

    Example:
        >>> Display("percent", 1).show(Decimal("0.3101"), "id")
        '31,0%'
    """

    kind: DisplayKind = field(converter=_to_kind, validator=check_enum(DisplayKind))
    digits: int = field(validator=_check_digits)

    def show(self, value: Decimal | int, lang: Lang) -> str:
        """``value`` written for a reader of ``lang`` (see :func:`show`)."""
        return show(value, self, lang)


def default_display(unit: str | None, aggregation: str) -> Display:
    """The display an indicator gets when it declares none.

    Args:
        unit: The indicator's unit (``"ratio"``, ``"IDR/month"``, ``"member"``...).
        aggregation: Its aggregation's value (``"share_meeting"``, ``"count"``, ``"sum"``...).

    Example:
        >>> default_display("ratio", "mean"), default_display("IDR/month", "mean")
        (Display(kind=<DisplayKind.PERCENT: 'percent'>, digits=1), \
Display(kind=<DisplayKind.MONEY: 'money'>, digits=0))
    """
    text = (unit or "").strip().lower()
    if aggregation == "count":
        return Display(DisplayKind.COUNT, 0)
    if aggregation == "share_meeting" or text in _SHARE_UNITS:
        return Display(DisplayKind.PERCENT, 1)
    if text == "idr" or text.startswith("idr/"):
        return Display(DisplayKind.MONEY, 0)
    if text in _COUNT_UNITS and aggregation == "sum":
        return Display(DisplayKind.COUNT, 0)
    if text == "percent" or text.startswith("index"):
        return Display(DisplayKind.NUMBER, 1)
    return Display(DisplayKind.NUMBER, 2)


def show(value: Decimal | int, display: Display, lang: Lang) -> str:
    """A figure written for a reader of ``lang`` as ``display`` says, rounded as the library does.

    Example:
        >>> show(Decimal("282809.4"), Display("number", 0), "id")
        '282.809'
        >>> show(Decimal("1700000"), Display("money", 0), "en")
        'IDR 1,700,000'
    """
    kind = display.kind
    if kind is DisplayKind.PERCENT:
        return format_percent(value, lang, digits=display.digits)
    if kind is DisplayKind.MONEY:
        return format_money(value, lang)
    if kind is DisplayKind.COUNT and isinstance(value, int):
        return format_count(value, lang)
    return format_number(value, lang, digits=display.digits)
