"""The units surveyed in each round: ``round_units``, kept exact under every write.

A unit is surveyed in a round when it has an ``observation_values`` row there. A load of only
some variables (``only=``) must still know the units surveyed through the others; reading or
probing their rows cost a quarter of a 1M-member report. ``round_units`` (schema version 3)
holds one row per (round, unit) that has a row, read as one range per round.

Two writers keep it:

- **Triggers** on ``observation_values``, for writes made outside klaster (the sqlite3 shell,
  DB Browser): a row inserted adds its pair; a row deleted (or whose keys change) drops its
  old pair once no row of it remains (a seek per stored variable, not a scan of the round).
- **klaster's own writes** (imports, answers replaced, ``save_observations``,
  ``Store.create``), millions of rows at a time, where a trigger per value would cost 20–130%
  more: :class:`Kept` drops the triggers inside the write transaction just before the first
  value is written, the writer adds one pair per unit and round (not per value) and re-checks
  the pairs whose rows it deleted, and :meth:`Kept.restore` creates the triggers again before
  ``COMMIT``. DDL is transactional in SQLite: no other connection ever sees the store without
  them, and a write that fails rolls back to the store with them.

Rows of a variable the ``variables`` table does not hold (an orphan value, which
``integrity_check`` reports) count when inserted but are not sought when another row of their
unit is deleted.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

TABLE_DDL = """CREATE TABLE round_units (
    round_key INTEGER NOT NULL,
    unit_key INTEGER NOT NULL,
    PRIMARY KEY (round_key, unit_key)
) WITHOUT ROWID;
"""
# Keys as observation_values holds them: no declared foreign key (integrity_check verifies).

# Whether a (round, unit) still has a row: one primary-key seek per stored variable.
_GONE = """NOT EXISTS (SELECT 1 FROM observation_values
        WHERE round_key = OLD.round_key AND variable_key IN (SELECT key FROM variables)
        AND unit_key = OLD.unit_key)"""

TRIGGERS = {
    "round_units_insert": """CREATE TRIGGER round_units_insert AFTER INSERT ON observation_values
BEGIN
    INSERT OR IGNORE INTO round_units (round_key, unit_key) VALUES (NEW.round_key, NEW.unit_key);
END;""",
    "round_units_delete": f"""CREATE TRIGGER round_units_delete AFTER DELETE ON observation_values
WHEN {_GONE}
BEGIN
    DELETE FROM round_units WHERE round_key = OLD.round_key AND unit_key = OLD.unit_key;
END;""",
    "round_units_update": f"""CREATE TRIGGER round_units_update
AFTER UPDATE OF round_key, unit_key ON observation_values
BEGIN
    INSERT OR IGNORE INTO round_units (round_key, unit_key) VALUES (NEW.round_key, NEW.unit_key);
    DELETE FROM round_units WHERE round_key = OLD.round_key AND unit_key = OLD.unit_key
        AND {_GONE};
END;""",
}

# The pairs without a row (a seek each), the pairs kept, and the distinct pairs of the values
# counted round by round along the primary key (half the time of comparing the two sets): the
# table is exact when no pair lacks a row and the counts agree. Values of variables not stored
# are found before (an orphan value).
DIFFERENCES = """SELECT
    (SELECT count(*) FROM round_units AS r WHERE NOT EXISTS (SELECT 1 FROM observation_values
        WHERE round_key = r.round_key AND variable_key IN (SELECT key FROM variables)
        AND unit_key = r.unit_key)),
    (SELECT count(*) FROM round_units),
    (SELECT coalesce(sum(n), 0) FROM (SELECT count(DISTINCT unit_key) AS n
        FROM observation_values GROUP BY round_key))"""


def differences(conn: sqlite3.Connection) -> tuple[int, int]:
    """How many pairs ``round_units`` holds without a row, and how many it lacks."""
    extra, kept, distinct = conn.execute(DIFFERENCES).fetchone()
    return int(extra), int(distinct) - (int(kept) - int(extra))


def ddl() -> str:
    """The table and its triggers (schema version 3)."""
    return TABLE_DDL + "\n".join(TRIGGERS.values()) + "\n"


def migrate(conn: sqlite3.Connection) -> None:
    """Version 2 → 3: the table, filled from the stored values, and its triggers."""
    conn.execute(TABLE_DDL)
    conn.execute(
        "INSERT INTO round_units (round_key, unit_key) "
        "SELECT DISTINCT round_key, unit_key FROM observation_values ORDER BY 1, 2"
    )
    _create_triggers(conn)


def exists(conn: sqlite3.Connection) -> bool:
    """Whether the store has ``round_units`` (a version-2 store read as it is has none)."""
    found = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'round_units'"
    return conn.execute(found).fetchone() is not None


def missing_triggers(conn: sqlite3.Connection) -> list[str]:
    """The triggers keeping ``round_units`` that the store lacks."""
    found = {
        name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
    }
    return [name for name in TRIGGERS if name not in found]


def _create_triggers(conn: sqlite3.Connection) -> None:
    for name in missing_triggers(conn):
        conn.execute(TRIGGERS[name])


class Kept:
    """``round_units`` kept by one klaster write instead of the triggers (see the module).

    Call :meth:`take` before the first statement writing ``observation_values``, :meth:`add`
    and :meth:`recheck` as values are written or deleted, and :meth:`restore` before
    ``COMMIT`` (a failed write rolls back instead: the triggers come back with it).
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.taken = False

    def take(self) -> None:
        """Drop the triggers (once) inside the caller's write transaction."""
        if self.taken:
            return
        for name in TRIGGERS:
            self.conn.execute(f"DROP TRIGGER IF EXISTS {name}")
        self.taken = True

    def add(self, round_key: int, unit_keys: Iterable[int]) -> None:
        """Record that ``unit_keys`` have rows in the round (those already recorded stay)."""
        self.take()
        # One statement per call: SQLite reads the keys from one JSON text, no tuple per key.
        listed = "[" + ",".join(map(str, sorted(set(map(int, unit_keys))))) + "]"
        self.conn.execute(
            "INSERT OR IGNORE INTO round_units (round_key, unit_key) "
            "SELECT ?, value FROM json_each(?)",
            (round_key, listed),
        )

    def recheck(self, pairs: Iterable[tuple[int, int]]) -> None:
        """Drop the (round, unit) ``pairs`` left without a row (after deleting some)."""
        self.take()
        self.conn.executemany(
            "DELETE FROM round_units WHERE round_key = ? AND unit_key = ? AND NOT EXISTS "
            "(SELECT 1 FROM observation_values WHERE round_key = ?1 AND variable_key IN "
            "(SELECT key FROM variables) AND unit_key = ?2)",
            sorted(set(pairs)),
        )

    def clear(self) -> None:
        """Every pair removed (every value is about to be replaced)."""
        self.take()
        self.conn.execute("DELETE FROM round_units")

    def restore(self) -> None:
        """Create the triggers again (before ``COMMIT``), if :meth:`take` dropped them."""
        if self.taken:
            _create_triggers(self.conn)
            self.taken = False
