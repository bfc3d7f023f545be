"""The rejects file: the rows an import set aside, as they were read, with every reason."""

from __future__ import annotations

import csv
import os
from typing import TextIO

from klaster.documents.files import atomic_write
from klaster.errors import ImportDataError
from klaster.importing.batch import ImportBatch

__all__ = ["write_rejects"]

# A cell starting with one of these is a formula to Excel and LibreOffice ("CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _safe(cell: str) -> str:
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


def write_rejects(batch: ImportBatch, path: str | os.PathLike[str]) -> int:
    """Write ``batch.rejected`` as CSV: ``_source``, ``_row``, the row's columns, ``_reasons``.

    The file is written atomically (a failure leaves any old file as it was). Cells that a
    spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``) are written with
    a leading ``'``. The file holds the rows as read, which may include personal data: keep it
    where the export itself is kept.

    Args:
        batch: A batch read with ``keep_valid=True``.
        path: The CSV file to write.

    Returns:
        The number of rows written.

    Raises:
        ImportDataError: ``batch`` is not an ImportBatch.
        DocumentError: The file cannot be written.
    """
    if not isinstance(batch, ImportBatch):
        raise ImportDataError(f"batch must be an ImportBatch, got {type(batch).__name__}")
    columns: dict[str, None] = {}
    for rejection in batch.rejected:
        columns.update(dict.fromkeys(rejection.raw))
    names = [c for c in columns if c not in ("_source", "_row", "_reasons")]

    def write(handle: TextIO) -> None:
        out = csv.writer(handle)
        out.writerow(["_source", "_row", *map(_safe, names), "_reasons"])
        for rejection in batch.rejected:
            cells = [rejection.raw.get(name, "") for name in names]
            out.writerow(
                [
                    _safe(rejection.source),
                    rejection.row,
                    *map(_safe, cells),
                    _safe(" | ".join(rejection.reasons)),
                ]
            )

    atomic_write(path, write)
    return len(batch.rejected)
