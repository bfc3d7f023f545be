"""Bringing tables written by an older DDL to a newer one, in place (for migration steps).

SQLite cannot change a table's ``CHECK`` constraints, and rebuilding a table that others refer
to by foreign key cannot be done inside the migration's transaction. When the newer DDL only
*widens* a table (more values an enumerated column may take, new nullable columns at the end of
its column list, new foreign keys that the existing rows satisfy), the table is upgraded the way
SQLite documents for such changes: the new columns are added, then the table's definition in the
schema is replaced (``PRAGMA writable_schema``) by the newer text, exactly what a new store holds,
and the schema version bumped. A quick check of each changed table then confirms that every row
meets the newer definition; otherwise the step fails and the transaction leaves the store as it
was. New tables, indexes, triggers and views are created; changed ones of these are recreated.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator

__all__ = ["statements", "upgrade"]

_NAME = re.compile(r"CREATE\s+(?:UNIQUE\s+)?(TABLE|INDEX|TRIGGER|VIEW)\s+(\w+)", re.IGNORECASE)


def statements(script: str) -> Iterator[str]:
    """The statements of ``script``, one at a time (``executescript`` would commit first)."""
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                yield buffer.strip()
            buffer = ""


def _by_name(script: str) -> dict[tuple[str, str], str]:
    found = {}
    for statement in statements(script):
        # (a statement may open with comment lines: the program DDL's do)
        code = "\n".join(s for s in statement.splitlines() if not s.lstrip().startswith("--"))
        match = _NAME.match(code.strip())
        if match is None:  # pragma: no cover - the DDL only creates
            raise ValueError(f"not a CREATE statement: {statement[:40]}")
        found[(match.group(1).lower(), match.group(2))] = statement
    return found


def upgrade(conn: sqlite3.Connection, old: str, new: str) -> None:
    """Bring the objects ``old`` created to what ``new`` creates (in the caller's transaction).

    Raises:
        sqlite3.DatabaseError: A change that is not a widening (a column removed or reordered,
            a new column that is ``NOT NULL``), or rows the newer definition refuses.
    """
    before, after = _by_name(old), _by_name(new)
    scratch = sqlite3.connect(":memory:")
    try:
        for statement in statements(new):
            scratch.execute(statement)
        stored = dict(scratch.execute("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL"))
        widened = [
            name
            for (kind, name), text in after.items()
            if kind == "table" and (kind, name) in before and before[(kind, name)] != text
        ]
        for name in widened:
            _add_columns(conn, scratch, name)
    finally:
        scratch.close()
    for (kind, name), text in before.items():
        if kind != "table" and after.get((kind, name)) != text:
            conn.execute(f"DROP {kind.upper()} IF EXISTS {name}")
    if widened:
        _replace_definitions(conn, {name: stored[name] for name in widened})
    for (kind, name), text in after.items():
        if before.get((kind, name)) != text and not (kind == "table" and name in widened):
            conn.execute(text)
    for name in widened:
        problems = [row[0] for row in conn.execute(f"PRAGMA quick_check({name})")]
        if problems != ["ok"]:
            raise sqlite3.IntegrityError(f"table {name}: {'; '.join(problems[:3])}")


def _add_columns(conn: sqlite3.Connection, scratch: sqlite3.Connection, name: str) -> None:
    have = [row[1:] for row in conn.execute(f"PRAGMA table_info({name})")]
    want = [row[1:] for row in scratch.execute(f"PRAGMA table_info({name})")]
    if [row[0] for row in want[: len(have)]] != [row[0] for row in have]:
        raise sqlite3.DatabaseError(f"table {name}: columns removed or reordered")
    for column, kind, notnull, default, _key in want[len(have) :]:
        if notnull or default is not None:
            raise sqlite3.DatabaseError(f"table {name}: new column {column} is not nullable")
        conn.execute(f"ALTER TABLE {name} ADD COLUMN {column} {kind}")


def _replace_definitions(conn: sqlite3.Connection, definitions: dict[str, str]) -> None:
    version = conn.execute("PRAGMA schema_version").fetchone()[0]
    conn.execute("PRAGMA writable_schema = ON")
    try:
        for name, text in definitions.items():
            conn.execute(
                "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = ?", (text, name)
            )
        # Tells every connection (this one included) to read the schema again.
        conn.execute(f"PRAGMA schema_version = {version + 1}")
    finally:
        conn.execute("PRAGMA writable_schema = OFF")
