"""The three tables observation values are keyed by: rounds, variables and units.

``rounds`` holds the survey rounds (checked by the rules of
:mod:`klaster.observations.rounds`), ``variables`` the variables values were recorded for (type,
level and the decimal ``scale`` of their stored values), ``units`` numbers each cluster's
members, groups and cooperatives in the order they were first recorded. A unit refers to a
member, group or cooperative by its level, so no foreign key can be declared for it: writes check
it, and :func:`orphan_units` finds any that lost their record.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping, Sequence
from itertools import chain, repeat
from pathlib import Path
from typing import Any

from klaster.catalogue.variable import Level, Variable
from klaster.errors import InvalidReferenceError, KlasterError, StoreError
from klaster.observations.core_variables import variable_catalogue
from klaster.observations.rounds import Round, check_round, ordered
from klaster.store._connection import insert_rows
from klaster.store._values import canonical, rescale_sql

_INT64 = 2**63 - 1


def default_catalogue() -> dict[str, Variable]:
    """The core variables and every variable the loaded sector plugins declare."""
    return variable_catalogue()


# -- rounds -------------------------------------------------------------------------------------


def _round(row: Sequence[Any]) -> Round:
    round_id, cluster_id, kind, on, label_id, label_en, note = row
    label = None if label_id is None else (label_id, label_en)
    return Round(round_id, cluster_id, kind, on, label, note)


_ROUND_COLUMNS = "id, cluster_id, kind, on_date, label_id, label_en, note"


def stored_rounds(
    conn: sqlite3.Connection, source: Path, cluster_id: str | None = None
) -> list[tuple[int, Round]]:
    """The stored rounds (of one cluster) with their keys, in the order they were added."""
    where, params = ("", ()) if cluster_id is None else (" WHERE cluster_id = ?", (cluster_id,))
    rows = conn.execute(
        f"SELECT key, {_ROUND_COLUMNS} FROM rounds{where} ORDER BY key",
        params,
    ).fetchall()
    try:
        return [(row[0], _round(row[1:])) for row in rows]
    except KlasterError as exc:
        raise StoreError(
            f"{source}: a stored round is not valid ({exc}); the store was changed outside klaster"
        ) from None


def rounds(conn: sqlite3.Connection, source: Path, cluster_id: str | None) -> tuple[Round, ...]:
    """The stored rounds (of one cluster), ordered by date then kind."""
    return ordered(r for _, r in stored_rounds(conn, source, cluster_id))


def add_round(conn: sqlite3.Connection, source: Path, new: Round) -> int:
    """Check ``new`` against the stored rounds and its cluster, insert it; return its key.

    Raises:
        DuplicateIdError, ValidationError: As :func:`klaster.observations.rounds.check_round`.
        InvalidReferenceError: The round's cluster is not in the store.
    """
    existing = [r for _, r in stored_rounds(conn, source)]
    check_round(existing, new)
    found = conn.execute("SELECT 1 FROM clusters WHERE id = ?", (new.cluster_id,)).fetchone()
    if found is None:
        raise InvalidReferenceError(
            f"cluster {new.cluster_id!r} is not in the store; add it to the program first",
            path="cluster_id",
        )
    label = new.label
    cursor = conn.execute(
        f"INSERT INTO rounds ({_ROUND_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            new.id,
            new.cluster_id,
            new.kind.value,
            new.on.isoformat(),
            None if label is None else label.id,
            None if label is None else label.en,
            new.note,
        ),
    )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


# -- variables ----------------------------------------------------------------------------------


class VariableKeys:
    """The stored variables: code → (key, scale), with the catalogue's specs for new ones."""

    def __init__(self, conn: sqlite3.Connection, catalogue: Mapping[str, Variable]) -> None:
        self.conn = conn
        self.catalogue = catalogue
        self.keys: dict[str, tuple[int, int]] = {}
        self.stored: dict[str, tuple[str, str]] = {}
        self._by_key: dict[int, str] = {}
        for key, code, level, kind, scale in conn.execute(
            "SELECT key, code, level, type, scale FROM variables"
        ):
            self.keys[code] = (key, scale)
            self.stored[code] = (level, kind)

    def variable(self, code: str) -> Variable | None:
        """The catalogue's variable, if its stored type and level (if any) agree."""
        found = self.catalogue.get(code)
        stored = self.stored.get(code)
        if found is not None and stored is not None and stored != (found.level, found.type):
            return None
        return found

    def key(self, variable: Variable) -> tuple[int, int]:
        """The variable's key and scale, inserting it when new."""
        found = self.keys.get(variable.code)
        if found is None:
            cursor = self.conn.execute(
                "INSERT INTO variables (code, sector, level, type, unit) VALUES (?, ?, ?, ?, ?)",
                (
                    variable.code,
                    variable.sector,
                    variable.level.value,
                    variable.type.value,
                    variable.unit,
                ),
            )
            assert cursor.lastrowid is not None
            found = self.keys[variable.code] = (cursor.lastrowid, 0)
            self.stored[variable.code] = (variable.level.value, variable.type.value)
        return found

    def decoding(self, key: int) -> tuple[Variable, Callable[[Any], Any]] | None:
        """The catalogue's variable stored under ``key`` and how to read its stored values.

        They are read into their canonical types (:func:`~klaster.store._values.canonical`),
        not checked again.
        """
        code = self._by_key.get(key)
        if code is None:  # first use, or a variable added since
            self._by_key = {k: c for c, (k, _) in self.keys.items()}
            code = self._by_key.get(key)
        variable = None if code is None else self.variable(code)
        if variable is None or code is None:
            return None
        return variable, canonical(variable.type, self.keys[code][1])

    def rescale(self, code: str, scale: int) -> None:
        """Raise the variable's stored scale, multiplying its stored values."""
        key, old = self.keys[code]
        if scale <= old:
            return
        factor = 10 ** (scale - old)
        largest = self.conn.execute(
            "SELECT max(abs(value)) FROM observation_values WHERE variable_key = ?", (key,)
        ).fetchone()[0]
        if largest is not None and largest * factor > _INT64:
            raise StoreError(
                f"variable {code!r}: a value with {scale} decimals would push stored values "
                "past 64 bits; round the new values to fewer decimals"
            )
        self.conn.execute(rescale_sql(factor), (key,))
        self.conn.execute("UPDATE variables SET scale = ? WHERE key = ?", (scale, key))
        self.keys[code] = (key, scale)


# -- units --------------------------------------------------------------------------------------


def unit_keys(conn: sqlite3.Connection, cluster_id: str, level: Level) -> dict[str, int]:
    """The cluster's numbered units of ``level``: ID → key."""
    return dict(
        conn.execute(
            "SELECT id, key FROM units WHERE cluster_id = ? AND level = ?",
            (cluster_id, level.value),
        ).fetchall()
    )


def add_units(
    conn: sqlite3.Connection, cluster_id: str, level: Level, ids: Sequence[str]
) -> list[int]:
    """Number new units (after every unit numbered so far); return their keys."""
    start = conn.execute("SELECT coalesce(max(key), 0) + 1 FROM units").fetchone()[0]
    keys = list(range(start, start + len(ids)))
    rows = zip(repeat(cluster_id), repeat(level.value), ids, keys)
    insert_rows(
        conn,
        "INSERT INTO units (cluster_id, level, id, key) VALUES",
        "(?, ?, ?, ?)",
        list(chain.from_iterable(rows)),
    )
    return keys


def missing_records(
    conn: sqlite3.Connection, cluster_id: str, level: Level, first_key: int
) -> list[str]:
    """IDs of units numbered from ``first_key`` on that are not records of their cluster."""
    table = _UNIT_TABLES[level]
    query = (
        f"SELECT u.id FROM units AS u WHERE u.cluster_id = ? AND u.level = ? AND u.key >= ? "
        f"AND NOT EXISTS (SELECT 1 FROM {table} AS t "
        "WHERE t.cluster_id = u.cluster_id AND t.id = u.id)"
    )
    return [row[0] for row in conn.execute(query, (cluster_id, level.value, first_key))]


_UNIT_TABLES = {Level.MEMBER: "members", Level.GROUP: "groups", Level.COOPERATIVE: "cooperatives"}


# A unit refers to a member, group or cooperative by its level: this finds those whose record
# is gone.
ORPHAN_UNITS = """
SELECT u.level, count(*) FROM units AS u
WHERE (u.level = 'member' AND NOT EXISTS
        (SELECT 1 FROM members AS m WHERE m.cluster_id = u.cluster_id AND m.id = u.id))
   OR (u.level = 'group' AND NOT EXISTS
        (SELECT 1 FROM groups AS g WHERE g.cluster_id = u.cluster_id AND g.id = u.id))
   OR (u.level = 'cooperative' AND NOT EXISTS
        (SELECT 1 FROM cooperatives AS c WHERE c.cluster_id = u.cluster_id AND c.id = u.id))
GROUP BY u.level ORDER BY u.level
"""


ORPHAN_VALUES = """
SELECT count(*) FROM observation_values AS v
WHERE NOT EXISTS (SELECT 1 FROM rounds AS r WHERE r.key = v.round_key)
   OR NOT EXISTS (SELECT 1 FROM variables AS x WHERE x.key = v.variable_key)
   OR v.unit_key NOT IN (SELECT key FROM units)
"""
DUPLICATE_UNIT_KEYS = (
    "SELECT count(*) FROM (SELECT key FROM units GROUP BY key HAVING count(*) > 1)"
)


def orphan_units(conn: sqlite3.Connection) -> str | None:
    """``"2 member"``-style counts of units whose record is gone, or ``None``."""
    found = conn.execute(ORPHAN_UNITS).fetchall()
    return ", ".join(f"{count} {level}" for level, count in found) or None


def orphan_values(conn: sqlite3.Connection) -> int:
    """How many observation values name a missing round, variable or unit (or a shared key)."""
    found = conn.execute(ORPHAN_VALUES).fetchone()[0]
    return int(found) + int(conn.execute(DUPLICATE_UNIT_KEYS).fetchone()[0])
