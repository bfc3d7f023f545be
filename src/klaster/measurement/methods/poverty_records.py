"""Poverty-line records: one published line (:class:`PovertyLine`) and a lookup's answer.

A :class:`PovertyLine` is Rupiah per capita per month for an area (:data:`NATIONAL`, a province or
a kabupaten, by Kemendagri code), a Susenas round (:class:`SurveyMonth` of a year) and a part of
the area (:class:`UrbanRural`), with the publication it comes from. A :class:`LineMatch` is the
line a lookup of :class:`~klaster.measurement.methods.poverty_lines.PovertyLines` found and how:
which
areas were tried and whether it fell back to a larger one.
"""

from __future__ import annotations

import datetime as _dt
import enum
from decimal import Decimal
from typing import Any

from attrs import field, frozen

from klaster._support.validate import (
    check_date,
    check_decimal,
    check_enum,
    check_optional_text,
    check_text,
    enum_value,
    int_at_least,
    to_decimal,
    to_optional_decimal,
)
from klaster.errors import ValidationError
from klaster.label import Label

# One definition of the Kemendagri code shapes: the region module's.
from klaster.model.region import RegionLevel, RegionStat, StatKind, kemendagri_level

__all__ = ["NATIONAL", "LineMatch", "PovertyLine", "SurveyMonth", "UrbanRural"]

NATIONAL = "national"
"""The ``area`` of a national poverty line."""


class SurveyMonth(enum.StrEnum):
    """The Susenas round a poverty line belongs to."""

    MARCH = "march"
    """The March round (*Maret*)."""
    SEPTEMBER = "september"
    """The September round."""

    @property
    def number(self) -> int:
        """The month's number (3 or 9)."""
        return 3 if self is SurveyMonth.MARCH else 9

    @property
    def label(self) -> Label:
        """The month's name in Indonesian and English."""
        return Label("Maret", "March") if self is SurveyMonth.MARCH else Label(*("September",) * 2)


class UrbanRural(enum.StrEnum):
    """Which part of an area a line is for. BPS publishes all three; they differ."""

    TOTAL = "total"
    """Urban and rural together (*perkotaan + perdesaan*)."""
    URBAN = "urban"
    """Urban areas (*perkotaan*)."""
    RURAL = "rural"
    """Rural areas (*perdesaan*)."""

    @property
    def label(self) -> Label:
        """The part's name in Indonesian and English."""
        return {
            UrbanRural.TOTAL: Label("Perkotaan + perdesaan", "Urban + rural"),
            UrbanRural.URBAN: Label("Perkotaan", "Urban"),
            UrbanRural.RURAL: Label("Perdesaan", "Rural"),
        }[self]


def to_month(value: SurveyMonth | str) -> SurveyMonth:
    """Converter: a survey month from its value (internal to poverty-line records)."""
    return enum_value(SurveyMonth, value)


def to_urban_rural(value: UrbanRural | str) -> UrbanRural:
    """Converter: an area kind from its value (internal to poverty-line records)."""
    return enum_value(UrbanRural, value)


def code_level(code: str) -> RegionLevel | None:
    """The region level a Kemendagri code names (internal)."""
    return kemendagri_level(code)


def area_problem(value: object) -> str | None:
    """Why ``value`` is no area of a poverty line, or ``None`` when it is one."""
    if not isinstance(value, str):
        return f"must be a string area code, got {type(value).__name__}"
    if value == NATIONAL:
        return None
    level = code_level(value)
    if level in (RegionLevel.PROVINCE, RegionLevel.KABUPATEN):
        return None
    if level is not None:
        return (
            f"BPS publishes poverty lines down to the kabupaten: use the kabupaten code "
            f"{value[:5]!r}, not a {level} code"
        )
    hint = " (this looks like a BPS code: use the Kemendagri code)" if value.isdigit() else ""
    return (
        f"invalid area {value!r}: use {NATIONAL!r} or a Kemendagri code, province 'PP' (e.g. '73')"
        f" or kabupaten 'PP.KK' (e.g. '73.03'){hint}"
    )


def check_area(_inst: object, attribute: Any, value: Any) -> None:
    """Validator: a poverty line's area (``national`` or a Kemendagri code; internal)."""
    problem = area_problem(value)
    if problem:
        raise ValidationError(problem, path=attribute.name)


def check_line_rupiah(inst: object, attribute: Any, value: Any) -> None:
    """Validator: a poverty line in whole Rupiah (internal to poverty-line records)."""
    check_decimal(inst, attribute, value)
    if value != value.to_integral_value():
        raise ValidationError(
            f"{value} is not a whole number of rupiah; BPS lines are whole rupiah per capita per "
            "month. A value such as 550.458 is read as a fraction: write 550458, digits only",
            path=attribute.name,
        )
    if value <= 0:
        raise ValidationError(f"must be more than zero, got {value}", path=attribute.name)


def check_rate(inst: object, attribute: Any, value: Any) -> None:
    """Validator: a poverty rate between 0 and 100 (internal to poverty-line records)."""
    if value is None:
        return
    check_decimal(inst, attribute, value)
    if not 0 <= value <= 100:
        raise ValidationError(
            f"must be a percentage between 0 and 100, got {value}", path=attribute.name
        )


def describe_area(area: str) -> Label:
    """A short description of a line's area for messages (internal)."""
    if area == NATIONAL:
        return Label("nasional", "national")
    if code_level(area) is RegionLevel.PROVINCE:
        return Label(f"provinsi {area}", f"province {area}")
    return Label(f"kabupaten {area}", f"kabupaten {area}")


@frozen
class PovertyLine:
    """One published poverty line: Rupiah per capita per month for an area and survey round.

    Args:
        area: :data:`NATIONAL`, or the Kemendagri code of a province (``"73"``) or kabupaten
            (``"73.03"``).
        year: Survey year.
        month: :class:`SurveyMonth` (``"march"`` or ``"september"``).
        rupiah: The line, whole Rupiah per capita per month (``Decimal``, ``int`` or digits).
        source: The publication it comes from (a BPS *Berita Resmi Statistik*, a district
            statistical yearbook...).
        urban_rural: :class:`UrbanRural`; ``total`` by default.
        poverty_rate: The BPS headcount rate (percent of people below this line) of the same area
            and round, when known.
        note: Free text.

    Example:
        >>> line = PovertyLine("national", 2023, "march", 550_458, "BPS, BRS Maret 2023")
        >>> line.period.en, line.rupiah
        ('March 2023', Decimal('550458'))
    """

    area: str = field(validator=check_area)
    year: int = field(validator=int_at_least(1900))
    month: SurveyMonth = field(converter=to_month, validator=check_enum(SurveyMonth))
    rupiah: Decimal = field(converter=to_decimal, validator=check_line_rupiah)
    source: str = field(validator=check_text)
    urban_rural: UrbanRural = field(
        default=UrbanRural.TOTAL, converter=to_urban_rural, validator=check_enum(UrbanRural)
    )
    poverty_rate: Decimal | None = field(
        default=None, converter=to_optional_decimal, validator=check_rate
    )
    note: str | None = field(default=None, validator=check_optional_text)

    @property
    def key(self) -> tuple[str, int, SurveyMonth, UrbanRural]:
        """What makes a line unique in a table: area, year, month and urban/rural part."""
        return (self.area, self.year, self.month, self.urban_rural)

    @property
    def reference_date(self) -> _dt.date:
        """The first day of the survey month, used to find the round nearest a date."""
        return _dt.date(self.year, self.month.number, 1)

    @property
    def period(self) -> Label:
        """The round in words: ``Maret 2023`` / ``March 2023``."""
        return Label(f"{self.month.label.id} {self.year}", f"{self.month.label.en} {self.year}")

    def describe(self) -> Label:
        """The line in words, for a report: area, round and urban/rural part."""
        area = describe_area(self.area)
        part = self.urban_rural.label
        return Label(
            f"Garis kemiskinan {area.id}, {self.period.id} ({part.id.lower()})",
            f"Poverty line, {area.en}, {self.period.en} ({part.en.lower()})",
        )

    def headcount_stat(self) -> RegionStat | None:
        """The headcount rate of this round as a :class:`~klaster.RegionStat`, if known.

        The statistic keeps its kind (:attr:`~klaster.StatKind.BPS_HEADCOUNT`), year and
        source, so it is never mistaken for a share of a targeting database.

        Example:
            >>> from klaster.measurement.methods.poverty_lines import PovertyLines
            >>> PovertyLines.bps_national().lines[0].headcount_stat().rate
            Decimal('13.33')
        """
        if self.poverty_rate is None:
            return None
        return RegionStat(
            year=self.year,
            source=self.source,
            kind=StatKind.BPS_HEADCOUNT,
            poverty_rate=self.poverty_rate,
            note=f"{self.month.label.en} round, {self.urban_rural.value}, area {self.area}",
        )


def months_of(day: _dt.date) -> int:
    """A day's month as one number (year × 12 + month − 1), to compare survey months (internal)."""
    return day.year * 12 + day.month - 1


@frozen
class LineMatch:
    """The line a lookup found, and how: which areas were tried and whether it fell back.

    Args:
        line: The line found.
        requested_area: The area asked for (a desa, kecamatan, kabupaten, province or national).
        on: The date asked for (the survey date).
        tried: Areas searched, most specific first, up to and including the line's area.
        max_gap_months: The largest distance in months between ``on`` and a round that was
            accepted.
    """

    line: PovertyLine
    requested_area: str
    on: _dt.date = field(validator=check_date)
    tried: tuple[str, ...]
    max_gap_months: int

    @property
    def fell_back(self) -> bool:
        """Whether the line is of a larger area than the kabupaten (or area) asked for."""
        return self.line.area != self.tried[0]

    @property
    def months_apart(self) -> int:
        """Months from the date asked for to the line's survey month (negative: line earlier)."""
        return months_of(self.line.reference_date) - months_of(self.on)

    @property
    def rupiah(self) -> Decimal:
        """The line's Rupiah per capita per month."""
        return self.line.rupiah

    @property
    def explanation(self) -> Label:
        """What was used and why, for a report's footnote."""
        used = self.line.describe()
        if not self.fell_back:
            return used
        missing = describe_area(self.tried[0])
        window = f"{self.max_gap_months}"
        return Label(
            f"Tidak ada garis kemiskinan {missing.id} dalam {window} bulan dari {self.on}; "
            f"dipakai: {used.id}",
            f"No poverty line for {missing.en} within {window} months of {self.on}; "
            f"used: {used.en}",
        )
