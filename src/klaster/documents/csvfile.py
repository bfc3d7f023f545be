"""The one CSV writer: every cell safe to open in a spreadsheet, every file written atomically.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, in some, a tab or a
carriage return) as a formula: ``=HYPERLINK(...)`` or ``+cmd|...`` in a village name or a
business type would reach the person opening the file live ("CSV injection"). Every CSV klaster
writes (``klaster report --format csv``, the importer's rejects file) goes through
:func:`write_csv` or :func:`csv_text`, and ``tests/documents/test_csvfile.py`` fails when a
``csv.writer`` appears anywhere else.

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
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import itertools
import math
import os
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any, TextIO

from klaster.documents.files import atomic_write

__all__ = [
    "FORMULA_START",
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
    header: Sequence[object], rows: Iterable[Iterable[object]], *, lineterminator: str = "\r\n"
) -> str:
    """A header line and rows as CSV text, every cell through :func:`safe_cell`.

    Examples:
        >>> csv_text(["desa", "income"], [["=cmd|' /C calc'!A0", -15000]]).splitlines()
        ['desa,income', "'=cmd|' /C calc'!A0,-15000"]
    """
    buffer = io.StringIO()
    _write(buffer, header, rows, lineterminator)
    return buffer.getvalue()


def write_csv(
    path: str | os.PathLike[str],
    header: Sequence[object],
    rows: Iterable[Iterable[object]],
    *,
    lineterminator: str = "\r\n",
) -> None:
    """Write a header line and rows to ``path`` atomically, every cell through :func:`safe_cell`.

    A failure at any point (an unwritable folder, an exception from ``rows``) leaves any old file
    as it was.

    Args:
        path: The CSV file (UTF-8, comma-separated, quoted where needed).
        header: The column names.
        rows: The rows, each an iterable of cells.
        lineterminator: CR LF (RFC 4180, the default) or a bare LF.

    Raises:
        DocumentError: The file cannot be written.
    """
    atomic_write(path, lambda handle: _write(handle, header, rows, lineterminator))


def write_frame(path: str | os.PathLike[str], frame: Any, *, lineterminator: str = "\r\n") -> None:
    """Write a polars frame by the same rule as :func:`write_csv`, a column at a time.

    For a million rows (screening decisions) a row at a time is too slow. Number columns are
    written as they are, booleans as ``true``/``false``, everything else as text neutralised as
    :func:`neutralise` does (header names too); ``None`` is an empty cell. Atomic.

    Raises:
        DocumentError: The file cannot be written.
    """
    import polars as pl

    cells = []
    for name, dtype in frame.schema.items():
        column = pl.col(name)
        if dtype.is_numeric():
            cells.append(column)
            continue
        text = column.cast(pl.String)
        if dtype == pl.Boolean:
            cells.append(text.alias(name))
            continue
        starts = text.str.contains(r"^[=+\-@\t\r']")
        # An empty text is an empty cell, as csv.writer writes it (polars would quote it).
        safe = pl.when(starts).then(_ESCAPE + text).when(text == "").then(None).otherwise(text)
        cells.append(safe.alias(name))
    safe = frame.select(cells).rename({name: neutralise(name) for name in frame.columns})
    text = safe.write_csv(line_terminator=lineterminator)
    atomic_write(path, lambda handle: handle.write(text))


def _write(
    handle: TextIO,
    header: Sequence[object],
    rows: Iterable[Iterable[object]],
    lineterminator: str,
) -> None:
    # A CR LF terminator makes every Python quote a cell holding a CR or an LF (3.11 quotes only
    # the terminator's characters: a bare CR would start a new line, and a new first cell, in a
    # spreadsheet); each line then ends as asked.
    scratch = io.StringIO()
    out = csv.writer(scratch, lineterminator="\r\n")
    for row in itertools.chain([header], rows):
        out.writerow([safe_cell(cell) for cell in row])
        handle.write(scratch.getvalue()[:-2] + lineterminator)
        scratch.seek(0)
        scratch.truncate()


def _finite(number: float | Decimal) -> bool:
    return number.is_finite() if isinstance(number, Decimal) else math.isfinite(number)
