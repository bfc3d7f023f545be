"""Which text and date columns of a polars frame hold a cell the CSV writer must rewrite.

Part of :func:`klaster.documents.csvfile.write_frame` (the one CSV writer), kept apart for the
writer module's length.
"""

from __future__ import annotations

from typing import Any

__all__ = ["flagged"]


def flagged(pl: Any, frame: Any, schema: Any, needs_work: str) -> dict[str, bool]:
    """For each text and date column, whether a cell needs the rewrite.

    A text matching ``needs_work`` (a formula start, a ``'`` or empty); a date before year 1
    (its ISO text starts with a ``-``; not read as a Python date: year 0 and before have none).
    One query over all of them.

    Args:
        pl: The polars module.
        frame: A polars ``DataFrame`` or ``LazyFrame``.
        schema: The frame's schema.
        needs_work: The pattern of a text cell to rewrite.
    """
    scans = [
        pl.col(name).str.contains(needs_work).any()
        if dtype == pl.String
        else (pl.col(name).dt.year() < 1).any()
        for name, dtype in schema.items()
        if dtype in (pl.String, pl.Date)
    ]
    if not scans:
        return {}
    found = frame.select(scans)
    if isinstance(found, pl.LazyFrame):
        found = found.collect()
    return {name: bool(value) for name, value in found.row(0, named=True).items()}
