"""Poverty lines (*garis kemiskinan*): Rupiah per capita per month, by area and survey round.

BPS publishes a poverty line per round of its household survey (Susenas, March and September) for
the nation, each province and each kabupaten/kota, separately for urban and rural areas and for
both together. A program compares its members' per-capita incomes with the line of *their*
kabupaten in the round closest to its survey; when the table has no such line it falls back to the
province, then to the nation, and says so (:class:`LineMatch`), never silently.

klaster ships the national lines listed in its domain reference (:meth:`PovertyLines.bps_national`,
each row naming its BPS release); provincial and district lines are loaded from a CSV file
(:meth:`PovertyLines.load_csv`) with the same columns as the shipped ``poverty_lines.csv``:

================== ======== ================================================================
column             required meaning
================== ======== ================================================================
``area``           yes      ``national``, or a Kemendagri code: province ``PP``, kabupaten
                            ``PP.KK`` (never a BPS code such as ``3523``)
``year``           yes      the survey year, e.g. ``2023``
``month``          yes      ``march`` or ``september`` (``maret``, ``mar``, ``sep`` also read)
``rupiah``         yes      whole Rupiah per capita per month, digits only: ``550458``
``source``         yes      the publication, e.g. ``BPS Kabupaten Bantaeng, ... 2023``
``urban_rural``    no       ``total`` (default), ``urban`` (*perkotaan*), ``rural`` (*perdesaan*)
``poverty_rate``   no       the BPS headcount rate of the same area and round, in percent
``note``           no       free text
================== ======== ================================================================

Rows whose first cell starts with ``#`` are comments. Rows are numbered as a spreadsheet shows
them (the header is row 1).
"""

from __future__ import annotations

import csv
import datetime as _dt
import enum
import functools
import io
import os
import re
from collections.abc import Iterable, Iterator
from decimal import Decimal, InvalidOperation
from importlib import resources
from types import SimpleNamespace
from typing import Any

from attrs import field, frozen

from klaster._validate import (
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
from klaster.errors import DocumentError, DuplicateIdError, KlasterError, ValidationError
from klaster.label import Label
from klaster.measurement.na import NotAvailable

# One definition of the Kemendagri code shapes: the region module's.
from klaster.region import _KEMENDAGRI, RegionLevel, RegionStat, StatKind

__all__ = [
    "NATIONAL",
    "LineMatch",
    "PovertyLine",
    "PovertyLines",
    "SurveyMonth",
    "UrbanRural",
]

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


def _to_month(value: SurveyMonth | str) -> SurveyMonth:
    return enum_value(SurveyMonth, value)


def _to_urban_rural(value: UrbanRural | str) -> UrbanRural:
    return enum_value(UrbanRural, value)


def _code_level(code: str) -> RegionLevel | None:
    for level, (pattern, _shape) in _KEMENDAGRI.items():
        if pattern.match(code):
            return level
    return None


def _area_problem(value: object) -> str | None:
    """Why ``value`` is no area of a poverty line, or ``None`` when it is one."""
    if not isinstance(value, str):
        return f"must be a string area code, got {type(value).__name__}"
    if value == NATIONAL:
        return None
    level = _code_level(value)
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


def _check_area(_inst: object, attribute: Any, value: Any) -> None:
    problem = _area_problem(value)
    if problem:
        raise ValidationError(problem, path=attribute.name)


def _check_line_rupiah(inst: object, attribute: Any, value: Any) -> None:
    check_decimal(inst, attribute, value)
    if value != value.to_integral_value():
        raise ValidationError(
            f"{value} is not a whole number of rupiah; BPS lines are whole rupiah per capita per "
            "month. A value such as 550.458 is read as a fraction: write 550458, digits only",
            path=attribute.name,
        )
    if value <= 0:
        raise ValidationError(f"must be more than zero, got {value}", path=attribute.name)


def _check_rate(inst: object, attribute: Any, value: Any) -> None:
    if value is None:
        return
    check_decimal(inst, attribute, value)
    if not 0 <= value <= 100:
        raise ValidationError(
            f"must be a percentage between 0 and 100, got {value}", path=attribute.name
        )


def _describe_area(area: str) -> Label:
    if area == NATIONAL:
        return Label("nasional", "national")
    if _code_level(area) is RegionLevel.PROVINCE:
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

    area: str = field(validator=_check_area)
    year: int = field(validator=int_at_least(1900))
    month: SurveyMonth = field(converter=_to_month, validator=check_enum(SurveyMonth))
    rupiah: Decimal = field(converter=to_decimal, validator=_check_line_rupiah)
    source: str = field(validator=check_text)
    urban_rural: UrbanRural = field(
        default=UrbanRural.TOTAL, converter=_to_urban_rural, validator=check_enum(UrbanRural)
    )
    poverty_rate: Decimal | None = field(
        default=None, converter=to_optional_decimal, validator=_check_rate
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
        area = _describe_area(self.area)
        part = self.urban_rural.label
        return Label(
            f"Garis kemiskinan {area.id}, {self.period.id} ({part.id.lower()})",
            f"Poverty line, {area.en}, {self.period.en} ({part.en.lower()})",
        )

    def headcount_stat(self) -> RegionStat | None:
        """The headcount rate of this round as a :class:`~klaster.region.RegionStat`, if known.

        The statistic keeps its kind (:attr:`~klaster.region.StatKind.BPS_HEADCOUNT`), year and
        source, so it is never mistaken for a share of a targeting database.

        Example:
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


def _fallback_chain(area: object) -> tuple[str, ...]:
    if isinstance(area, str) and area != NATIONAL:
        level = _code_level(area)
        if level in (RegionLevel.KECAMATAN, RegionLevel.DESA):
            area = area[:5]  # BPS has no line below the kabupaten: its kabupaten's is the line
    problem = _area_problem(area)
    if problem:
        raise ValidationError(problem, path="area")
    assert isinstance(area, str)
    if area == NATIONAL:
        return (NATIONAL,)
    if _code_level(area) is RegionLevel.PROVINCE:
        return (area, NATIONAL)
    return (area, area[:2], NATIONAL)


def _months(day: _dt.date) -> int:
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
        return _months(self.line.reference_date) - _months(self.on)

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
        missing = _describe_area(self.tried[0])
        window = f"{self.max_gap_months}"
        return Label(
            f"Tidak ada garis kemiskinan {missing.id} dalam {window} bulan dari {self.on}; "
            f"dipakai: {used.id}",
            f"No poverty line for {missing.en} within {window} months of {self.on}; "
            f"used: {used.en}",
        )


def _to_lines(value: Iterable[PovertyLine]) -> tuple[PovertyLine, ...]:
    return tuple(value)


def _check_lines(_inst: object, attribute: Any, value: tuple[PovertyLine, ...]) -> None:
    seen: dict[tuple[str, int, SurveyMonth, UrbanRural], int] = {}
    for index, line in enumerate(value):
        where = f"{attribute.name}[{index}]"
        if not isinstance(line, PovertyLine):
            raise ValidationError(f"must be a PovertyLine, got {type(line).__name__}", path=where)
        if line.key in seen:
            raise DuplicateIdError(
                f"{line.describe().en} is already given by {attribute.name}[{seen[line.key]}]",
                path=where,
            )
        seen[line.key] = index


_Index = dict[tuple[str, UrbanRural], tuple[PovertyLine, ...]]


@frozen
class PovertyLines:
    """A table of poverty lines with lookup by area and date.

    Args:
        lines: The lines; no two with the same area, year, month and urban/rural part.

    Example:
        >>> import datetime as dt
        >>> table = PovertyLines.bps_national()
        >>> match = table.lookup("73.03", dt.date(2023, 6, 15))
        >>> match.rupiah, match.fell_back
        (Decimal('550458'), True)
        >>> print(match.explanation.en)
        No poverty line for kabupaten 73.03 within 12 months of 2023-06-15; used: Poverty line, ...
    """

    lines: tuple[PovertyLine, ...] = field(default=(), converter=_to_lines, validator=_check_lines)
    _index: _Index = field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        index: dict[tuple[str, UrbanRural], list[PovertyLine]] = {}
        for line in self.lines:
            index.setdefault((line.area, line.urban_rural), []).append(line)
        ordered = {k: tuple(sorted(v, key=lambda x: x.reference_date)) for k, v in index.items()}
        object.__setattr__(self, "_index", ordered)

    def __len__(self) -> int:
        return len(self.lines)

    def __iter__(self) -> Iterator[PovertyLine]:
        return iter(self.lines)

    @classmethod
    def bps_national(cls) -> PovertyLines:
        """The national BPS lines shipped with klaster (``poverty_lines.csv``).

        March 2010 to September 2014 and March 2023 to September 2024, as listed in klaster's
        domain reference; each line names its BPS *Berita Resmi Statistik*. Rounds in between
        are not shipped: load them (:meth:`load_csv`) rather than interpolating.
        """
        return _shipped()

    @classmethod
    def read_csv(cls, text: str, *, source: str = "<csv>") -> PovertyLines:
        r"""Read lines from CSV text (columns in the module docstring).

        Args:
            text: The CSV text.
            source: The file name used in error messages.

        Returns:
            The table.

        Raises:
            DocumentError: Listing every problem as ``source row N column 'name': ...``.

        Example:
            >>> text = "area,year,month,rupiah,source\n73.03,2023,march,abc,BPS Bantaeng\n"
            >>> PovertyLines.read_csv(text, source="bantaeng.csv")
            Traceback (most recent call last):
            ...
            klaster.errors.DocumentError: bantaeng.csv: invalid poverty-line file (1 problem)
              - bantaeng.csv row 2 column 'rupiah': write whole rupiah with digits only, ...
        """
        lines, problems = _parse_csv(text, source)
        if problems:
            count = f"{len(problems)} problem{'s' if len(problems) > 1 else ''}"
            raise DocumentError(
                f"invalid poverty-line file ({count})", path=source, problems=problems
            )
        return cls(lines)

    @classmethod
    def load_csv(cls, path: str | os.PathLike[str]) -> PovertyLines:
        """Read lines from a CSV file (UTF-8, with or without a byte-order mark).

        Raises:
            DocumentError: When the file cannot be read, or as :meth:`read_csv`.
        """
        name = os.fspath(path)
        try:
            with open(name, encoding="utf-8-sig", newline="") as handle:
                text = handle.read()
        except UnicodeDecodeError:
            raise DocumentError(
                "is not UTF-8 text: save the file as 'CSV UTF-8'", path=name
            ) from None
        except OSError as exc:
            raise DocumentError(f"cannot read the file: {exc.strerror}", path=name) from None
        return cls.read_csv(text, source=name)

    def extend(self, more: Iterable[PovertyLine]) -> PovertyLines:
        """A new table with ``more`` lines added (this one is unchanged).

        A line equal in area, round, part *and* Rupiah to one already present is skipped (the
        same figure from another copy of the release); one that disagrees is refused.

        Raises:
            DuplicateIdError: A line for the same area, round and part with another value.
        """
        have = {line.key: line for line in self.lines}
        added: list[PovertyLine] = []
        for index, line in enumerate(more):
            if not isinstance(line, PovertyLine):
                raise ValidationError(
                    f"must be a PovertyLine, got {type(line).__name__}", path=f"more[{index}]"
                )
            old = have.get(line.key)
            if old is not None:
                if old.rupiah != line.rupiah:
                    raise DuplicateIdError(
                        f"{line.describe().en} is Rp {line.rupiah} here but Rp {old.rupiah} in "
                        "the table: remove one of them",
                        path=f"more[{index}]",
                    )
                continue
            have[line.key] = line
            added.append(line)
        return PovertyLines((*self.lines, *added))

    def for_area(
        self, area: str, urban_rural: UrbanRural | str = UrbanRural.TOTAL
    ) -> tuple[PovertyLine, ...]:
        """The lines of exactly ``area`` (and part), oldest first."""
        return self._index.get((area, UrbanRural(urban_rural)), ())

    def lookup(
        self,
        area: str,
        on: _dt.date,
        *,
        urban_rural: UrbanRural | str = UrbanRural.TOTAL,
        max_gap_months: int = 12,
        fallback: bool = True,
    ) -> LineMatch | NotAvailable:
        """The line for ``area`` nearest in time to ``on``, falling back to larger areas.

        A desa or kecamatan code is looked up as its kabupaten (BPS has no line below it). For
        each area from the kabupaten up to the nation, the round whose survey month is nearest to
        ``on`` is taken if it is at most ``max_gap_months`` away (on a tie, the earlier round);
        otherwise the next larger area is tried. Urban, rural and total lines are never
        substituted for each other.

        Args:
            area: :data:`NATIONAL` or a Kemendagri code of any level.
            on: The date of the survey round the line is for.
            urban_rural: The part wanted.
            max_gap_months: The largest accepted distance between ``on`` and a round.
            fallback: When ``False``, only the area itself (or its kabupaten) is searched.

        Returns:
            A :class:`LineMatch` (check :attr:`LineMatch.fell_back`), or :class:`NotAvailable`
            saying what is missing and which rounds are nearest.

        Raises:
            ValidationError: An area code that is not one, or a bad date or gap.
        """
        chain = _fallback_chain(area)
        check_date(None, SimpleNamespace(name="on"), on)
        int_at_least(0)(None, SimpleNamespace(name="max_gap_months"), max_gap_months)
        part = UrbanRural(urban_rural)
        if not fallback:
            chain = chain[:1]
        target = _months(on)
        nearest: list[str] = []
        for depth, candidate in enumerate(chain):
            rounds = self._index.get((candidate, part), ())
            if not rounds:
                continue
            best = min(
                rounds,
                key=lambda line: (
                    abs(_months(line.reference_date) - target),
                    _months(line.reference_date) > target,
                ),
            )
            gap = _months(best.reference_date) - target
            if abs(gap) <= max_gap_months:
                return LineMatch(best, area, on, chain[: depth + 1], max_gap_months)
            when = f"{abs(gap)} months {'later' if gap > 0 else 'earlier'}"
            nearest.append(f"{_describe_area(candidate).en} {best.period.en} ({when})")
        searched = ", ".join(_describe_area(a).en for a in chain)
        found = f"; nearest: {'; '.join(nearest)}" if nearest else ""
        return NotAvailable(
            f"no {part.value} poverty line for {searched} within {max_gap_months} months of "
            f"{on}{found}; load the right line with PovertyLines.load_csv"
        )


# -- CSV reading -----------------------------------------------------------------------------------
_REQUIRED = ("area", "year", "month", "rupiah", "source")
_OPTIONAL = ("urban_rural", "poverty_rate", "note")
_MONTHS = {
    "march": SurveyMonth.MARCH,
    "maret": SurveyMonth.MARCH,
    "mar": SurveyMonth.MARCH,
    "september": SurveyMonth.SEPTEMBER,
    "sep": SurveyMonth.SEPTEMBER,
    "sept": SurveyMonth.SEPTEMBER,
}
_PARTS = {
    "total": UrbanRural.TOTAL,
    "urban": UrbanRural.URBAN,
    "perkotaan": UrbanRural.URBAN,
    "rural": UrbanRural.RURAL,
    "perdesaan": UrbanRural.RURAL,
}
_DIGITS = re.compile(r"^[0-9]+\Z")
_YEAR = re.compile(r"^[0-9]{4}\Z")


class _CellError(Exception):
    def __init__(self, column: str, message: str) -> None:
        self.column = column
        self.message = message


def _cell_values(cells: dict[str, str]) -> dict[str, object]:
    values: dict[str, object] = {}
    for column in _REQUIRED:
        if not cells.get(column, ""):
            raise _CellError(column, "is empty; this column is required")
    year = cells["year"]
    if not _YEAR.match(year):
        raise _CellError("year", f"must be a year such as 2023, got {year!r}")
    values["year"] = int(year)
    month = _MONTHS.get(cells["month"].lower())
    if month is None:
        raise _CellError("month", f"unknown month {cells['month']!r}: use 'march' or 'september'")
    values["month"] = month
    if not _DIGITS.match(cells["rupiah"]):
        raise _CellError(
            "rupiah",
            "write whole rupiah with digits only, e.g. 550458 (no thousands separators, no "
            "decimals)",
        )
    values["rupiah"] = Decimal(cells["rupiah"])
    part_text = cells.get("urban_rural", "")
    if part_text:
        part = _PARTS.get(part_text.lower())
        if part is None:
            raise _CellError(
                "urban_rural", f"unknown part {part_text!r}: use 'total', 'urban' or 'rural'"
            )
        values["urban_rural"] = part
    rate = cells.get("poverty_rate", "")
    if rate:
        if "," in rate:
            raise _CellError("poverty_rate", f"write {rate!r} with a decimal point, e.g. 9.36")
        try:
            values["poverty_rate"] = Decimal(rate)
        except InvalidOperation:
            raise _CellError(
                "poverty_rate", f"must be a percentage such as 9.36, got {rate!r}"
            ) from None
    values["area"] = cells["area"]
    values["source"] = cells["source"]
    values["note"] = cells.get("note") or None
    return values


def _parse_csv(text: str, source: str) -> tuple[list[PovertyLine], list[str]]:
    problems: list[str] = []
    lines: list[PovertyLine] = []
    header: list[str] | None = None
    first_row: dict[tuple[str, int, SurveyMonth, UrbanRural], int] = {}
    text = text.removeprefix("\ufeff")
    for row_number, row in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
        cells = [cell.strip() for cell in row]
        if not any(cells) or cells[0].startswith("#"):
            continue
        where = f"{source} row {row_number}"
        if header is None:
            header = [cell.lower() for cell in cells]
            problems += _header_problems(header, where)
            if problems:
                return [], problems
            continue
        if len(cells) > len(header):
            problems.append(
                f"{where}: has {len(cells)} cells but the header has {len(header)} columns"
            )
            continue
        named = dict(zip(header, cells, strict=False))
        try:
            line = PovertyLine(**_cell_values(named))  # type: ignore[arg-type]
        except _CellError as exc:
            problems.append(f"{where} column {exc.column!r}: {exc.message}")
            continue
        except KlasterError as exc:
            problems.append(f"{where} column {exc.path!r}: {exc.message}")
            continue
        if line.key in first_row:
            problems.append(
                f"{where}: {line.describe().en} is already given in row {first_row[line.key]}"
            )
            continue
        first_row[line.key] = row_number
        lines.append(line)
    if header is None:
        problems.append(f"{source} row 1: no header row; it needs {', '.join(_REQUIRED)}")
    return lines, problems


def _header_problems(header: list[str], where: str) -> list[str]:
    problems: list[str] = []
    known = (*_REQUIRED, *_OPTIONAL)
    for column in header:
        if column not in known:
            problems.append(
                f"{where} column {column!r}: unknown column; use {', '.join(_REQUIRED)} "
                f"(optional: {', '.join(_OPTIONAL)})"
            )
        elif header.count(column) > 1:
            problems.append(f"{where} column {column!r}: appears more than once")
    missing = [c for c in _REQUIRED if c not in header]
    if missing:
        problems.append(f"{where}: missing column(s) {', '.join(repr(c) for c in missing)}")
    return list(dict.fromkeys(problems))


@functools.cache
def _shipped() -> PovertyLines:
    name = "poverty_lines.csv"
    text = resources.files("klaster.measurement").joinpath(name).read_text(encoding="utf-8")
    return PovertyLines.read_csv(text, source=f"klaster/measurement/{name}")
