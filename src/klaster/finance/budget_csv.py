"""Budget lines from a CSV file: one row per component, fund source and period.

The file has a header row naming the columns ``component``, ``source``, ``start``, ``end``,
``amount`` and, optionally, ``note`` (in any order)::

    component,source,start,end,amount,note
    capital,zakat,2012-01-01,2014-03-31,1.020.000.000,
    training,infaq_sadaqah,2012-01-01,2014-03-31,170.000.000,synthetic split

Amounts are whole rupiah, written as plain digits (``1700000000``) or with the Indonesian
thousands dot (``1.700.000.000``), optionally after ``Rp``; they are never read as floats, and a
fraction of a rupiah (``1.700.000,50``, ``1700000.5``) is refused. Reading is all or nothing:
every problem is reported, located by file, row (the header is row 1) and column, and no line is
returned unless every row is valid and no two lines overlap. The lines go into a book with
``book.revise_budget(on, reason, lines)`` or into a :class:`~klaster.finance.budget.Budget`
with ``Budget.revised``.
"""

from __future__ import annotations

import csv
import datetime as _dt
import os
import re
from collections.abc import Iterable, Iterator
from decimal import Decimal
from pathlib import Path

from klaster.errors import DocumentError, KlasterError
from klaster.finance.budget import BudgetLine, BudgetRevision, Component
from klaster.finance.fund import FundSource

__all__ = ["BUDGET_COLUMNS", "MAX_BUDGET_ROWS", "parse_budget_csv", "read_budget_csv"]

BUDGET_COLUMNS = ("component", "source", "start", "end", "amount", "note")
"""The columns of a budget CSV file (``note`` may be left out)."""

MAX_BUDGET_ROWS = 100_000
"""The most lines a budget file may hold (a budget has tens; this bounds a wrong file)."""

_REQUIRED = BUDGET_COLUMNS[:5]
_PLAIN = re.compile(r"[0-9]+")
_DOTTED = re.compile(r"[0-9]{1,3}(?:\.[0-9]{3})+")
_MAX_DIGITS = 19  # MAX_RUPIAH has 19 digits: a longer number is refused before it is converted
_MAX_PROBLEMS = 50


def read_budget_csv(path: str | os.PathLike[str]) -> tuple[BudgetLine, ...]:
    r"""Read the budget lines of a CSV file (see the module documentation for the format).

    Args:
        path: The file (UTF-8, a byte-order mark allowed; ``,`` separated).

    Returns:
        The lines, in the file's order.

    Raises:
        DocumentError: The file cannot be read, its header lacks a column or names an unknown
            one, or a row is invalid (each problem located as ``budget.csv row 4 column
            'amount': ...``); nothing is returned.

    Example:
        >>> import pathlib, tempfile
        >>> folder = pathlib.Path(tempfile.mkdtemp())
        >>> _ = (folder / "budget.csv").write_text(
        ...     "component,source,start,end,amount\n"
        ...     "training,zakat,2012-01-01,2012-12-31,150.000.000\n", encoding="utf-8")
        >>> [line.amount for line in read_budget_csv(folder / "budget.csv")]
        [Decimal('150000000')]
    """
    if not isinstance(path, str | os.PathLike):
        raise DocumentError(
            f"path must be a file path (str or pathlib.Path), got {type(path).__name__}; "
            "parse_budget_csv reads text"
        )
    target = Path(path)
    try:
        with target.open(encoding="utf-8-sig", newline="") as handle:
            return parse_budget_csv(handle, source=target.name)
    except UnicodeDecodeError:
        raise DocumentError(f"{target.name}: not a UTF-8 text file") from None
    except OSError as exc:
        raise DocumentError(f"{target}: cannot read the file ({exc.strerror})") from None


def parse_budget_csv(lines: Iterable[str], *, source: str = "budget.csv") -> tuple[BudgetLine, ...]:
    """Read budget lines from CSV text (an open file, or a list of lines).

    Args:
        lines: The CSV text, line by line (``io.StringIO(text)`` or an open file).
        source: The file name used in error messages.

    Returns:
        The lines, in order.

    Raises:
        DocumentError: As :func:`read_budget_csv`.
    """
    rows = csv.reader(lines, strict=True)
    try:
        header = next(rows, None)
        if header is None:
            raise DocumentError(f"{source}: empty file; the first row names the columns "
                                f"{', '.join(BUDGET_COLUMNS)}")  # fmt: skip
        columns = _columns(header, source)
        found: list[BudgetLine] = []
        numbers: list[int] = []
        problems: list[str] = []
        for number, cells in _numbered(rows, source):
            if not any(cell.strip() for cell in cells):
                continue  # a blank row (spreadsheets leave them at the end)
            line = _line(cells, columns, f"{source} row {number}", problems)
            if line is not None:
                found.append(line)
                numbers.append(number)
    except csv.Error as exc:
        raise DocumentError(f"{source}: not a readable CSV file ({exc})") from None
    if not problems:
        _overlaps(found, numbers, source, problems)
    if problems:
        shown = problems[:_MAX_PROBLEMS]
        more = len(problems) - len(shown)
        raise DocumentError(
            f"{source}: invalid budget file; no line was read",
            problems=[*shown, *([f"... and {more} more"] if more else [])],
        )
    if not found:
        raise DocumentError(f"{source}: no budget lines below the header")
    return tuple(found)


def _numbered(rows: Iterator[list[str]], source: str) -> Iterator[tuple[int, list[str]]]:
    for number, cells in enumerate(rows, start=2):
        if number > MAX_BUDGET_ROWS + 1:
            raise DocumentError(
                f"{source}: more than {MAX_BUDGET_ROWS:,} lines; a budget file holds one line "
                "per component, fund source and period"
            )
        yield number, cells


def _columns(header: list[str], source: str) -> dict[str, int]:
    names = [cell.strip().lower() for cell in header]
    problems = []
    columns: dict[str, int] = {}
    for index, name in enumerate(names):
        if not name:
            continue  # an unnamed column (a spreadsheet's trailing comma): its cells must be empty
        if name not in BUDGET_COLUMNS:
            problems.append(
                f"{source} row 1 column {index + 1}: unknown column; the columns are "
                f"{', '.join(BUDGET_COLUMNS)} ('note' may be left out)"
            )
        elif name in columns:
            problems.append(f"{source} row 1 column '{name}': named twice")
        else:
            columns[name] = index
    missing = [name for name in _REQUIRED if name not in columns]
    if missing:
        problems.append(f"{source} row 1: missing column {', '.join(repr(m) for m in missing)}")
    if problems:
        raise DocumentError(f"{source}: invalid header; no line was read", problems=problems)
    return columns


def _line(
    cells: list[str], columns: dict[str, int], where: str, problems: list[str]
) -> BudgetLine | None:
    """The row's line, or ``None`` after adding its problems (one per column) to ``problems``."""

    def cell(name: str) -> str:
        index = columns.get(name)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    before = len(problems)
    used = set(columns.values())
    extra = [i + 1 for i, text in enumerate(cells) if i not in used and text.strip()]
    if extra:
        problems.append(f"{where} column {extra[0]}: a value in no named column")
    values = {
        "component": _enum(Component, cell("component"), f"{where} column 'component'", problems),
        "source": _enum(FundSource, cell("source"), f"{where} column 'source'", problems),
        "start": _date(cell("start"), f"{where} column 'start'", problems),
        "end": _date(cell("end"), f"{where} column 'end'", problems),
        "amount": _amount(cell("amount"), f"{where} column 'amount'", problems),
    }
    if len(problems) > before:
        return None
    try:
        return BudgetLine(**values, note=cell("note") or None)  # type: ignore[arg-type]
    except KlasterError as exc:
        column = exc.path if exc.path in BUDGET_COLUMNS else None
        problems.append(f"{where} column '{column}': {exc.message}" if column else
                        f"{where}: {exc.message}")  # fmt: skip
        return None


def _enum(kind: type[Component] | type[FundSource], text: str, where: str,
          problems: list[str]) -> object:  # fmt: skip
    for member in kind:
        if member.value == text.lower():
            return member
    valid = ", ".join(member.value for member in kind)
    what = "empty" if not text else "not one of the values"
    problems.append(f"{where}: {what}; use one of {valid}")
    return None


def _date(text: str, where: str, problems: list[str]) -> _dt.date | None:
    try:
        if len(text) == 10:
            return _dt.date.fromisoformat(text)
    except ValueError:
        pass
    problems.append(f"{where}: {'empty' if not text else 'not a date'}; write it as YYYY-MM-DD")
    return None


def _amount(text: str, where: str, problems: list[str]) -> Decimal | None:
    """Whole rupiah from ``1700000000``, ``1.700.000.000`` or ``Rp 1.700.000``; never a float."""
    digits = text.removeprefix("Rp").removeprefix(".").strip()
    if _PLAIN.fullmatch(digits) or _DOTTED.fullmatch(digits):
        plain = digits.replace(".", "")
        if len(plain.lstrip("0")) <= _MAX_DIGITS:
            return Decimal(plain)
        problems.append(f"{where}: more than {_MAX_DIGITS} digits, beyond any amount a book keeps")
        return None
    if not text:
        reason = "empty"
    elif digits.startswith("-"):
        reason = "negative"
    elif "," in digits or "." in digits:
        reason = "a fraction of a rupiah or a number in another notation"
    else:
        reason = "not an amount"
    problems.append(
        f"{where}: {reason}; write whole rupiah as digits, with or without the thousands dot "
        "(1700000000 or 1.700.000.000)"
    )
    return None


def _overlaps(lines: list[BudgetLine], numbers: list[int], source: str,
              problems: list[str]) -> None:  # fmt: skip
    # The revision's own check (one line per component, source and period), located by row.
    try:
        BudgetRevision(1, _dt.date.min, "read", lines)
    except KlasterError as exc:
        match = re.fullmatch(r"lines\[(\d+)\]", exc.path or "")
        row = f" row {numbers[int(match.group(1))]}" if match else ""
        message = re.sub(
            r"lines\[(\d+)\]", lambda m: f"row {numbers[int(m.group(1))]}", exc.message
        )
        problems.append(f"{source}{row}: {message}")
