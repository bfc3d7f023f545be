"""The cattrs converter behind every klaster document, in its two configurations.

Strict on the way in: unknown keys, wrong JSON types (``"3"`` for an int, ``3`` for a string) and
floats for money are refused; every problem is reported with its document path through
``cattrs.transform_error``. Compact on the way out: fields equal to their default are omitted.

:func:`make_converter` builds both configurations from the same hooks: ``CONVERTER`` (detailed
validation: collects every problem with its path, for the error message) and ``FAST_CONVERTER``
(stops at the first problem, with no bookkeeping per field and leaner tuple hooks). A document is
read with the fast one first and, only if that fails, again with the detailed one: both accept
exactly the same documents and build equal objects, so the result is the same, just sooner.

Memory: a program document repeats the same few village names, sector and business codes and
birth years a million times, and names each member again in its group spells and cooperative.
While one cluster is read, those values are shared: one string (or int) object per value instead
of one per occurrence (see ``_SHARED_FIELDS``). Dates are shared by
``klaster._support.validate.parse_date``.
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
from attrs import frozen
from cattrs.cols import homogenous_tuple_structure_factory
from cattrs.errors import ForbiddenExtraKeysError
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from klaster._support.validate import DATE_CACHE, parse_date
from klaster.documents import _intake_hooks as intake_hooks
from klaster.documents import _results_hooks as results_hooks
from klaster.errors import KlasterError, ValidationError
from klaster.model.cluster import Cluster
from klaster.model.cooperative import Cooperative
from klaster.model.fieldwork import Fieldwork
from klaster.model.group import Group, Membership
from klaster.model.lifecycle import Lifecycle, PhaseChange
from klaster.model.member import Member
from klaster.model.mentoring import MentoringLog, Visit
from klaster.model.program import Program
from klaster.model.records import Records

_JSON_NAMES = {str: "a string", int: "a whole number", bool: "true or false"}
# Program fields left out of a document when empty (those added by schema version 3).
_OMITTED_IF_EMPTY = ("people", "fieldwork", "results", "locations", "intake")


@frozen
class _LifecycleDocument:
    history: tuple[PhaseChange, ...] = ()


def _strict(kind: type, *, share: Any = None) -> Any:
    name = _JSON_NAMES[kind]
    if share is not None:

        def shared(value: Any, _type: Any) -> Any:
            if type(value) is not kind:
                raise ValidationError(f"must be {name}, got {_json_type(value)}")
            return share(value, value)

        return shared

    def structure(value: Any, _type: Any) -> Any:
        if _type is not kind:  # a StrEnum field reaches the str hook (str is in its MRO)
            return _structure_enum(value, _type)
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
    if type(value) is str:
        found = DATE_CACHE.get(value)  # the usual case: a date seen before
        if found is not None:
            return found
    if not isinstance(value, str):
        raise ValidationError(f"must be a date string 'YYYY-MM-DD', got {_json_type(value)}")
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
        f"must be a decimal number written as a string such as '38.20', got {_json_type(value)}"
    )


def _structure_enum(value: Any, type_: type[enum.Enum]) -> enum.Enum:
    try:
        return type_(value)
    except ValueError:
        valid = ", ".join(repr(m.value) for m in type_)
        raise ValidationError(f"invalid value {value!r}: use one of {valid}") from None


def _optional_of(type_: Any) -> Any:
    """``X`` for ``X | None`` (or ``Optional[X]``), else ``None``."""
    if typing.get_origin(type_) not in (typing.Union, types.UnionType):
        return None
    args = typing.get_args(type_)
    if len(args) != 2 or type(None) not in args:
        return None
    return args[0] if args[1] is type(None) else args[1]


def _optional(inner: Any, inner_type: Any) -> Any:
    # What cattrs does for ``X | None``, with the hook of X looked up once instead of per value.
    def structure(value: Any, _type: Any) -> Any:
        if value is None:
            return None
        return inner(value, inner_type)

    return structure


def _homogeneous(type_: Any) -> Any:
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
            raise ValidationError(f"must be a list, got {_json_type(value)}")
        return tuple([inner(v, item) for v in value])

    return structure


def _list_only(inner: Any) -> Any:
    # cattrs would iterate any iterable: a string or an object where a list belongs must fail.
    def structure(value: Any, type_: Any) -> Any:
        if type(value) not in _LISTS:
            raise ValidationError(f"must be a list, got {_json_type(value)}")
        return inner(value, type_)

    return structure


# Fields whose values repeat across the records of a cluster: checked as usual, then shared
# through _SHARED (one object per distinct value). Member.id comes first in a cluster, so the
# member IDs that group spells and cooperatives list become the member's own string.
_SHARED_FIELDS: dict[type, tuple[str, ...]] = {
    Member: ("id", "village", "sector", "business_type", "birth_year"),
    Membership: ("member_id",),
    Group: ("sector",),
    Cooperative: ("sectors", "member_ids"),
}
# Filled while one cluster is structured and emptied after it (see structure_cluster below), so
# it never holds more than one cluster's values. Shared between threads: harmless, since a value
# is only ever replaced by an equal one of the same type.
_SHARED: dict[object, object] = {}


def _shared_hook(conv: cattrs.Converter, type_: Any) -> Any:
    share = _SHARED.setdefault
    if type_ in (str, int):
        return _strict(type_, share=share)
    inner_type = _optional_of(type_)
    if inner_type is not None:
        return _optional(_shared_hook(conv, inner_type), inner_type)
    if _homogeneous(type_) is str:
        as_tuple = conv.get_structure_hook(type_)

        def structure(value: Any, _type: Any) -> tuple[object, ...]:
            return tuple([share(v, v) for v in as_tuple(value, type_)])

        return structure
    raise TypeError(f"cannot share values of {type_}")  # pragma: no cover - a wrong table


def make_converter(*, detailed: bool = True) -> cattrs.Converter:
    """Build the document converter.

    Args:
        detailed: Collect every problem with its path (for error messages) instead of stopping at
            the first one. Both configurations accept the same documents and build equal objects.
    """
    conv = cattrs.Converter(
        forbid_extra_keys=True, omit_if_default=True, detailed_validation=detailed
    )
    for kind in (str, int, bool):
        conv.register_structure_hook(kind, _strict(kind))
    conv.register_structure_hook_factory(
        lambda t: _optional_of(t) is not None,
        lambda t: _optional(conv.get_structure_hook(_optional_of(t)), _optional_of(t)),
    )
    if detailed:  # cattrs' own tuple hook collects every item's error, with its index
        conv.register_structure_hook_factory(
            lambda t: _homogeneous(t) is not None,
            lambda t: _list_only(homogenous_tuple_structure_factory(t, conv)),
        )
    else:
        conv.register_structure_hook_factory(
            lambda t: _homogeneous(t) is not None,
            lambda t: _tuple_of(conv.get_structure_hook(_homogeneous(t)), _homogeneous(t)),
        )
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

    # A lifecycle is stored as {"history": [...]}: room for more than the history later.
    conv.register_structure_hook(
        _LifecycleDocument, make_dict_structure_fn(_LifecycleDocument, conv)
    )
    conv.register_structure_hook(
        Lifecycle,
        lambda value, _t: Lifecycle(conv.structure(value, _LifecycleDocument).history),
    )
    history = tuple[PhaseChange, ...]
    conv.register_unstructure_hook(
        Lifecycle, lambda life: {"history": conv.unstructure(life.history, history)}
    )
    results_hooks.register(conv)  # a target's disaggregation is an object
    intake_hooks.register(conv)  # an applicant's answers are a typed object
    for cls, names in _SHARED_FIELDS.items():
        hints = typing.get_type_hints(cls)
        overrides: dict[str, Any] = {
            name: override(struct_hook=_shared_hook(conv, hints[name])) for name in names
        }
        conv.register_structure_hook(cls, make_dict_structure_fn(cls, conv, **overrides))
    # The mentoring log is columns in memory and a list of visits in a document.
    visits = tuple[Visit, ...]
    conv.register_unstructure_hook(MentoringLog, lambda log: conv.unstructure(tuple(log), visits))
    conv.register_structure_hook(
        MentoringLog, lambda value, _t: Fieldwork(visits=conv.structure(value, visits)).visits
    )
    # Cluster, Program and Fieldwork keep derived state in init=False fields: leave those out.
    # A program without people or fieldwork (a cluster without area_overrides) is written as
    # before they existed (schema 3 adds them); a fieldwork lists only the kinds it has.
    out = make_dict_unstructure_fn(Cluster, conv, area_overrides=override(omit_if_default=True))
    conv.register_unstructure_hook(Cluster, out)
    fieldwork_fn = make_dict_unstructure_fn(Fieldwork, conv)
    conv.register_unstructure_hook(
        Fieldwork, lambda work: {k: v for k, v in fieldwork_fn(work).items() if v}
    )
    program_fn = make_dict_unstructure_fn(Program, conv)

    def unstructure_program(program: Program) -> dict[str, Any]:
        raw = program_fn(program)
        for name in _OMITTED_IF_EMPTY:
            if name in raw and not raw[name]:
                del raw[name]
        return raw

    conv.register_unstructure_hook(Program, unstructure_program)
    cluster_fn = make_dict_structure_fn(Cluster, conv)

    def structure_cluster(value: Any, type_: Any) -> Cluster:
        _SHARED.clear()
        try:
            return cluster_fn(value, type_)
        finally:
            _SHARED.clear()

    # (Hooks built from other hooks keep them: register the parts before what contains them.)
    conv.register_structure_hook(Cluster, structure_cluster)
    # Visits reach Fieldwork as a tuple: its constructor builds the log, so that a duplicate
    # visit ID is located as fieldwork.visits[i].id.
    visits_hook = conv.get_structure_hook(visits)
    conv.register_structure_hook(
        Fieldwork,
        make_dict_structure_fn(
            Fieldwork, conv, visits=override(struct_hook=lambda v, _t: visits_hook(v, visits))
        ),
    )
    conv.register_structure_hook(Program, make_dict_structure_fn(Program, conv))
    return conv


CONVERTER = make_converter()
"""Detailed validation: every problem of a document, each with its path (see :func:`problems`)."""
FAST_CONVERTER = make_converter(detailed=False)
"""Stops at the first problem; for reading documents that are most likely valid."""


def _format_exception(exc: BaseException, type_: Any) -> str:
    if isinstance(exc, KlasterError):
        return f"\x00{exc.path or ''}\x00{exc.message}"
    if isinstance(exc, ForbiddenExtraKeysError):
        fields = ", ".join(sorted(repr(f) for f in exc.extra_fields))
        valid = ", ".join(repr(a.name.lstrip("_")) for a in _init_fields(exc.cl))
        return f"\x00\x00unknown field {fields}; valid fields are {valid}"
    if isinstance(exc, KeyError):
        return "\x00\x00required field is missing"
    return f"\x00\x00must be {_expected(type_)}"


def _expected(type_: Any) -> str:
    inner = _optional_of(type_)
    if inner is not None:
        return f"{_expected(inner)} or null"
    origin = typing.get_origin(type_)
    if origin in (tuple, list, Records) or type_ in (tuple, list):
        return "a list"
    if type_ in _JSON_NAMES:
        return _JSON_NAMES[type_]
    return "an object"


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
