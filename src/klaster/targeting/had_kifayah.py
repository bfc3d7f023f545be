"""*Had kifayah*: BAZNAS's minimum-needs standard for zakat, as versioned data with its source.

Puskas BAZNAS set the had kifayah in 2018 per province over seven dimensions (food, clothing,
housing, worship, education, health, transport) and has revised it since. klaster never holds it
as a constant: values are rows of a CSV file with their area, year, basis, source and whether
they are **synthetic** (no citable figure). klaster ships ``had_kifayah.csv``
(:meth:`HadKifayah.bundled`) with only the national 2018 figure *as reported* by Puskas BAZNAS
(Rp 3.011.142 per family per month; check it against the publication) and a synthetic
placeholder for South Sulawesi. Load your own file with :meth:`HadKifayah.load_csv`:

============= ======== ===================================================================
column        required meaning
============= ======== ===================================================================
``area``      yes      ``national`` or a Kemendagri province code (``73``)
``year``      yes      the year of the version; it applies from 1 January of that year
``basis``     yes      ``household_month`` (per family per month) or ``capita_month``
``rupiah``    yes      whole Rupiah, digits only
``source``    yes      the publication (or, for a synthetic row, why there is none)
``synthetic`` no       ``true`` when the figure is not a published one (default ``false``)
``note``      no       free text
============= ======== ===================================================================

A lookup takes the applicant's province and the screening date: the latest version on or before
the date for the province, else the nation's, and says which it used (:class:`KifayahMatch`).
"""

from __future__ import annotations

import csv
import datetime as _dt
import functools
import io
import os
from collections.abc import Iterable
from decimal import Decimal
from importlib import resources
from typing import Any

from attrs import field, frozen

from klaster._support.validate import (
    check_bool,
    check_enum,
    check_optional_text,
    check_text,
    enum_value,
    int_at_least,
)
from klaster.errors import DocumentError, DuplicateIdError, ValidationError
from klaster.label import Label, LabelledEnum, labelled
from klaster.measurement.methods.poverty_records import NATIONAL, code_level
from klaster.measurement.na import NotAvailable
from klaster.model.region import RegionLevel

__all__ = ["HadKifayah", "KifayahBasis", "KifayahMatch", "KifayahValue"]


class KifayahBasis(LabelledEnum):
    """What a had kifayah figure is per."""

    HOUSEHOLD_MONTH = labelled("household_month", "Per keluarga per bulan", "Per family per month")
    """Per family (household) per month."""
    CAPITA_MONTH = labelled("capita_month", "Per kapita per bulan", "Per capita per month")
    """Per person per month."""


def _check_area(_inst: object, _attribute: Any, value: Any) -> None:
    if value == NATIONAL:
        return
    if not isinstance(value, str) or code_level(value) is not RegionLevel.PROVINCE:
        raise ValidationError(
            f"use {NATIONAL!r} or a Kemendagri province code such as '73' (had kifayah is set "
            "per province)",
            path="area",
        )


def _check_rupiah(_inst: object, _attribute: Any, value: Any) -> None:
    if not isinstance(value, Decimal) or not value.is_finite() or value <= 0 or value % 1:
        raise ValidationError("must be whole Rupiah, more than 0", path="rupiah")


def _to_basis(value: KifayahBasis | str) -> KifayahBasis:
    return enum_value(KifayahBasis, value)


@frozen
class KifayahValue:
    """One published (or synthetic) had kifayah figure.

    Args:
        area: ``national`` or a province code.
        year: The version's year; it applies from 1 January.
        basis: :class:`KifayahBasis`.
        rupiah: Whole Rupiah.
        source: The publication, or why there is none (synthetic).
        synthetic: Not a published figure.
        note: Free text.
    """

    area: str = field(validator=_check_area)
    year: int = field(validator=int_at_least(2000))
    basis: KifayahBasis = field(converter=_to_basis, validator=check_enum(KifayahBasis))
    rupiah: Decimal = field(validator=_check_rupiah)
    source: str = field(validator=check_text)
    synthetic: bool = field(default=False, validator=check_bool)
    note: str | None = field(default=None, validator=check_optional_text)

    @property
    def valid_from(self) -> _dt.date:
        """The first day the version applies."""
        return _dt.date(self.year, 1, 1)

    def describe(self) -> str:
        """``had kifayah national 2018 (Rp 3011142 household_month, synthetic)``."""
        flag = ", synthetic" if self.synthetic else ""
        return f"had kifayah {self.area} {self.year} (Rp {self.rupiah} {self.basis.value}{flag})"


@frozen
class KifayahMatch:
    """The figure a lookup found, and how.

    Args:
        value: The :class:`KifayahValue` used.
        area: The area asked for.
        on: The screening date.
    """

    value: KifayahValue
    area: str
    on: _dt.date

    @property
    def rupiah(self) -> Decimal:
        """The figure."""
        return self.value.rupiah

    @property
    def fell_back(self) -> bool:
        """Whether the nation's figure stands in for the province's."""
        return self.value.area != _province(self.area)

    @property
    def explanation(self) -> Label:
        """Which figure was used and why, in both languages."""
        used = self.value.describe()
        if self.fell_back:
            return Label(
                f"Tidak ada had kifayah provinsi {_province(self.area)} pada/sebelum {self.on}; "
                f"dipakai: {used}",
                f"No had kifayah for province {_province(self.area)} on or before {self.on}; "
                f"used: {used}",
            )
        return Label(f"Dipakai: {used}", f"Used: {used}")


def _province(area: str) -> str:
    return area if area == NATIONAL else area[:2]


def _to_values(value: Iterable[KifayahValue]) -> tuple[KifayahValue, ...]:
    return tuple(value)


def _check_values(_inst: object, attribute: Any, value: tuple[KifayahValue, ...]) -> None:
    seen: dict[tuple[str, int, KifayahBasis], int] = {}
    for index, item in enumerate(value):
        where = f"{attribute.name}[{index}]"
        if not isinstance(item, KifayahValue):
            raise ValidationError(f"must be a KifayahValue, got {type(item).__name__}", path=where)
        key = (item.area, item.year, item.basis)
        if key in seen:
            raise DuplicateIdError(
                f"{item.area} {item.year} {item.basis.value} is already given by "
                f"{attribute.name}[{seen[key]}]",
                path=where,
            )
        seen[key] = index


@frozen
class HadKifayah:
    """A table of had kifayah figures with lookup by province and date.

    Args:
        values: The figures; one per area, year and basis.

    Example:
        >>> import datetime as dt
        >>> match = HadKifayah.bundled().lookup("73.03", dt.date(2023, 3, 1))
        >>> match.rupiah, match.value.synthetic
        (Decimal('2900000'), True)
    """

    values: tuple[KifayahValue, ...] = field(
        default=(), converter=_to_values, validator=_check_values
    )

    @classmethod
    def bundled(cls) -> HadKifayah:
        """The figures shipped with klaster (``had_kifayah.csv``; see the module docstring)."""
        return _bundled()

    @classmethod
    def read_csv(cls, text: str, *, source: str = "<csv>") -> HadKifayah:
        """Read figures from CSV text (columns in the module docstring).

        Raises:
            DocumentError: Listing every problem as ``source row N column 'name': ...``.
        """
        values, problems = _parse(text, source)
        if problems:
            raise DocumentError(
                f"invalid had kifayah file ({len(problems)} problem(s))",
                path=source,
                problems=problems,
            )
        try:
            return cls(values)
        except ValidationError as exc:
            raise DocumentError(f"invalid had kifayah file: {exc}", path=source) from None

    @classmethod
    def load_csv(cls, path: str | os.PathLike[str]) -> HadKifayah:
        """Read figures from a CSV file (UTF-8).

        Raises:
            DocumentError: When the file cannot be read, or as :meth:`read_csv`.
        """
        name = os.fspath(path)
        try:
            with open(name, encoding="utf-8-sig", newline="") as handle:
                text = handle.read()
        except UnicodeDecodeError:
            raise DocumentError("is not UTF-8 text", path=name) from None
        except OSError as exc:
            raise DocumentError(f"cannot read the file: {exc.strerror}", path=name) from None
        return cls.read_csv(text, source=name)

    def lookup(self, area: str, on: _dt.date) -> KifayahMatch | NotAvailable:
        """The latest figure on or before ``on`` for ``area``'s province, else the nation's.

        Args:
            area: ``national`` or a Kemendagri code of any level (its province is used).
            on: The screening date.
        """
        for candidate in dict.fromkeys((_province(area), NATIONAL)):
            found = [v for v in self.values if v.area == candidate and v.valid_from <= on]
            if found:
                return KifayahMatch(max(found, key=lambda v: v.year), area, on)
        return NotAvailable(
            f"no had kifayah for {_province(area)} or the nation on or before {on}; load the "
            "figures with HadKifayah.load_csv"
        )


_COLUMNS = ("area", "year", "basis", "rupiah", "source", "synthetic", "note")
_REQUIRED = ("area", "year", "basis", "rupiah", "source")


def _parse(text: str, source: str) -> tuple[list[KifayahValue], list[str]]:
    rows = list(csv.reader(io.StringIO(text)))
    numbered = [(n, r) for n, r in enumerate(rows, 1) if r and not r[0].lstrip().startswith("#")]
    if not numbered:
        return [], [f"{source}: empty file; the header needs {', '.join(_REQUIRED)}"]
    header_number, header = numbered[0]
    names = [h.strip() for h in header]
    problems = [
        f"{source} row {header_number}: unknown column {n!r} (columns: {', '.join(_COLUMNS)})"
        for n in names
        if n not in _COLUMNS
    ]
    problems += [f"{source}: missing column {c!r}" for c in _REQUIRED if c not in names]
    if problems:
        return [], problems
    values: list[KifayahValue] = []
    for number, row in numbered[1:]:
        cells = dict(zip(names, (c.strip() for c in row), strict=False))
        where = f"{source} row {number}"
        value = _row(cells, where, problems)
        if value is not None:
            values.append(value)
    return values, problems


def _row(cells: dict[str, str], where: str, problems: list[str]) -> KifayahValue | None:
    bad = len(problems)
    for column in _REQUIRED:
        if not cells.get(column):
            problems.append(f"{where} column {column!r}: required")
    if not cells.get("year", "x").isdigit() and cells.get("year"):
        problems.append(f"{where} column 'year': write the year with digits, e.g. 2018")
    if not cells.get("rupiah", "x").isdigit() and cells.get("rupiah"):
        problems.append(f"{where} column 'rupiah': write whole rupiah with digits only")
    synthetic = cells.get("synthetic", "").lower()
    if synthetic not in ("", "true", "false"):
        problems.append(f"{where} column 'synthetic': write true or false")
    if len(problems) > bad:
        return None
    try:
        return KifayahValue(
            cells["area"],
            int(cells["year"]),
            cells["basis"],
            Decimal(cells["rupiah"]),
            cells["source"],
            synthetic == "true",
            cells.get("note") or None,
        )
    except ValidationError as exc:
        problems.append(f"{where} column {exc.path or 'area'!r}: {exc.message}")
        return None


@functools.cache
def _bundled() -> HadKifayah:
    name = "had_kifayah.csv"
    text = resources.files("klaster.targeting").joinpath(name).read_text(encoding="utf-8")
    return HadKifayah.read_csv(text, source=f"klaster/targeting/{name}")
