"""What the survey and registration readers share: opening a source, problems, units, IDs."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from klaster.catalogue.variable import Level
from klaster.errors import ImportDataError
from klaster.importing._header import AmbiguousColumn, Header
from klaster.importing._table import CsvTable, Table, Workbook
from klaster.importing.batch import Rejection
from klaster.importing.mapping import ImportMapping, RepeatMapping
from klaster.model.cluster import Cluster
from klaster.model.program import Program

SUBMISSION_COLUMNS = ("_uuid", "meta/instanceID", "instanceID")
"""Where a submission's ID is looked for when the mapping names no column (then ``KEY``)."""
FROM_UNIT = "@unit"
"""The mapping's ``submission`` for files without IDs: a row's ID is its round and unit."""

_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0"  # the old binary .xls


def submission_id(text: str) -> str:
    """A submission ID as stored: trimmed, without ODK's ``uuid:`` prefix.

    Kobo's ``_uuid`` has no prefix, ODK's ``instanceID`` has: without it the Kobo and the ODK
    export of one submission agree.
    """
    text = text.strip()
    return text[5:] if text.startswith("uuid:") else text


class Known:
    """The submissions already imported: a collection of IDs, or a function asked per chunk.

    A function (``store.known_submissions``) is given each chunk's submission IDs and returns
    those it holds, so a caller need not know a file's IDs before reading it.
    """

    def __init__(self, known: Iterable[str] | Callable[[list[str]], Iterable[str]]) -> None:
        if callable(known):
            self._ask: Callable[[list[str]], Iterable[str]] | None = known
            self._held: frozenset[str] = frozenset()
        else:
            self._ask = None
            self._held = known if isinstance(known, frozenset) else frozenset(known)

    def among(self, ids: list[str]) -> frozenset[str]:
        """Which of ``ids`` were imported already."""
        if self._ask is not None:
            found = self._ask(ids)
            if isinstance(found, str) or not isinstance(found, Iterable):
                raise ImportDataError(
                    f"known({len(ids)} IDs) must return a collection of submission IDs, got "
                    f"{type(found).__name__}"
                )
            return frozenset(found)
        if self._held.isdisjoint(ids):
            return frozenset()
        return self._held.intersection(ids)


class Source(contextlib.ExitStack):
    """An opened export: its main table and, on demand, its repeat groups' tables."""

    def __init__(self, path: Path, mapping: ImportMapping, max_rows: int | None) -> None:
        super().__init__()
        self.path = path
        self.mapping = mapping
        self.max_rows = max_rows
        self.book: Workbook | None = None
        try:
            with path.open("rb") as handle:
                magic = handle.read(4)
        except OSError as exc:
            raise ImportDataError(f"{path.name}: cannot read the file ({exc.strerror})") from None
        if magic == _OLE:
            raise ImportDataError(
                f"{path.name}: an old binary .xls workbook; export the form as XLSX or CSV"
            )
        if magic == _ZIP:
            self.book = self.enter_context(Workbook(path, max_rows))

    def main(self) -> Table:
        """The table of the main submissions (opened anew at each call)."""
        if self.book is not None:
            return self.book.sheet(self.mapping.sheet)
        return self.enter_context(CsvTable(self.path, self.mapping.delimiter, self.max_rows))

    def repeat(self, repeat: RepeatMapping) -> Table:
        """The table of a repeat group: its sheet (XLSX) or its file (CSV)."""
        if self.book is not None:
            return self.book.sheet(repeat.sheet or repeat.name)
        if repeat.file is None:
            raise ImportDataError(
                f"{self.mapping.name} {repeat.where}: the export is CSV, so the repeat group's "
                "rows are in their own file: give file = '<its CSV file>' (relative to "
                f"{self.path.name})"
            )
        path = self.path.parent / repeat.file
        if not path.is_file():
            raise ImportDataError(
                f"{self.mapping.name} {repeat.where}: the repeat group {repeat.name!r} of "
                f"{self.path.name} is read from {repeat.file!r} next to it, and there is no such "
                "file: export the repeat group too, or correct file = '...' in the mapping"
            )
        return self.enter_context(CsvTable(path, self.mapping.delimiter, self.max_rows))


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


def _locate(source: str, row: int, reason: str) -> str:
    if reason.startswith("column "):
        return f"{source} row {row} {reason}"
    return f"{source} row {row}: {reason}"


def column_index(
    header: Header, name: str, where: str, missing: list[str], *, strict: bool = False
) -> int:
    """The index of a mapped column; a missing or ambiguous one is added to ``missing``."""
    try:
        found = header.find(name, strict=strict)
    except AmbiguousColumn as exc:
        missing.append(
            f"column {name!r} ({where}) matches several columns: "
            + ", ".join(map(repr, exc.candidates))
            + "; name it exactly as in the file"
        )
        return -1
    if found is None:
        near = header.near(name)
        hint = f"; similar: {', '.join(map(repr, near))}" if near else ""
        missing.append(f"column {name!r} ({where}) is not in the file{hint}")
        return -1
    return found


def submission_column(header: Header, missing: list[str], hint: str) -> int | None:
    """The default submission-ID column, or a problem in ``missing`` when there is none.

    The first of ``_uuid``, ``meta/instanceID``, ``instanceID`` and ODK Central's ``KEY``.
    """
    for name in (*SUBMISSION_COLUMNS, "KEY"):
        strict = name == "KEY"
        if header_has(header, name, strict=strict):
            return column_index(header, name, "submission", missing, strict=strict)
    missing.append(
        "no submission ID column ('_uuid', 'meta/instanceID' or 'KEY'); name it with "
        f"submission = '<column>' (or submission = '@unit' for a file without IDs: {hint})"
    )
    return None


def header_has(header: Header, name: str, *, strict: bool = False) -> bool:
    """Whether some column matches ``name`` (one, or several)."""
    try:
        return header.find(name, strict=strict) is not None
    except AmbiguousColumn:
        return True


def missing_columns(table: Table, missing: list[str]) -> ImportDataError:
    """The error for mapped columns a file lacks."""
    problems = [f"{table.source}: {m}" for m in missing]
    hint = table.delimiter_hint()
    if hint:
        problems.append(f"{table.source}: {hint}")
    return ImportDataError(
        f"{table.source}: {len(missing)} mapped column(s) not found; check the mapping against "
        "the export's header (row 1)",
        problems=problems,
    )


def finder(cluster: Cluster, level: Level) -> Callable[[str], Any]:
    """The lookup of a cluster's units of ``level`` by ID.

    A read-only view of the records' dict: a survey looks up a unit per row, a million times.
    """
    if level is Level.GROUP:
        return cluster.groups.as_mapping().get
    if level is Level.COOPERATIVE:
        return cluster.cooperatives.as_mapping().get
    return cluster.members.as_mapping().get


def sectors_of(unit: Any, level: Level) -> tuple[str, ...]:
    """The sector(s) a unit works in."""
    if level is Level.COOPERATIVE:
        return tuple(unit.sectors)
    return (unit.sector,)


def unknown_unit(program: Program, level: Level, unit_id: str, cluster_id: str) -> str:
    """Why ``unit_id`` is no unit of the cluster, naming the cluster it belongs to if any."""
    kind = level.value
    for other in program.clusters:
        if other.id != cluster_id and finder(other, level)(unit_id) is not None:
            return f"{kind} {unit_id!r} belongs to cluster {other.id!r}, not {cluster_id!r}"
    hint = " (import its registration first)" if level is Level.MEMBER else ""
    return (
        f"{kind} {unit_id!r} is not a {kind} of cluster {cluster_id!r} in program "
        f"{program.id!r}{hint}"
    )


def listing(items: Iterable[str], limit: int = 8) -> str:
    """``'a', 'b' and 3 more`` (or ``none``)."""
    shown = list(items)
    if not shown:
        return "none"
    text = ", ".join(map(repr, shown[:limit]))
    return text + (f" and {len(shown) - limit} more" if len(shown) > limit else "")


def iter_located(chunk_problems: dict[int, list[str]]) -> Iterator[tuple[int, str]]:
    """Flatten a chunk's problems."""
    for index, reasons in chunk_problems.items():
        for reason in reasons:
            yield index, reason
