"""Column-wise checks of the bulk path (internal: :mod:`klaster.model.bulk`).

Each check reads one column (or two: ``left`` after ``joined``) and returns the first row it
refuses, or ``None``; the bulk path takes the smallest of them and has the record's own
constructor and the cluster explain that row (so the message is the per-record one). Repeated
values (sexes, sectors, dates, villages) are checked once per distinct value.
"""

from __future__ import annotations

import datetime as _dt
import itertools
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from operator import is_not, lt
from typing import Any

from klaster._support.suggest import did_you_mean
from klaster._support.validate import CODE_PATTERN, DATE_CACHE, ID_MAX_LENGTH, parse_date
from klaster.errors import ValidationError

_ID_FORBIDDEN = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def read_columns(
    columns: Any, fields: Sequence[str], required: Sequence[str], kind: str
) -> tuple[dict[str, list[Any]], int]:
    """The columns as lists of Python values, and the number of rows.

    Args:
        columns: A polars or pandas data frame, or a mapping of column name to a sequence,
            numpy array or polars/pandas Series.
        fields: The column names allowed.
        required: The column names that must be given.
        kind: What the rows are (``"member"``), for messages.

    Raises:
        ValidationError: An unknown or missing column (did-you-mean), or columns of different
            lengths.
    """
    module = type(columns).__module__.split(".", 1)[0]
    if module in ("polars", "pandas") and hasattr(columns, "columns"):
        names = [str(name) for name in columns.columns]
        source: Mapping[str, Any] = {name: columns[name] for name in names}
    elif isinstance(columns, Mapping):
        source = columns
    else:
        raise ValidationError(
            f"{kind} columns are a polars or pandas data frame or a mapping of column name to "
            f"values, got {type(columns).__name__}",
            path="columns",
        )
    for name in source:
        if name not in fields:
            hint = did_you_mean(str(name), fields)
            raise ValidationError(
                f"unknown {kind} column {name!r}"
                + (f"; {hint}" if hint else "")
                + "; the columns are "
                + ", ".join(fields),
                path=f"column {name!r}",
            )
    for name in required:
        if name not in source:
            raise ValidationError(
                f"the {kind} column {name!r} is required (required: {', '.join(required)})",
                path=f"column {name!r}",
            )
    lists = {name: as_list(values) for name, values in source.items()}
    lengths = {len(values) for values in lists.values()}
    if len(lengths) > 1:
        raise ValidationError(
            f"the {kind} columns have different lengths ("
            + ", ".join(f"{name}: {len(values)}" for name, values in lists.items())
            + "); give one value per row in each",
            path="columns",
        )
    return lists, lengths.pop() if lengths else 0


def as_list(values: Any) -> list[Any]:
    """A column as Python values: nulls (``None``, pandas' NaN/NaT) as ``None``, days as dates."""
    module = type(values).__module__.split(".", 1)[0]
    if module == "pandas":
        if values.dtype.kind == "M":
            values = values.dt.date
        return list(values.astype(object).where(values.notna(), None).tolist())
    if module == "polars":
        return list(values.to_list())
    if module == "numpy":
        return list(values.tolist())
    if type(values) is list:
        return values  # (read as it is, not copied: the bulk path changes no column in place)
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise ValidationError(
            f"a column is a sequence of values, got {type(values).__name__}", path="columns"
        )
    return list(values)


def first(bad: Callable[[Any], bool], values: Iterable[Any]) -> int | None:
    """The first row whose value ``bad`` refuses."""
    for row, value in enumerate(values):
        if bad(value):
            return row
    return None


def first_given(bad: Callable[[Any], bool], values: Sequence[Any]) -> int | None:
    """As :func:`first`, for a column of mostly nulls: an all-null column is judged at C speed."""
    if isinstance(values, list) and values.count(None) == len(values):
        return None
    return first(bad, values)


def first_distinct(bad: Callable[[Any], bool], values: Sequence[Any]) -> int | None:
    """As :func:`first`, each distinct (hashable) value judged once."""
    try:
        refused = {value for value in set(values) if bad(value)}
    except TypeError:  # an unhashable value (a list...): judged one by one
        return first(bad, values)
    return None if not refused else first(lambda v: v in refused, values)


def bad_id(value: object) -> bool:
    """Not a well-formed ID (:func:`klaster._support.validate.require_id`)."""
    return (
        not isinstance(value, str)
        or not value
        or value != value.strip()
        or len(value) > ID_MAX_LENGTH
        or _ID_FORBIDDEN.search(value) is not None
    )


def first_bad_id(values: Sequence[Any]) -> int | None:
    """As ``first(bad_id, values)``; a column of well-formed IDs is judged whole, at C speed."""
    if not values or all_ids(values):
        return None
    return first(bad_id, values)


def all_ids(values: Sequence[Any]) -> bool:
    """Whether every value is a well-formed ID, judged a whole column at a time."""
    try:
        joined = "a".join(values)  # ("a" joins no forbidden pair)
    except TypeError:  # a value that is no text
        return False
    if not all(values) or max(map(len, values), default=0) > ID_MAX_LENGTH:
        return False
    if joined.isprintable() and " " not in joined:
        return True  # no control character, surrogate or space of any kind: nothing to strip
    return _ID_FORBIDDEN.search(joined) is None and list(map(str.strip, values)) == list(values)


def first_bad_text(values: Sequence[Any]) -> int | None:
    """As ``first(bad_text, values)``; a column of texts is judged whole, at C speed."""
    if not values:
        return None
    try:
        joined = "".join(values)  # (a value no text refuses the join: row by row)
    except TypeError:
        return first(bad_text, values)
    if all(map(str.strip, values)) and (joined.isascii() or _SURROGATE.search(joined) is None):
        return None
    return first(bad_text, values)


def first_int_below(values: Sequence[Any], minimum: int, *, optional: bool = False) -> int | None:
    """As ``first(int_at_least(minimum, optional=...), values)``, judged whole when all pass."""
    given = [v for v in values if v is not None] if optional else values
    if not given or (set(map(type, given)) == {int} and min(given) >= minimum):
        return None
    return first(int_at_least(minimum, optional=optional), values)


def bad_optional_id(value: object) -> bool:
    """Neither ``None`` nor a well-formed ID."""
    return value is not None and bad_id(value)


def bad_text(value: object) -> bool:
    """Not a non-empty text UTF-8 can hold (``check_text``)."""
    return (
        not isinstance(value, str)
        or not value.strip()
        or (not value.isascii() and _SURROGATE.search(value) is not None)
    )


def bad_optional_text(value: object) -> bool:
    """Neither ``None`` nor a text."""
    return value is not None and bad_text(value)


def bad_code(value: object) -> bool:
    """Not a code such as ``umkm``."""
    return not isinstance(value, str) or not CODE_PATTERN.match(value)


def int_at_least(minimum: int, *, optional: bool = False) -> Callable[[object], bool]:
    """Refuses what is not a whole number (not a bool) of at least ``minimum``."""

    def bad(value: object) -> bool:
        if value is None:
            return not optional
        return isinstance(value, bool) or not isinstance(value, int) or value < minimum

    return bad


def to_dates(values: list[Any]) -> list[Any]:
    """ISO texts read as dates (one shared object per text); anything else left as it is."""
    try:
        distinct = set(values)
    except TypeError:  # an unhashable value (a list...): read one by one
        return _read_dates(values, {v for v in values if isinstance(v, str)})
    if not any(isinstance(value, str) for value in distinct):
        return values  # no text (a columnar file's dates, a frame's): nothing to read
    # The usual case: every text is a date read before (the shared cache), placed at C speed.
    for value in distinct.difference(DATE_CACHE):
        if isinstance(value, str):
            try:
                parse_date(value)
            except ValueError:
                continue  # (left as it is)
            if value not in DATE_CACHE:  # the cache is full: each text read here
                return _read_dates(values, distinct)
    return list(map(DATE_CACHE.get, values, values))  # (each value is its own default)


def _read_dates(values: list[Any], distinct: Iterable[Any]) -> list[Any]:
    read: dict[str, Any] = {}
    for value in distinct:
        if isinstance(value, str):
            try:
                read[value] = parse_date(value)
            except ValueError:
                read[value] = value
    if not read:
        return values
    try:
        return list(map(read.get, values, values))
    except TypeError:
        return [read.get(v, v) if isinstance(v, str) else v for v in values]


def bad_date(value: object) -> bool:
    """Not a ``datetime.date`` (a ``datetime`` is refused)."""
    return type(value) is not _dt.date and (
        not isinstance(value, _dt.date) or isinstance(value, _dt.datetime)
    )


def bad_optional_date(value: object) -> bool:
    """Neither ``None`` nor a date."""
    return value is not None and bad_date(value)


def first_before(starts: Sequence[Any], ends: Sequence[Any]) -> int | None:
    """The first row whose end (not ``None``) is before its start (both dates)."""
    if len(starts) != len(ends):
        raise ValueError("columns of different lengths")  # (read_columns refuses them first)
    if isinstance(ends, list) and ends.count(None) == len(ends):
        return None  # no end recorded (the usual case), judged at C speed
    try:  # each end recorded against its start, at C speed (the ends recorded are all true)
        given = list(itertools.compress(ends, ends))
        if len(given) == len(ends) - ends.count(None) and not any(
            map(lt, given, itertools.compress(starts, ends))
        ):
            return None
    except (TypeError, ValueError):  # (a value no date: row by row)
        pass
    for row in itertools.compress(range(len(ends)), map(is_not, ends, itertools.repeat(None))):
        start, end = starts[row], ends[row]
        if not bad_date(start) and not bad_date(end) and end < start:
            return row
    return None


def first_repeat(ids: Sequence[Any], taken: Any) -> int | None:
    """The first row whose ID is in ``taken`` or on an earlier row."""
    try:
        distinct = set(ids)
        if len(distinct) == len(ids) and distinct.isdisjoint(taken):
            return None  # the usual case, judged a column at a time
    except TypeError:  # an unhashable value (refused as an ID): row by row
        pass
    seen: set[Any] = set()
    for row, value in enumerate(ids):
        if not isinstance(value, str):
            continue  # (refused as an ID)
        if value in taken or value in seen:
            return row
        seen.add(value)
    return None


def smallest(*rows: int | None) -> int | None:
    """The smallest of the rows found (``None`` if none)."""
    found = [row for row in rows if row is not None]
    return min(found) if found else None
