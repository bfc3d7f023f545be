"""The rows of a regions CSV file into candidate regions, every problem located (internal).

:mod:`klaster.targeting.regions_csv` documents the columns and reads the file; this module
checks each row and builds the regions.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from klaster.errors import DocumentError, KlasterError
from klaster.model.region import RegionLevel, RegionStat, StatKind
from klaster.targeting.candidates import (
    STAT_INDICATORS,
    SYNTHETIC_NOTE,
    CandidateRegion,
    RegionIndicator,
)

__all__ = ["REGION_COLUMNS", "RegionsReader"]

REGION_COLUMNS = (
    "region_code",
    "region_name",
    "level",
    "parent",
    "indicator",
    "value",
    "year",
    "source",
    "stat_kind",
    "synthetic",
    "unit",
    "note",
)
"""The columns of a regions CSV file."""

_REQUIRED = ("region_code", "region_name", "level", "indicator", "value", "year", "source")
_YEAR = re.compile(r"[0-9]{4}")
_NUMBER = re.compile(r"-?[0-9]{1,30}(\.[0-9]{1,30})?")
_YES = {
    "yes": True,
    "true": True,
    "1": True,
    "ya": True,
    "no": False,
    "false": False,
    "0": False,
    "tidak": False,
    "": False,
}
_LEVELS = {level.value: level for level in RegionLevel} | {"provinsi": RegionLevel.PROVINCE}
_MAX_PROBLEMS = 50


class RegionsReader:
    """Collects the rows of one file and the problems found, then builds the regions."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.columns: dict[str, int] | None = None
        self.problems: list[str] = []
        self.regions: dict[str, dict[str, Any]] = {}  # code → name, level, parent, first row
        self.stats: dict[tuple[str, StatKind, int], dict[str, Any]] = {}
        self.indicators: dict[str, list[tuple[int, RegionIndicator]]] = {}
        self.seen: dict[tuple[str, str, int, str], int] = {}

    def problem(self, number: int, column: str | None, message: str) -> None:
        where = f"{self.source} row {number}" + (f" column {column!r}" if column else "")
        self.problems.append(f"{where}: {message}")

    def row(self, number: int, cells: list[str]) -> None:
        if self.columns is None:
            self.columns = self._header(cells)
            return
        columns = self.columns

        def cell(name: str) -> str:
            index = columns.get(name)
            return cells[index].strip() if index is not None and index < len(cells) else ""

        before = len(self.problems)
        used = set(columns.values())
        extra = [i + 1 for i, text in enumerate(cells) if i not in used and text.strip()]
        if extra:
            self.problem(number, None, f"a value in column {extra[0]}, which has no name")
        for name in _REQUIRED:
            if not cell(name):
                self.problem(number, name, f"is empty; {_WHY_REQUIRED.get(name, 'required')}")
        if len(self.problems) > before:
            return
        code, indicator = cell("region_code"), cell("indicator")
        level = _LEVELS.get(cell("level").lower())
        if level is None:
            self.problem(
                number,
                "level",
                f"unknown level {cell('level')!r}; use {', '.join(v.value for v in RegionLevel)}",
            )
        year = self._year(number, cell("year"))
        value = self._value(number, cell("value"), indicator)
        synthetic = _YES.get(cell("synthetic").lower())
        if synthetic is None:
            self.problem(number, "synthetic", f"{cell('synthetic')!r} is not yes or no")
        kind = self._kind(number, cell("stat_kind"), indicator)
        if len(self.problems) > before or level is None or year is None or value is None:
            return
        self._region(number, code, cell("region_name"), level, cell("parent") or None)
        key = (code, indicator, year, kind.value if kind is not None else "")
        if key in self.seen:
            self.problem(
                number,
                "indicator",
                f"{indicator} of {code} for {year} is already given in row {self.seen[key]}",
            )
            return
        self.seen[key] = number
        if indicator in STAT_INDICATORS:
            assert kind is not None
            self._stat(number, code, kind, year, indicator, value, cell, bool(synthetic))
            return
        try:
            item = RegionIndicator(
                indicator,
                value,
                year,
                cell("source"),
                bool(synthetic),
                cell("unit") or None,
                cell("note") or None,
            )
        except KlasterError as exc:
            column = {"indicator": "indicator", "value": "value"}.get(exc.path or "")
            self.problem(number, column, exc.message)
            return
        self.indicators.setdefault(code, []).append((number, item))

    def _header(self, cells: list[str]) -> dict[str, int]:
        columns: dict[str, int] = {}
        for index, raw in enumerate(cells):
            name = raw.strip().lower()
            if not name:
                continue
            if name not in REGION_COLUMNS:
                self.problem(
                    1, name, f"unknown column; the columns are {', '.join(REGION_COLUMNS)}"
                )
            elif name in columns:
                self.problem(1, name, "named twice")
            else:
                columns[name] = index
        missing = [name for name in _REQUIRED if name not in columns]
        if missing:
            self.problem(1, None, f"missing column {', '.join(map(repr, missing))}")
        if self.problems:
            raise DocumentError(
                f"{self.source}: invalid header; no region was read", problems=self.problems
            )
        return columns

    def _year(self, number: int, text: str) -> int | None:
        if _YEAR.fullmatch(text) and int(text) >= 1900:
            return int(text)
        self.problem(number, "year", f"{text!r} is not a year; write it as four digits, e.g. 2010")
        return None

    def _value(self, number: int, text: str, indicator: str) -> Decimal | None:
        if "," in text:
            self.problem(
                number,
                "value",
                "write the number with a decimal point and no "
                "thousands separator, e.g. 38.20 or 176708",
            )
            return None
        if not _NUMBER.fullmatch(text):
            self.problem(
                number,
                "value",
                "not a number; write digits with an optional decimal point, e.g. 38.20",
            )
            return None
        try:
            value = Decimal(text)
        except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
            self.problem(number, "value", "not a number")
            return None
        if indicator in ("poor", "population") and value != value.to_integral_value():
            self.problem(number, "value", f"{indicator} is a whole number of people")
            return None
        return value

    def _kind(self, number: int, text: str, indicator: str) -> StatKind | None:
        valid = ", ".join(k.value for k in StatKind)
        if indicator not in STAT_INDICATORS:
            if text:
                self.problem(
                    number,
                    "stat_kind",
                    f"only {', '.join(STAT_INDICATORS)} rows "
                    "have a kind; leave it empty for other indicators",
                )
            return None
        if not text:
            self.problem(
                number,
                "stat_kind",
                f"is empty; a {indicator} figure needs its kind "
                f"({valid}): a BPS headcount is not a targeting-database share",
            )
            return None
        try:
            return StatKind(text.lower())
        except ValueError:
            self.problem(number, "stat_kind", f"unknown kind {text!r}; use one of {valid}")
            return None

    def _region(
        self, number: int, code: str, name: str, level: RegionLevel, parent: str | None
    ) -> None:
        known = self.regions.get(code)
        if known is None:
            self.regions[code] = {"name": name, "level": level, "parent": parent, "row": number}
            return
        for column, mine, theirs in (
            ("region_name", name, known["name"]),
            ("level", level, known["level"]),
            ("parent", parent, known["parent"]),
        ):
            if mine != theirs:
                self.problem(
                    number,
                    column,
                    f"differs from row {known['row']} for region "
                    f"{code}; one region has one {column}",
                )

    def _stat(
        self,
        number: int,
        code: str,
        kind: StatKind,
        year: int,
        indicator: str,
        value: Decimal,
        cell: Any,
        synthetic: bool,
    ) -> None:
        entry = self.stats.setdefault(
            (code, kind, year),
            {
                "rows": {},
                "source": cell("source"),
                "synthetic": synthetic,
                "note": None,
                "first": number,
            },
        )
        for column, mine in (("source", cell("source")), ("synthetic", synthetic)):
            if entry[column] != mine:
                self.problem(
                    number,
                    column,
                    f"differs from row {entry['first']}: the "
                    f"{kind.value} {year} figures of {code} make one statistic, with "
                    f"one {column}",
                )
        entry["rows"][indicator] = (number, value)
        if cell("note"):
            entry["note"] = (
                cell("note") if entry["note"] is None else f"{entry['note']}; {cell('note')}"
            )

    def finish(self) -> tuple[CandidateRegion, ...]:
        if self.columns is None:
            raise DocumentError(
                f"{self.source}: empty file; the first row names the columns "
                f"{', '.join(REGION_COLUMNS)}"
            )
        stats: dict[str, list[RegionStat]] = {}
        if not self.problems:
            for (code, kind, year), entry in self.stats.items():
                stat = self._build_stat(kind, year, entry)
                if stat is not None:
                    stats.setdefault(code, []).append(stat)
        regions = []
        if not self.problems:
            for code, info in self.regions.items():
                try:
                    regions.append(
                        CandidateRegion(
                            code,
                            info["name"],
                            info["level"],
                            info["parent"],
                            stats.get(code, ()),
                            [item for _n, item in self.indicators.get(code, ())],
                        )
                    )
                except KlasterError as exc:
                    column = {"code": "region_code", "parent": "parent"}.get(exc.path or "")
                    self.problem(info["row"], column, exc.message)
        if self.problems:
            shown = self.problems[:_MAX_PROBLEMS]
            more = len(self.problems) - len(shown)
            raise DocumentError(
                f"{self.source}: invalid regions file; no region was read",
                problems=[*shown, *([f"... and {more} more"] if more else [])],
            )
        if not regions:
            raise DocumentError(f"{self.source}: no regions below the header")
        return tuple(regions)

    def _build_stat(self, kind: StatKind, year: int, entry: dict[str, Any]) -> RegionStat | None:
        rows = entry["rows"]
        figures = {name: value for name, (_n, value) in rows.items()}
        note = entry["note"]
        if entry["synthetic"]:
            note = SYNTHETIC_NOTE + (f": {note}" if note else "")
        try:
            return RegionStat(
                year,
                entry["source"],
                kind,
                population=_whole(figures.get("population")),
                poor=_whole(figures.get("poor")),
                poverty_rate=figures.get("poverty_rate"),
                note=note,
            )
        except KlasterError as exc:
            indicator = exc.path if exc.path in rows else next(iter(rows))
            self.problem(rows[indicator][0], "value", f"{indicator}: {exc.message}")
            return None


def _whole(value: Decimal | None) -> int | None:
    return None if value is None else int(value)


_WHY_REQUIRED = {
    "year": "every figure needs the year it refers to (e.g. 2010)",
    "source": "every figure needs its source (write 'synthetic example' for a made-up one and "
    "set synthetic to yes)",
    "region_code": "the Kemendagri code of the region (e.g. 73.03.05)",
    "value": "the figure itself",
}
