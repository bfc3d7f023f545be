"""Numbers, shares, dates and Rupiah as an Indonesian or an English reader expects them.

One formatting module for reports, the command line, the notebook and finance statements, so
``282.809`` never means two different things on one page: Indonesian groups thousands with dots
and writes decimals with a comma (``282.809``, ``31,0%``, ``18 Februari 2014``,
``Rp 1,7 miliar``); English the other way round (``282,809``, ``31.0%``, ``February 18, 2014``,
``IDR 1.7 billion``). The locale data comes from Babel (CLDR), imported on first use.

Rounding happens here, before Babel sees the number, with the library's rules: figures half-even
(as :mod:`klaster.measurement.division` divides), Rupiah half-up to whole rupiah (as
:mod:`klaster.finance.money` rounds), so what a report shows is what the figures say.
"""

from __future__ import annotations

import datetime as _dt
import os
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from functools import cache
from typing import TYPE_CHECKING, Final, Literal, TypeAlias, cast

from klaster.errors import ValidationError

if TYPE_CHECKING:
    from types import ModuleType

__all__ = [
    "LANGUAGES",
    "Lang",
    "check_lang",
    "default_lang",
    "format_count",
    "format_date",
    "format_money",
    "format_not_available",
    "format_number",
    "format_percent",
]

Lang: TypeAlias = Literal["id", "en"]
"""A report language: ``"id"`` (Bahasa Indonesia) or ``"en"`` (English)."""

LANGUAGES: Final[tuple[Lang, ...]] = ("id", "en")
"""The languages every label and report is given in."""

_LOCALES: Final[dict[Lang, str]] = {"id": "id_ID", "en": "en"}
_CURRENCY: Final[dict[Lang, str]] = {"id": "Rp", "en": "IDR"}
_NOT_AVAILABLE: Final[dict[Lang, str]] = {"id": "tidak tersedia", "en": "not available"}
# Below this an amount is written in full: "Rp 950.000" reads better than "Rp 950 ribu".
_COMPACT_FROM: Final = Decimal(1_000_000)
_MAX_DIGITS: Final = 18

Number: TypeAlias = Decimal | int


def check_lang(lang: object, *, path: str = "lang") -> Lang:
    """Return ``lang`` as a :data:`Lang`, or refuse it naming the languages there are.

    Raises:
        ValidationError: For anything but ``"id"`` or ``"en"``.
    """
    if lang in LANGUAGES:
        return lang
    raise ValidationError(f"unknown language {lang!r}: use 'id' or 'en'", path=path)


def default_lang() -> Lang:
    """The language of the command line's text and notebook tables: ``KLASTER_LANG``, else English.

    English by default because the command line's words are English; ``KLASTER_LANG=id`` (or
    ``klaster --lang id``) gives Indonesian figures and labels.

    Raises:
        ValidationError: ``KLASTER_LANG`` is set to anything but ``id`` or ``en``.
    """
    found = os.environ.get("KLASTER_LANG", "").strip()
    return check_lang(found, path="KLASTER_LANG") if found else "en"


def format_number(value: Number, lang: Lang, *, digits: int = 0) -> str:
    """A number with the language's separators, rounded half-even to ``digits`` decimals.

    Args:
        value: The number (``Decimal`` or ``int``; never a float, whose digits are not exact).
        lang: ``"id"`` or ``"en"``.
        digits: Decimals shown (0–18); trailing zeros are kept so a column lines up.

    Example:
        >>> format_number(Decimal("282809"), "id"), format_number(Decimal("282809"), "en")
        ('282.809', '282,809')
        >>> format_number(Decimal("1.25"), "id", digits=1)
        '1,2'
    """
    amount = _exact(value, "value")
    places = _digits(digits)
    rounded = amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)
    if not rounded:  # -0.4 shown as "0", not "-0": a reader sees no sign on nothing
        rounded = rounded.copy_abs()
    pattern = "#,##0" + ("." + "0" * places if places else "")
    return cast(
        "str",
        _numbers().format_decimal(
            rounded, format=pattern, locale=_locale(lang), decimal_quantization=False
        ),
    )


def format_count(value: int, lang: Lang) -> str:
    """A count of people, groups or rows: ``1.234`` (id) or ``1,234`` (en)."""
    return format_number(value, lang)


def format_percent(share: Number, lang: Lang, *, digits: int = 1) -> str:
    """A share between 0 and 1 as a percentage: ``0.3101`` → ``31,0%`` (id) or ``31.0%`` (en).

    Example:
        >>> format_percent(Decimal("0.3101"), "id"), format_percent(Decimal("0.3101"), "en")
        ('31,0%', '31.0%')
    """
    return format_number(_exact(share, "share") * 100, lang, digits=digits) + "%"


def format_money(amount: Number, lang: Lang, *, compact: bool = False) -> str:
    """Rupiah, rounded half-up to whole rupiah: ``Rp 1.700.000`` (id) or ``IDR 1,700,000`` (en).

    Args:
        amount: The amount in rupiah.
        lang: ``"id"`` or ``"en"``.
        compact: From one million up, in words with one decimal: ``Rp 1,7 miliar`` /
            ``IDR 1.7 billion`` (for headlines and charts; tables keep the full amount).

    Example:
        >>> format_money(Decimal("1700000000"), "id"), format_money(Decimal("-2500"), "en")
        ('Rp 1.700.000.000', '-IDR 2,500')
        >>> format_money(1_700_000_000, "id", compact=True)
        'Rp 1,7 miliar'
        >>> format_money(1_700_000_000, "en", compact=True)
        'IDR 1.7 billion'
    """
    whole = _exact(amount, "amount").quantize(Decimal(1), rounding=ROUND_HALF_UP)
    sign = "-" if whole < 0 else ""
    size = abs(whole)
    if compact and size >= _COMPACT_FROM:
        words = _numbers().format_compact_decimal(
            size, format_type="long", locale=_locale(lang), fraction_digits=1
        )
        return f"{sign}{_CURRENCY[lang]} {words}"
    return f"{sign}{_CURRENCY[lang]} {format_number(size, lang)}"


def format_date(
    day: _dt.date, lang: Lang, *, style: Literal["long", "medium", "short"] = "long"
) -> str:
    """A date in words: ``18 Februari 2014`` (id) or ``February 18, 2014`` (en).

    Example:
        >>> format_date(_dt.date(2014, 2, 18), "id"), format_date(_dt.date(2014, 2, 18), "en")
        ('18 Februari 2014', 'February 18, 2014')
    """
    if not isinstance(day, _dt.date):
        raise ValidationError(f"expected a date, got {type(day).__name__}", path="day")
    if style not in ("long", "medium", "short"):
        raise ValidationError(f"unknown style {style!r}: use long, medium or short", path="style")
    dates: ModuleType = _babel("dates")
    return cast("str", dates.format_date(day, format=style, locale=_locale(lang)))


def format_not_available(reason: str | None, lang: Lang) -> str:
    """What a table shows for a figure that cannot be computed: ``not available (why)``.

    Example:
        >>> format_not_available("no endline round", "en")
        'not available (no endline round)'
    """
    text = _NOT_AVAILABLE[check_lang(lang)]
    return f"{text} ({reason})" if reason else text


def _exact(value: object, path: str) -> Decimal:
    # bool is an int, and a float's digits are not what the user typed: both refused.
    if isinstance(value, bool) or not isinstance(value, (Decimal, int)):
        raise ValidationError(
            f"expected a Decimal or an int, got {type(value).__name__}", path=path
        )
    amount = Decimal(value)
    if not amount.is_finite():
        raise ValidationError(f"expected a finite number, got {amount}", path=path)
    return amount


def _digits(digits: object) -> int:
    if isinstance(digits, bool) or not isinstance(digits, int) or not 0 <= digits <= _MAX_DIGITS:
        raise ValidationError(
            f"digits must be a whole number from 0 to {_MAX_DIGITS}", path="digits"
        )
    return digits


def _locale(lang: Lang) -> str:
    return _LOCALES[check_lang(lang)]


def _numbers() -> ModuleType:
    return _babel("numbers")


@cache
def _babel(name: str) -> ModuleType:
    import importlib

    return importlib.import_module(f"babel.{name}")
