"""Survey forms out: XLSForms generated from the variable catalogue, with their import mappings.

:func:`build_form` asks the core variables and the chosen sectors' at one level (member, group
or cooperative) as an XLSForm for KoboToolbox and ODK, and writes the mapping that imports its
exports with no editing (``docs/forms.md``); :func:`save_form` writes both atomically.

Example:
    >>> from klaster.forms import build_form
    >>> form = build_form(["umkm"], level="member", round="btg-endline")
    >>> form.question("monthly_revenue").constraint
    '. >= 0 and . <= 1250000000'
"""

from __future__ import annotations

from klaster.forms.build import IDENTITY_GROUP, UNIT_QUESTIONS, build_form
from klaster.forms.items import DEFAULT_ITEMS, ItemGroup
from klaster.forms.writer import form_bytes, save_form
from klaster.forms.xlsform import (
    CHOICES_COLUMNS,
    LANGUAGES,
    SETTINGS_COLUMNS,
    SURVEY_COLUMNS,
    Choice,
    SurveyRow,
    XLSForm,
)

__all__ = [
    "CHOICES_COLUMNS",
    "DEFAULT_ITEMS",
    "IDENTITY_GROUP",
    "LANGUAGES",
    "SETTINGS_COLUMNS",
    "SURVEY_COLUMNS",
    "UNIT_QUESTIONS",
    "Choice",
    "ItemGroup",
    "SurveyRow",
    "XLSForm",
    "build_form",
    "form_bytes",
    "save_form",
]
