"""The problems of an export's rows: reasons per row, located messages, the rows set aside."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from klaster.errors import ImportDataError
from klaster.importing._header import Header
from klaster.importing._table import Table
from klaster.importing.batch import Rejection

__all__ = ["Problems", "listing", "seen_before"]


class Problems:
    """Reasons per main row (a submission), and the raw rows the rejects file needs."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.by_row: dict[int, list[str]] = {}
        self.raw: dict[int, dict[str, str]] = {}

    def __bool__(self) -> bool:
        return bool(self.by_row)

    def add(self, row: int, reason: str) -> None:
        """Record a reason against a main row."""
        self.by_row.setdefault(row, []).append(reason)

    def keep_raw(self, row: int, header: Header, cells: list[str]) -> None:
        """Remember a bad row's cells (for the rejects file only)."""
        if row not in self.raw:
            self.raw[row] = dict(zip(header.names, cells, strict=False))

    def duplicate_submission(
        self, seen: dict[str, int], sub: str, number: int, column: str | None, reasons: list[str]
    ) -> None:
        """Note a submission ID an earlier row used too: a reason of this row and of that one."""
        first = seen_before(seen, sub, number)
        if first is not None:
            duplicate = f"column {column!r}: duplicate submission {sub!r}: also in"
            reasons.append(f"{duplicate} row {first}")
            self.add(first, f"{duplicate} row {number}")

    def settle(
        self, number: int, reasons: list[str], header: Header, cells: list[str], keep_valid: bool
    ) -> bool:
        """Record a row's reasons; ``True`` when it has any (the row is then left out)."""
        for reason in reasons:
            self.add(number, reason)
        if reasons and keep_valid:
            self.keep_raw(number, header, cells)
        return bool(reasons)

    def finish(self, keep_valid: bool, table: Callable[[], Table]) -> set[int]:
        """The rows to leave out: raise the problems, or with ``keep_valid`` keep their cells.

        ``table`` reads the main table anew (for the bad rows' cells, only when there are any).
        """
        if self and not keep_valid:
            raise self.error()
        if self:
            self.fetch_raw(table())
        return set(self.by_row)

    def located(self) -> list[str]:
        """Every problem as ``<file> row <n> column '<c>': <reason>``, in row order."""
        return [
            _locate(self.source, row, reason)
            for row in sorted(self.by_row)
            for reason in self.by_row[row]
        ]

    def error(self) -> ImportDataError:
        """The error listing every problem."""
        rows = len(self.by_row)
        return ImportDataError(
            f"{self.source}: {sum(map(len, self.by_row.values()))} problem(s) in {rows} row(s); "
            "nothing was read. Fix them, or read with keep_valid=True to set those rows aside "
            "and write them with write_rejects",
            problems=self.located(),
        )

    def rejections(self) -> list[Rejection]:
        """The bad rows with their reasons, in row order."""
        return [
            Rejection(self.source, row, tuple(self.by_row[row]), self.raw.get(row, {}))
            for row in sorted(self.by_row)
        ]

    def fetch_raw(self, table: Table) -> None:
        """Read the cells of bad rows whose cells were not kept (a second pass)."""
        wanted = {row for row in self.by_row if row not in self.raw}
        if not wanted:
            return
        for chunk in table.chunks():
            for number, cells in zip(chunk.numbers, chunk.rows, strict=True):
                if number in wanted:
                    self.keep_raw(number, table.header, cells)


def seen_before(seen: dict[str, int], key: str, number: int) -> int | None:
    """The earlier row that had ``key`` (``None`` for an empty key or its first row).

    Remembers ``number`` as the key's row when it is the first.
    """
    first = seen.setdefault(key, number)
    return first if key and first != number else None


def _locate(source: str, row: int, reason: str) -> str:
    if reason.startswith("column "):
        return f"{source} row {row} {reason}"
    return f"{source} row {row}: {reason}"


def listing(items: Iterable[str], limit: int = 8) -> str:
    """``'a', 'b' and 3 more`` (or ``none``)."""
    shown = list(items)
    if not shown:
        return "none"
    text = ", ".join(map(repr, shown[:limit]))
    return text + (f" and {len(shown) - limit} more" if len(shown) > limit else "")
