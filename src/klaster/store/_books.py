"""The store's finance functions, with the finance package loaded on their first call.

Opening a store and reading its program or observations run no finance code, so they do not
import :mod:`klaster.store._finance` and with it the whole :mod:`klaster.finance` package (30-110
ms of every command line start): :class:`~klaster.store.Store` and store creation reach the books
through these functions, each the one of :mod:`klaster.store._finance` of the same name, which
import it when books are first checked, read or written.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from klaster.finance.book import Finance
    from klaster.model.program import Program
    from klaster.model.records import Records

__all__ = ["as_books", "check_fit", "load_books", "save_finance"]


def as_books(books: Finance | Iterable[Finance]) -> list[Finance]:
    from klaster.store import _finance

    return _finance.as_books(books)


def load_books(conn: sqlite3.Connection, source: Path) -> Records[Finance]:
    from klaster.store import _finance

    return _finance.load_books(conn, source)


def check_fit(books: Records[Finance], program: Program, source: Path) -> Records[Finance]:
    from klaster.store import _finance

    return _finance.check_fit(books, program, source)


def save_finance(conn: sqlite3.Connection, source: Path, books: Sequence[Finance]) -> None:
    from klaster.store import _finance

    _finance.save_finance(conn, source, books)
