"""The cells of an activity or visit form's fields: text, dates, whole numbers, select-multiples.

Messages never repeat the answer (a mapped column may hold names).
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

from klaster._support.validate import require_id
from klaster.errors import ImportDataError, KlasterError
from klaster.importing._cells import CellError, Cells, TextCells
from klaster.importing._fieldwork_mapping import DATE_FIELDS, INT_FIELDS, LIST_FIELDS
from klaster.importing.mapping import ColumnRule
from klaster.model.activity import ActivityStatus

__all__ = ["BAD_ID", "ListCells", "field_reader", "fixed_value", "valid_id"]


class ListCells(TextCells):
    """A select-multiple: answers separated by blanks, each mapped by ``values`` (a tuple)."""

    def cell(self, text: str) -> Any:
        """See :meth:`Cells.cell`."""
        items = []
        for answer in text.split():
            if answer in self.missing:
                continue
            value = self.values.get(answer, answer)
            if not isinstance(value, str):
                raise CellError("the values map must give text for each answer")
            items.append(value)
        return tuple(items) or None


BAD_ID = (
    "not a valid ID: 1-64 printable characters without leading or trailing blanks (the value is "
    "not shown)"
)


def valid_id(value: object) -> bool:
    """Whether ``value`` is a well-formed ID."""
    try:
        require_id(value, "id")
    except KlasterError:
        return False
    return True


def field_reader(rule: ColumnRule) -> Cells:
    """The cells reader of an activity or visit field."""
    if rule.target in LIST_FIELDS:
        return ListCells(str, values=rule.values, missing=rule.missing)
    if rule.target == "follow_up":
        return _OneText(str, values=rule.values, missing=rule.missing)
    kind: type = str
    if rule.target in DATE_FIELDS:
        kind = _dt.date
    elif rule.target in INT_FIELDS:
        kind = int
    choices = tuple(s.value for s in ActivityStatus) if rule.target == "status" else ()
    return TextCells(
        kind,
        values=rule.values,
        missing=rule.missing,
        date_format=rule.date_format,
        choices=choices,
    )


class _OneText(TextCells):
    """One free text kept as a list of one item (a visit's follow-up)."""

    def cell(self, text: str) -> Any:
        """See :meth:`Cells.cell`."""
        found = super().cell(text)
        return None if found is None else (found,)


def fixed_value(rule: ColumnRule) -> Any:
    """A field's fixed ``value`` as the record takes it (dates, lists)."""
    value = rule.value
    if rule.target in DATE_FIELDS and isinstance(value, str):
        try:
            return _dt.date.fromisoformat(value)
        except ValueError:
            raise ImportDataError(f"{rule.where}.value: must be a date (2015-03-02)") from None
    if rule.target in (*LIST_FIELDS, "follow_up") and isinstance(value, str):
        return tuple(value.split()) if rule.target in LIST_FIELDS else (value,)
    return value
