"""Widening tables in place for a migration step: what it changes, and what it refuses."""

from __future__ import annotations

import sqlite3

import pytest

from klaster.store._upgrade import statements, upgrade

OLD = """CREATE TABLE p (id TEXT PRIMARY KEY, kind TEXT NOT NULL CHECK (kind = 'a'));
CREATE TABLE c (pid TEXT REFERENCES p (id), kind TEXT CHECK (kind = 'a'));
CREATE INDEX c_pid ON c (pid);
CREATE VIEW v AS SELECT p.id FROM p JOIN c ON c.pid = p.id;
"""


def database(script: str = OLD) -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    for statement in statements(script):
        conn.execute(statement)
    conn.execute("INSERT INTO p VALUES ('x', 'a')")
    conn.execute("INSERT INTO c VALUES ('x', 'a')")
    return conn


def schema(conn: sqlite3.Connection) -> set[tuple[str, str]]:
    return set(conn.execute("SELECT name, sql FROM sqlite_master"))


def test_widened_like_a_new_database() -> None:
    new = (
        OLD.replace("kind = 'a'", "kind = 'a' OR kind = 'b'").replace(
            "kind TEXT CHECK (kind = 'a' OR kind = 'b'))",
            "kind TEXT CHECK (kind = 'a' OR kind = 'b'), note TEXT)",
        )
        + "CREATE TABLE extra (id TEXT);\n"
    )
    conn = database()
    conn.execute("BEGIN IMMEDIATE")
    upgrade(conn, OLD, new)
    conn.execute("COMMIT")
    fresh = sqlite3.connect(":memory:")
    for statement in statements(new):
        fresh.execute(statement)
    assert schema(conn) == schema(fresh)
    conn.execute("INSERT INTO p VALUES ('y', 'b')")
    conn.execute("INSERT INTO c VALUES ('y', 'b', 'new column')")
    assert conn.execute("SELECT * FROM c ORDER BY pid").fetchall() == [
        ("x", "a", None), ("y", "b", "new column")]  # fmt: skip
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        conn.execute("INSERT INTO p VALUES ('z', 'c')")
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        conn.execute("INSERT INTO c VALUES ('none', 'a', NULL)")


@pytest.mark.parametrize(
    ("new", "message"),
    [
        (OLD.replace("kind = 'a'", "kind = 'b'"), "CHECK constraint failed"),
        (OLD.replace("kind TEXT CHECK (kind = 'a'))", "kind TEXT, n TEXT NOT NULL)"),
         "not nullable"),
        (OLD.replace("c (pid TEXT REFERENCES p (id), kind TEXT CHECK (kind = 'a'))",
                     "c (kind TEXT, pid TEXT REFERENCES p (id))"), "removed or reordered"),
    ],
)  # fmt: skip
def test_what_is_no_widening_is_refused_and_rolled_back(new: str, message: str) -> None:
    conn = database()
    before = schema(conn)
    conn.execute("BEGIN IMMEDIATE")
    with pytest.raises(sqlite3.DatabaseError, match=message):
        upgrade(conn, OLD, new)
    conn.execute("ROLLBACK")
    assert schema(conn) == before
    assert conn.execute("SELECT count(*) FROM p").fetchone() == (1,)
