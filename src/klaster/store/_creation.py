"""Creating a store file: built under a temporary name, put in place only when complete."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from klaster._support.gc import gc_paused
from klaster.errors import StoreError
from klaster.model.program import Program
from klaster.observations.values import Observations
from klaster.store import (
    _books,
    _fieldwork_rows,
    _intake_rows,
    _locations,
    _observations,
    _program,
    _results,
    _schema,
)
from klaster.store._connection import connect, use_wal, writing

if TYPE_CHECKING:  # the finance package loads only for a store made with books (_books.py)
    from klaster.finance.book import Finance


def create_file(
    target: Path,
    program: Program,
    observations: Observations | None,
    finance: Finance | Iterable[Finance] | None,
) -> None:
    """Write a new store holding ``program`` (and its observations and books) at ``target``.

    A failure leaves no file: the store is built under a temporary name and linked in place.

    Raises:
        StoreError: Not a program or observations, a file already at ``target``, or as
            :meth:`Store.create <klaster.store.Store.create>`.
    """
    if not isinstance(program, Program):
        raise StoreError(f"{target}: a store holds a Program, got {type(program).__name__}")
    if observations is not None and not isinstance(observations, Observations):
        raise StoreError(
            f"{target}: observations must be Observations, got {type(observations).__name__}"
        )
    books = [] if finance is None else _books.as_books(finance)
    if os.path.lexists(target):
        raise StoreError(
            f"{target}: a file is already there; Store.create makes a new store (open an "
            "existing one with Store.open)"
        )
    _program.check_program(program, target)
    if observations is not None:
        _observations.check_observations(observations, target)
    tmp = _temporary(target)
    try:
        conn = connect(tmp, timeout=0, readonly=False, create=True)
        try:
            use_wal(conn, target)
            with writing(conn, target, "create the store"), gc_paused():
                _schema.create_schema(conn, program.id)
                _program.insert_program(conn, program)
                _fieldwork_rows.insert_history(conn, program, target)
                _intake_rows.insert_history(conn, program, target)
                _results.append_versions(conn, program, target)
                _locations.append_choices(conn, program, target)
                if observations is not None:
                    _observations.replace_observations(conn, observations, target)
                if books:
                    _books.save_finance(conn, target, books)
        finally:
            conn.close()  # the last connection: SQLite folds the WAL into the file
        _put_in_place(tmp, target)
    finally:
        for leftover in (tmp, *(tmp.with_name(tmp.name + s) for s in ("-wal", "-shm"))):
            leftover.unlink(missing_ok=True)


def _temporary(target: Path) -> Path:
    directory = target.parent if str(target.parent) else Path(".")
    try:
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise StoreError(f"{target}: cannot create the store ({exc.strerror or exc})") from None
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(name, 0o666 & ~umask)  # mkstemp's 0600: give it an ordinary file's mode
    return Path(name)


def _put_in_place(tmp: Path, target: Path) -> None:
    # A hard link fails if something appeared at target meanwhile: never overwrite a store.
    try:
        os.link(tmp, target)
    except FileExistsError:
        raise StoreError(
            f"{target}: a file appeared there while the store was being created; nothing was "
            "overwritten"
        ) from None
    except OSError:  # no hard links on this file system
        if os.path.lexists(target):
            raise StoreError(
                f"{target}: a file is already there; nothing was overwritten"
            ) from None
        try:
            os.replace(tmp, target)
        except OSError as exc:
            raise StoreError(f"{target}: cannot create the store ({exc.strerror or exc})") from None
