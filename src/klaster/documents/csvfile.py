"""The one CSV writer: every cell safe to open in a spreadsheet, every file written atomically.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, in some, a tab or a
carriage return) as a formula: ``=HYPERLINK(...)`` or ``+cmd|...`` in a village name or a
business type would reach the person opening the file live ("CSV injection"). Every CSV klaster
writes (``klaster report --format csv``, the importer's rejects file) goes through
:func:`write_csv`, :func:`csv_text` or :func:`csv_columns_text`, and
``tests/documents/test_csvfile.py`` fails when a ``csv.writer`` appears anywhere else.

The rule, cell by cell:

- **Numbers stay numbers.** A cell given as a number (``int``, ``float``, ``Decimal``; not
  ``bool``) is written as its digits, ``-15000`` included: it cannot hold a formula, and a
  spreadsheet must read it as a number. Only a finite number counts; ``NaN`` and ``Infinity``
  are text.
- **Text is neutralised.** A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab, a
  carriage return or ``'`` is written with one ``'`` in front (``'=SUM(A1)``, ``'-15000``,
  ``''quoted``). The ``'`` on text that already starts with one makes the rule reversible:
  :func:`restore` (drop one leading ``'``) gives back exactly the text that was written.
- ``None`` is an empty cell; dates and datetimes are ISO text; anything else is ``str(cell)``,
  then neutralised as text. Header names are text too.

Every writer takes a :class:`CsvStyle`: the default is RFC 4180 (``,``, decimal point, no byte
order mark); :data:`EXCEL_ID` is what a spreadsheet set to Indonesian opens by double-click
(``;`` between cells, a decimal comma as ``id_ID`` writes ``1,5``, and a UTF-8 byte order mark
so ``Pa'jukukang`` and ``Bontoa'`` keep their letters).
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import itertools
import math
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, TextIO

from klaster.documents._csv_flags import flagged as flagged_columns
from klaster.documents._csv_style import EXCEL_ID, PLAIN, CsvStyle
from klaster.documents.files import atomic_write, atomic_write_stream
from klaster.errors import DocumentError

__all__ = [
    "BOM",
    "EXCEL_ID",
    "FORMULA_START",
    "PLAIN",
    "CsvStyle",
    "csv_columns_text",
    "csv_text",
    "neutralise",
    "restore",
    "safe_cell",
    "write_csv",
    "write_frame",
]

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""The first characters that make a spreadsheet read a cell as a formula."""

_ESCAPE = "'"
_ESCAPED_START = (*FORMULA_START, _ESCAPE)
_NEEDS_WORK = r"^(?:[=+\-@\t\r']|$)"  # a formula start, a ' (escaped too) or empty
_CHUNK = 4096  # rows written at once: their terminators changed in one replace
_NUMBERS = frozenset({int, Decimal, type(None)})  # (exact types: a bool is text)
_TEXTS = frozenset({str, _dt.date, type(None)})  # (a text never equals a date)
BOM = "\ufeff"
"""The UTF-8 byte order mark a :class:`CsvStyle` with ``bom`` writes first."""


def neutralise(text: str) -> str:
    """Text as a spreadsheet shows it rather than runs it: a ``'`` in front when needed.

    Examples:
        >>> neutralise("=HYPERLINK(1)"), neutralise("-15000"), neutralise("Desa Bonto")
        ("'=HYPERLINK(1)", "'-15000", 'Desa Bonto')
        >>> neutralise("'quoted")
        "''quoted"
    """
    return _ESCAPE + text if text.startswith(_ESCAPED_START) else text


def restore(text: str) -> str:
    """The text :func:`neutralise` was given (one leading ``'`` dropped, if there is one).

    Examples:
        >>> restore("'-15000"), restore("''quoted"), restore("Desa Bonto")
        ('-15000', "'quoted", 'Desa Bonto')
    """
    return text[1:] if text.startswith(_ESCAPE) else text


def safe_cell(cell: object) -> str | int | float | Decimal:
    """One cell as it is written: numbers as they are, everything else as neutralised text."""
    if cell is None:
        return ""
    if isinstance(cell, int | float | Decimal) and not isinstance(cell, bool):
        # A finite number is digits, a sign, a point and an exponent: never a formula.
        if not isinstance(cell, int) and not _finite(cell):
            return neutralise(str(cell))
        return cell
    if isinstance(cell, _dt.date | _dt.time):
        return cell.isoformat()
    return neutralise(cell if isinstance(cell, str) else str(cell))


def csv_text(
    header: Sequence[object],
    rows: Iterable[Iterable[object]],
    *,
    lineterminator: str = "\r\n",
    style: CsvStyle = PLAIN,
) -> str:
    """A header line and rows as CSV text, every cell through :func:`safe_cell`.

    ``style`` (:class:`CsvStyle`) sets the separator, the decimal mark and the byte order mark.

    Examples:
        >>> csv_text(["desa", "income"], [["=cmd|' /C calc'!A0", -15000]]).splitlines()
        ['desa,income', "'=cmd|' /C calc'!A0,-15000"]
    """
    buffer = io.StringIO()
    _write(buffer, header, rows, lineterminator, style)
    return buffer.getvalue()


def csv_columns_text(
    columns: Mapping[str, Sequence[object]], *, lineterminator: str = "\r\n"
) -> str:
    """:func:`csv_text` of columns of equal length, named by their keys: the same text.

    Each column is judged at once, not row by row (a report's 28,000 rows).

    Args:
        columns: The header's names and each one's cells, in order.
        lineterminator: As for :func:`csv_text`.

    Raises:
        DocumentError: The columns are not all of one length (their lengths are named).
    """
    lengths = {name: len(cells) for name, cells in columns.items()}
    if len(set(lengths.values())) > 1:
        raise DocumentError(f"columns of different lengths, each must have as many: {lengths}")
    buffer = io.StringIO()
    rows = zip(*map(_plain_column, columns.values()), strict=True)
    _write(buffer, list(columns), rows, lineterminator, PLAIN, judged=True)
    return buffer.getvalue()


def write_csv(
    path: str | os.PathLike[str],
    header: Sequence[object],
    rows: Iterable[Iterable[object]],
    *,
    lineterminator: str = "\r\n",
    style: CsvStyle = PLAIN,
) -> None:
    """Write a header line and rows to ``path`` atomically, every cell through :func:`safe_cell`.

    A failure at any point (an unwritable folder, an exception from ``rows``) leaves any old file
    as it was.

    Args:
        path: The CSV file (UTF-8, comma-separated, quoted where needed).
        header: The column names.
        rows: The rows, each an iterable of cells.
        lineterminator: CR LF (RFC 4180, the default) or a bare LF.
        style: Separator, decimal mark and byte order mark (:class:`CsvStyle`; e.g.
            :data:`EXCEL_ID` for an Indonesian spreadsheet).

    Raises:
        DocumentError: The file cannot be written.
    """
    atomic_write(path, lambda handle: _write(handle, header, rows, lineterminator, style))


def write_frame(
    path: str | os.PathLike[str],
    frame: Any,
    *,
    lineterminator: str = "\r\n",
    style: CsvStyle = PLAIN,
    in_scratch: bool = False,
) -> None:
    """Write a polars frame by the same rule as :func:`write_csv`, a column at a time.

    For a million rows (screening decisions) a row at a time is too slow. Number columns are
    written as they are, booleans as ``true``/``false``, everything else as text neutralised as
    :func:`neutralise` does (header names too); ``None`` is an empty cell; dates are ISO text.
    ``style`` as for :func:`write_csv`. Atomic. A text or date column with no cell to escape
    (IDs, pseudonyms, dates after year 0) is written as it is, not copied: one scan finds them.

    ``in_scratch=True`` is for a file inside a scratch folder its caller moves into place whole
    (the tidy export's): polars then writes straight to ``path`` (no Python file handle, so the
    GIL is free while it writes) and the file is fsynced, with the same bytes; the folder's move
    is what makes it atomic. There ``frame`` may be a polars ``LazyFrame``: its rows are streamed
    into the file (never held whole), with the same bytes; its text and date columns are
    scanned first by a query of their own (so the query runs twice, the scan only in part).

    Raises:
        DocumentError: The file cannot be written.
    """
    import polars as pl

    streamed = isinstance(frame, pl.LazyFrame) and in_scratch
    if isinstance(frame, pl.LazyFrame) and not in_scratch:
        frame = frame.collect()
    # Only the columns holding a cell to escape are rewritten: one vectorised scan finds them
    # (an Enum's categories are scanned, not its rows), the others are written as they are
    # (no copy of a column of IDs, numbers or dates). A query streamed into its file is
    # scanned by a query of its own first: polars computes only the scanned columns.
    schema = frame.collect_schema() if streamed else frame.schema
    flagged = flagged_columns(pl, frame, schema, _NEEDS_WORK)
    cells = []
    for name, dtype in schema.items():
        column = pl.col(name)
        if dtype.is_numeric() or dtype == pl.Boolean:
            cells.append(column)
            continue
        if dtype in (pl.String, pl.Date) and not flagged[name]:
            cells.append(column)  # ISO dates of years 0001-9999 start with a digit
            continue
        if isinstance(dtype, pl.Enum) and not any(
            re.match(_NEEDS_WORK, c) for c in dtype.categories
        ):
            cells.append(column)
            continue
        if dtype == pl.Date:  # only a date before year 1 starts with a '-'
            text = column.cast(pl.String)
            early = pl.when(column.dt.year() < 1).then(_ESCAPE + text).otherwise(text)
            cells.append(early.alias(name))
            continue
        text = column.cast(pl.String)
        starts = text.str.contains(r"^[=+\-@\t\r']")
        # An empty text is an empty cell, as csv.writer writes it (polars would quote it).
        safe = pl.when(starts).then(_ESCAPE + text).when(text == "").then(None).otherwise(text)
        cells.append(safe.alias(name))
    safe = frame.select(cells).rename({name: neutralise(name) for name in schema.names()})
    if streamed:
        _sink(path, safe, lineterminator, style)
        return

    def write(into: Any) -> None:
        safe.write_csv(
            into,
            include_bom=style.bom,
            line_terminator=lineterminator,
            separator=style.separator,
            decimal_comma=style.decimal_comma,
        )

    if not in_scratch:
        atomic_write_stream(path, write)
        return
    try:
        write(os.fspath(path))
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        raise DocumentError(f"{path}: cannot write the file ({exc.strerror or exc})") from None


def _sink(path: str | os.PathLike[str], safe: Any, lineterminator: str, style: CsvStyle) -> None:
    """Stream a query's rows into ``path`` (in a scratch folder) as ``write_frame`` writes them."""
    try:
        safe.sink_csv(
            os.fspath(path),
            include_bom=style.bom,
            line_terminator=lineterminator,
            separator=style.separator,
            decimal_comma=style.decimal_comma,
            sync_on_close="data",
        )
    except OSError as exc:
        raise DocumentError(f"{path}: cannot write the file ({exc.strerror or exc})") from None


def _write(
    handle: TextIO,
    header: Sequence[object],
    rows: Iterable[Iterable[object]],
    lineterminator: str,
    style: CsvStyle,
    judged: bool = False,
) -> None:
    # (judged: the rows' cells are safe_cell's.) A CR LF terminator makes every Python quote a
    # cell holding a CR or an LF (3.11 quotes only the terminator's characters: a bare CR would
    # start a new line, and a new first cell, in a spreadsheet); each line then ends as asked.
    scratch = io.StringIO()
    out = csv.writer(scratch, lineterminator="\r\n", delimiter=style.separator)
    if style.bom:
        handle.write(BOM)
    cell_of = _comma_cell if style.decimal_comma else _plain_cell
    pending = itertools.chain([header], rows)
    first = True  # the header alone: its texts would make every column's first chunk mixed
    while rows_in := list(map(tuple, itertools.islice(pending, 1 if first else _CHUNK))):
        ready, first = judged and not first, False
        lengths = set(map(len, rows_in))
        chunk: Sequence[Sequence[object]]
        if ready:
            chunk = rows_in  # (each whole column judged by csv_columns_text)
        elif cell_of is _comma_cell or len(lengths) != 1 or 0 in lengths:
            chunk = [[cell_of(cell) for cell in row] for row in rows_in]
        else:  # a column at a time: a report's 28k rows x 15 cells are mostly one type each
            chunk = list(zip(*map(_plain_column, zip(*rows_in, strict=True)), strict=True))
        out.writerows(chunk)
        text = scratch.getvalue()
        scratch.seek(0)
        scratch.truncate()
        if lineterminator != "\r\n":
            if text.count("\r\n") != len(chunk):  # a cell holds a CR LF: line by line
                text = "".join(_line(out, scratch, row, lineterminator) for row in chunk)
            else:
                text = text.replace("\r\n", lineterminator)
        handle.write(text)


def _line(out: Any, scratch: io.StringIO, row: Sequence[object], lineterminator: str) -> str:
    out.writerow(row)
    text = scratch.getvalue()[:-2] + lineterminator
    scratch.seek(0)
    scratch.truncate()
    return text


def _plain_cell(cell: object) -> str | int | float | Decimal:
    # safe_cell with a report's usual cells first (28k rows x 15 cells): same results
    if isinstance(cell, str):
        return _ESCAPE + cell if cell.startswith(_ESCAPED_START) else cell
    if cell is None:
        return ""
    if type(cell) is int or (type(cell) is Decimal and cell.is_finite()):  # an int, not a bool
        return cell
    return safe_cell(cell)


def _plain_column(column: Sequence[object]) -> Sequence[object]:
    # _plain_cell of each cell, judged once for a column of numbers or of texts
    kinds = set(map(type, column))
    if kinds <= _NUMBERS and all(c.is_finite() for c in column if type(c) is Decimal):
        return ["" if c is None else c for c in column] if type(None) in kinds else column
    if kinds <= _TEXTS:  # (equal cells are the same cell: each distinct one judged once)
        return list(map({c: _plain_cell(c) for c in set(column)}.__getitem__, column))
    return list(map(_plain_cell, column))


def _comma_cell(cell: object) -> str | int | float | Decimal:
    safe = safe_cell(cell)
    # A number with decimals as id_ID writes it (1,5); whole numbers have no mark to change.
    return str(safe).replace(".", ",") if isinstance(safe, float | Decimal) else safe


def _finite(number: float | Decimal) -> bool:
    return number.is_finite() if isinstance(number, Decimal) else math.isfinite(number)
