"""The cattrs converter behind every klaster document, in its two configurations.

Strict on the way in: unknown keys, wrong JSON types (``"3"`` for an int, ``3`` for a string) and
floats for money are refused; every problem is reported with its document path through
``cattrs.transform_error``. Compact on the way out: fields equal to their default are omitted.

:func:`make_converter` builds both configurations from the same hooks (the program's, on top of
the strict base of :mod:`klaster.documents._scalars`): :func:`detailed_converter` (collects every
problem with its path, for the error message) and :func:`fast_converter` (stops at the first
problem, with no bookkeeping per field and leaner tuple hooks), each built on first use and kept,
so that importing klaster builds neither. A document is read with the fast one first and, only
if that fails, again with the detailed one: both accept exactly the same documents and build
equal objects, so the result is the same, just sooner.

Memory: a program document repeats the same few village names, sector and business codes and
birth years a million times, and names each member again in its group spells and cooperative.
While one cluster is read, those values are shared: one string (or int) object per value instead
of one per occurrence (see ``_SHARED_FIELDS``). Dates are shared by
``klaster._support.validate.parse_date``.
"""

from __future__ import annotations

import functools
import typing
from collections.abc import Callable
from typing import Any

import cattrs
from attrs import frozen
from cattrs.errors import ForbiddenExtraKeysError
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from klaster.documents import _intake_hooks as intake_hooks
from klaster.documents import _results_hooks as results_hooks
from klaster.documents._scalars import (
    JSON_NAMES,
    homogeneous,
    make_base_converter,
    optional,
    optional_of,
    strict,
)
from klaster.errors import KlasterError
from klaster.model.cluster import Cluster
from klaster.model.cooperative import Cooperative
from klaster.model.fieldwork import Fieldwork
from klaster.model.group import Group, Membership
from klaster.model.lifecycle import Lifecycle, PhaseChange
from klaster.model.member import Member
from klaster.model.mentoring import MentoringLog, Visit
from klaster.model.program import Program
from klaster.model.records import Records

__all__ = [
    "detailed_converter",
    "fast_converter",
    "make_base_converter",
    "make_converter",
    "problems",
]

# Program fields left out of a document when empty (those added by schema version 3).
_OMITTED_IF_EMPTY = ("people", "fieldwork", "results", "locations", "intake")


@frozen
class _LifecycleDocument:
    history: tuple[PhaseChange, ...] = ()


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
        return strict(type_, share=share)
    inner_type = optional_of(type_)
    if inner_type is not None:
        return optional(_shared_hook(conv, inner_type), inner_type)
    if homogeneous(type_) is str:
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
    conv = make_base_converter(detailed=detailed)

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
    # (Compiled on first save: a load, each command's first, never unstructures.)
    out = _on_first_use(
        lambda: make_dict_unstructure_fn(
            Cluster, conv, area_overrides=override(omit_if_default=True)
        )
    )
    conv.register_unstructure_hook(Cluster, out)
    fieldwork_fn = _on_first_use(lambda: make_dict_unstructure_fn(Fieldwork, conv))
    conv.register_unstructure_hook(
        Fieldwork, lambda work: {k: v for k, v in fieldwork_fn(work).items() if v}
    )
    program_fn = _on_first_use(lambda: make_dict_unstructure_fn(Program, conv))

    def unstructure_program(program: Program) -> dict[str, Any]:
        raw: dict[str, Any] = program_fn(program)
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


def _on_first_use(build: Callable[[], Callable[[Any], Any]]) -> Callable[[Any], Any]:
    """A hook that ``build`` makes on its first call (two threads may both make it: equal)."""
    made: list[Callable[[Any], Any]] = []

    def hook(value: Any) -> Any:
        if not made:
            made.append(build())
        return made[0](value)

    return hook


# Built on first use, not at import: building both takes ~50 ms (cattrs compiles a function per
# record class), which every command line start paid, reading a document or not.
@functools.cache
def detailed_converter() -> cattrs.Converter:
    """The detailed configuration: every problem of a document, each with its path.

    Built on first use and kept (see :func:`problems` for the messages).
    """
    return make_converter()


@functools.cache
def fast_converter() -> cattrs.Converter:
    """The fast configuration: stops at the first problem; for documents most likely valid.

    Built on first use and kept.
    """
    return make_converter(detailed=False)


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
    inner = optional_of(type_)
    if inner is not None:
        return f"{_expected(inner)} or null"
    origin = typing.get_origin(type_)
    if origin in (tuple, list, Records) or type_ in (tuple, list):
        return "a list"
    if type_ in JSON_NAMES:
        return JSON_NAMES[type_]
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
