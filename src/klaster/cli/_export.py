"""``klaster export iati|dhis2|tidy``: a program's data in the formats other systems read.

Donors read IATI, government information systems DHIS2, analysts tidy tables. Each format
lives in its own module (``_export_iati``, ``_export_dhis2``, ``_export_tidy``) with
``add_parser(kinds, common)`` registering its sub-command and its ``run``.
"""

from __future__ import annotations

import argparse
from typing import Any

from klaster.cli import _export_dhis2, _export_iati, _export_tidy

NAME = "export"


def add_parser(commands: Any, common: argparse.ArgumentParser) -> None:
    """Register the command and its formats."""
    parser = commands.add_parser(
        NAME,
        parents=[common],
        help="export a program: IATI activity XML, DHIS2 data values, tidy CSV/Parquet",
        description="Write a program's data in a format another system reads: IATI 2.03 "
        "activity XML for donors, DHIS2 dataValueSets for government information systems, and "
        "tidy CSV/Parquet tables (pseudonymised member IDs) for analysts. Every file is written "
        "atomically; bad input writes nothing.",
    )
    kinds = parser.add_subparsers(dest="format", metavar="FORMAT", title="formats", required=True)
    for module in (_export_iati, _export_dhis2, _export_tidy):
        module.add_parser(kinds, common)
