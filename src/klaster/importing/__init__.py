"""Importing field data: KoboToolbox / ODK Collect exports and plain CSV, through a mapping file.

A mapping file (TOML) says which columns of a form's export become which member fields (a
registration form) or variables of which round (a survey form). :func:`read_submissions` reads
the export into a checked :class:`ImportBatch`, and the store applies it in one transaction
(:meth:`klaster.store.Store.apply_import`); submissions already imported are skipped, so
importing the same file twice changes nothing. See ``docs/importing.md``.

Public modules: :mod:`~klaster.importing.mapping` (the mapping's records),
:mod:`~klaster.importing.mapping_file` (reading and checking a mapping file),
:mod:`~klaster.importing.reader` (``read_submissions``), :mod:`~klaster.importing.batch` (what a
read gives the store), :mod:`~klaster.importing.rejects` (the rejects CSV) and
:mod:`~klaster.importing.roster` (``read_roster``: members, groups and memberships).

Internal modules, in the order a read uses them: ``_toml_tables`` and ``_mapping_checks`` (the
mapping file's values and checks); ``_source``, ``_table`` and ``_header`` (opening an export,
streaming its rows, finding mapped columns); ``_submissions`` (submission IDs, those imported
already); ``_plan``, ``_cells`` and ``_selects`` (which cells feed which variable, and their
conversion); ``_rounds``, ``_units`` and ``_repeats`` (each row's round, unit and repeat-group
rows); ``_answers`` (a unit answered twice in a round); ``_xlsx_limits`` (an XLSX file's size and
rows, checked before it is opened); ``_survey`` and ``_registration`` (the two form readers) and
``_screening`` (screening forms into applicants); ``_roster_rows`` and ``_roster_apply`` (a
roster's rows, and adding them to a program); ``_blocks`` (rows into the batch's observation
blocks); ``_problems`` (located problems, rows set aside); ``_screen`` (rows the sector plugins
refuse, set aside with their submission under ``keep_valid``).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from klaster.importing.batch import (
        ImportBatch,
        NewActivity,
        NewApplicant,
        NewMember,
        NewVisit,
        ObservationBlock,
        Rejection,
    )
    from klaster.importing.mapping import (
        APPLICANT_FIELDS,
        MAPPING_VERSION,
        MEMBER_FIELDS,
        ROSTER_FIELDS,
        Aggregate,
        ColumnRule,
        FormKind,
        ImportMapping,
        RepeatMapping,
        RoundDeclaration,
    )
    from klaster.importing.mapping_file import load_mapping, parse_mapping
    from klaster.importing.reader import read_submissions
    from klaster.importing.rejects import write_rejects
    from klaster.importing.roster import RosterImport, read_roster

# The names load with their module on first use: opening a store (which imports the batch's
# records) or `import klaster.importing.mapping` does not load the readers (15-20 ms).
_MODULES = {
    "batch": (
        "ImportBatch",
        "NewActivity",
        "NewApplicant",
        "NewMember",
        "NewVisit",
        "ObservationBlock",
        "Rejection",
    ),
    "mapping": (
        "APPLICANT_FIELDS",
        "MAPPING_VERSION",
        "MEMBER_FIELDS",
        "ROSTER_FIELDS",
        "Aggregate",
        "ColumnRule",
        "FormKind",
        "ImportMapping",
        "RepeatMapping",
        "RoundDeclaration",
    ),
    "mapping_file": ("load_mapping", "parse_mapping"),
    "reader": ("read_submissions",),
    "rejects": ("write_rejects",),
    "roster": ("RosterImport", "read_roster"),
}
_LAZY = {
    name: f"klaster.importing.{module}" for module, names in _MODULES.items() for name in names
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'klaster.importing' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


__all__ = [
    "APPLICANT_FIELDS",
    "MAPPING_VERSION",
    "MEMBER_FIELDS",
    "ROSTER_FIELDS",
    "Aggregate",
    "ColumnRule",
    "FormKind",
    "ImportBatch",
    "ImportMapping",
    "NewActivity",
    "NewApplicant",
    "NewMember",
    "NewVisit",
    "ObservationBlock",
    "Rejection",
    "RepeatMapping",
    "RosterImport",
    "RoundDeclaration",
    "load_mapping",
    "parse_mapping",
    "read_roster",
    "read_submissions",
    "write_rejects",
]
