"""Reading an export's rows: streamed CSV (any delimiter, UTF-8 with or without BOM) and XLSX.

Both give a :class:`Header` and chunks of rows as lists of strings, so the readers above never
see the format. Problems of a single row (wrong number of cells, a byte that is not UTF-8, a
formula cell) travel with the chunk; problems of the whole file (unreadable, empty, over the
size limit) raise :class:`~klaster.errors.ImportDataError` at once.
"""

from __future__ import annotations

import codecs
import csv
import datetime as _dt
import io
import itertools
import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from attrs import define, field

from klaster.documents.csvfile import restore
from klaster.errors import ImportDataError
from klaster.importing._header import Header
from klaster.importing._xlsx_limits import check_workbook

CHUNK = 16_384
"""Rows per chunk: large enough for column-wise work, small enough to stream."""

_SURROGATE = re.compile(r"[\udc80-\udcff]")
_MARK = "klaster.importing.mark"
_ESCAPE = codecs.lookup_error("surrogateescape")
_DECODE_ERRORS = [0]
"""How many undecodable stretches the importer's decoding has met (all files together): a chunk
is searched for them only once the count moved since its file was opened."""


def _mark(exc: UnicodeError) -> tuple[str | bytes, int]:
    # As "surrogateescape" (the bytes survive as markers the rows can be searched for), counted.
    _DECODE_ERRORS[0] += 1
    return _ESCAPE(exc)


codecs.register_error(_MARK, _mark)
_CANDIDATES = (";", ",", "\t", "|")


@define
class Chunk:
    """Consecutive data rows of a table.

    Attributes:
        numbers: Each row's number as a spreadsheet shows it (the header is row 1).
        rows: The cells, as text, padded to the header's width.
        problems: Row index in the chunk → reasons found while reading it.
        ragged: Rows whose cells do not line up with the header: nothing else is checked in
            them (every cell after the stray delimiter would be reported too).
    """

    numbers: list[int] = field(factory=list)
    rows: list[list[str]] = field(factory=list)
    problems: dict[int, list[str]] = field(factory=dict)
    ragged: set[int] = field(factory=set)


class Table:
    """One sheet or CSV file: a source name for messages, a header, and chunks of rows."""

    source: str
    header: Header

    def chunks(self, size: int = CHUNK) -> Iterator[Chunk]:
        """The data rows, in order."""
        raise NotImplementedError  # pragma: no cover

    def delimiter_hint(self) -> str | None:
        """Why the mapped columns may be missing, when the header looks wrongly split."""
        return None


def _too_many(source: str, max_rows: int) -> ImportDataError:
    return ImportDataError(
        f"{source}: more than {max_rows:,} data rows (the limit max_rows); split the export "
        "(for example by submission date) or raise [source] max_rows in the mapping"
    )


class CsvTable(Table):
    """A CSV file read as a stream (see the module docstring)."""

    def __init__(self, path: Path, delimiter: str | None, max_rows: int | None) -> None:
        self.source = path.name
        self.max_rows = max_rows
        try:
            raw = path.open("rb")
        except OSError as exc:
            raise ImportDataError(f"{path.name}: cannot read the file ({exc.strerror})") from None
        # surrogateescape: a byte that is not UTF-8 survives as a marker, so the row and column
        # can be named instead of failing somewhere in a block of the file.
        self._errors_at_open = _DECODE_ERRORS[0]
        self._handle = io.TextIOWrapper(raw, encoding="utf-8-sig", errors=_MARK, newline="")
        try:
            first = self._handle.readline()
        except OSError as exc:  # pragma: no cover - a read error after a successful open
            self.close()
            raise ImportDataError(f"{path.name}: cannot read the file ({exc.strerror})") from None
        if not first.strip():
            self.close()
            raise ImportDataError(f"{path.name}: the file is empty (no header row)")
        self.delimiter = delimiter or _sniff(first)
        self._given = delimiter is not None
        self._reader = csv.reader(
            itertools.chain([first], self._handle), delimiter=self.delimiter, strict=False
        )
        try:
            names = next(self._reader)
        except csv.Error as exc:
            self.close()
            raise ImportDataError(f"{path.name} row 1: cannot read the header ({exc})") from None
        # A rejects file (write_rejects) put one "'" before some cells: take exactly that off.
        self._restore = names[:2] == ["_source", "_row"] and names[-1:] == ["_reasons"]
        if self._restore:
            names = list(map(restore, names))
        bad = [n for n in names if _SURROGATE.search(n)]
        if bad:
            self.close()
            raise ImportDataError(
                f"{path.name} row 1: the header is not UTF-8 text; re-export the file as UTF-8"
            )
        self.header = Header(names)

    def close(self) -> None:
        """Close the file."""
        self._handle.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def delimiter_hint(self) -> str | None:
        """See :meth:`Table.delimiter_hint`."""
        if len(self.header) != 1:
            return None
        only = self.header.names[0]
        for other in _CANDIDATES:
            if other != self.delimiter and other in only:
                shown = "\\t" if other == "\t" else other
                how = "set" if not self._given else "change"
                return (
                    f"the header is a single column containing {shown!r}: the file looks "
                    f"{shown!r}-separated; {how} [source] delimiter = {shown!r} in the mapping "
                    "(or leave it out to detect it)"
                )
        return None

    def chunks(self, size: int = CHUNK) -> Iterator[Chunk]:
        """See :meth:`Table.chunks`."""
        width = len(self.header)
        blank = [""] * width
        number = 2  # the row number of the next record
        count = 0
        while True:
            try:
                rows = list(itertools.islice(self._reader, size))
            except csv.Error as exc:
                raise ImportDataError(
                    f"{self.source} line {self._reader.line_num}: cannot read the CSV ({exc}); "
                    'an unclosed quote (") makes the rest of the file one cell'
                ) from None
            if not rows:
                return
            if self._restore:
                rows = [list(map(restore, row)) for row in rows]
            numbers = list(range(number, number + len(rows)))
            number += len(rows)
            chunk = Chunk(numbers, rows)
            if [] in rows or blank in rows or set(map(len, rows)) != {width}:
                chunk = self._irregular(chunk, width)
            count += len(chunk.rows)
            if self.max_rows is not None and count > self.max_rows:
                raise _too_many(self.source, self.max_rows)
            if _DECODE_ERRORS[0] != self._errors_at_open:
                self._check_text(chunk)  # from the first undecodable byte on, every chunk
            if chunk.rows:
                yield chunk

    def _irregular(self, chunk: Chunk, width: int) -> Chunk:
        """Blank lines left out; rows of another width padded or cut, with a problem."""
        found = Chunk()
        for number, row in zip(chunk.numbers, chunk.rows, strict=True):
            if not any(c.strip() for c in row):
                continue  # a blank line, or one of empty cells only
            if len(row) != width:
                found.ragged.add(len(found.rows))
                found.problems[len(found.rows)] = [
                    f"has {len(row)} cells but the header has {width} (a delimiter inside an "
                    "unquoted cell, or a broken quote?)"
                ]
                row = (row + [""] * width)[:width]
            found.rows.append(row)
            found.numbers.append(number)
        return found

    def _check_text(self, chunk: Chunk) -> None:
        names = self.header.names
        for index, row in enumerate(chunk.rows):
            for column, cell in enumerate(row):
                found = _SURROGATE.search(cell)
                if found:
                    byte = ord(found.group()) - 0xDC00
                    chunk.problems.setdefault(index, []).append(
                        f"column {names[column]!r}: not UTF-8 text (byte 0x{byte:02X}); "
                        "re-export the file as UTF-8"
                    )
                    row[column] = _SURROGATE.sub("\ufffd", cell)


def _sniff(first: str) -> str:
    best, most = ",", 1
    for candidate in _CANDIDATES:
        try:
            width = len(next(csv.reader([first], delimiter=candidate)))
        except (csv.Error, StopIteration):
            continue
        if width > most:
            best, most = candidate, width
    return best


class Workbook:
    """An XLSX file opened read-only, values as stored (formulas are shown, not computed)."""

    def __init__(self, path: Path, max_rows: int | None, max_unpacked_mb: int | None) -> None:
        self.name = path.name
        self.max_rows = max_rows
        try:
            import openpyxl
        except ImportError:
            raise ImportDataError(
                f"{path.name}: reading XLSX needs openpyxl: pip install 'klaster[xlsx]' (or "
                "export the form as CSV)"
            ) from None
        try:
            # Our own handle: openpyxl leaves its file open when a damaged workbook fails.
            self._handle = path.open("rb")
        except OSError as exc:
            raise ImportDataError(f"{path.name}: cannot read the file ({exc.strerror})") from None
        try:
            check_workbook(path, self._handle, max_rows, max_unpacked_mb)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                self._book: Any = openpyxl.load_workbook(
                    self._handle, read_only=True, data_only=False
                )
        except ImportDataError:
            self._handle.close()
            raise
        except Exception as exc:
            # openpyxl raises anything from zipfile, XML and KeyError on a damaged file.
            self._handle.close()
            raise ImportDataError(
                f"{path.name}: not a readable XLSX file ({type(exc).__name__}); download the "
                "export again, or export as CSV"
            ) from None

    def close(self) -> None:
        """Release the file."""
        try:
            self._book.close()
        finally:
            self._handle.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def sheet(self, name: str | None) -> XlsxTable:
        """The sheet ``name`` (default: the first).

        Raises:
            ImportDataError: No such sheet (the message lists them) or no header row.
        """
        names = list(self._book.sheetnames)
        if not names:
            raise ImportDataError(f"{self.name}: the workbook has no sheets")
        if name is None:
            name = names[0]
        elif name not in names:
            raise ImportDataError(
                f"{self.name}: no sheet {name!r}; the sheets are {', '.join(map(repr, names))}"
            )
        try:
            sheet = self._book[name]
        except Exception as exc:  # a damaged workbook fails in openpyxl's own ways
            raise ImportDataError(
                f"{self.name}: sheet {name!r} cannot be read ({type(exc).__name__}); download "
                "the export again, or export as CSV"
            ) from None
        return XlsxTable(f"{self.name}:{name}", sheet, self.max_rows)


class XlsxTable(Table):
    """One sheet of a workbook."""

    def __init__(self, source: str, sheet: Any, max_rows: int | None) -> None:
        self.source = source
        self.max_rows = max_rows
        sheet.reset_dimensions()  # a writer's wrong <dimension> must not cut rows off
        self._rows = _guarded(source, sheet.iter_rows())
        first = next(self._rows, None)
        if first is None or not any(c.value is not None for c in first):
            raise ImportDataError(f"{source}: the sheet is empty (no header row in row 1)")
        self.header = Header([_text(c.value) for c in first])

    def chunks(self, size: int = CHUNK) -> Iterator[Chunk]:
        """See :meth:`Table.chunks`."""
        from openpyxl.utils import get_column_letter

        width = len(self.header)
        chunk = Chunk()
        count = 0
        for number, cells in enumerate(self._rows, start=2):
            row: list[str] = []
            problems: list[str] = []
            for index, cell in enumerate(cells[:width]):
                if cell.data_type == "f":
                    problems.append(
                        f"column {self.header.names[index]!r}: cell "
                        f"{get_column_letter(index + 1)}{number} holds a formula; export values, "
                        "not formulas (download the export again, or paste as values)"
                    )
                    row.append("")
                    continue
                row.append(_text(cell.value))
            if not any(row) and not problems:
                continue
            count += 1
            if self.max_rows is not None and count > self.max_rows:
                raise _too_many(self.source, self.max_rows)
            row += [""] * (width - len(row))
            if problems:
                chunk.problems[len(chunk.rows)] = problems
            chunk.rows.append(row)
            chunk.numbers.append(number)
            if len(chunk.rows) >= size:
                yield chunk
                chunk = Chunk()
        if chunk.rows:
            yield chunk


def _guarded(source: str, rows: Iterator[Any]) -> Iterator[Any]:
    """The sheet's rows; a damaged sheet becomes an ImportDataError, never openpyxl's own."""
    number = 0
    while True:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                cells = next(rows)
        except StopIteration:
            return
        except Exception as exc:
            raise ImportDataError(
                f"{source} row {number + 1}: the sheet cannot be read ({type(exc).__name__}); "
                "download the export again, or export as CSV"
            ) from None
        number += 1
        yield cells


def _text(value: object) -> str:
    """A cell's value as the text a CSV export of it would hold."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, _dt.datetime):
        if value.time() == _dt.time(0):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, _dt.date | _dt.time):
        return value.isoformat()
    return str(value)
