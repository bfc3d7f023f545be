"""Finance documents: a program's finance books in one JSON file, versioned, strict, atomic.

A document holds one book per cluster::

    {"klaster": "finance", "schema_version": 1, "program_id": "km",
     "books": [{"cluster_id": "lebak", "program_id": "km",
                "funds": [...], "loans": [...],
                "ledger": {"entries": [{"on": "2012-01-02", "kind": "funding", "loan_id": null,
                                        "postings": [{"debit": {...}, "credit": {...},
                                                      "amount": "10000000"}]}, ...]},
                "restructurings": [...], "assets": {"assets": [...], "events": [...]},
                "handover": {...},
                "budget": {"revisions": [{"number": 1, "recorded_on": "2012-01-02",
                                          "reason": "initial budget", "lines": [...]}]},
                "spendings": [...], "policy": {"over_budget": "refuse"}}]}

The records (funds, loans, entries, restructurings, assets and their events, the handover, the
budget's revisions and lines, spendings, the spending policy) are stored as they are, with the
field names of their classes; amounts are whole-rupiah strings (``"1200000"``), dates ISO
strings, and fields equal to their default are left out (so are an empty budget, no spending
and the default policy). Nothing derived (cash, positions, schedules, what was spent) is stored.

Reading is strict, like program documents: unknown fields, wrong JSON types and floats for money
are refused, with every problem located (``books[0].ledger.entries[17].postings[1].amount: ...``).
Each book is then rebuilt by replaying its records through the same rules as the live operations
(``Finance(...)``), so a document can never hold what the API would refuse, and checked against
the program: its cluster exists, and every program or cooperative it names is the program's or
one of the cluster's cooperatives. Reading builds new books: a bad file changes nothing.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import cattrs
from cattrs.errors import BaseValidationError

from klaster._support.aliases import moved_names
from klaster.documents.converter import problems
from klaster.documents.files import atomic_write
from klaster.documents.json_text import parse_json
from klaster.documents.migrations import Migration, migrate
from klaster.errors import DocumentError, KlasterError
from klaster.finance._document_shape import (
    BookFields,
    DocumentFields,
    make_finance_converter,
)
from klaster.finance.assets import AssetRegister
from klaster.finance.book import Finance
from klaster.finance.ledger import Ledger
from klaster.finance.program_fit import program_problems
from klaster.model.program import Program
from klaster.model.records import Records

__all__ = [
    "FINANCE_DOCUMENT_KIND",
    "FINANCE_SCHEMA_VERSION",
    "dumps",
    "load",
    "loads",
    "save",
]

FINANCE_SCHEMA_VERSION = 1
"""The finance document schema version this klaster writes; older ones are migrated on load."""

FINANCE_DOCUMENT_KIND = "finance"
"""The value of the ``"klaster"`` key in a finance document."""


# _MIGRATIONS[n] turns a version-n document into a version-(n + 1) one. Each schema change adds
# one entry and bumps FINANCE_SCHEMA_VERSION; old documents then load through the chain.
_MIGRATIONS: dict[int, Migration] = {}


# The finance document's own converters, built on first use (not at import: ~45 ms that every
# command line start paid, finance or not).
@functools.cache
def _converter(*, detailed: bool) -> cattrs.Converter:
    return make_finance_converter(detailed=detailed)


# -- writing ------------------------------------------------------------------------------------


def dumps(
    books: Finance | Iterable[Finance],
    *,
    program: Program | None = None,
    indent: int | None = 2,
) -> str:
    """Serialise one book or several (one per cluster of a program) to a JSON document string.

    Args:
        books: A :class:`Finance` book, or the books of one program (distinct clusters).
        program: If given, the books are checked against it first (as :func:`loads`
            would), so nothing is written that could not be read back.
        indent: JSON indentation; ``None`` for the most compact form.

    Returns:
        The JSON text.

    Raises:
        DocumentError: No books, not :class:`Finance` books, books of different programs or two
            books of one cluster, or (with ``program``) a book that does not fit the program.

    Example:
        >>> import datetime as dt
        >>> from klaster.finance import Finance, Fund, Party
        >>> book = Finance("lebak", "km")
        >>> _ = book.add_fund(Fund("F-1", "Dana bergulir", "zakat", Party.program("km"),
        ...                        dt.date(2012, 1, 2)))
        >>> _ = book.receive("F-1", dt.date(2012, 1, 2), 5_000_000)
        >>> text = dumps(book, indent=None)
        >>> '"amount": "5000000"' in text
        True
    """
    return json.dumps(_to_document(books, program), ensure_ascii=False, indent=indent)


def save(
    books: Finance | Iterable[Finance],
    path: str | os.PathLike[str],
    *,
    program: Program | None = None,
    indent: int | None = 2,
) -> None:
    """Write one book or several to a JSON file, atomically.

    The document is built (and checked) first, then written to a temporary file beside ``path``,
    flushed to disk and renamed over ``path``: a failure at any point leaves the old file as it
    was.

    Args:
        books: A :class:`Finance` book, or the books of one program (distinct clusters).
        path: Destination file (conventionally ``<program>.finance.json``).
        program: If given, the books are checked against it first (see :func:`dumps`).
        indent: JSON indentation; ``None`` for the most compact form.

    Raises:
        DocumentError: The books cannot be written (see :func:`dumps`), or the file
            cannot (no folder, no permission, disk full).
    """
    text = dumps(books, program=program, indent=indent)
    atomic_write(path, lambda handle: handle.write(text))


def _to_document(books: Finance | Iterable[Finance], program: Program | None) -> dict[str, Any]:
    listed = _as_books(books)
    program_id = listed[0].program_id
    for index, book in enumerate(listed):
        if book.program_id != program_id:
            raise DocumentError(
                f"book of cluster {book.cluster_id!r} is of program {book.program_id!r}, not "
                f"{program_id!r}; a finance document holds the books of one program",
                path=f"books[{index}].program_id",
            )
    try:
        Records("books", listed)
    except KlasterError as exc:
        raise DocumentError(f"{exc.message} (one book per cluster)", path=exc.path) from None
    if program is not None:
        found = [p for i, b in enumerate(listed) for p in program_problems(b, program, i)]
        if found:
            raise DocumentError("the books do not fit the program", problems=found)
    return {
        "klaster": FINANCE_DOCUMENT_KIND,
        "schema_version": FINANCE_SCHEMA_VERSION,
        "program_id": program_id,
        "books": [_converter(detailed=True).unstructure(book, Finance) for book in listed],
    }


def _as_books(books: Finance | Iterable[Finance]) -> list[Finance]:
    if isinstance(books, Finance):
        return [books]
    if isinstance(books, (str, bytes, Mapping)) or not isinstance(books, Iterable):
        raise DocumentError(f"can only write Finance books, got {type(books).__name__}")
    listed = list(books)
    for index, book in enumerate(listed):
        if not isinstance(book, Finance):
            raise DocumentError(
                f"can only write Finance books, got {type(book).__name__}", path=f"books[{index}]"
            )
    if not listed:
        raise DocumentError("no books to write: a finance document holds at least one")
    return listed


# -- reading ------------------------------------------------------------------------------------


def loads(text: str | bytes, program: Program, *, source: str = "<string>") -> Records[Finance]:
    """Read finance books from a JSON document string.

    Args:
        text: The JSON text (``str`` or UTF-8 ``bytes``).
        program: The program the books belong to; each book's cluster must be one of its
            clusters, and the programs and cooperatives the books name must be its own.
        source: Name used in error messages (a file name).

    Returns:
        The books, by cluster ID (``books["lebak"]``), each replayed through the same rules as
        the live operations.

    Raises:
        DocumentError: Malformed JSON, an unknown field, a wrong type, a float for money, an
            invalid record, a record the book's rules refuse on replay, or a book that does not
            fit ``program``; the message lists every problem with its path.
        SchemaVersionError: The schema version is missing, or newer than this klaster.
    """
    raw = parse_json(text, source)
    return _from_document(raw, program, source)


def load(path: str | os.PathLike[str], program: Program) -> Records[Finance]:
    """Read finance books from a JSON file written by :func:`save`.

    Args:
        path: The file.
        program: The program the books belong to (see :func:`loads`).

    Returns:
        The books, by cluster ID.

    Raises:
        DocumentError: The file cannot be read or holds an invalid document (see
            :func:`loads`).
        SchemaVersionError: The schema version is missing, or newer than this klaster.
    """
    target = Path(path)
    try:
        data = target.read_bytes()
    except OSError as exc:
        raise DocumentError(f"{target}: cannot read the file ({exc.strerror})") from None
    return loads(data, program, source=str(target))


def _from_document(raw: object, program: Program, source: str) -> Records[Finance]:
    if not isinstance(program, Program):
        raise DocumentError(f"program must be a Program, got {type(program).__name__}")
    if not isinstance(raw, Mapping):
        raise DocumentError(f"{source}: a klaster document is a JSON object, not {_json_name(raw)}")
    document = _migrate(dict(raw), source)
    try:
        parsed = _converter(detailed=False).structure(document, DocumentFields)
    except Exception:  # structured again, for the located messages
        try:
            parsed = _converter(detailed=True).structure(document, DocumentFields)
        except BaseValidationError as exc:
            raise DocumentError(
                f"{source}: invalid finance document", problems=problems(exc)
            ) from None
        except KlasterError as exc:  # pragma: no cover - records raise inside a field
            raise DocumentError(
                f"{source}: invalid finance document", problems=[str(exc)]
            ) from None
    if parsed.program_id != program.id:
        raise DocumentError(
            f"{source}: the document holds the books of program {parsed.program_id!r}, not "
            f"{program.id!r}",
            path="program_id",
        )
    books: list[Finance] = []
    found: list[str] = []
    for index, fields in enumerate(parsed.books):
        book = _rebuild(fields, f"books[{index}]", found)
        if book is not None:
            found += program_problems(book, program, index)
            books.append(book)
    if not found:
        try:
            return Records("books", books)
        except KlasterError as exc:
            found.append(f"{exc.path}: {exc.message} (one book per cluster)")
    raise DocumentError(f"{source}: invalid finance document", problems=found)


def _json_name(value: object) -> str:
    names = {list: "a list", str: "a string", bool: "true/false", type(None): "null"}
    return names.get(type(value), "a number")


def _rebuild(fields: BookFields, where: str, found: list[str]) -> Finance | None:
    """The book replayed from its records (the API's own checks), or ``None`` and a problem."""
    try:
        ledger = Ledger(fields.ledger.entries)
    except KlasterError as exc:
        found.append(_located(exc, f"{where}.ledger"))
        return None
    try:
        register = AssetRegister(fields.assets.assets, fields.assets.events)
    except KlasterError as exc:
        found.append(_located(exc, f"{where}.assets"))
        return None
    try:
        return Finance(
            cluster_id=fields.cluster_id,
            program_id=fields.program_id,
            funds=fields.funds,
            loans=fields.loans,
            ledger=ledger,
            restructurings=fields.restructurings,
            assets=register,
            handover=fields.handover,
            budget=fields.budget,
            spendings=fields.spendings,
            policy=fields.policy,
        )
    except KlasterError as exc:
        path = exc.path or ""
        # The book's rules name ledger entries as "entries[i]"; in the document they are in
        # the ledger.
        prefix = f"{where}.ledger" if path.startswith("entries") else where
        found.append(_located(exc, prefix))
        return None


def _located(exc: KlasterError, prefix: str) -> str:
    return f"{prefix}.{exc.path}: {exc.message}" if exc.path else f"{prefix}: {exc.message}"


def _migrate(document: dict[str, Any], source: str) -> dict[str, Any]:
    # Module globals read at call time: tests (and future versions) change them.
    return migrate(
        document,
        kind=FINANCE_DOCUMENT_KIND,
        what="finance",
        current=FINANCE_SCHEMA_VERSION,
        migrations=_MIGRATIONS,
        source=source,
    )


# The names before the one persistence vocabulary (klaster.dumps/loads/save/load), for one release.
__getattr__ = moved_names(
    "klaster.finance.document",
    {f"{v}_finance": f"klaster.finance.document.{v}" for v in ("dumps", "loads", "save", "load")},
)
