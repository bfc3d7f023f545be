"""Targets imported from a CSV file into a new version of the program's results framework.

One row per target. Columns (a header row first; the order is free):

* ``result_id`` — a result of the current framework (outcomes and outputs are recorded with
  ``Program.revise_framework``; the CSV brings their targets);
* ``indicator`` — an indicator code the catalogue knows;
* ``round`` (``endline``, ``midline_2``...) **or** a period: ``start`` and ``end`` (ISO dates),
  or ``period`` as ``2013-01-01/2013-12-31`` or a calendar year ``2013``;
* ``value`` — the target, read exactly as a decimal (``0.8`` is ``Decimal("0.8")``);
* ``cluster`` — a cluster ID, empty for a program-level target;
* any other column is a disaggregation dimension (``sector``, ``sex``, ``kabupaten``...): a
  filled cell restricts the target to that category.

The new version is the current one with, for each (result, indicator) in the file, its targets
replaced by the file's (an indicator new to a result is added). Every row is checked first —
unknown indicator (with "did you mean"), unknown result or cluster, a period outside the program,
an unreadable value — and every problem is reported with its row and column; nothing is
recorded unless the whole file is good.
"""

from __future__ import annotations

import csv
import datetime as _dt
import os
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import attrs

from klaster.errors import ImportDataError, KlasterError
from klaster.measurement.engine import DIMENSIONS, Measurement
from klaster.measurement.results_assessment import unknown_indicator
from klaster.model.program import Program
from klaster.model.results_framework import (
    ResultIndicator,
    ResultsFramework,
    Target,
)
from klaster.model.results_window import program_window

__all__ = ["read_targets_csv"]

_FIXED = ("result_id", "indicator", "value", "cluster", "round", "start", "end", "period")
_MAX_BYTES = 20 * 1024 * 1024


def read_targets_csv(
    path: str | os.PathLike[str],
    catalogue: Measurement | Iterable[Any],
    *,
    recorded_on: _dt.date | str,
    reason: str,
    program: Program | None = None,
) -> ResultsFramework:
    """Read targets from a CSV file and record them as a new framework version.

    Args:
        path: The CSV file (UTF-8, a header row).
        catalogue: A :class:`~klaster.measurement.Measurement` (its program and indicators), or
            the known indicators (codes, or records with a ``code``) with ``program``.
        recorded_on: The day the new version was agreed.
        reason: Why (``"targets revised at the mid-term review"``).
        program: The program, when ``catalogue`` is not a Measurement.

    Returns:
        The new version (also appended to ``program.results``).

    Raises:
        ImportDataError: The file cannot be read, or rows are invalid (every problem, located
            as ``targets.csv row 7 column 'indicator': ...``); nothing is recorded.
    """
    source = Path(path)
    if isinstance(catalogue, Measurement):
        program, codes = catalogue.program, list(catalogue.codes())
    else:
        codes = [c if isinstance(c, str) else c.code for c in catalogue]
    if not isinstance(program, Program):
        raise ImportDataError(f"{source}: give the program (program=...) the targets are for")
    current = program.results.current
    if current is None:
        raise ImportDataError(
            f"{source}: the program has no results framework yet; record its outcomes and "
            "outputs first (Program.revise_framework), then import their targets"
        )
    header, rows = _read(source)
    problems: list[str] = []
    for name in header:
        if name not in _FIXED and name not in DIMENSIONS:
            problems.append(
                f"{source} column {name!r}: unknown column; use {', '.join(_FIXED)} or a "
                f"dimension ({', '.join(d for d in DIMENSIONS if d != 'cluster')})"
            )
    for name in ("result_id", "indicator", "value"):
        if name not in header:
            problems.append(f"{source}: no {name!r} column")
    if problems:
        raise ImportDataError(f"{source}: cannot import the targets", problems=problems)
    reader = _Rows(source, program, current, codes)
    targets: dict[tuple[str, str], list[Target]] = {}
    seen: dict[tuple[Any, ...], int] = {}
    for number, row in rows:
        found = reader.row(number, dict(zip(header, row, strict=False)))
        if found is None:
            continue
        key, target = found
        first = seen.setdefault((*key, *target.key), number)
        if first != number:
            reader.problems.append(
                f"{source} row {number}: the same result, indicator, period or round, "
                f"disaggregation and cluster as row {first}"
            )
        targets.setdefault(key, []).append(target)
    if reader.problems:
        raise ImportDataError(f"{source}: cannot import the targets", problems=reader.problems)
    results = []
    for result in current.results:
        indicators = [
            attrs.evolve(i, targets=targets.pop((result.id, i.indicator)))
            if (result.id, i.indicator) in targets
            else i
            for i in result.indicators
        ]
        indicators += [
            ResultIndicator(code, new) for (rid, code), new in targets.items() if rid == result.id
        ]
        results.append(attrs.evolve(result, indicators=indicators))
    try:
        return program.revise_framework(results, recorded_on=recorded_on, reason=reason)
    except KlasterError as exc:
        raise ImportDataError(f"{source}: cannot import the targets: {exc}") from None


def _read(source: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    try:
        if source.stat().st_size > _MAX_BYTES:
            raise ImportDataError(f"{source}: over {_MAX_BYTES // 2**20} MiB; not a targets file")
        with source.open(encoding="utf-8-sig", newline="") as handle:
            lines = list(csv.reader(handle))
    except OSError as exc:
        raise ImportDataError(f"{source}: cannot read the file ({exc.strerror})") from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise ImportDataError(f"{source}: not a UTF-8 CSV file ({type(exc).__name__})") from None
    if not lines:
        raise ImportDataError(f"{source}: the file is empty; expected a header row")
    header = [name.strip() for name in lines[0]]
    rows = [(n, line) for n, line in enumerate(lines[1:], start=2) if any(c.strip() for c in line)]
    return header, rows


class _Rows:
    def __init__(
        self, source: Path, program: Program, current: ResultsFramework, codes: list[str]
    ) -> None:
        self.source, self.program, self.current, self.codes = source, program, current, codes
        self.window = program_window(program)
        self.problems: list[str] = []

    def problem(self, number: int, column: str, message: str) -> None:
        self.problems.append(f"{self.source} row {number} column {column!r}: {message}")

    def row(self, number: int, cells: dict[str, str]) -> tuple[tuple[str, str], Target] | None:
        cell = {k: v.strip() for k, v in cells.items()}
        before = len(self.problems)
        result_id, code = cell.get("result_id", ""), cell.get("indicator", "")
        if self.current.result(result_id) is None:
            known = ", ".join(r.id for r in self.current.results)
            self.problem(number, "result_id", f"unknown result {result_id!r}; results: {known}")
        if code not in self.codes:
            self.problem(number, "indicator", unknown_indicator(code, self.codes))
        value = self._value(number, cell.get("value", ""))
        start, end = self._period(number, cell)
        cluster = cell.get("cluster") or None
        if cluster is not None and cluster not in self.program.clusters:
            known = ", ".join(self.program.clusters.ids()) or "none"
            self.problem(number, "cluster", f"unknown cluster {cluster!r}; clusters: {known}")
        by = {k: v for k, v in cell.items() if k in DIMENSIONS and k != "cluster" and v}
        if len(self.problems) > before or value is None:
            return None
        try:
            target = Target(value, start, end, cell.get("round") or None, by, cluster)
        except KlasterError as exc:
            column = {"start": "start", "end": "end", "round_key": "round"}.get(
                (exc.path or "").split(".")[0], "value"
            )
            self.problem(number, column, exc.message)
            return None
        return (result_id, code), target

    def _value(self, number: int, text: str) -> Decimal | None:
        try:
            value = Decimal(text)
        except InvalidOperation:
            value = Decimal("NaN")
        if not value.is_finite():
            self.problem(number, "value", "must be a number such as 0.8 or 250000")
            return None
        return value

    def _period(self, number: int, cell: dict[str, str]) -> tuple[Any, Any]:
        start, end, period = cell.get("start", ""), cell.get("end", ""), cell.get("period", "")
        if period:
            if period.isdigit() and len(period) == 4:
                start, end = f"{period}-01-01", f"{period}-12-31"
            else:
                start, _, end = period.partition("/")
        days: list[_dt.date | None] = []
        for name, text in (("start", start), ("end", end)):
            column = "period" if period else name
            if not text:
                days.append(None)
                continue
            try:
                day = _dt.date.fromisoformat(text)
            except ValueError:
                self.problem(number, column, f"invalid date {text!r}: use 'YYYY-MM-DD'")
                days.append(None)
                continue
            first, last = self.window
            if first is not None and (day < first or (last is not None and day > last)):
                self.problem(
                    number, column,
                    f"a period outside the program: {day} is not within {first} to "
                    f"{last or 'open'}",
                )  # fmt: skip
            days.append(day)
        return days[0], days[1]
