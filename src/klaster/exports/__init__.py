"""Exports: a program's data in the formats other systems read.

DHIS2 dataValueSets for government health and social information systems
(:mod:`klaster.exports.dhis2`, :mod:`klaster.exports.dhis2_mapping`). Imported by nothing but
the command line.

Tidy tables for analysts (:mod:`klaster.exports.tidy`, :func:`write_tidy`): members, groups,
memberships, observations, figures and ledger entries as CSV or Parquet, member IDs
pseudonymised with a secret the user keeps (:mod:`klaster.exports.pseudonym`); the same tables
as polars frames in :mod:`klaster.exports.frames`.

IATI 2.03 activity XML for donors (:func:`iati_activities`, :func:`write_iati`, settings in
:class:`IatiSettings`): one activity for the program and one per cluster
(:mod:`klaster.exports.iati` and the ``iati_*`` modules).
"""

from __future__ import annotations

from klaster.exports import frames
from klaster.exports.dhis2 import DataValue, DataValueSet, data_values, write_data_values
from klaster.exports.dhis2_mapping import (
    DHIS2_MAPPING_VERSION,
    Dhis2Indicator,
    Dhis2Mapping,
    IdScheme,
    PeriodType,
    load_dhis2_mapping,
    parse_dhis2_mapping,
    period_string,
)
from klaster.exports.iati import IATI_VERSION, iati_activities, write_iati
from klaster.exports.iati_schema import iati_schema_problems
from klaster.exports.iati_settings import DEFAULT_STATUS, AdminCode, IatiSettings, OrgIdentity
from klaster.exports.pseudonym import (
    MIN_SECRET_BYTES,
    SECRET_ENV,
    Pseudonymiser,
    new_secret_file,
)
from klaster.exports.tidy import TABLES, TidyExport, TidyFile, tidy_tables, write_tidy

__all__ = [
    "DEFAULT_STATUS",
    "DHIS2_MAPPING_VERSION",
    "IATI_VERSION",
    "MIN_SECRET_BYTES",
    "SECRET_ENV",
    "TABLES",
    "AdminCode",
    "DataValue",
    "DataValueSet",
    "Dhis2Indicator",
    "Dhis2Mapping",
    "IatiSettings",
    "IdScheme",
    "OrgIdentity",
    "PeriodType",
    "Pseudonymiser",
    "TidyExport",
    "TidyFile",
    "data_values",
    "frames",
    "iati_activities",
    "iati_schema_problems",
    "load_dhis2_mapping",
    "new_secret_file",
    "parse_dhis2_mapping",
    "period_string",
    "tidy_tables",
    "write_data_values",
    "write_iati",
    "write_tidy",
]
