"""Reading poverty lines from CSV text: header, cells, one located problem per bad row.

The columns are listed in :mod:`klaster.measurement.methods.poverty_lines`. Every problem of a file
is
collected (``source row N column 'name': ...``) rather than stopping at the first one.
"""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal, InvalidOperation

from klaster.errors import KlasterError
from klaster.measurement.methods.poverty_records import PovertyLine, SurveyMonth, UrbanRural

REQUIRED = ("area", "year", "month", "rupiah", "source")
OPTIONAL = ("urban_rural", "poverty_rate", "note")
MONTHS = {
    "march": SurveyMonth.MARCH,
    "maret": SurveyMonth.MARCH,
    "mar": SurveyMonth.MARCH,
    "september": SurveyMonth.SEPTEMBER,
    "sep": SurveyMonth.SEPTEMBER,
    "sept": SurveyMonth.SEPTEMBER,
}
PARTS = {
    "total": UrbanRural.TOTAL,
    "urban": UrbanRural.URBAN,
    "perkotaan": UrbanRural.URBAN,
    "rural": UrbanRural.RURAL,
    "perdesaan": UrbanRural.RURAL,
}
DIGITS = re.compile(r"^[0-9]+\Z")
YEAR = re.compile(r"^[0-9]{4}\Z")


class CellError(Exception):
    def __init__(self, column: str, message: str) -> None:
        self.column = column
        self.message = message


def cell_values(cells: dict[str, str]) -> dict[str, object]:
    values: dict[str, object] = {}
    for column in REQUIRED:
        if not cells.get(column, ""):
            raise CellError(column, "is empty; this column is required")
    year = cells["year"]
    if not YEAR.match(year):
        raise CellError("year", f"must be a year such as 2023, got {year!r}")
    values["year"] = int(year)
    month = MONTHS.get(cells["month"].lower())
    if month is None:
        raise CellError("month", f"unknown month {cells['month']!r}: use 'march' or 'september'")
    values["month"] = month
    if not DIGITS.match(cells["rupiah"]):
        raise CellError(
            "rupiah",
            "write whole rupiah with digits only, e.g. 550458 (no thousands separators, no "
            "decimals)",
        )
    values["rupiah"] = Decimal(cells["rupiah"])
    part_text = cells.get("urban_rural", "")
    if part_text:
        part = PARTS.get(part_text.lower())
        if part is None:
            raise CellError(
                "urban_rural", f"unknown part {part_text!r}: use 'total', 'urban' or 'rural'"
            )
        values["urban_rural"] = part
    rate = cells.get("poverty_rate", "")
    if rate:
        if "," in rate:
            raise CellError("poverty_rate", f"write {rate!r} with a decimal point, e.g. 9.36")
        try:
            values["poverty_rate"] = Decimal(rate)
        except InvalidOperation:
            raise CellError(
                "poverty_rate", f"must be a percentage such as 9.36, got {rate!r}"
            ) from None
    values["area"] = cells["area"]
    values["source"] = cells["source"]
    values["note"] = cells.get("note") or None
    return values


def parse_csv(text: str, source: str) -> tuple[list[PovertyLine], list[str]]:
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
            problems += header_problems(header, where)
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
            line = PovertyLine(**cell_values(named))  # type: ignore[arg-type]
        except CellError as exc:
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
        problems.append(f"{source} row 1: no header row; it needs {', '.join(REQUIRED)}")
    return lines, problems


def header_problems(header: list[str], where: str) -> list[str]:
    problems: list[str] = []
    known = (*REQUIRED, *OPTIONAL)
    for column in header:
        if column not in known:
            problems.append(
                f"{where} column {column!r}: unknown column; use {', '.join(REQUIRED)} "
                f"(optional: {', '.join(OPTIONAL)})"
            )
        elif header.count(column) > 1:
            problems.append(f"{where} column {column!r}: appears more than once")
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        problems.append(f"{where}: missing column(s) {', '.join(repr(c) for c in missing)}")
    return list(dict.fromkeys(problems))
