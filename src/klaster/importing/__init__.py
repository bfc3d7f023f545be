"""Importing field data: KoboToolbox / ODK Collect exports and plain CSV, through a mapping file.

A mapping file (TOML) says which columns of a form's export become which member fields (a
registration form) or variables of which round (a survey form). :func:`read_submissions` reads
the export into a checked :class:`ImportBatch`, and the store applies it in one transaction
(:meth:`klaster.store.Store.apply_import`); submissions already imported are skipped, so
importing the same file twice changes nothing. See ``docs/importing.md``.
"""

from __future__ import annotations

from klaster.importing.batch import ImportBatch, NewMember, ObservationBlock, Rejection
from klaster.importing.mapping import (
    MAPPING_VERSION,
    MEMBER_FIELDS,
    Aggregate,
    ColumnRule,
    FormKind,
    ImportMapping,
    RepeatMapping,
    RoundDeclaration,
    load_mapping,
    parse_mapping,
)
from klaster.importing.reader import read_submissions
from klaster.importing.rejects import write_rejects

__all__ = [
    "MAPPING_VERSION",
    "MEMBER_FIELDS",
    "Aggregate",
    "ColumnRule",
    "FormKind",
    "ImportBatch",
    "ImportMapping",
    "NewMember",
    "ObservationBlock",
    "Rejection",
    "RepeatMapping",
    "RoundDeclaration",
    "load_mapping",
    "parse_mapping",
    "read_submissions",
    "write_rejects",
]
