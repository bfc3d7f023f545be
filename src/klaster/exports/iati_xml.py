"""Small helpers the IATI export's modules share: elements, narratives, dates and amounts.

The XML is built with the standard library's :mod:`xml.etree.ElementTree` (no extra needed to
write a file; lxml is only needed to validate one against the schema).
"""

from __future__ import annotations

import datetime as _dt
import re
from decimal import Decimal
from xml.etree.ElementTree import Element, SubElement

from klaster.errors import ValidationError
from klaster.label import Label

__all__ = [
    "XML_LANG",
    "amount_text",
    "check_identifier_part",
    "date_text",
    "decimal_text",
    "element",
    "label_narratives",
    "narrative",
]

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
"""The ``xml:lang`` attribute as ElementTree names it."""

# The standard forbids spaces and / & | ? in activity identifiers (and control characters).
_FORBIDDEN = re.compile(r"[\s/&|?\x00-\x1f\x7f]")


def element(parent: Element, tag: str, text: str | None = None, **attributes: str) -> Element:
    """A child ``tag`` of ``parent`` with attributes (``_`` in a keyword becomes ``-``)."""
    child = SubElement(parent, tag, {k.replace("_", "-"): v for k, v in attributes.items()})
    if text is not None:
        child.text = text
    return child


def narrative(parent: Element, text: str, language: str | None = None) -> Element:
    """A ``narrative`` child of ``parent``, in ``language`` if given."""
    child = SubElement(parent, "narrative", {XML_LANG: language} if language else {})
    child.text = text
    return child


def label_narratives(parent: Element, label: Label) -> Element:
    """``parent`` with a narrative in Indonesian and one in English."""
    narrative(parent, label.id, "id")
    narrative(parent, label.en, "en")
    return parent


def date_text(day: _dt.date) -> str:
    """An ISO date as the schema's ``xsd:date`` reads it."""
    return day.isoformat()


def amount_text(value: Decimal) -> str:
    """Whole rupiah as plain digits (``"12500000"``): never a float, never an exponent."""
    return format(value.quantize(Decimal(1)), "f")


def decimal_text(value: Decimal) -> str:
    """An exact decimal without an exponent or trailing zeros (``"50"``, ``"0.8"``)."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def check_identifier_part(value: str, path: str) -> str:
    """``value`` if it may be part of an IATI activity identifier, else a located error."""
    if _FORBIDDEN.search(value):
        raise ValidationError(
            f"{value!r} cannot be part of an IATI activity identifier: spaces and / & | ? are "
            "not allowed; give the record an ID of letters, digits, '-', '_' or '.'",
            path=path,
        )
    return value
