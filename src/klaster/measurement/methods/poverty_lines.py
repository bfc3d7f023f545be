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

This module holds the table (:class:`PovertyLines`: lookup with fallback, the bundled BPS lines);
the records are in :mod:`klaster.measurement.methods.poverty_records` and the CSV reader in
``_poverty_csv``.
"""

from __future__ import annotations

import datetime as _dt
import functools
import os
from collections.abc import Iterable, Iterator
from importlib import resources
from types import SimpleNamespace
from typing import Any

from attrs import field, frozen

from klaster._support.validate import check_date, int_at_least
from klaster.errors import DocumentError, DuplicateIdError, ValidationError

# Private names stay importable from here.
from klaster.measurement.methods._poverty_csv import DIGITS as DIGITS
from klaster.measurement.methods._poverty_csv import MONTHS as MONTHS
from klaster.measurement.methods._poverty_csv import OPTIONAL as OPTIONAL
from klaster.measurement.methods._poverty_csv import PARTS as PARTS
from klaster.measurement.methods._poverty_csv import REQUIRED as REQUIRED
from klaster.measurement.methods._poverty_csv import YEAR as YEAR
from klaster.measurement.methods._poverty_csv import CellError as CellError
from klaster.measurement.methods._poverty_csv import cell_values as cell_values
from klaster.measurement.methods._poverty_csv import header_problems as header_problems
from klaster.measurement.methods._poverty_csv import parse_csv as parse_csv
from klaster.measurement.methods.poverty_records import (
    NATIONAL,
    LineMatch,
    PovertyLine,
    SurveyMonth,
    UrbanRural,
)
from klaster.measurement.methods.poverty_records import area_problem as area_problem
from klaster.measurement.methods.poverty_records import check_area as check_area
from klaster.measurement.methods.poverty_records import check_line_rupiah as check_line_rupiah
from klaster.measurement.methods.poverty_records import check_rate as check_rate
from klaster.measurement.methods.poverty_records import code_level as code_level
from klaster.measurement.methods.poverty_records import describe_area as describe_area
from klaster.measurement.methods.poverty_records import months_of as months_of
from klaster.measurement.methods.poverty_records import to_month as to_month
from klaster.measurement.methods.poverty_records import to_urban_rural as to_urban_rural
from klaster.measurement.na import NotAvailable
from klaster.model.region import RegionLevel

__all__ = [
    "NATIONAL",
    "LineMatch",
    "PovertyLine",
    "PovertyLines",
    "SurveyMonth",
    "UrbanRural",
]


def _fallback_chain(area: object) -> tuple[str, ...]:
    if isinstance(area, str) and area != NATIONAL:
        level = code_level(area)
        if level in (RegionLevel.KECAMATAN, RegionLevel.DESA):
            area = area[:5]  # BPS has no line below the kabupaten: its kabupaten's is the line
    problem = area_problem(area)
    if problem:
        raise ValidationError(problem, path="area")
    assert isinstance(area, str)
    if area == NATIONAL:
        return (NATIONAL,)
    if code_level(area) is RegionLevel.PROVINCE:
        return (area, NATIONAL)
    return (area, area[:2], NATIONAL)


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
        lines, problems = parse_csv(text, source)
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

    def searched_from(
        self, area: str, urban_rural: UrbanRural | str = UrbanRural.TOTAL
    ) -> str | None:
        """The first area :meth:`lookup` finds lines of when it looks ``area`` up, or ``None``.

        ``area``, its kabupaten, its province or the nation: the first with lines of the part.
        Two areas with the same answer get the same line on every date (what :meth:`lookup`
        searches from there on is the same), so a report looks a line up once per answer.

        Example:
            >>> lines = PovertyLines.bps_national()
            >>> lines.searched_from("73.03")
            'national'
        """
        part = UrbanRural(urban_rural)
        for candidate in _fallback_chain(area):
            if self._index.get((candidate, part)):
                return candidate
        return None

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
        target = months_of(on)
        nearest: list[str] = []
        for depth, candidate in enumerate(chain):
            rounds = self._index.get((candidate, part), ())
            if not rounds:
                continue
            best = min(
                rounds,
                key=lambda line: (
                    abs(months_of(line.reference_date) - target),
                    months_of(line.reference_date) > target,
                ),
            )
            gap = months_of(best.reference_date) - target
            if abs(gap) <= max_gap_months:
                return LineMatch(best, area, on, chain[: depth + 1], max_gap_months)
            when = f"{abs(gap)} months {'later' if gap > 0 else 'earlier'}"
            nearest.append(f"{describe_area(candidate).en} {best.period.en} ({when})")
        searched = ", ".join(describe_area(a).en for a in chain)
        found = f"; nearest: {'; '.join(nearest)}" if nearest else ""
        return NotAvailable(
            f"no {part.value} poverty line for {searched} within {max_gap_months} months of "
            f"{on}{found}; load the right line with PovertyLines.load_csv"
        )


@functools.cache
def _shipped() -> PovertyLines:
    name = "poverty_lines.csv"
    text = resources.files("klaster.measurement.methods").joinpath(name).read_text(encoding="utf-8")
    return PovertyLines.read_csv(text, source=f"klaster/measurement/{name}")
