"""attrs validators and converters shared by every record.

They raise :class:`klaster.errors.ValidationError` located at the field name, so a document loader
can prefix the record's path (``clusters[0].members[3]`` + ``household_size``). Messages never echo
personal values (names, ID numbers, phones): only what would be valid.
"""

from __future__ import annotations

import datetime as _dt
import decimal
import enum
import functools
import re
from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from klaster.errors import ValidationError

T = TypeVar("T")

# Codes of sectors, indicators, variables...: short lowercase slugs, stable across languages.
CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}\Z")  # \Z: "umkm\n" is no code
# IDs are free strings chosen by the NGO (often from its own database); only forbid what breaks
# files and paths: empty, surrounding blanks, control characters, over-long.
# Lone surrogates ("\ud800", which a JSON escape can carry) cannot be written as UTF-8: refused
# in IDs and texts, or save() would fail later on a record that was accepted.
_ID_FORBIDDEN = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
ID_MAX_LENGTH = 64


def require_id(value: object, path: str) -> None:
    """Raise :class:`ValidationError` at ``path`` unless ``value`` is a well-formed ID."""
    if not isinstance(value, str):
        raise ValidationError(f"must be a string ID, got {type(value).__name__}", path=path)
    if (
        not value
        or value != value.strip()
        or _ID_FORBIDDEN.search(value)
        or len(value) > ID_MAX_LENGTH
    ):
        raise ValidationError(
            f"invalid ID {value!r}: use 1-{ID_MAX_LENGTH} printable characters with no leading or "
            "trailing blanks (e.g. 'M-0001')",
            path=path,
        )


def check_id(_inst: object, attribute: Any, value: Any) -> None:
    """Attrs validator: the field is a well-formed ID (see :func:`require_id`)."""
    require_id(value, attribute.name)


def require_code(value: object, path: str) -> None:
    """Raise :class:`ValidationError` at ``path`` unless ``value`` is a code such as ``umkm``."""
    if not isinstance(value, str) or not CODE_PATTERN.match(value):
        raise ValidationError(
            f"invalid code {value!r}: use a lowercase letter then letters, digits or '_' "
            "(at most 40 characters, e.g. 'umkm', 'herd_size')",
            path=path,
        )


def check_code(_inst: object, attribute: Any, value: Any) -> None:
    """Attrs validator: the field is a code (see :func:`require_code`)."""
    require_code(value, attribute.name)


def check_text(_inst: object, attribute: Any, value: Any) -> None:
    """Validate required free text: a string with something other than blanks in it."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError("must be a non-empty text", path=attribute.name)
    if not value.isascii() and _SURROGATE.search(value):
        # (The text itself is not shown: it may be a name.)
        raise ValidationError(
            "contains a lone surrogate (U+D800-U+DFFF), which no UTF-8 file can hold; "
            "fix the text's encoding",
            path=attribute.name,
        )


def check_optional_text(inst: object, attribute: Any, value: Any) -> None:
    """Like :func:`check_text`, but ``None`` is allowed."""
    if value is not None:
        check_text(inst, attribute, value)


@functools.cache  # validators are built per call in places (e.g. Member's birth year check)
def int_at_least(minimum: int) -> Callable[[Any, Any, Any], None]:
    """Return a validator for an ``int`` (not ``bool``) no smaller than ``minimum``."""

    def check(_inst: object, attribute: Any, value: Any) -> None:
        if type(value) is int and value >= minimum:  # the usual case, in one test
            return
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError(
                f"must be a whole number, got {type(value).__name__}", path=attribute.name
            )
        if value < minimum:
            raise ValidationError(f"must be at least {minimum}, got {value}", path=attribute.name)

    return check


@functools.cache
def optional_int_at_least(minimum: int) -> Callable[[Any, Any, Any], None]:
    """Like :func:`int_at_least`, but ``None`` is allowed."""
    inner = int_at_least(minimum)

    def check(inst: object, attribute: Any, value: Any) -> None:
        if value is not None:
            inner(inst, attribute, value)

    return check


def to_date(value: _dt.date | str) -> _dt.date:
    """Converter: read an ISO ``'YYYY-MM-DD'`` string as a date.

    Anything it cannot read is passed through unchanged so that the field's validator reports it
    with the field's name.
    """
    if isinstance(value, str):
        try:
            return parse_date(value)
        except ValueError:
            pass
    return value  # type: ignore[return-value]


def to_optional_date(value: _dt.date | str | None) -> _dt.date | None:
    """Converter: like :func:`to_date`; ``None`` stays ``None``."""
    return None if value is None else to_date(value)


DATE_CACHE: dict[str, _dt.date] = {}
"""ISO text → shared date object (internal; the document converter reads it first)."""


def parse_date(text: str) -> _dt.date:
    """The date of ISO ``text`` (``YYYY-MM-DD``), one shared object per text (internal).

    Raises:
        ValueError: ``text`` is not an ISO date.
    """
    # Program documents repeat a few thousand distinct dates a million times: share the objects.
    found = DATE_CACHE.get(text)
    if found is None:
        if len(text) != 10:
            raise ValueError(text)
        found = _dt.date.fromisoformat(text)
        if len(DATE_CACHE) < 100_000:
            DATE_CACHE[text] = found
    return found


def check_date(_inst: object, attribute: Any, value: Any) -> None:
    """Validate a ``datetime.date`` (a ``datetime`` is refused: klaster records days, not times)."""
    if type(value) is _dt.date:  # the usual case, in one test
        return
    if isinstance(value, str):
        raise ValidationError(
            f"invalid date {value!r}: use the ISO form 'YYYY-MM-DD'", path=attribute.name
        )
    if not isinstance(value, _dt.date) or isinstance(value, _dt.datetime):
        raise ValidationError(
            f"must be a date (datetime.date or 'YYYY-MM-DD'), got {type(value).__name__}",
            path=attribute.name,
        )


def check_optional_date(inst: object, attribute: Any, value: Any) -> None:
    """Like :func:`check_date`, but ``None`` is allowed."""
    if value is not None:
        check_date(inst, attribute, value)


def to_decimal(value: Decimal | int | str) -> Decimal:
    """Converter: read ``int`` or a numeric string as ``Decimal``.

    Floats, bools and unreadable strings pass through unchanged for :func:`check_decimal` to
    refuse with the field's name: floats cannot hold Rupiah amounts or rates exactly.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    if isinstance(value, str):
        try:
            return Decimal(value.strip())
        except InvalidOperation:
            pass
    return value  # type: ignore[return-value]


def to_optional_decimal(value: Decimal | int | str | None) -> Decimal | None:
    """Converter: like :func:`to_decimal`; ``None`` stays ``None``."""
    return None if value is None else to_decimal(value)


MAX_DECIMAL_PLACES = 30
"""Most decimal places a checked ``Decimal`` may have (``1E-999999999`` is refused)."""
MAX_DECIMAL_MAGNITUDE = 30
"""A checked ``Decimal`` is below ``10**MAX_DECIMAL_MAGNITUDE`` in size (``1E+999999999`` is
refused): later arithmetic (scaling, ``scaleb``, tolerances) then stays small and exact."""


def check_decimal(_inst: object, attribute: Any, value: Any) -> None:
    """Validate a finite ``Decimal`` of bounded size (floats are refused with a hint)."""
    if isinstance(value, float):
        raise ValidationError(
            f"got the float {value!r}: pass a Decimal or a string such as '38.20' "
            "(floats cannot hold exact amounts)",
            path=attribute.name,
        )
    if not isinstance(value, Decimal):
        shown = repr(value) if isinstance(value, str) else type(value).__name__
        raise ValidationError(
            f"must be a number (Decimal, int or a string such as '38.20'), got {shown}",
            path=attribute.name,
        )
    if not value.is_finite():
        raise ValidationError("must be a finite number", path=attribute.name)
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)  # finite
    if exponent < -MAX_DECIMAL_PLACES or (value and value.adjusted() >= MAX_DECIMAL_MAGNITUDE):
        raise ValidationError(
            f"must have at most {MAX_DECIMAL_PLACES} decimal places and be below "
            f"1E+{MAX_DECIMAL_MAGNITUDE} in size",
            path=attribute.name,
        )


def check_optional_decimal(inst: object, attribute: Any, value: Any) -> None:
    """Like :func:`check_decimal`, but ``None`` is allowed."""
    if value is not None:
        check_decimal(inst, attribute, value)


_EXACT_SUM = decimal.Context(prec=2 * (MAX_DECIMAL_PLACES + MAX_DECIMAL_MAGNITUDE) + 10)


def check_unit_weight(inst: object, attribute: Any, value: Any) -> None:
    """Attrs validator: a ``Decimal`` weight more than 0 and at most 1 (a share of a score)."""
    check_decimal(inst, attribute, value)
    if not (0 < value <= 1):
        raise ValidationError(
            f"must be more than 0 and at most 1, got {value}", path=attribute.name
        )


def exact_sum(values: Iterable[Decimal]) -> Decimal:
    """The exact sum of checked decimals (weights that must add up to 1, shares).

    The default context keeps 28 digits, so ``0.5 + 0.4999...9`` (30 places) would round to 1;
    a checked ``Decimal`` has at most 60 digits, and sums of them are kept exactly here.
    """
    total = Decimal(0)
    for value in values:
        total = _EXACT_SUM.add(total, value)
    return total


E = TypeVar("E", bound=enum.Enum)


def enum_value(cls: type[E], value: E | str) -> E:
    """Read an enum member from its value (``"female"`` -> ``Sex.FEMALE``) for a converter.

    Unknown values pass through for :func:`check_enum` to report with the valid choices. (mypy's
    attrs plugin only accepts named converter functions, so each enum field gets a one-line named
    converter calling this.)
    """
    if isinstance(value, cls):
        return value
    if type(value) is str:  # what cls(value) finds first, without the EnumType.__call__ round trip
        found = cls._value2member_map_.get(value)
        if found is not None:
            return found  # type: ignore[return-value]
    try:
        return cls(value)
    except ValueError:
        return value  # type: ignore[return-value]


def check_enum(cls: type[enum.Enum]) -> Callable[[Any, Any, Any], None]:
    """Return a validator that the value is a member of ``cls``, naming the valid values if not."""
    valid = ", ".join(repr(m.value) for m in cls)

    def check(_inst: object, attribute: Any, value: Any) -> None:
        if not isinstance(value, cls):
            raise ValidationError(
                f"invalid value {value!r}: use one of {valid}", path=attribute.name
            )

    return check


def check_order(first: str, then: str) -> Callable[[Any, Any, Any], None]:
    """Return a validator that ``getattr(inst, then)`` is not before ``getattr(inst, first)``.

    Used as the validator of the later field, e.g. ``left`` after ``joined``.
    """

    def check(inst: Any, attribute: Any, value: Any) -> None:
        start = getattr(inst, first)
        if value is not None and start is not None and value < start:
            raise ValidationError(
                f"{then} ({value}) is before {first} ({start}); it must be on or after it",
                path=attribute.name,
            )

    return check


def to_str_tuple(value: Iterable[str]) -> tuple[str, ...]:
    """Converter: a list of strings (codes, IDs) from JSON or Python becomes a tuple."""
    return tuple(value)


def check_optional_id(_inst: object, attribute: Any, value: Any) -> None:
    """Validate ``None`` or a well-formed ID (see :func:`require_id`)."""
    if value is not None:
        require_id(value, attribute.name)


def check_bool(_inst: object, attribute: Any, value: Any) -> None:
    """Validate a real ``bool`` (``1`` or ``"yes"`` are refused: TOML and JSON have booleans)."""
    if not isinstance(value, bool):
        raise ValidationError(
            f"must be true or false, got {type(value).__name__}", path=attribute.name
        )


def check_str(_inst: object, attribute: Any, value: Any) -> None:
    """Validate a string, possibly empty."""
    if not isinstance(value, str):
        raise ValidationError(f"must be text, got {type(value).__name__}", path=attribute.name)


def check_each(cls: type) -> Callable[[Any, Any, Any], None]:
    """Return a validator that every item of a tuple is a ``cls``."""

    def check(_inst: object, attribute: Any, value: Any) -> None:
        for index, item in enumerate(value):
            if not isinstance(item, cls):
                raise ValidationError(
                    f"must be a {cls.__name__}, got {type(item).__name__}",
                    path=f"{attribute.name}[{index}]",
                )

    return check


def check_optional_instance(cls: type) -> Callable[[Any, Any, Any], None]:
    """Return a validator that the value is ``None`` or a ``cls``."""

    def check(_inst: object, attribute: Any, value: Any) -> None:
        if value is not None and not isinstance(value, cls):
            raise ValidationError(
                f"must be a {cls.__name__} or nothing, got {type(value).__name__}",
                path=attribute.name,
            )

    return check


def check_unique_ids(_inst: object, attribute: Any, value: tuple[str, ...]) -> None:
    """Validate a tuple of well-formed IDs, none listed twice."""
    for index, item in enumerate(value):
        require_id(item, f"{attribute.name}[{index}]")
    if len(set(value)) != len(value):
        raise ValidationError("lists an ID twice", path=attribute.name)


def check_texts(_inst: object, attribute: Any, value: tuple[str, ...]) -> None:
    """Validate a tuple of non-empty texts."""
    for index, item in enumerate(value):
        if not isinstance(item, str) or not item.strip():
            raise ValidationError("must be non-empty text", path=f"{attribute.name}[{index}]")
