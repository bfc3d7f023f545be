"""Finance documents: a program's finance books in one JSON file, versioned, strict, atomic.

A document holds one book per cluster::

    {"klaster": "finance", "schema_version": 1, "program_id": "km",
     "books": [{"cluster_id": "lebak", "program_id": "km",
                "funds": [...], "loans": [...],
                "ledger": {"entries": [{"on": "2012-01-02", "kind": "funding", "loan_id": null,
                                        "postings": [{"debit": {...}, "credit": {...},
                                                      "amount": "10000000"}]}, ...]},
                "restructurings": [...], "assets": {"assets": [...], "events": [...]},
                "handover": {...}}]}

The records (funds, loans, entries, restructurings, assets and their events, the handover) are
stored as they are, with the field names of their classes; amounts are whole-rupiah strings
(``"1200000"``), dates ISO strings, and fields equal to their default are left out. Nothing
derived (cash, positions, schedules) is stored.

Reading is strict, like program documents: unknown fields, wrong JSON types and floats for money
are refused, with every problem located (``books[0].ledger.entries[17].postings[1].amount: ...``).
Each book is then rebuilt by replaying its records through the same rules as the live operations
(``Finance(...)``), so a document can never hold what the API would refuse, and checked against
the program: its cluster exists, and every program or cooperative it names is the program's or
one of the cluster's cooperatives. Reading builds new books: a bad file changes nothing.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import cattrs
from attrs import Factory, field, frozen
from cattrs.errors import BaseValidationError

from klaster.documents.converter import make_converter, problems
from klaster.documents.files import atomic_write
from klaster.documents.migrations import Migration, migrate
from klaster.errors import DocumentError, KlasterError
from klaster.finance.assets import Asset, AssetEvent, AssetRegister
from klaster.finance.book import Finance
from klaster.finance.entry import Entry
from klaster.finance.fund import Fund
from klaster.finance.handover import Handover
from klaster.finance.ledger import Ledger
from klaster.finance.loan import Loan, Restructuring
from klaster.finance.party import Party, PartyKind
from klaster.model.cluster import Cluster
from klaster.model.program import Program
from klaster.model.records import Records

__all__ = [
    "FINANCE_DOCUMENT_KIND",
    "FINANCE_SCHEMA_VERSION",
    "dumps_finance",
    "load_finance",
    "loads_finance",
    "save_finance",
]

FINANCE_SCHEMA_VERSION = 1
"""The finance document schema version this klaster writes; older ones are migrated on load."""

FINANCE_DOCUMENT_KIND = "finance"
"""The value of the ``"klaster"`` key in a finance document."""


# _MIGRATIONS[n] turns a version-n document into a version-(n + 1) one. Each schema change adds
# one entry and bumps FINANCE_SCHEMA_VERSION; old documents then load through the chain.
_MIGRATIONS: dict[int, Migration] = {}


# -- the document's shape: records only; the replay happens after (see _rebuild) -----------------


@frozen
class _LedgerFields:
    entries: tuple[Entry, ...] = ()


@frozen
class _RegisterFields:
    assets: tuple[Asset, ...] = ()
    events: tuple[AssetEvent, ...] = ()


@frozen
class _BookFields:
    cluster_id: str
    program_id: str
    funds: tuple[Fund, ...] = ()
    loans: tuple[Loan, ...] = ()
    ledger: _LedgerFields = field(default=Factory(_LedgerFields))
    restructurings: tuple[Restructuring, ...] = ()
    assets: _RegisterFields = field(default=Factory(_RegisterFields))
    handover: Handover | None = None


@frozen
class _Document:
    klaster: str
    schema_version: int
    program_id: str
    books: tuple[_BookFields, ...] = ()


def _make_converter(*, detailed: bool) -> cattrs.Converter:
    """The program document's converter plus the finance hooks.

    The shared hooks (strict str/int/bool, ``Decimal`` from strings, dates, enums, no unknown
    keys) come from :func:`klaster.documents.converter.make_converter`; the finance records are
    plain
    attrs classes on top of them. A :class:`Ledger` is written as its entries, an
    :class:`AssetRegister` as its assets and events, a :class:`Finance` book as its stored parts
    (nothing derived). Reading goes through the private ``_*Fields`` classes, then the replay.
    """
    conv = make_converter(detailed=detailed)
    conv.register_unstructure_hook(
        Ledger, lambda ledger: conv.unstructure(_LedgerFields(ledger.entries), _LedgerFields)
    )
    conv.register_unstructure_hook(
        AssetRegister,
        lambda register: conv.unstructure(
            _RegisterFields(tuple(register.assets), register.events), _RegisterFields
        ),
    )
    conv.register_unstructure_hook(
        Finance, lambda book: conv.unstructure(_fields_of(book), _BookFields)
    )
    return conv


_CONVERTER = _make_converter(detailed=True)
_FAST_CONVERTER = _make_converter(detailed=False)


# -- writing ------------------------------------------------------------------------------------


def dumps_finance(
    books: Finance | Iterable[Finance],
    *,
    program: Program | None = None,
    indent: int | None = 2,
) -> str:
    """Serialise one book or several (one per cluster of a program) to a JSON document string.

    Args:
        books: A :class:`Finance` book, or the books of one program (distinct clusters).
        program: If given, the books are checked against it first (as :func:`loads_finance`
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
        >>> text = dumps_finance(book, indent=None)
        >>> '"amount": "5000000"' in text
        True
    """
    return json.dumps(_to_document(books, program), ensure_ascii=False, indent=indent)


def save_finance(
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
        program: If given, the books are checked against it first (see :func:`dumps_finance`).
        indent: JSON indentation; ``None`` for the most compact form.

    Raises:
        DocumentError: The books cannot be written (see :func:`dumps_finance`), or the file
            cannot (no folder, no permission, disk full).
    """
    text = dumps_finance(books, program=program, indent=indent)
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
        found = [p for i, b in enumerate(listed) for p in _program_problems(b, program, i)]
        if found:
            raise DocumentError("the books do not fit the program", problems=found)
    return {
        "klaster": FINANCE_DOCUMENT_KIND,
        "schema_version": FINANCE_SCHEMA_VERSION,
        "program_id": program_id,
        "books": [_CONVERTER.unstructure(book, Finance) for book in listed],
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


def _fields_of(book: Finance) -> _BookFields:
    return _BookFields(
        cluster_id=book.cluster_id,
        program_id=book.program_id,
        funds=tuple(book.funds),
        loans=tuple(book.loans),
        ledger=_LedgerFields(book.ledger.entries),
        restructurings=book.restructurings,
        assets=_RegisterFields(tuple(book.assets.assets), book.assets.events),
        handover=book.handover,
    )


# -- reading ------------------------------------------------------------------------------------


def loads_finance(
    text: str | bytes, program: Program, *, source: str = "<string>"
) -> Records[Finance]:
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
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DocumentError(
            f"{source} line {exc.lineno} column {exc.colno}: malformed JSON: {exc.msg}"
        ) from None
    except UnicodeDecodeError as exc:
        raise DocumentError(
            f"{source}: not UTF-8 text (byte {exc.start}); save the file as UTF-8"
        ) from None
    return _from_document(raw, program, source)


def load_finance(path: str | os.PathLike[str], program: Program) -> Records[Finance]:
    """Read finance books from a JSON file written by :func:`save_finance`.

    Args:
        path: The file.
        program: The program the books belong to (see :func:`loads_finance`).

    Returns:
        The books, by cluster ID.

    Raises:
        DocumentError: The file cannot be read or holds an invalid document (see
            :func:`loads_finance`).
        SchemaVersionError: The schema version is missing, or newer than this klaster.
    """
    target = Path(path)
    try:
        data = target.read_bytes()
    except OSError as exc:
        raise DocumentError(f"{target}: cannot read the file ({exc.strerror})") from None
    return loads_finance(data, program, source=str(target))


def _from_document(raw: object, program: Program, source: str) -> Records[Finance]:
    if not isinstance(program, Program):
        raise DocumentError(f"program must be a Program, got {type(program).__name__}")
    if not isinstance(raw, Mapping):
        raise DocumentError(f"{source}: a klaster document is a JSON object, not {_json_name(raw)}")
    document = _migrate(dict(raw), source)
    try:
        parsed = _FAST_CONVERTER.structure(document, _Document)
    except Exception:  # structured again, for the located messages
        try:
            parsed = _CONVERTER.structure(document, _Document)
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
            found += _program_problems(book, program, index)
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


def _rebuild(fields: _BookFields, where: str, found: list[str]) -> Finance | None:
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


def _program_problems(book: Finance, program: Program, index: int) -> list[str]:
    """Where ``book`` does not fit ``program``: its cluster, its program and cooperative IDs."""
    where = f"books[{index}]"
    cluster = program.clusters.get(book.cluster_id)
    if cluster is None:
        known = ", ".join(program.clusters.ids()) or "none"
        return [
            f"{where}.cluster_id: program {program.id!r} has no cluster {book.cluster_id!r}; "
            f"clusters: {known}"
        ]
    found = []
    if book.program_id != program.id:
        found.append(
            f"{where}.program_id: the book is of program {book.program_id!r}, not {program.id!r}"
        )
    for path, party in _parties(book):
        found += _party_problems(party, cluster, program, f"{where}.{path}")
    handover = book.handover
    if handover is not None:
        if handover.cluster_id != book.cluster_id:
            found.append(
                f"{where}.handover.cluster_id: {handover.cluster_id!r} is not the book's "
                f"cluster {book.cluster_id!r}"
            )
        if handover.program_id != book.program_id:
            found.append(
                f"{where}.handover.program_id: {handover.program_id!r} is not the book's "
                f"program {book.program_id!r}"
            )
        for i, item in enumerate(handover.items):
            found += _party_problems(
                Party.cooperative(item.to), cluster, program, f"{where}.handover.items[{i}].to"
            )
    return found


def _parties(book: Finance) -> Iterable[tuple[str, Party]]:
    for i, fund in enumerate(book.funds):
        yield f"funds[{i}].held_by", fund.held_by
    for i, loan in enumerate(book.loans):
        yield f"loans[{i}].borrower", loan.borrower
    for i, asset in enumerate(book.assets.assets):
        yield f"assets.assets[{i}].custodian", asset.custodian
        yield f"assets.assets[{i}].owner", asset.owner
    for i, event in enumerate(book.assets.events):
        if event.custodian is not None:
            yield f"assets.events[{i}].custodian", event.custodian
        if event.owner is not None:
            yield f"assets.events[{i}].owner", event.owner


def _party_problems(party: Party, cluster: Cluster, program: Program, path: str) -> list[str]:
    if party.kind is PartyKind.PROGRAM and party.id != program.id:
        return [f"{path}: program {party.id!r} is not this program ({program.id!r})"]
    if party.kind is PartyKind.COOPERATIVE and party.id not in cluster.cooperatives:
        known = ", ".join(cluster.cooperatives.ids()) or "none"
        return [
            f"{path}: cluster {cluster.id!r} has no cooperative {party.id!r}; cooperatives: {known}"
        ]
    return []


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
