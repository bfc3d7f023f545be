"""A report cell as text in one language: the one place every renderer formats a value."""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Final

from klaster.formatting import (
    Lang,
    format_count,
    format_date,
    format_money,
    format_not_available,
    format_number,
    format_percent,
)
from klaster.label import Label
from klaster.measurement.na import NotAvailable
from klaster.reports.document import Column, Kind, Value

__all__ = ["NUMERIC_KINDS", "WORDS", "cell_text", "text", "unit_label", "word"]

WORDS: Final[dict[str, tuple[str, str]]] = {
    "contents": ("Daftar isi", "Contents"),
    "made_on": ("Dibuat pada", "Made on"),
    "definitions": ("Lampiran: definisi", "Appendix: definitions"),
    "chart": ("Grafik", "Chart"),
    "chart_data": ("Data grafik", "Chart data"),
    "notes": ("Catatan", "Notes"),
    "no_definitions": ("Tidak ada indikator dalam laporan ini.", "No indicator in this report."),
}
"""The words every format of a report uses (Indonesian, English), so HTML, Markdown, XLSX and
PDF name the same parts the same way; a renderer adds its own (``{**WORDS, ...}``)."""

NUMERIC_KINDS: Final = frozenset({Kind.COUNT, Kind.NUMBER, Kind.PERCENT, Kind.MONEY})
"""The column kinds shown as numbers (right-aligned, typed in a spreadsheet)."""


def word(key: str, lang: Lang, words: Mapping[str, tuple[str, str]] = WORDS) -> str:
    """One of the report's words in ``lang`` (from ``words``, by default :data:`WORDS`)."""
    return words[key][0 if lang == "id" else 1]


def text(label: Label | str, lang: Lang) -> str:
    """A label in ``lang`` (plain strings, such as IDs, pass through)."""
    return label.get(lang) if isinstance(label, Label) else label


def cell_text(value: Value, column: Column, lang: Lang) -> str:
    """``value`` shown as ``column`` says, in ``lang``.

    Example:
        >>> from klaster.label import Label
        >>> share = Column("p0", Label("Kemiskinan", "Poverty"), Kind.PERCENT, 1)
        >>> cell_text(Decimal("0.31"), share, "id"), cell_text(Decimal("0.31"), share, "en")
        ('31,0%', '31.0%')
        >>> cell_text(NotAvailable("no endline"), share, "en")
        'not available (no endline)'
    """
    if value is None:
        return ""
    if isinstance(value, NotAvailable):
        return format_not_available(value.reason_in(lang), lang)
    if isinstance(value, Label | str):
        return text(value, lang)
    if isinstance(value, _dt.date):
        return format_date(value, lang)
    kind = column.kind
    if kind is Kind.MONEY:
        return format_money(value, lang)
    if kind is Kind.PERCENT:
        return format_percent(value, lang, digits=column.digits)
    if kind is Kind.COUNT and (isinstance(value, int) or value == value.to_integral_value()):
        return format_count(int(value), lang)
    digits = column.digits if kind in (Kind.NUMBER, Kind.COUNT) else 2
    return format_number(Decimal(value), lang, digits=digits)


_UNIT_WORDS: Final[dict[str, str]] = {
    "IDR": "Rp",
    "month": "bulan",
    "year": "tahun",
    "season": "musim",
    "cycle": "siklus",
    "trip": "trip",
    "head": "ekor",
    "person": "orang",
    "member": "mitra",
    "group": "kelompok",
    "cooperative": "koperasi",
    "ratio": "rasio",
    "percent": "persen",
    "index": "indeks",
    "line": "tali",
    "days": "hari",
    "day": "hari",
    "months": "bulan",
    "members": "mitra",
    "groups": "kelompok",
    "activities": "kegiatan",
    "meetings": "pertemuan",
    "visits": "kunjungan",
}
_WORD: Final = re.compile(r"[A-Za-z]+")


def unit_label(unit: str | None) -> Label | str:
    """An indicator's unit in both languages: ``IDR/month`` → ``Rp/bulan`` in Indonesian.

    Units are free text a sector declares: the words klaster knows are translated, the rest
    (``kg``, ``ha``, a plugin's own word) are kept as written.

    Example:
        >>> unit_label("IDR/month")
        Label(id='Rp/bulan', en='IDR/month')
        >>> unit_label(None)
        ''
    """
    if not unit:
        return ""
    said = _WORD.sub(lambda m: _UNIT_WORDS.get(m.group(0), m.group(0)), unit)
    return Label(said, unit)
