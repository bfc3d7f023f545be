"""Tidy exports: a program's tables as CSV or Parquet files, member IDs pseudonymised.

:func:`write_tidy` writes one file per table (:data:`TABLES`: members, groups, memberships,
observations in long form, figures, ledger entries) from the frames of
:mod:`klaster.exports.frames`:

- **Pseudonymised by default.** Member and applicant IDs become keyed pseudonyms (the same in
  every table, so joins work; the secret is the user's and is never written); names, national ID
  numbers and phone numbers are left out. ``personal=True`` writes the register as it is, and
  says so in the result.
- **All tables or none.** Every file is written into a new hidden folder beside the target,
  then moved into place: a table that fails leaves nothing (and any earlier export untouched).
  Writer threads write a table while the next is built from the records; the long
  observations table is a lazy query polars streams into its file (never built whole).
- **Safe to open.** CSV goes through the one formula-injection-safe writer
  (:func:`klaster.documents.csvfile.write_frame`; ``csv_style=EXCEL_ID`` for a spreadsheet set to
  Indonesian); Parquet keeps the types (exact decimals, dates).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any

from attrs import frozen

from klaster._support.suggest import did_you_mean
from klaster.catalogue.variable import Level
from klaster.documents.csvfile import PLAIN, CsvStyle, write_frame
from klaster.errors import DocumentError, KlasterError
from klaster.exports import frames
from klaster.exports.pseudonym import SECRET_ENV, Pseudonymiser
from klaster.finance.book import Finance
from klaster.measurement.results import Results
from klaster.model.program import Program
from klaster.observations.values import Observations

__all__ = ["FORMATS", "TABLES", "TidyExport", "TidyFile", "tidy_tables", "write_tidy"]

TABLES = ("members", "groups", "memberships", "observations", "figures", "ledger_entries")
"""The tables of a tidy export, each one file (``members.csv``...), in this order."""
FORMATS = ("csv", "parquet")
"""The file formats :func:`write_tidy` writes."""
_WRITERS = 2  # the long table's write and the next table's, at once


@frozen
class TidyFile:
    """One written table: its name, file and number of rows."""

    table: str
    path: Path
    rows: int


@frozen
class TidyExport:
    """What :func:`write_tidy` wrote.

    Args:
        folder: The folder holding the files.
        format: ``"csv"`` or ``"parquet"``.
        files: One :class:`TidyFile` per table, in :data:`TABLES` order.
        personal: Whether real IDs and personal columns were written (``False``: pseudonyms).
    """

    folder: Path
    format: str
    files: tuple[TidyFile, ...]
    personal: bool


def _pseudonymiser(secret: Pseudonymiser | bytes | str | None, personal: bool) -> Any:
    if personal:
        if secret is not None:
            raise KlasterError(
                "personal=True writes the register's own IDs; give a secret or personal=True, "
                "not both"
            )
        return None
    if isinstance(secret, Pseudonymiser):
        return secret
    if secret is not None:
        return Pseudonymiser(secret)
    if os.environ.get(SECRET_ENV):
        return Pseudonymiser.from_env()
    raise KlasterError(
        "secret: a tidy export pseudonymises member IDs with a secret you keep, and none was "
        f"given; pass secret=..., set {SECRET_ENV}, or make one with "
        "klaster.exports.new_secret_file('pseudonym.key')"
    )


def _chosen(tables: Iterable[str] | None) -> tuple[str, ...]:
    if tables is None:
        return TABLES
    wanted = [tables] if isinstance(tables, str) else list(tables)
    for index, name in enumerate(wanted):
        if name not in TABLES:
            raise KlasterError(f"tables[{index}]: {_unknown('table', name, TABLES)}")
    return tuple(t for t in TABLES if t in wanted)


def tidy_tables(
    program: Program,
    observations: Observations | None = None,
    *,
    books: Finance | Iterable[Finance] = (),
    results: Results | None = None,
    pseudonymiser: Pseudonymiser | None = None,
    personal: bool = False,
    tables: Iterable[str] | None = None,
) -> dict[str, Any]:
    """The tables of a tidy export as polars frames, by name (those with no source left out).

    ``observations`` gives the ``observations`` table, ``results`` the ``figures``, ``books``
    the ``ledger_entries``; the program always gives members, groups and memberships.
    Pseudonyms as in :mod:`klaster.exports.frames`.
    """
    makers = _makers(program, observations, books, results, pseudonymiser, personal, tables)
    return {name: _collected(make()[0]) for name, make in makers.items()}


def _makers(
    program: Program,
    observations: Observations | None,
    books: Finance | Iterable[Finance],
    results: Results | Callable[[], Results] | None,
    pseudonymiser: Pseudonymiser | None,
    personal: bool,
    tables: Iterable[str] | None,
) -> dict[str, Callable[[], Any]]:
    # What makes each chosen table (those with no source left out), in TABLES order: a frame,
    # or for the observations a lazy query (the writer streams it into its file), and its rows.
    kw: dict[str, Any] = {"pseudonymiser": pseudonymiser, "personal": personal}
    makers: dict[str, Callable[[], Any] | None] = {
        "members": lambda: frames.members(program, **kw),
        "groups": lambda: frames.groups(program),
        "memberships": lambda: frames.memberships(program, **kw),
        "observations": None
        if observations is None
        else lambda: frames.observations_long_query(observations, levels=tuple(Level), **kw),
        "figures": None if results is None else lambda: frames.figures(_made(results)),
        "ledger_entries": None if _no_books(books) else lambda: frames.ledger_entries(books, **kw),
    }
    return {
        name: partial(_with_rows, make)
        for name in _chosen(tables)
        if (make := makers[name]) is not None
    }


def _made(results: Results | Callable[[], Results]) -> Results:
    return results if isinstance(results, Results) else results()


def _with_rows(make: Callable[[], Any]) -> tuple[Any, int]:
    made = make()
    return made if isinstance(made, tuple) else (made, made.height)


def _collected(frame: Any) -> Any:
    import polars as pl  # a frame was made, so polars is there

    return frame.collect() if isinstance(frame, pl.LazyFrame) else frame


def _no_books(books: Finance | Iterable[Finance]) -> bool:
    return not isinstance(books, Finance) and isinstance(books, Sequence) and not books


def write_tidy(
    program: Program,
    observations: Observations | None,
    folder: str | os.PathLike[str],
    *,
    books: Finance | Iterable[Finance] = (),
    results: Results | Callable[[], Results] | None = None,
    format: str = "csv",
    secret: Pseudonymiser | bytes | str | None = None,
    personal: bool = False,
    csv_style: CsvStyle = PLAIN,
    tables: Iterable[str] | None = None,
) -> TidyExport:
    """Write the tidy tables to ``folder``, one file each, all or none.

    Args:
        program: The program (members, groups, memberships).
        observations: Its observations (the ``observations`` table), if any.
        folder: Where the files go (created if missing; files of the same names replaced).
        books: Finance books (the ``ledger_entries`` table).
        results: Indicator figures (:meth:`Measurement.report`; the ``figures`` table), or
            a function that makes them, called once, after the observations and members
            tables are made: the report's memory is then not held beside theirs.
        format: ``"csv"`` or ``"parquet"``.
        secret: The pseudonym secret (bytes, text or a :class:`Pseudonymiser`); default: the
            ``KLASTER_PSEUDONYM_SECRET`` environment variable. Required unless ``personal``.
        personal: Write real IDs and the personal columns instead of pseudonyms.
        csv_style: Separator, decimal mark and byte order mark of CSV files
            (:data:`~klaster.documents.csvfile.EXCEL_ID` for an Indonesian spreadsheet).
        tables: Only these of :data:`TABLES`.

    Raises:
        KlasterError: No secret, an unknown table or format, or a table that cannot be made;
            nothing is written.
        DocumentError: The folder cannot be written; nothing is written.
    """
    if format not in FORMATS:
        raise KlasterError(f"format: {_unknown('format', format, FORMATS)}")
    chosen = _pseudonymiser(secret, personal)
    makers = _makers(program, observations, books, results, chosen, personal, tables)
    target = Path(folder)
    files = _write_all(target, makers, format, csv_style)
    return TidyExport(target, format, files, personal)


def _write_all(
    target: Path, makers: Mapping[str, Callable[[], Any]], format: str, style: CsvStyle
) -> tuple[TidyFile, ...]:
    if target.exists() and not target.is_dir():
        raise DocumentError(f"{target}: a file is there; a tidy export writes a folder")
    parent = target.parent if str(target.parent) else Path(".")
    try:
        scratch = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=parent))
    except OSError as exc:
        raise DocumentError(f"{target}: cannot write the folder ({_reason(exc)})") from None
    try:
        rows: dict[str, int] = {}
        # Writer threads: polars writes a table (without the GIL) while the next is built
        # from the records; the biggest table first, so its write overlaps the most building,
        # and the next table's write (and fsync) starts as soon as it is built, beside the
        # first's rather than after it. A table that fails stops the export after the writes
        # under way, before the move.
        with ThreadPoolExecutor(max_workers=_WRITERS, thread_name_prefix="tidy-write") as writer:
            pending = []
            for name in sorted(makers, key=lambda n: n != "observations"):
                frame, rows[name] = makers[name]()
                path = scratch / f"{name}.{format}"
                pending.append(writer.submit(_write_one, path, frame, format, style))
                del frame
            for done in pending:
                done.result()  # its error, if any, raised here
        _move_into_place(scratch, target)
    except OSError as exc:
        raise DocumentError(f"{target}: cannot write the folder ({_reason(exc)})") from None
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return tuple(TidyFile(name, target / f"{name}.{format}", rows[name]) for name in makers)


def _write_one(path: Path, frame: Any, format: str, style: CsvStyle) -> None:
    # By path into the scratch folder: polars writes without the GIL (the next table is built
    # meanwhile), each file is fsynced, and the folder's move makes the whole export atomic.
    # A lazy query is streamed into its file: CSV through the safe writer (same bytes), Parquet
    # with write_parquet's own settings (write_parquet is this very sink of the frame).
    if format == "csv":
        write_frame(path, frame, style=style, in_scratch=True)
        return
    import polars as pl

    if isinstance(frame, pl.LazyFrame):
        frame.sink_parquet(path)
    else:
        frame.write_parquet(path)
    _fsync(path)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _move_into_place(scratch: Path, target: Path) -> None:
    # mkdtemp makes 0700; the export gets the mode an ordinary folder would.
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(scratch, 0o777 & ~umask)
    _fsync(scratch)  # the files' names on disk before the folder is moved
    if not target.exists():
        os.rename(scratch, target)  # one rename: the folder appears whole
    else:
        for path in sorted(scratch.iterdir()):
            os.replace(path, target / path.name)  # each file replaced at once
        _fsync(target)
    _fsync(target.parent if str(target.parent) else Path("."))


def _unknown(what: str, name: object, known: Sequence[str]) -> str:
    hint = did_you_mean(str(name), known)
    return (
        f"unknown {what} {name!r}; "
        + (f"{hint} " if hint else "")
        + f"{what}s: "
        + ", ".join(known)
    )


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc) or type(exc).__name__
