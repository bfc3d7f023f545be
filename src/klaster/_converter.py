"""The one cattrs converter behind every klaster document.

Strict on the way in: unknown keys, wrong JSON types (``"3"`` for an int, ``3`` for a string) and
floats for money are refused; every problem is reported with its document path through
``cattrs.transform_error``. Compact on the way out: fields equal to their default are omitted.
"""

from __future__ import annotations

import datetime as _dt
import enum
import typing
from decimal import Decimal
from typing import Any

import cattrs
from cattrs.errors import ForbiddenExtraKeysError
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn

from klaster._validate import _parse_date
from klaster.cluster import Cluster
from klaster.errors import KlasterError, ValidationError
from klaster.lifecycle import Lifecycle, PhaseChange
from klaster.program import Program
from klaster.records import Records

_JSON_NAMES = {str: "a string", int: "a whole number", bool: "true or false"}


def _strict(kind: type) -> Any:
    name = _JSON_NAMES[kind]

    def structure(value: Any, _type: Any) -> Any:
        # bool is an int in Python, but not in a klaster document.
        if type(value) is not kind:
            raise ValidationError(f"must be {name}, got {_json_type(value)}")
        return value

    return structure


def _json_type(value: object) -> str:
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
    if not isinstance(value, str):
        raise ValidationError(f"must be a date string 'YYYY-MM-DD', got {_json_type(value)}")
    try:
        return _parse_date(value)
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
        f"must be a decimal number written as a string such as '38.20', got {_json_type(value)}"
    )


def _structure_enum(value: Any, type_: type[enum.Enum]) -> enum.Enum:
    try:
        return type_(value)
    except ValueError:
        valid = ", ".join(repr(m.value) for m in type_)
        raise ValidationError(f"invalid value {value!r}: use one of {valid}") from None


def _make_converter() -> cattrs.Converter:
    conv = cattrs.Converter(forbid_extra_keys=True, omit_if_default=True)
    for kind in (str, int, bool):
        conv.register_structure_hook(kind, _strict(kind))
    conv.register_structure_hook(_dt.date, _structure_date)
    conv.register_unstructure_hook(_dt.date, _dt.date.isoformat)
    conv.register_structure_hook(Decimal, _structure_decimal)
    conv.register_unstructure_hook(Decimal, str)
    conv.register_structure_hook_func(
        lambda t: isinstance(t, type) and issubclass(t, enum.Enum), _structure_enum
    )

    def is_records(type_: Any) -> bool:
        return typing.get_origin(type_) is Records

    def structure_records(type_: Any) -> Any:
        (item,) = typing.get_args(type_)
        as_tuple = conv.get_structure_hook(tuple[item, ...])  # type: ignore[valid-type]

        def structure(value: Any, _type: Any) -> Any:
            return as_tuple(value, tuple[item, ...])  # type: ignore[valid-type]

        return structure

    def unstructure_records(type_: Any) -> Any:
        (item,) = typing.get_args(type_)
        one = conv.get_unstructure_hook(item)
        return lambda records: [one(r) for r in records]

    conv.register_structure_hook_factory(is_records, structure_records)
    conv.register_unstructure_hook_factory(is_records, unstructure_records)

    history = tuple[PhaseChange, ...]
    conv.register_structure_hook(
        Lifecycle, lambda value, _t: Lifecycle(conv.structure(value, history))
    )
    conv.register_unstructure_hook(Lifecycle, lambda life: conv.unstructure(life.history, history))
    # Cluster and Program keep derived state in init=False fields: leave those out explicitly.
    for cls in (Cluster, Program):
        conv.register_structure_hook(cls, make_dict_structure_fn(cls, conv))
        conv.register_unstructure_hook(cls, make_dict_unstructure_fn(cls, conv))
    return conv


CONVERTER = _make_converter()


def _format_exception(exc: BaseException, type_: Any) -> str:
    if isinstance(exc, KlasterError):
        return f"\x00{exc.path or ''}\x00{exc.message}"
    if isinstance(exc, ForbiddenExtraKeysError):
        fields = ", ".join(sorted(repr(f) for f in exc.extra_fields))
        valid = ", ".join(repr(a.name.lstrip("_")) for a in _init_fields(exc.cl))
        return f"\x00\x00unknown field {fields}; valid fields are {valid}"
    if isinstance(exc, KeyError):
        return "\x00\x00required field is missing"
    if (
        (isinstance(exc, (TypeError, AttributeError))
        and "object" in str(exc))
        or (isinstance(exc, ValueError) and "not enough values" in str(exc))
    ):
        return f"\x00\x00must be {_expected(type_)}"
    return f"\x00\x00invalid value: {type(exc).__name__}"


def _expected(type_: Any) -> str:
    origin = typing.get_origin(type_)
    if origin in (tuple, list, Records) or type_ in (tuple, list):
        return "a list"
    return "an object" if isinstance(type_, type) else f"a {type_}"


def _init_fields(cls: type) -> list[Any]:
    import attrs

    return [a for a in attrs.fields(cls) if a.init]


def problems(exc: Exception) -> list[str]:
    """Located, readable messages for a structuring failure: ``clusters[0].members[3].sex: ...``."""
    lines = []
    for line in cattrs.transform_error(exc, path="$", format_exception=_format_exception):
        text, _, where = line.rpartition(" @ ")
        where = where.removeprefix("$").removeprefix(".")
        if text.startswith("\x00"):
            _, inner, message = text.split("\x00", 2)
            where = ".".join(p for p in (where, inner) if p)
        else:
            message = text
        lines.append(f"{where or '(document)'}: {message}")
    return lines
