"""A later verification of applicants: who among them is poor, measured after the screening.

The exclusion error needs to know which applicants are poor by a measurement independent of
the screening that chose them (a verification visit or survey some months later). Applicants
are not units of the program's observations (only members are), so the verification is its own
small record: applicant ID → per-capita income per month in Rupiah, the date of the
verification (the poverty line is the one for that date) and its source.

It is read from a Python mapping, a CSV file or a pandas/polars frame with two columns:

==================== ================================================================
column               meaning
==================== ================================================================
``applicant_id``     the applicant's ID in the intake (``APL-0001``)
``income_per_capita`` household income per month ÷ household size, whole Rupiah, digits
                     only (``180000``); an empty cell is "not verified" and the row is
                     left out
==================== ================================================================

Other columns are ignored. Incomes are personal data: errors name the row and column, never
the value.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import os
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from attrs import field, frozen

from klaster._support.validate import check_date, check_text, require_id, to_date
from klaster.errors import DocumentError, DuplicateIdError, KlasterError, ValidationError

__all__ = ["Verification"]

_COLUMNS = ("applicant_id", "income_per_capita")
_DIGITS = re.compile(r"^[0-9]+\Z")


def _to_incomes(value: Mapping[str, object] | Iterable[tuple[str, object]]) -> Any:
    items = value.items() if isinstance(value, Mapping) else value
    out = []
    for pair in items:
        applicant_id, income = pair
        if isinstance(income, int) and not isinstance(income, bool):
            income = Decimal(income)
        out.append((applicant_id, income))
    return tuple(sorted(out, key=lambda item: str(item[0])))


def _check_incomes(_inst: object, attribute: Any, value: tuple[tuple[str, Any], ...]) -> None:
    seen: set[str] = set()
    for applicant_id, income in value:
        require_id(applicant_id, attribute.name)
        where = f"{attribute.name}[{applicant_id!r}]"
        if applicant_id in seen:
            raise DuplicateIdError("applicant verified twice; give one income each", path=where)
        seen.add(applicant_id)
        if not isinstance(income, Decimal) or not income.is_finite() or income < 0:
            raise ValidationError(
                "must be an exact number of Rupiah at least 0 (Decimal or int; a float is "
                "refused: it cannot hold Rupiah exactly)",
                path=where,
            )


@frozen
class Verification:
    """Per-capita incomes of applicants from a verification after the screening.

    Args:
        on: The date of the verification (its poverty line is the one nearest this date).
        incomes: Applicant ID → household income per month ÷ household size, in Rupiah
            (``Decimal`` or ``int``); kept sorted by ID.
        source: What the figures come from (``"Verification survey, March 2012"``).

    Example:
        >>> v = Verification("2012-03-15", {"APL-2": 250_000, "APL-1": 180_000}, "Visit 2012")
        >>> v.income("APL-1"), v.income("APL-9"), len(v)
        (Decimal('180000'), None, 2)
    """

    on: _dt.date = field(converter=to_date, validator=check_date)
    incomes: tuple[tuple[str, Decimal], ...] = field(
        converter=_to_incomes, validator=_check_incomes, repr=False
    )
    source: str = field(validator=check_text)

    def __len__(self) -> int:
        return len(self.incomes)

    def income(self, applicant_id: str) -> Decimal | None:
        """The applicant's verified per-capita income, or ``None`` when not verified."""
        return self.as_mapping().get(applicant_id)

    def as_mapping(self) -> dict[str, Decimal]:
        """Applicant ID → per-capita income, as a new dict."""
        return dict(self.incomes)

    @classmethod
    def read_csv_text(
        cls, text: str, *, on: _dt.date | str, source: str, name: str = "<csv>"
    ) -> Verification:
        r"""Read a verification from CSV text (columns in the module doc).

        Args:
            text: The CSV text.
            on: The date of the verification.
            source: What the figures come from.
            name: The file name used in error messages.

        Raises:
            DocumentError: Listing every problem as ``name row N column 'c': ...``.

        Example:
            >>> text = "applicant_id,income_per_capita\nAPL-1,180000\nAPL-2,1.5e5\n"
            >>> Verification.read_csv_text(text, on="2012-03-15", source="Visit", name="v.csv")
            Traceback (most recent call last):
            ...
            klaster.errors.DocumentError: v.csv: invalid verification file (1 problem)
              - v.csv row 3 column 'income_per_capita': write whole Rupiah with digits only ...
        """
        reader = csv.DictReader(io.StringIO(text))
        header = [h.strip() for h in reader.fieldnames or ()]
        missing = [c for c in _COLUMNS if c not in header]
        if missing:
            raise DocumentError(
                f"missing column{'s' if len(missing) > 1 else ''} "
                + ", ".join(repr(c) for c in missing)
                + f"; a verification file has the columns {', '.join(_COLUMNS)}",
                path=name,
            )
        reader.fieldnames = header
        rows: list[dict[str, Any]] = []
        for row in reader:
            rows.append({c: (row.get(c) or "").strip() for c in _COLUMNS})
        return cls._from_rows(rows, on=on, source=source, name=name, first_row=2)

    @classmethod
    def read_csv(
        cls, path: str | os.PathLike[str], *, on: _dt.date | str, source: str
    ) -> Verification:
        """Read a verification from a CSV file (UTF-8, with or without a byte-order mark).

        Raises:
            DocumentError: The file cannot be read, or as :meth:`read_csv_text`.
        """
        name = os.fspath(path)
        try:
            with open(name, encoding="utf-8-sig", newline="") as handle:
                text = handle.read()
        except UnicodeDecodeError:
            raise DocumentError("is not UTF-8 text: save it as 'CSV UTF-8'", path=name) from None
        except OSError as exc:
            raise DocumentError(f"cannot read the file: {exc.strerror}", path=name) from None
        return cls.read_csv_text(text, on=on, source=source, name=name)

    @classmethod
    def from_frame(cls, frame: Any, *, on: _dt.date | str, source: str) -> Verification:
        """Read a verification from a pandas or polars frame with the columns of the module doc.

        Incomes must be integers (or ``Decimal``); a float column is refused: round it to
        whole Rupiah and cast it to an integer type first.

        Raises:
            DocumentError: A missing column or bad cells, each located by row (the first data
                row is row 1).
        """
        if hasattr(frame, "to_dicts"):  # polars
            records = frame.to_dicts()
        elif hasattr(frame, "to_dict"):  # pandas
            records = frame.to_dict("records")
        else:
            raise ValidationError(
                f"must be a pandas or polars DataFrame, got {type(frame).__name__}", path="frame"
            )
        columns = list(getattr(frame, "columns", ()))
        missing = [c for c in _COLUMNS if c not in columns]
        if missing:
            raise DocumentError(
                "missing column "
                + ", ".join(repr(c) for c in missing)
                + f"; the frame needs the columns {', '.join(_COLUMNS)}",
                path="frame",
            )
        rows = [{c: record.get(c) for c in _COLUMNS} for record in records]
        return cls._from_rows(rows, on=on, source=source, name="frame", first_row=1)

    @classmethod
    def _from_rows(
        cls,
        rows: list[dict[str, Any]],
        *,
        on: _dt.date | str,
        source: str,
        name: str,
        first_row: int,
    ) -> Verification:
        problems: list[str] = []
        incomes: dict[str, Decimal] = {}
        where_seen: dict[str, int] = {}
        for number, row in enumerate(rows, start=first_row):
            applicant_id, cell = row["applicant_id"], row["income_per_capita"]
            if _missing(cell):  # not verified: left out
                continue
            at = f"{name} row {number} column"
            try:
                require_id(applicant_id, "applicant_id")
            except KlasterError as exc:
                problems.append(f"{at} 'applicant_id': {exc.message}")
                continue
            income = _income(cell)
            if income is None:
                problems.append(
                    f"{at} 'income_per_capita': write whole Rupiah with digits only "
                    "(e.g. 180000), no separators, decimals or floats"
                )
                continue
            if applicant_id in where_seen:
                problems.append(
                    f"{at} 'applicant_id': {applicant_id!r} is verified already in row "
                    f"{where_seen[applicant_id]}; give one income each"
                )
                continue
            where_seen[applicant_id] = number
            incomes[applicant_id] = income
        if problems:
            count = f"{len(problems)} problem{'s' if len(problems) > 1 else ''}"
            raise DocumentError(
                f"invalid verification file ({count})", path=name, problems=problems
            )
        try:
            return cls(on, incomes, source)
        except KlasterError as exc:
            raise exc.at(name) from None


def _missing(cell: object) -> bool:
    if cell is None or cell == "":
        return True
    if isinstance(cell, float):
        return cell != cell  # NaN, a frame's empty cell
    return type(cell).__name__ == "NAType"  # pandas.NA


def _income(cell: object) -> Decimal | None:
    if isinstance(cell, str):
        return Decimal(cell) if _DIGITS.match(cell) else None
    if isinstance(cell, bool | float):
        return None
    if isinstance(cell, Decimal):
        return cell if cell.is_finite() and cell >= 0 else None
    if hasattr(cell, "__index__"):  # int, numpy integers
        value = int(cell.__index__())
        return Decimal(value) if value >= 0 else None
    return None
