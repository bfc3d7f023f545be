"""Candidate regions from one long CSV file: one figure per row, with its year and source.

The file has a header row naming the columns (any order; those marked ? may be left out):

=================  ==============================================================================
``region_code``    Kemendagri code of the region's level (``73.03.05``)
``region_name``    its name (``Pajukukang``)
``level``          ``province``, ``kabupaten``, ``kecamatan`` or ``desa``
``parent`` ?       Kemendagri code of the region it lies in (``73.03``)
``indicator``      ``poverty_rate``, ``poor``, ``population`` (poverty statistics) or any other
                   indicator code (``potential_seaweed``, ``distance_market``)
``value``          the figure, exact: digits and a decimal point (``38.20``; never ``38,20``);
                   ``poor`` and ``population`` are whole numbers
``year``           the year the figure refers to (``2010``): required
``source``         where it comes from: required (write ``synthetic example`` for a made-up one)
``stat_kind`` ?    for ``poverty_rate``/``poor``/``population``: ``bps_headcount``,
                   ``targeting_people``, ``targeting_households``, ``program_survey`` or
                   ``other``; required on those rows, empty on the others
``synthetic`` ?    ``yes`` for a made-up figure (``yes``/``no``, ``true``/``false``, ``1``/``0``)
``unit`` ?         the unit of an indicator (``km``)
``note`` ?         free text
=================  ==============================================================================

The ``poverty_rate``, ``poor`` and ``population`` rows of one region, kind and year make one
:class:`~klaster.model.region.RegionStat` (they must agree, share one source and be all
synthetic or none); a synthetic statistic carries ``synthetic`` at the start of its note
(:data:`~klaster.targeting.candidates.SYNTHETIC_NOTE`). Other rows become
:class:`~klaster.targeting.RegionIndicator`. Rows starting with ``#`` and blank rows are skipped.

Reading is all or nothing: every problem is reported, located as ``regions.csv row 7 column
'year': ...`` with what would be valid, and no region is returned unless every row is good.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable
from pathlib import Path

from klaster.errors import DocumentError
from klaster.targeting._regions_reader import REGION_COLUMNS, RegionsReader
from klaster.targeting.candidates import CandidateRegion

__all__ = ["MAX_REGION_ROWS", "REGION_COLUMNS", "parse_regions_csv", "read_regions_csv"]


MAX_REGION_ROWS = 1_000_000
"""The most rows a regions file may hold (every desa of Indonesia has about 84,000)."""


def read_regions_csv(path: str | os.PathLike[str]) -> tuple[CandidateRegion, ...]:
    r"""Read candidate regions from a CSV file (see the module documentation for the columns).

    Args:
        path: The file (UTF-8, a byte-order mark allowed; ``,`` separated).

    Returns:
        The regions, in the order they first appear.

    Raises:
        DocumentError: The file cannot be read, its header lacks a column or names an unknown
            one, or rows are invalid (each problem located as ``regions.csv row 4 column
            'year': ...``); nothing is returned.

    Example:
        >>> import pathlib, tempfile
        >>> folder = pathlib.Path(tempfile.mkdtemp())
        >>> _ = (folder / "regions.csv").write_text(
        ...     "region_code,region_name,level,indicator,value,year,source,stat_kind\n"
        ...     "73.03,Bantaeng,kabupaten,poverty_rate,38.20,2010,seed report 003,"
        ...     "targeting_people\n", encoding="utf-8")
        >>> (region,) = read_regions_csv(folder / "regions.csv")
        >>> region.figure("poverty_rate").value
        Decimal('38.20')
    """
    if not isinstance(path, str | os.PathLike):
        raise DocumentError(
            f"path must be a file path (str or pathlib.Path), got {type(path).__name__}; "
            "parse_regions_csv reads text"
        )
    target = Path(path)
    try:
        with target.open(encoding="utf-8-sig", newline="") as handle:
            return parse_regions_csv(handle, source=target.name)
    except UnicodeDecodeError:
        raise DocumentError(f"{target.name}: not a UTF-8 text file") from None
    except OSError as exc:
        raise DocumentError(f"{target}: cannot read the file ({exc.strerror})") from None


def parse_regions_csv(
    lines: Iterable[str], *, source: str = "regions.csv"
) -> tuple[CandidateRegion, ...]:
    """Read candidate regions from CSV text (an open file, or a list of lines).

    Args:
        lines: The CSV text, line by line.
        source: The file name used in error messages.

    Raises:
        DocumentError: As :func:`read_regions_csv`.
    """
    reader = RegionsReader(source)
    try:
        rows = csv.reader(lines, strict=True)
        for number, cells in enumerate(rows, start=1):
            if number > MAX_REGION_ROWS + 1:
                raise DocumentError(f"{source}: more than {MAX_REGION_ROWS:,} rows")
            if not any(cell.strip() for cell in cells) or cells[0].lstrip().startswith("#"):
                continue
            reader.row(number, cells)
    except csv.Error as exc:
        raise DocumentError(f"{source}: not a readable CSV file ({exc})") from None
    return reader.finish()
