"""Bilingual labels: every name a user reads is given in Indonesian and English."""

from __future__ import annotations

from typing import Any

from attrs import field, frozen

from klaster._support.validate import check_text
from klaster.errors import ValidationError

__all__ = ["Label", "check_label", "check_optional_label", "to_label", "to_optional_label"]


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
