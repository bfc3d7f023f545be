"""An XLSForm as records: the rows of its ``survey``, ``choices`` and ``settings`` sheets.

`XLSForm <https://xlsform.org>`_ is the spreadsheet format KoboToolbox, ODK Central and ODK
Collect read. :func:`klaster.forms.build_form` fills these records from the variable catalogue;
:func:`klaster.forms.save_form` writes them as ``.xlsx``. Texts are bilingual: every label, hint
and constraint message has an Indonesian and an English column (``label::Indonesian (id)``,
``label::English (en)``), the form's default language being Indonesian.
"""

from __future__ import annotations

from attrs import frozen

from klaster.errors import NotFoundError
from klaster.label import Label

__all__ = [
    "CHOICES_COLUMNS",
    "LANGUAGES",
    "SETTINGS_COLUMNS",
    "SURVEY_COLUMNS",
    "Choice",
    "SurveyRow",
    "XLSForm",
]

LANGUAGES = (("id", "Indonesian (id)"), ("en", "English (en)"))
"""The form's languages: klaster's language code and XLSForm's ``Name (code)`` spelling."""


def _bilingual(column: str) -> tuple[str, ...]:
    return tuple(f"{column}::{name}" for _, name in LANGUAGES)


SURVEY_COLUMNS = (
    "type",
    "name",
    *_bilingual("label"),
    *_bilingual("hint"),
    "required",
    "constraint",
    *_bilingual("constraint_message"),
    "relevant",
    "appearance",
)
"""The columns of the ``survey`` sheet, in order."""

CHOICES_COLUMNS = ("list_name", "name", *_bilingual("label"))
"""The columns of the ``choices`` sheet, in order."""

SETTINGS_COLUMNS = ("form_title", "form_id", "version", "default_language")
"""The columns of the ``settings`` sheet, in order."""


def _texts(label: Label | None) -> tuple[str, ...]:
    if label is None:
        return ("",) * len(LANGUAGES)
    return tuple(label.get(code) for code, _ in LANGUAGES)


@frozen
class SurveyRow:
    """One row of the ``survey`` sheet: a question, or the start or end of a group or repeat.

    Args:
        type: XLSForm type (``integer``, ``decimal``, ``select_one yes_no``, ``begin_group``...).
        name: The question's name (its column in an export, after its groups' names).
        label: Bilingual label.
        hint: Bilingual hint (what to count, the unit).
        required: Whether the question must be answered.
        constraint: XPath constraint on ``.`` (the answer), e.g. ``. >= 0 and . <= 99``.
        constraint_message: Bilingual message shown when the constraint fails.
        relevant: XPath condition for asking the question (or the group) at all.
        appearance: XLSForm appearance (``autocomplete``: a searchable list).
    """

    type: str
    name: str = ""
    label: Label | None = None
    hint: Label | None = None
    required: bool = False
    constraint: str | None = None
    constraint_message: Label | None = None
    relevant: str | None = None
    appearance: str | None = None

    def cells(self) -> tuple[str, ...]:
        """The row's cells in the order of :data:`SURVEY_COLUMNS`."""
        return (
            self.type,
            self.name,
            *_texts(self.label),
            *_texts(self.hint),
            "yes" if self.required else "",
            self.constraint or "",
            *_texts(self.constraint_message),
            self.relevant or "",
            self.appearance or "",
        )


@frozen
class Choice:
    """One row of the ``choices`` sheet: an answer of a select list.

    Args:
        list_name: The list (``yes_no``, a category variable's code, ``members``...).
        name: The answer's code, as the export holds it.
        label: Bilingual label shown on the phone.
    """

    list_name: str
    name: str
    label: Label

    def cells(self) -> tuple[str, ...]:
        """The row's cells in the order of :data:`CHOICES_COLUMNS`."""
        return (self.list_name, self.name, *_texts(self.label))


@frozen
class XLSForm:
    """A generated form and the mapping that imports its exports.

    Args:
        form_id: The ``settings`` sheet's ``form_id`` (also the stem of the repeat groups' CSV
            files in an ODK Central export: ``<form_id>-<repeat>.csv``).
        title: Bilingual title (the Indonesian one is the ``form_title``).
        version: The ``settings`` sheet's ``version``.
        survey: The ``survey`` sheet's rows.
        choices: The ``choices`` sheet's rows.
        mapping: The TOML text of the mapping file generated alongside (``form = "survey"``),
            read by :func:`klaster.importing.load_mapping`.
    """

    form_id: str
    title: Label
    version: str
    survey: tuple[SurveyRow, ...]
    choices: tuple[Choice, ...]
    mapping: str

    def settings(self) -> tuple[str, ...]:
        """The ``settings`` sheet's one row, in the order of :data:`SETTINGS_COLUMNS`."""
        return (self.title.id, self.form_id, self.version, LANGUAGES[0][1])

    def sheets(self) -> dict[str, list[tuple[str, ...]]]:
        """The three sheets as rows of text, each headed by its column names."""
        return {
            "survey": [SURVEY_COLUMNS, *(row.cells() for row in self.survey)],
            "choices": [CHOICES_COLUMNS, *(choice.cells() for choice in self.choices)],
            "settings": [SETTINGS_COLUMNS, self.settings()],
        }

    def question(self, name: str) -> SurveyRow:
        """The survey row named ``name``.

        Raises:
            NotFoundError: No row has that name.
        """
        for row in self.survey:
            if row.name == name:
                return row
        raise NotFoundError(f"the form has no question {name!r}", path="survey")
