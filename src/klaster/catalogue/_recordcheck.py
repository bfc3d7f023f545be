"""attrs validators and converters shared by the sector records (sector, variable, indicator...).

The general ones (codes, text, decimals) are in :mod:`klaster._support.validate`; these add what
only
the plugin records need: tuples of records with unique codes, booleans, optional codes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from klaster._support.validate import require_code
from klaster.errors import ValidationError


def to_tuple(value: Iterable[Any]) -> tuple[Any, ...]:
    """Converter: any iterable but a string becomes a tuple (a string passes through).

    A string is iterable too, and ``tuple("abc")`` would silently become three one-letter
    items: let the validator refuse it instead.
    """
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        return value  # type: ignore[return-value]
    return tuple(value)


def check_records(
    cls: type[Any], *, unique_code: bool = True
) -> Callable[[object, Any, Any], None]:
    """Return a validator for a tuple of ``cls`` records, whose ``code`` are unique if asked."""

    def check(_inst: object, attribute: Any, value: Any) -> None:
        if not isinstance(value, tuple):
            raise ValidationError(
                f"must be a list of {cls.__name__}, got {type(value).__name__}",
                path=attribute.name,
            )
        seen: dict[str, int] = {}
        for index, item in enumerate(value):
            if not isinstance(item, cls):
                raise ValidationError(
                    f"must be a {cls.__name__}, got {type(item).__name__}",
                    path=f"{attribute.name}[{index}]",
                )
            if unique_code:
                code = item.code
                if code in seen:
                    raise ValidationError(
                        f"code {code!r} is already used by {attribute.name}[{seen[code]}]; "
                        "codes must be unique",
                        path=f"{attribute.name}[{index}]",
                    )
                seen[code] = index

    return check


def check_codes(_inst: object, attribute: Any, value: Any) -> None:
    """Validate a tuple of distinct codes (e.g. the variables an indicator reads)."""
    if not isinstance(value, tuple):
        raise ValidationError(
            f"must be a list of codes, got {type(value).__name__}", path=attribute.name
        )
    for index, item in enumerate(value):
        require_code(item, f"{attribute.name}[{index}]")
    if len(set(value)) != len(value):
        raise ValidationError("must not repeat a code", path=attribute.name)
