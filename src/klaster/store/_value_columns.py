"""Reading a round's stored values as whole columns: no Python object per value.

The long ``observation_values`` table read row by row costs a tuple and a decoded value per
stored value (15 s for the 5 million values of 100,000 members). Here SQLite itself gathers each
variable of a round into one text per column (``group_concat``, in C, in primary-key order) and
numpy parses and places it; decimal and integer columns are built from the resulting buffers
(scaled integers + valid mask, as :mod:`klaster.observations.columns` holds them), yes/no ones
from their codes. Categories, dates and text (few values) are placed as Python values.

Anything a klaster write would not have left (a value of another type, a boolean other than 0 or
1, a number out of its variable's bounds, a category not declared, a text holding the separator,
a unit of another cluster) raises :class:`Unreadable`, and the caller reads the store row by row
instead, where the same problem gets its located message. numpy comes with the ``columnar``
extra; without it :func:`available` is false and the row-by-row path is the only one.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import sqlite3
import warnings
from array import array
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from klaster.catalogue.variable import Level, ValueType, Variable
from klaster.errors import KlasterError
from klaster.observations.columns.coded import BooleanColumn
from klaster.observations.columns.factory import Column, column_of
from klaster.observations.columns.numeric import DecimalColumn, IntegerColumn
from klaster.observations.rounds import Round
from klaster.observations.values import Observations
from klaster.store import _round_units

if TYPE_CHECKING:
    import numpy as np

_SEP = "\x1f"  # the unit separator: joins text values (a value holding it is Unreadable)
_NUMERIC = (ValueType.DECIMAL, ValueType.INTEGER, ValueType.BOOLEAN)
_CODES = ("b", "h", "i", "q")
_LIMITS = {code: 2 ** (8 * array(code).itemsize - 1) - 1 for code in _CODES}

_MISSING = -(2**63)  # never stored (values stay within ±(2**63 - 1)): marks a NULL below

# One row per variable recorded in the round, in key order: its rows (every unit with a row was
# surveyed), its values, and the units and values joined in primary-key order. Separators are
# literals: a function call such as char(31) would run once per row and double the cost.
_NUMBERS_QUERY = f"""
SELECT variable_key, count(*), count(value), group_concat(unit_key),
       group_concat(ifnull(value, {_MISSING + 1} - 1))
FROM observation_values WHERE round_key = ? AND variable_key IN ({{keys}})
GROUP BY variable_key
"""
# Categories, dates and text: the units with a value apart, and how many values are text (any
# other type means the store was changed outside klaster).
_TEXTS_QUERY = f"""
SELECT variable_key, count(*), count(value), group_concat(unit_key),
       group_concat(value, '{_SEP}'),
       group_concat(CASE WHEN value IS NOT NULL THEN unit_key END),
       sum(typeof(value) = 'text')
FROM observation_values WHERE round_key = ? AND variable_key IN ({{keys}})
GROUP BY variable_key
"""


# The units surveyed in one round (a row of any variable there): one range of ``round_units``,
# kept exact by klaster's writes and by triggers under any other (:mod:`._round_units`).
_SURVEYED_QUERY = "SELECT count(*), group_concat(unit_key) FROM round_units WHERE round_key = ?"
# Stored variables no loaded plugin declares survey no unit: with such variables, the units
# round_units adds are probed against the variables left out by ``only=`` (a few per round).
_PROBE_QUERY = """
SELECT DISTINCT unit_key FROM observation_values
WHERE round_key = ? AND variable_key IN ({keys}) AND unit_key IN ({units})
"""
_PROBED = 10_000  # candidate units per probe query

# A cluster's units of one level, joined (no tuple per unit), in the primary key's order: the
# caller puts them in key order (numpy sorts faster than SQLite's sorter here).
_UNITS_QUERY = f"""
SELECT count(*), group_concat(key), group_concat(id, '{_SEP}'),
       sum(typeof(key) = 'integer' AND typeof(id) = 'text')
FROM units WHERE cluster_id = ? AND level = ?
"""
_UNITS_ROWS = "SELECT key, id FROM units WHERE cluster_id = ? AND level = ? ORDER BY key"


Units = dict[tuple[str, Level], tuple[Any, Sequence[str]]]
"""The stored units of each cluster and level: their keys in order (ints, or an int64 array),
and their IDs."""


class Unreadable(Exception):
    """A stored value or unit the column reader does not take: read row by row instead."""


def available() -> bool:
    """Whether numpy is installed (the ``columnar`` extra)."""
    try:
        import numpy  # noqa: F401
    except ImportError:
        return False
    return True


def stored_units(
    conn: sqlite3.Connection, cluster_id: str, level: Level
) -> tuple[Any, Sequence[str]]:
    """A cluster's stored units of ``level``: their keys in order, and their IDs.

    With numpy, SQLite joins each into one text, parsed at once; rows otherwise, or when the
    joined texts are not what a klaster write leaves (an ID holding the separator...).
    """
    if available():
        import numpy as np

        count, keys, ids, typed = conn.execute(_UNITS_QUERY, (cluster_id, level.value)).fetchone()
        if count == 0:
            return (), ()
        found = split = None
        if typed == count:
            with warnings.catch_warnings():
                warnings.simplefilter("error", DeprecationWarning)
                with contextlib.suppress(Unreadable):
                    found = _integers(keys, count)
            split = ids.split(_SEP)
        if found is not None and split is not None and len(split) == count:
            if not bool((np.diff(found) > 0).all()):
                order = np.argsort(found, kind="stable")
                found, split = found[order], [split[i] for i in order.tolist()]
            if bool((np.diff(found) > 0).all()):  # a key repeated: read the rows
                return found, split
    rows = conn.execute(_UNITS_ROWS, (cluster_id, level.value)).fetchall()
    if not rows:
        return (), ()
    keys, ids = zip(*rows, strict=True)
    return keys, ids


def load_rounds(
    conn: sqlite3.Connection,
    obs: Observations,
    variables: Mapping[int, Variable],
    selected: list[tuple[int, Round]],
    units: Units,
    skipped: Mapping[int, Variable] | None = None,
) -> None:
    """Load the ``selected`` rounds' values into ``obs`` (its units numbered already).

    Args:
        conn: The store, inside the caller's read transaction.
        obs: The observations being loaded; units numbered by key order.
        variables: The stored variables to load, by key (those set aside left out).
        selected: ``(round key, round)`` pairs.
        units: The stored units of the rounds' clusters by cluster and level: their keys in
            order and their IDs (as ``obs`` numbers them).
        skipped: Stored variables not loaded (``only=``): their values are not read, but the
            units they survey are.

    Raises:
        Unreadable: Something only the row-by-row path can judge; ``obs`` is then unusable.
    """
    import numpy as np

    scales = dict(conn.execute("SELECT key, scale FROM variables").fetchall())
    keys = {at: np.asarray(found, dtype=np.int64) for at, (found, _) in units.items()}
    skipped = skipped or {}
    # Stored variables neither loaded nor left out: set aside (no loaded plugin declares them).
    aside = len(scales) > len(variables) + len(skipped)
    # A version-2 store read as it is (read-only) has no round_units: its units are probed.
    probe = bool(skipped) and not _round_units.exists(conn)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)  # text numpy could not parse
        for round_key, rnd in selected:
            at = (round_key, rnd)
            _load_round(conn, obs, variables, scales, keys, at, skipped, (aside, probe))


def _load_round(
    conn: sqlite3.Connection,
    obs: Observations,
    variables: Mapping[int, Variable],
    scales: Mapping[int, int],
    keys: Mapping[tuple[str, Level], np.ndarray[Any, Any]],
    place: tuple[int, Round],
    skipped: Mapping[int, Variable],
    how: tuple[bool, bool],
) -> None:
    import numpy as np

    round_key, rnd = place
    aside, probe = how  # other stored variables set aside; no round_units (version 2)
    present: dict[Level, np.ndarray[Any, Any]] = {}
    columns: dict[Level, dict[str, Column[Any]]] = {}
    for query, numbers in ((_NUMBERS_QUERY, True), (_TEXTS_QUERY, False)):
        wanted = [k for k, v in variables.items() if (v.type in _NUMERIC) is numbers]
        if not wanted:
            continue
        sql = query.format(keys=", ".join(str(int(k)) for k in wanted))
        for key, rows, count, units, joined, *extra in conn.execute(sql, (round_key,)):
            variable = variables[key]
            level = variable.level
            known = keys[(rnd.cluster_id, level)]
            mask = present.get(level)
            if mask is None:
                mask = present[level] = np.zeros(len(known), dtype=np.bool_)
            surveyed = _indexes(known, units, rows)
            mask[surveyed] = True
            if count == 0:
                column = _empty(variable)
            elif numbers:
                raw = _integers(joined, rows)
                valid = raw != _MISSING
                if int(valid.sum()) != count:
                    raise Unreadable(variable.code)
                column = _number_column(variable, scales[key], surveyed[valid], raw[valid])
            else:
                valued, texts = extra
                if texts != count:
                    raise Unreadable(variable.code)
                at = _indexes(known, valued, count)
                column = _text_column(variable, at, joined, count)
            columns.setdefault(level, {})[variable.code] = column
    if skipped:
        _add_surveyed(conn, present, keys, (skipped, aside, probe), round_key, rnd)
    storage = obs.storage
    for level, mask in present.items():
        numbering = storage.numbering(rnd.cluster_id, level)
        if numbering is None or len(numbering.ids) != len(mask):  # pragma: no cover
            raise Unreadable(rnd.id)  # the caller numbers every unit of the cluster by key
        storage.store_surveyed(rnd, level, mask.view(np.uint8).tobytes(), columns.get(level, {}))


def _add_surveyed(
    conn: sqlite3.Connection,
    present: dict[Level, np.ndarray[Any, Any]],
    keys: Mapping[tuple[str, Level], np.ndarray[Any, Any]],
    left_out: tuple[Mapping[int, Variable], bool, bool],
    round_key: int,
    rnd: Round,
) -> None:
    """Mark the units surveyed in the round through the variables left out only.

    ``left_out`` is those variables, whether others are set aside (the units ``round_units``
    adds are then probed in the left-out variables' rows) and whether the store has no
    ``round_units`` (version 2 read as it is: every unit not seen yet is probed).
    """
    import numpy as np

    skipped, aside, probe = left_out
    surveyed = None
    if not probe:
        count, joined = conn.execute(_SURVEYED_QUERY, (round_key,)).fetchone()
        if not count:
            return
        surveyed = _integers(joined, count)
    placed = 0
    for level in Level:
        known = keys.get((rnd.cluster_id, level))
        if known is None or not known.size:
            continue
        if surveyed is None:
            found = np.arange(known.size)
        else:
            at = np.searchsorted(known, surveyed)
            hit = at < known.size
            hit[hit] = known[at[hit]] == surveyed[hit]
            found = at[hit]
            placed += found.size
        mask = present.get(level)
        if mask is not None:
            found = found[~mask[found]]
        if found.size and (aside or probe):
            found = _probed(conn, skipped, level, known, found, round_key)
        if found.size:
            if mask is None:
                mask = present[level] = np.zeros(len(known), dtype=np.bool_)
            mask[found] = True
    if surveyed is not None and placed != surveyed.size:
        raise Unreadable("a unit of another cluster")


def _probed(
    conn: sqlite3.Connection,
    skipped: Mapping[int, Variable],
    level: Level,
    known: np.ndarray[Any, Any],
    found: np.ndarray[Any, Any],
    round_key: int,
) -> np.ndarray[Any, Any]:
    """Which of the units at ``found`` have a row of a variable in ``skipped`` (of ``level``)."""
    import numpy as np

    wanted = ", ".join(str(int(k)) for k, v in skipped.items() if v.level is level)
    if not wanted:
        return found[:0]
    units = known[found]
    seen: list[int] = []
    for start in range(0, len(units), _PROBED):
        listed = ", ".join(map(str, units[start : start + _PROBED].tolist()))
        sql = _PROBE_QUERY.format(keys=wanted, units=listed)
        seen += [k for (k,) in conn.execute(sql, (round_key,))]
    return np.searchsorted(known, np.array(sorted(seen), dtype=np.int64))


def _indexes(known: np.ndarray[Any, Any], joined: str | None, count: int) -> np.ndarray[Any, Any]:
    """Each unit key's index in the cluster's numbering (its position among the sorted keys)."""
    import numpy as np

    if not joined:
        return np.zeros(0, dtype=np.intp)
    unit_keys = _integers(joined, count)
    at = np.searchsorted(known, unit_keys)
    if at.size and (int(at.max()) >= known.size or not np.array_equal(known[at], unit_keys)):
        raise Unreadable("a unit of another cluster")
    return at


def _integers(joined: str, count: int, separator: str = ",") -> np.ndarray[Any, Any]:
    """``count`` integers parsed in C from their joined text (no Python object per value)."""
    import numpy as np

    try:  # load_rounds turns numpy's warning about unparsed text into an error
        found = np.fromstring(joined, dtype=np.int64, sep=separator)
    except (ValueError, OverflowError, DeprecationWarning):
        raise Unreadable("not an integer") from None
    if found.size != count:
        raise Unreadable("not an integer")
    return found


def _empty(variable: Variable) -> Column[Any]:
    return column_of(variable.type, (), categories=variable.category_codes())


def _number_column(
    variable: Variable, scale: int, at: np.ndarray[Any, Any], raw: np.ndarray[Any, Any]
) -> Column[Any]:
    import numpy as np

    length = int(at.max()) + 1  # as the row-by-row path: up to the last value present
    kind = variable.type
    if kind is ValueType.BOOLEAN:
        if int(raw.min()) < 0 or int(raw.max()) > 1:
            raise Unreadable(variable.code)
        codes = np.full(length, -1, dtype=np.int8)
        codes[at] = raw
        return BooleanColumn().with_codes(array("b", codes.tobytes()))
    _check_bounds(variable, raw, scale)
    scale, raw = _least_scale(raw, scale) if kind is ValueType.DECIMAL else (0, raw)
    low, high = int(raw.min()), int(raw.max())
    code = next((c for c in _CODES if -_LIMITS[c] <= low and high <= _LIMITS[c]), None)
    if code is None:
        raise Unreadable(variable.code)
    data = np.zeros(length, dtype=np.dtype(code))
    data[at] = raw
    valid = np.zeros(length, dtype=np.uint8)
    valid[at] = 1
    buffer = array(code, data.tobytes())
    if kind is ValueType.DECIMAL:
        return DecimalColumn.from_buffers(buffer, bytearray(valid.tobytes()), scale)
    return IntegerColumn.from_buffers(buffer, bytearray(valid.tobytes()))


def _text_column(
    variable: Variable, at: np.ndarray[Any, Any], joined: str, count: int
) -> Column[Any]:
    texts = joined.split(_SEP)
    if len(texts) != count:
        raise Unreadable(variable.code)  # a text holding the separator
    values: list[Any] = [None] * (int(at.max()) + 1)
    decoded: list[Any] = texts
    if variable.type is ValueType.DATE:
        try:
            decoded = [_dt.date.fromisoformat(t) for t in texts]
        except ValueError:
            raise Unreadable(variable.code) from None
    for index, value in zip(at.tolist(), decoded, strict=True):
        values[index] = value
    try:
        return column_of(variable.type, values, categories=variable.category_codes())
    except KlasterError:
        raise Unreadable(variable.code) from None


def _check_bounds(variable: Variable, raw: np.ndarray[Any, Any], scale: int) -> None:
    low, high = variable.minimum, variable.maximum
    if low is not None and Decimal(int(raw.min())).scaleb(-scale) < low:
        raise Unreadable(variable.code)
    if high is not None and Decimal(int(raw.max())).scaleb(-scale) > high:
        raise Unreadable(variable.code)


def _least_scale(raw: np.ndarray[Any, Any], scale: int) -> tuple[int, np.ndarray[Any, Any]]:
    """The fewest decimals the values need (trailing zeros do not count) and the values at it."""
    drop = scale
    while drop > 0 and (raw % (10**drop)).any():
        drop -= 1
    return scale - drop, raw // (10**drop) if drop else raw
