"""The store's schema: its tables, its version record, and the migration chain run on open.

The tables' DDL is in :mod:`klaster.store._ddl` (program, observations, imports),
:mod:`klaster.store._ddl_finance`, :mod:`klaster.store._ddl_fieldwork` (people, fieldwork,
cooperative boards: version 2), :mod:`klaster.store._ddl_budget` (budgets, spending and the
spending policy: version 2) and :mod:`klaster.store._ddl_results` (every version of the results
framework: version 2) and :mod:`klaster.store._ddl_intake` (applicants, their answers and the
decisions on them: version 2); :mod:`klaster.store._locations` has the choices of locations
(version 2); :mod:`klaster.store._round_units` has each round's surveyed units and the triggers
keeping them (version 3).

The ``meta`` table records the schema version and the klaster version that wrote it. A store of
an older version is migrated on open, one step at a time (``MIGRATIONS[n]`` turns version *n*
into *n + 1*), all steps in one transaction, through the same
:class:`~klaster.documents.migrations.Migrations` chain as documents; a newer one is refused.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from pathlib import Path

from klaster._version import __version__
from klaster.documents.migrations import Migrations
from klaster.errors import SchemaVersionError, StoreError
from klaster.store._connection import reading, writing
from klaster.store._ddl import program_ddl
from klaster.store._ddl_budget import budget_ddl
from klaster.store._ddl_fieldwork import fieldwork_ddl
from klaster.store._ddl_finance import finance_ddl
from klaster.store._ddl_intake import intake_ddl
from klaster.store._ddl_results import results_ddl
from klaster.store._locations import locations_ddl
from klaster.store._round_units import ddl as round_units_ddl
from klaster.store._round_units import migrate as add_round_units
from klaster.store._upgrade import upgrade

STORE_SCHEMA_VERSION = 3
"""The store schema version this klaster writes; older stores are migrated when opened."""

READ_AS_IS = frozenset({2})
"""Older versions read as they are when opened read-only (version 3 only added ``round_units``,
which a reader does without: it probes the values' rows instead); others need migrating."""

APPLICATION_ID = 0x4B4C5354  # "KLST" in the SQLite header: tells a klaster store at a glance
STORE_KIND = "klaster-program-store"

Migration = Callable[[sqlite3.Connection], None]
# MIGRATIONS[n] turns a version-n store into a version-(n + 1) one, inside the open transaction.
# Each schema change adds one entry and bumps STORE_SCHEMA_VERSION.


def _add_fieldwork(conn: sqlite3.Connection) -> None:
    # Version 1 → 2 (issue 17): the people, fieldwork and board tables, and (issue 12) the
    # results-framework tables, empty (a version-1 store's program had none of them).
    for statement in _statements(fieldwork_ddl() + results_ddl() + intake_ddl()):
        conn.execute(statement)
    # Issue 13: the choices of locations with their evidence.
    for statement in _statements(locations_ddl()):
        conn.execute(statement)
    # Issue 13: the intake tables (above), and a member's application_id and a group's capacity
    # (the program tables widened in place).
    upgrade(conn, program_ddl(1), program_ddl())
    # Issue 12: the budget, spending and policy tables, and the finance tables widened in place
    # (the entry kinds, account kinds and parties of spending; a ledger entry's spending_id).
    upgrade(conn, finance_ddl(1), finance_ddl() + budget_ddl())


def _add_round_units(conn: sqlite3.Connection) -> None:
    # Version 2 → 3 (issue 18): each round's surveyed units, filled from the stored values, and
    # the triggers keeping them under writes made outside klaster.
    add_round_units(conn)


MIGRATIONS: dict[int, Migration] = {1: _add_fieldwork, 2: _add_round_units}


SCHEMA = (
    program_ddl() + finance_ddl() + fieldwork_ddl() + results_ddl() + budget_ddl() + intake_ddl()
)
SCHEMA += locations_ddl()
SCHEMA += round_units_ddl()  # version 3
"""The DDL of the current schema version."""


def create_schema(conn: sqlite3.Connection, program_id: str) -> None:
    """Create every table of a new store (inside the caller's transaction) and its meta rows."""
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    for statement in _statements(SCHEMA):
        conn.execute(statement)
    conn.executemany(
        "INSERT INTO meta (key, value) VALUES (?, ?)",
        [
            ("kind", STORE_KIND),
            ("schema_version", str(STORE_SCHEMA_VERSION)),
            ("klaster_version", __version__),
            ("created_by", __version__),
            ("program_id", program_id),
        ],
    )


def _statements(script: str) -> Iterable[str]:
    # sqlite3.executescript would COMMIT the caller's transaction first: split it instead.
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                yield buffer.strip()
            buffer = ""


def stored_version(conn: sqlite3.Connection, source: str) -> int:
    """The schema version recorded in the store's ``meta`` table.

    Raises:
        StoreError: The file is an SQLite database but not a klaster store.
    """
    try:
        rows = dict(conn.execute("SELECT key, value FROM meta").fetchall())
    except sqlite3.OperationalError:  # no meta table
        rows = {}
    if rows.get("kind") != STORE_KIND:
        raise StoreError(
            f"{source}: not a klaster store (an SQLite database without klaster's meta table); "
            "create a store with Store.create"
        )
    text = rows.get("schema_version", "")
    if not text.isdigit():
        raise SchemaVersionError(
            f"{source}: the store's schema version {text!r} is not a whole number; the store is "
            "damaged"
        )
    return int(text)


def check_version(version: int, source: str) -> None:
    """Refuse a store newer than this klaster, or one no migration leads from."""
    _chain().check(version, source)


def migrate(conn: sqlite3.Connection, version: int, source: str) -> None:
    """Bring the store from ``version`` to the current one (inside the caller's transaction)."""

    def failed(step: int, exc: Exception) -> StoreError:
        reason = str(exc) if isinstance(exc, sqlite3.Error) else type(exc).__name__
        return StoreError(
            f"{source}: cannot migrate the store from schema version {step} to "
            f"{step + 1} ({reason}); nothing was changed"
        )

    chain = _chain()
    chain.run(conn, version, source, failed=failed)
    conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(chain.current),))
    conn.execute("UPDATE meta SET value = ? WHERE key = 'klaster_version'", (__version__,))


def _chain() -> Migrations[sqlite3.Connection]:
    # Module globals read at call time: tests (and future versions) change them.
    return Migrations(
        STORE_SCHEMA_VERSION,
        MIGRATIONS,
        noun="store",
        version_name="store schema version",
        verb="open",
        first=0,
    )


def open_version(conn: sqlite3.Connection, target: Path, readonly: bool) -> int:
    """The version of a store being opened, migrated to the current one unless ``readonly``.

    Read-only, a version in :data:`READ_AS_IS` is read as it is (and stays that version).

    Raises:
        StoreError: Not a klaster store, or one that needs a migration opened read-only.
        SchemaVersionError: A newer store, or one no migration leads from.
    """
    with reading(conn, target, "open the store"):
        version = stored_version(conn, str(target))
    check_version(version, str(target))
    current = STORE_SCHEMA_VERSION
    if version == current or (readonly and version in READ_AS_IS):
        return version
    if readonly:
        raise StoreError(
            f"{target}: the store has schema version {version} and needs migrating to "
            f"{current}; open it once without readonly=True"
        )
    with writing(conn, target, "migrate the store"):
        version = stored_version(conn, str(target))  # another process may have
        if version < current:
            migrate(conn, version, str(target))
    return current
