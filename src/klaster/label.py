"""Bilingual labels: every name a user reads is given in Indonesian and English."""

from __future__ import annotations

import enum
from typing import Any, Self

from attrs import field, frozen

from klaster._support.validate import check_text
from klaster.errors import ValidationError

__all__ = [
    "Label",
    "LabelledEnum",
    "check_label",
    "check_optional_label",
    "labelled",
    "to_label",
    "to_optional_label",
]


@frozen
class Label:
    """A text in Indonesian (``id``) and English (``en``).

    Field staff read the Indonesian one; donors' reports and code reviews the English one, so
    neither may be left empty.

    Args:
        id: Indonesian text (*Bahasa Indonesia*), e.g. ``"Omzet per bulan"``.
        en: English text, e.g. ``"Monthly revenue"``.

    Example:
        >>> Label("Peternakan", "Livestock").get("en")
        'Livestock'
    """

    id: str = field(validator=check_text)
    en: str = field(validator=check_text)

    def get(self, language: str) -> str:
        """Return the text in ``language`` (``"id"`` or ``"en"``).

        Raises:
            ValidationError: For any other language code.
        """
        if language == "id":
            return self.id
        if language == "en":
            return self.en
        raise ValidationError(f"unknown language {language!r}: use 'id' or 'en'", path="language")


def to_label(value: Label | dict[str, Any] | tuple[str, str]) -> Label:
    """Converter: read a ``{"id": ..., "en": ...}`` mapping or an ``(id, en)`` pair as a Label.

    Anything else passes through for the field's validator to refuse with the field's name.
    """
    if isinstance(value, dict) and set(value) == {"id", "en"}:
        return Label(id=value["id"], en=value["en"])
    if isinstance(value, tuple) and len(value) == 2:
        return Label(*value)
    return value  # type: ignore[return-value]


def check_label(_inst: object, attribute: Any, value: Any) -> None:
    """Validate that a field holds a :class:`Label`."""
    if not isinstance(value, Label):
        raise ValidationError(
            f"must be a Label with Indonesian and English text, e.g. Label('Sapi', 'Cattle'); "
            f"got {type(value).__name__}",
            path=attribute.name,
        )


def check_optional_label(inst: object, attribute: Any, value: Any) -> None:
    """Like :func:`check_label`, but ``None`` is allowed."""
    if value is not None:
        check_label(inst, attribute, value)


def to_optional_label(value: Label | dict[str, Any] | tuple[str, str] | None) -> Label | None:
    """Converter: like :func:`to_label`; ``None`` stays ``None``."""
    return None if value is None else to_label(value)


class _LabelledValue(str):
    """A member value on its way into a :class:`LabelledEnum`, with its two labels."""

    label_id: str
    label_en: str


def labelled(value: str, label_id: str, label_en: str) -> str:
    """Declare a :class:`LabelledEnum` member: its value and its Indonesian and English labels.

    Example:
        >>> class Colour(LabelledEnum):
        ...     RED = labelled("red", "Merah", "Red")
        >>> Colour.RED, Colour("red").label.id, Colour.RED.label_en
        (<Colour.RED: 'red'>, 'Merah', 'Red')
    """
    text = _LabelledValue(value)
    text.label_id, text.label_en = label_id, label_en
    return text


class LabelledEnum(enum.StrEnum):
    """A string enum whose every member carries a bilingual :class:`Label`.

    Members are declared with :func:`labelled`; the value is what documents, the store and the
    command line read and write, the label is what a report shows. Looking a member up by value
    (``Phase("growth")``) works as for any enum.
    """

    _label: Label

    def __new__(cls, value: str) -> Self:
        """Make a member from a :func:`labelled` value."""
        if not isinstance(value, _LabelledValue):
            raise TypeError(f"{cls.__name__} members are declared with labelled(value, id, en)")
        member = str.__new__(cls, value)
        member._value_ = str(value)
        member._label = Label(value.label_id, value.label_en)
        return member

    @property
    def label(self) -> Label:
        """The member's bilingual label."""
        return self._label

    @property
    def label_id(self) -> str:
        """Indonesian label for reports."""
        return self._label.id

    @property
    def label_en(self) -> str:
        """English label for reports."""
        return self._label.en
