"""The Parquet program document's columns: their types, checked, and read as Python values.

Internal to :mod:`klaster.documents._program_parquet` (see its layout). :func:`check_columns`
refuses a column the file must not have, or of the wrong type, by name; :func:`values` reads a
column as the column road takes it (dates the shared objects a JSON document's are read as).
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

from klaster._support.suggest import did_you_mean
from klaster._support.validate import parse_date
from klaster.errors import DocumentError

__all__ = [
    "LISTED_TYPES",
    "LISTS",
    "MEMBER_TYPES",
    "REQUIRED",
    "SPELL_TYPES",
    "check_columns",
    "iso",
    "values",
]

MEMBER_TYPES = {
    "id": "String",
    "name": "String",
    "sex": "String",
    "household_size": "Int64",
    "village": "String",
    "sector": "String",
    "joined": "Date",
    "business_type": "String",
    "left": "Date",
    "national_id": "String",
    "phone": "String",
    "birth_year": "Int64",
    "application_id": "String",
}
"""Each member column's polars type, in :class:`~klaster.model.member.Member`'s field order."""
REQUIRED = ("cluster", "id", "name", "sex", "household_size", "village", "sector", "joined")
SPELL_TYPES = {
    "group": "String",
    "position": "Int64",
    "joined": "Date",
    "left": "Date",
    "role": "String",
}
"""The fields of a ``memberships`` entry (a group spell) and their polars types."""
LISTED_TYPES = {"cooperative": "String", "position": "Int64"}
"""The fields of a ``cooperatives`` entry (a place in a cooperative's members) and their types."""
LISTS = {
    "memberships": (SPELL_TYPES, ("group", "position", "joined")),
    "cooperatives": (
        LISTED_TYPES,
        ("cooperative", "position"),
    ),
}


def _kind(pl: Any, dtype: Any, want: str) -> str | None:
    """What ``dtype`` is short of ``want`` (a polars type name), or ``None``: it will do."""
    if dtype == pl.Null:
        return None  # (all null: the checks say whether a value is required)
    if want == "String" and (dtype == pl.String or dtype in (pl.Categorical, pl.Enum)):
        return None
    if want == "Int64" and dtype.is_integer():
        return None
    if want == "Date" and dtype == pl.Date:
        return None
    return f"must be {'an integer' if want == 'Int64' else want}, got {dtype}"


def check_columns(pl: Any, schema: Any, source: str) -> None:
    known = ("cluster", *MEMBER_TYPES, *LISTS)
    for name, dtype in schema.items():
        if name not in known:
            hint = did_you_mean(name, known)
            raise DocumentError(
                f"{source} column {name!r}: unknown column"
                + (f"; {hint}" if hint else "")
                + "; the columns are "
                + ", ".join(known)
            )
        if name in LISTS:
            _check_list(pl, name, dtype, source)
        elif (problem := _kind(pl, dtype, MEMBER_TYPES.get(name, "String"))) is not None:
            raise DocumentError(f"{source} column {name!r}: {problem}")
    for name in REQUIRED:
        if name not in schema:
            raise DocumentError(
                f"{source}: the column {name!r} is missing (required: {', '.join(REQUIRED)})"
            )


def _check_list(pl: Any, name: str, dtype: Any, source: str) -> None:
    types, required = LISTS[name]
    spelled = "{" + ", ".join(types) + "}"
    if dtype == pl.Null:
        return
    inner = getattr(dtype, "inner", None)
    if not isinstance(dtype, pl.List) or not isinstance(inner, pl.Struct):
        raise DocumentError(f"{source} column {name!r}: must be a list of {spelled}, got {dtype}")
    fields = {field.name: field.dtype for field in inner.fields}
    for field, found in fields.items():
        if field not in types:
            raise DocumentError(
                f"{source} column {name!r}: unknown field {field!r}; the fields are {spelled}"
            )
        if (problem := _kind(pl, found, types[field])) is not None:
            raise DocumentError(f"{source} column {name!r} field {field!r}: {problem}")
    for field in required:
        if field not in fields:
            raise DocumentError(f"{source} column {name!r}: its field {field!r} is missing")


def values(pl: Any, series: Any) -> list[Any]:
    """A column as Python values as the column road takes them (dates shared, as it shares)."""
    if series.null_count() == len(series):
        return [None] * len(series)
    if series.dtype == pl.Date:
        days = series.to_physical().to_list()
        read = {day: _date(day) for day in set(days)}
        return list(map(read.__getitem__, days))
    if series.dtype.is_integer():
        return list(series.cast(pl.Int64).to_list())
    if series.dtype in (pl.Categorical, pl.Enum):
        return list(series.cast(pl.String).to_list())
    return list(series.to_list())


def _date(day: int | None) -> _dt.date | None:
    # The one object of the shared cache (as a JSON document's dates are read).
    return None if day is None else parse_date((_EPOCH + _dt.timedelta(days=day)).isoformat())


_EPOCH = _dt.date(1970, 1, 1)


def iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, _dt.date) else value
