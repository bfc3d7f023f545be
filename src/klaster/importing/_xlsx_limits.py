"""Bounds checked on an XLSX file before openpyxl reads anything of it.

An XLSX file is a zip archive: a 302 KB file can unpack to hundreds of MB of sheet XML (which
openpyxl parses, and whose shared strings it holds in memory whole). The sizes the archive
declares for its sheets and shared strings are checked against a limit first (zipfile never
unpacks more than an entry declares), then each sheet's declared ``<dimension>`` against the row
limit.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import BinaryIO

from klaster.errors import ImportDataError

__all__ = ["DEFAULT_MAX_UNPACKED_MB", "MAX_SHEET_ROWS", "check_workbook"]

DEFAULT_MAX_UNPACKED_MB = 256
"""The default limit on an XLSX file's sheets and shared strings, unpacked, in MB (``[source]
max_unpacked_mb`` in the mapping changes it)."""
MAX_SHEET_ROWS = 1_048_576
"""The most rows a sheet may declare without ``max_rows`` (Excel's own limit)."""

_MB = 1024 * 1024
_PARTS = re.compile(r"xl/(worksheets/[^/]+|sharedStrings)\.xml", re.IGNORECASE)
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"[A-Z]*\d*:?[A-Z]*(\d+)\"")
_HEAD = 64 * 1024  # the <dimension> comes before the sheet's data


def check_workbook(
    path: Path, handle: BinaryIO, max_rows: int | None, max_unpacked_mb: int | None
) -> None:
    """Refuse a workbook whose parts unpack too large or whose sheets declare too many rows.

    Args:
        path: The file (for messages).
        handle: The file, open for reading (left at its start).
        max_rows: The data-row limit (``None``: :data:`MAX_SHEET_ROWS`).
        max_unpacked_mb: The unpacked-size limit (``None``: :data:`DEFAULT_MAX_UNPACKED_MB`).

    Raises:
        ImportDataError: Over a limit, naming the part and the limit to raise.
    """
    limit = (max_unpacked_mb or DEFAULT_MAX_UNPACKED_MB) * _MB
    rows = MAX_SHEET_ROWS if max_rows is None else max_rows + 1  # with the header row
    try:
        problem = _problem(path, handle, limit, rows, max_rows)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError):
        problem = None  # not a readable zip: openpyxl reports it as a damaged file
    finally:
        handle.seek(0)
    if problem is not None:
        raise ImportDataError(problem)


def _problem(
    path: Path, handle: BinaryIO, limit: int, rows: int, max_rows: int | None
) -> str | None:
    with zipfile.ZipFile(handle) as archive:
        parts = [i for i in archive.infolist() if _PARTS.fullmatch(i.filename)]
        total = sum(i.file_size for i in parts)
        if total > limit:
            return (
                f"{path.name}: its sheets unpack to {total / _MB:,.0f} MB, over the limit of "
                f"{limit // _MB:,} MB ([source] max_unpacked_mb in the mapping); split the "
                "export, or raise the limit if the file is genuine"
            )
        for info in parts:
            if info.filename.lower().startswith("xl/worksheets/"):
                found = _rows(path, archive, info, rows, max_rows)
                if found is not None:
                    return found
    return None


def _rows(
    path: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo, rows: int, max_rows: int | None
) -> str | None:
    with archive.open(info) as part:
        head = part.read(_HEAD)
    found = _DIMENSION.search(head)
    if found is None:
        return None  # no dimension: rows are counted while reading
    declared = int(found.group(1)[:9])  # a 9-digit row number is over any limit already
    if declared <= rows:
        return None
    limit = "max_rows in the mapping" if max_rows is not None else "a sheet's 1,048,576 rows"
    return (
        f"{path.name}: sheet {info.filename.rsplit('/', 1)[-1]!r} declares {declared - 1:,} "
        f"data rows, over the limit ({limit}); split the export"
    )
