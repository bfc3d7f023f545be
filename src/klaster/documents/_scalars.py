"""The converter's hooks for JSON scalars, optional values, lists, dates, decimals and enums.

:func:`make_base_converter` is the strict base every klaster converter starts from (a document's,
a finance document's, a sector file's): ``"3"`` for an int, ``3`` for a string, a float for money
or an object where a list belongs are refused, unknown keys too. The program document's hooks go
on top of it in :mod:`klaster.documents.converter`; a sector file needs only these, so reading
the plugins' sector files builds no program converter (tens of milliseconds of every start).
"""

from __future__ import annotations

import datetime as _dt
import enum
import types
import typing
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import cattrs
from cattrs.cols import homogenous_tuple_structure_factory

from klaster._support.validate import DATE_CACHE, parse_date
from klaster.errors import ValidationError

__all__ = [
    "JSON_NAMES",
    "LazyItems",
    "homogeneous",
    "json_type",
    "make_base_converter",
    "optional",
    "optional_of",
    "strict",
]

JSON_NAMES = {str: "a string", int: "a whole number", bool: "true or false"}


def strict(kind: type, *, share: Any = None) -> Any:
    """The hook of ``kind`` (str, int or bool) taking exactly that JSON type, nothing it converts.

    Args:
        kind: ``str``, ``int`` or ``bool``.
        share: ``dict.setdefault`` of a table of shared values: each value read is replaced by
            the table's equal one (one object per distinct value).
    """
    name = JSON_NAMES[kind]
    if share is not None:

        def shared(value: Any, _type: Any) -> Any:
            if type(value) is not kind:
                raise ValidationError(f"must be {name}, got {json_type(value)}")
            return share(value, value)

        return shared

    def structure(value: Any, _type: Any) -> Any:
        if _type is not kind:  # a StrEnum field reaches the str hook (str is in its MRO)
            return _structure_enum(value, _type)
        # bool is an int in Python, but not in a klaster document.
        if type(value) is not kind:
            raise ValidationError(f"must be {name}, got {json_type(value)}")
        return value

    return structure


def json_type(value: object) -> str:
    """What a JSON value is, in words for a message (``"a number"``, ``"a list"``)."""
    names = {
        bool: "true/false",
        int: "a number",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "an object",
        type(None): "null",
    }
    return names.get(type(value), type(value).__name__)


def _structure_date(value: Any, _type: Any) -> _dt.date:
    if type(value) is str:
        found = DATE_CACHE.get(value)  # the usual case: a date seen before
        if found is not None:
            return found
    if not isinstance(value, str):
        raise ValidationError(f"must be a date string 'YYYY-MM-DD', got {json_type(value)}")
    try:
        return parse_date(value)
    except ValueError:
        raise ValidationError(f"invalid date {value!r}: use 'YYYY-MM-DD'") from None


def _structure_decimal(value: Any, _type: Any) -> Decimal:
    # Amounts and rates travel as strings ("38.20") so that no JSON reader turns them into floats.
    if isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool)):
        try:
            result = Decimal(value)
        except ArithmeticError:
            result = Decimal("NaN")
        if result.is_finite():
            return result
    raise ValidationError(
        f"must be a decimal number written as a string such as '38.20', got {json_type(value)}"
    )


def _structure_enum(value: Any, type_: type[enum.Enum]) -> enum.Enum:
    try:
        return type_(value)
    except ValueError:
        valid = ", ".join(repr(m.value) for m in type_)
        raise ValidationError(f"invalid value {value!r}: use one of {valid}") from None


def optional_of(type_: Any) -> Any:
    """``X`` for ``X | None`` (or ``Optional[X]``), else ``None``."""
    if typing.get_origin(type_) not in (typing.Union, types.UnionType):
        return None
    args = typing.get_args(type_)
    if len(args) != 2 or type(None) not in args:
        return None
    return args[0] if args[1] is type(None) else args[1]


def optional(inner: Any, inner_type: Any) -> Any:
    """The hook of ``X | None`` from the hook ``inner`` of ``X`` (``inner_type``)."""

    # What cattrs does for ``X | None``, with the hook of X looked up once instead of per value.
    def structure(value: Any, _type: Any) -> Any:
        if value is None:
            return None
        return inner(value, inner_type)

    return structure


def homogeneous(type_: Any) -> Any:
    """``X`` for ``tuple[X, ...]`` (X not Any), else ``None``."""
    args = typing.get_args(type_)
    if typing.get_origin(type_) is tuple and len(args) == 2 and args[1] is Ellipsis:
        return None if args[0] is Any else args[0]
    return None


class LazyItems:
    """The items of a JSON list, parsed one at a time as the converter reaches them.

    :func:`klaster.loads` passes a program's clusters this way so that the text of the whole
    document is never parsed at once; list hooks accept it where they accept a ``list``.
    """

    __slots__ = ("_items",)

    def __init__(self, items: Iterator[Any]) -> None:
        self._items = items

    def __iter__(self) -> Iterator[Any]:
        return self._items


_LISTS = (list, LazyItems)


def _tuple_of(inner: Any, item: Any) -> Any:
    # What cattrs does for ``tuple[X, ...]`` without detailed validation, minus the generator.
    def structure(value: Any, _type: Any) -> tuple[Any, ...]:
        if type(value) not in _LISTS:
            raise ValidationError(f"must be a list, got {json_type(value)}")
        return tuple([inner(v, item) for v in value])

    return structure


def _list_only(inner: Any) -> Any:
    # cattrs would iterate any iterable: a string or an object where a list belongs must fail.
    def structure(value: Any, type_: Any) -> Any:
        if type(value) not in _LISTS:
            raise ValidationError(f"must be a list, got {json_type(value)}")
        return inner(value, type_)

    return structure


def make_base_converter(*, detailed: bool) -> cattrs.Converter:
    """The strict base converter: JSON scalars, ``X | None``, ``tuple[X, ...]``, dates, decimals.

    Args:
        detailed: Collect every problem with its path (for error messages) instead of stopping at
            the first one.
    """
    conv = cattrs.Converter(
        forbid_extra_keys=True, omit_if_default=True, detailed_validation=detailed
    )
    for kind in (str, int, bool):
        conv.register_structure_hook(kind, strict(kind))
    conv.register_structure_hook_factory(
        lambda t: optional_of(t) is not None,
        lambda t: optional(conv.get_structure_hook(optional_of(t)), optional_of(t)),
    )
    if detailed:  # cattrs' own tuple hook collects every item's error, with its index
        conv.register_structure_hook_factory(
            lambda t: homogeneous(t) is not None,
            lambda t: _list_only(homogenous_tuple_structure_factory(t, conv)),
        )
    else:
        conv.register_structure_hook_factory(
            lambda t: homogeneous(t) is not None,
            lambda t: _tuple_of(conv.get_structure_hook(homogeneous(t)), homogeneous(t)),
        )
    conv.register_structure_hook(_dt.date, _structure_date)
    conv.register_unstructure_hook(_dt.date, _dt.date.isoformat)
    conv.register_structure_hook(Decimal, _structure_decimal)
    conv.register_unstructure_hook(Decimal, str)
    conv.register_structure_hook_func(
        lambda t: isinstance(t, type) and issubclass(t, enum.Enum), _structure_enum
    )

    return conv
