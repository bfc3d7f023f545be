"""Opening an export: its main table and its repeat groups' tables (CSV files or XLSX sheets)."""

from __future__ import annotations

import contextlib
from pathlib import Path

from klaster.errors import ImportDataError
from klaster.importing._table import CsvTable, Table, Workbook
from klaster.importing.mapping import ImportMapping, RepeatMapping

__all__ = ["Source", "missing_columns"]

_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0"  # the old binary .xls


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
            self.book = self.enter_context(Workbook(path, max_rows, mapping.max_unpacked_mb))

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
        path = self._confined(repeat)
        if not path.is_file():
            raise ImportDataError(
                f"{self.mapping.name} {repeat.where}: the repeat group {repeat.name!r} of "
                f"{self.path.name} is read from {repeat.file!r} next to it, and there is no such "
                "file: export the repeat group too, or correct file = '...' in the mapping"
            )
        return self.enter_context(CsvTable(path, self.mapping.delimiter, self.max_rows))

    def _confined(self, repeat: RepeatMapping) -> Path:
        """The repeat's file, which must be inside the export's folder (symlinks resolved).

        A mapping comes from whoever wrote it: ``file = '../../x'``, an absolute path or a
        symlink out of the folder would make an import read any file the user can.
        """
        assert repeat.file is not None
        folder = self.path.parent.resolve()
        given = Path(repeat.file)
        inside = not given.is_absolute() and not given.drive and ".." not in given.parts
        path = folder / given
        if inside:
            try:
                inside = path.resolve().is_relative_to(folder)
            except (OSError, RuntimeError):  # a symlink loop
                inside = False
        if not inside:
            raise ImportDataError(
                f"{self.mapping.name} {repeat.where}.file: the repeat group's file must be in "
                f"the folder of {self.path.name} (a name such as 'survey-{repeat.name}.csv'): "
                "no absolute path, no '..', no symbolic link out of the folder"
            )
        return path


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
