"""The rejects file: the rows an import set aside, as they were read, with every reason."""

from __future__ import annotations

import os

from klaster.documents.csvfile import write_csv
from klaster.errors import ImportDataError
from klaster.importing.batch import ImportBatch

__all__ = ["write_rejects"]


def write_rejects(batch: ImportBatch, path: str | os.PathLike[str]) -> int:
    """Write ``batch.rejected`` as CSV: ``_source``, ``_row``, the row's columns, ``_reasons``.

    The file is written atomically (a failure leaves any old file as it was) by
    :func:`klaster.documents.csvfile.write_csv`: a cell that a spreadsheet would run as a formula
    (starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) or that starts with
    ``'`` is written with one more ``'`` in front, which
    :func:`klaster.documents.csvfile.restore` removes. The file holds the rows as read, which may
    include personal data: keep it where the export itself is kept.

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

    # Every cell as text through the one CSV writer (a ' before a formula start or a '), the row
    # number as a number.
    lines = (
        [
            rejection.source,
            rejection.row,
            *(str(rejection.raw.get(name, "")) for name in names),
            " | ".join(rejection.reasons),
        ]
        for rejection in batch.rejected
    )
    write_csv(path, ["_source", "_row", *names, "_reasons"], lines)
    return len(batch.rejected)
