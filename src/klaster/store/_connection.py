"""Opening a store file, its pragmas, transactions, and the translation of SQLite's errors.

Every write runs in one ``BEGIN IMMEDIATE`` transaction: it takes the store's write lock first,
waiting up to the timeout for another writer to finish, so a second writer either waits or gets a
:class:`~klaster.errors.StoreBusyError` and never half-writes. Every read of more than one
statement runs in one read transaction, which in WAL mode sees the store as of its first read:
never half of another process's import. Every :class:`sqlite3.Error` becomes a
:class:`~klaster.errors.StoreError` naming the file and what to do; SQLite's messages name tables
and columns, never values, so no personal data reaches an error.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from itertools import chain
from pathlib import Path

from klaster.errors import KlasterError, StoreBusyError, StoreError

_CACHE_KIB = 65_536  # page cache per connection: big imports touch many index pages
_QUOTED_TEXT = re.compile(r"\s*with text '.*", re.DOTALL)
_CONSTRAINT = re.compile(r"^(UNIQUE|NOT NULL|CHECK|FOREIGN KEY) constraint failed(?::\s*(.*))?$")


def connect(
    path: Path, *, timeout: float, readonly: bool, create: bool = False
) -> sqlite3.Connection:
    """Open ``path`` with the store's pragmas (the file must exist unless ``create``).

    Raises:
        StoreError: The file cannot be opened.
    """
    mode = "ro" if readonly else ("rwc" if create else "rw")
    uri = f"{path.absolute().as_uri()}?mode={mode}"
    # A reader of a WAL store creates its -wal and -shm files and cannot remove them itself.
    tidy = readonly and not any(p.exists() for p in _wal_files(path))
    try:
        conn = sqlite3.connect(
            uri, uri=True, timeout=timeout, isolation_level=None, factory=_Connection
        )
        conn.tidy = path if tidy else None
    except sqlite3.Error as exc:
        raise StoreError(f"{path}: cannot open the store ({_reason(exc)})") from None
    except UnicodeDecodeError:
        raise damaged(path, "open the store") from None
    try:
        with translate(path, "open the store"):
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute(f"PRAGMA cache_size = -{_CACHE_KIB}")
            if not readonly:
                # NORMAL is safe in WAL mode: a killed process never loses a committed import.
                conn.execute("PRAGMA synchronous = NORMAL")
    except BaseException:
        conn.close()
        raise
    return conn


class _Connection(sqlite3.Connection):
    """A connection that, read-only, removes on closing the -wal and -shm files it created."""

    tidy: Path | None = None

    def close(self) -> None:
        super().close()
        path, self.tidy = self.tidy, None
        if path is not None:
            _remove_wal_files(path)


def _wal_files(path: Path) -> tuple[Path, Path]:
    return path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")


def _remove_wal_files(path: Path) -> None:
    """Let SQLite remove an empty WAL: the last writable connection to close does (no change)."""
    wal = _wal_files(path)[0]
    try:
        if not wal.exists() or wal.stat().st_size > 0:
            return  # a writer came meanwhile: its connection cleans up after it
        conn = sqlite3.connect(
            f"{path.absolute().as_uri()}?mode=rw", uri=True, timeout=0, isolation_level=None
        )
        try:
            conn.execute("PRAGMA user_version").fetchone()  # one read: the WAL is opened
        finally:
            conn.close()
    except (OSError, sqlite3.Error, UnicodeDecodeError):
        pass  # a read-only folder, another reader still open, a damaged file: they stay


def use_wal(conn: sqlite3.Connection, path: Path) -> None:
    """Put the store in WAL mode (persistent: recorded in the file)."""
    with translate(path, "switch the store to WAL mode"):
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if str(mode).lower() != "wal":
        raise StoreError(
            f"{path}: SQLite refused WAL mode (got {mode!r}); keep the store on a local disk"
        )


@contextlib.contextmanager
def writing(conn: sqlite3.Connection, path: Path, action: str) -> Iterator[sqlite3.Connection]:
    """One write transaction: ``BEGIN IMMEDIATE`` … ``COMMIT``, rolled back on any error.

    Raises:
        StoreBusyError: Another process held the write lock for longer than the timeout.
        StoreError: Any other SQLite error (translated, see :func:`translate`).
    """
    with translate(path, action):
        conn.execute("BEGIN IMMEDIATE")
    try:
        with translate(path, action):
            yield conn
            conn.execute("COMMIT")
    except BaseException:
        _rollback(conn)
        raise


@contextlib.contextmanager
def reading(conn: sqlite3.Connection, path: Path, action: str) -> Iterator[sqlite3.Connection]:
    """One read transaction: every statement inside sees the same committed state."""
    with translate(path, action):
        conn.execute("BEGIN")
    try:
        with translate(path, action):
            yield conn
            conn.execute("COMMIT")
    except BaseException:
        _rollback(conn)
        raise


def _rollback(conn: sqlite3.Connection) -> None:
    if conn.in_transaction:
        with contextlib.suppress(sqlite3.Error):
            conn.execute("ROLLBACK")


@contextlib.contextmanager
def translate(path: Path, action: str) -> Iterator[None]:
    """Turn a :class:`sqlite3.Error` raised inside into a located :class:`StoreError`."""
    try:
        yield
    except KlasterError:
        raise
    except sqlite3.Error as exc:
        raise store_error(exc, path, action) from None
    except UnicodeDecodeError:
        raise damaged(path, action) from None


def damaged(path: Path, action: str) -> StoreError:
    """The error for bytes that are not UTF-8 where SQLite keeps text (a damaged file).

    Python raises :class:`UnicodeDecodeError` for them, not a :class:`sqlite3.Error`, both when
    a value is read and when SQLite's own message quotes a damaged schema.
    """
    return StoreError(
        f"{path}: cannot {action}: the store file is damaged (text that is not UTF-8); "
        "restore it from a backup"
    )


def store_error(exc: sqlite3.Error, path: Path, action: str) -> StoreError:
    """The :class:`StoreError` (or :class:`StoreBusyError`) saying what failed and what to do."""
    reason = _reason(exc)
    lowered = reason.lower()
    where = f"{path}: cannot {action}"
    if "locked" in lowered or "busy" in lowered:
        return StoreBusyError(
            f"{where}: the store is locked by another process (another import or save is "
            "running); retry when it has finished, or open the store with a longer timeout"
        )
    found = _CONSTRAINT.match(reason)
    if found:
        kind, columns = found.group(1), found.group(2)
        return StoreError(
            f"{where}: constraint failed: {columns or 'a foreign key'} ({kind}); nothing was "
            "changed. Write the store through klaster, which checks records before writing"
        )
    if "append-only" in lowered:
        return StoreError(f"{where}: {reason}; nothing was changed")
    if "not a database" in lowered or "file is encrypted" in lowered:
        return StoreError(f"{where}: not a klaster store (not an SQLite database)")
    if "malformed" in lowered or "corrupt" in lowered or "could not decode" in lowered:
        return StoreError(
            f"{where}: the store file is damaged ({reason}); restore it from a backup"
        )
    if "readonly" in lowered or "read-only" in lowered:
        return StoreError(
            f"{where}: the store is open read-only (or the file is not writable); open it with "
            "readonly=False to change it"
        )
    if "disk is full" in lowered or "disk i/o" in lowered:
        return StoreError(f"{where}: {reason}; free disk space and retry, nothing was changed")
    return StoreError(f"{where}: {reason}")


def _reason(exc: sqlite3.Error) -> str:
    # "Could not decode to UTF-8 column 'name' with text '...'" would echo a stored value.
    return _QUOTED_TEXT.sub("", str(exc)) or type(exc).__name__


def insert_rows(
    conn: sqlite3.Connection, head: str, row: str, flat: Sequence[object], width: int = 100
) -> None:
    """Insert rows given as one flat list of parameters, ``width`` rows per statement.

    ``head`` is ``INSERT INTO t (a, b) VALUES`` and ``row`` one row's ``(?, ?)``. One statement
    per hundred rows instead of one per row: about three times faster for millions of rows,
    since the per-statement work (binding a tuple, stepping, resetting) is shared.
    """
    per_row = row.count("?")
    width = max(1, min(width, 900 // per_row))  # old SQLite builds allow 999 parameters
    count = len(flat) // per_row
    full = count - count % width
    if full:
        statement = f"{head} {', '.join([row] * width)}"
        params = iter(flat)
        conn.executemany(statement, zip(*[params] * (width * per_row), strict=False))
    if count > full:
        conn.execute(f"{head} {', '.join([row] * (count - full))}", flat[full * per_row :])


def insert_tuples(
    conn: sqlite3.Connection, table: str, columns: int, rows: Iterable[tuple[object, ...]]
) -> None:
    """Insert ``rows`` (tuples of ``columns`` values, in the table's column order) in bulk."""
    insert_rows(
        conn,
        f"INSERT INTO {table} VALUES",
        f"({placeholders(columns)})",
        list(chain.from_iterable(rows)),
    )


def chunks(items: list[str], size: int = 900) -> Iterator[list[str]]:
    """``items`` in slices small enough for one ``IN (?, ?, …)`` list."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def placeholders(count: int) -> str:
    """``?, ?, …`` for ``count`` parameters."""
    return ", ".join("?" * count)
