"""Reading a Parquet sidecar row by row, every problem located by row and column (internal).

The reader :mod:`klaster.observations._sidecar_parquet` falls back on when its column-wise
reader gives up: the JSON Lines exact reader (:class:`Reader`) with its header, units and
table checks, locating by the Parquet file's metadata, row (from 0) and column instead of by
line; the rows' values go through :meth:`ObservationStorage.load_rows
<klaster.observations.storage.ObservationStorage.load_rows>`, the checks of
:meth:`Observations.record_many <klaster.observations.values.Observations.record_many>`.
Slow (Python values), but only a bad file, or one with set-aside variables, comes here.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from typing import Any

from klaster.catalogue.variable import Level, ValueType
from klaster.documents.json_text import json_problem
from klaster.errors import DocumentError
from klaster.observations._sidecar_format import CHUNK
from klaster.observations._sidecar_reader import Reader
from klaster.observations.storage import RowRefused
from klaster.observations.values import Observations

__all__ = [
    "MAGIC",
    "META_KEY",
    "NUMBER",
    "ExactParquetReader",
    "expand",
    "metadata_of",
    "schema_problem",
]

MAGIC = b"PAR1"
"""The bytes a Parquet file starts and ends with."""

META_KEY = "klaster"
"""The Parquet key-value metadata key of the sidecar's header, units and tables (JSON)."""

NUMBER = "unit_number"
"""The column of each row's place in its cluster's units list (from 0): the readers' hint."""

_FORMS = {
    ValueType.DECIMAL: "a decimal (Parquet DECIMAL, polars Decimal)",
    ValueType.INTEGER: "a 64-bit integer (Int64)",
    ValueType.BOOLEAN: "a boolean",
    ValueType.CATEGORY: "a string (the category code)",
    ValueType.TEXT: "a string",
    ValueType.DATE: "a date (Date)",
}


def metadata_of(pl: Any, buffer: io.BytesIO) -> dict[str, str]:
    """The file's key-value metadata (raises polars' error on a damaged footer)."""
    buffer.seek(0)
    found = pl.read_parquet_metadata(buffer)
    buffer.seek(0)
    return dict(found)


def schema_problem(
    pl: Any, schema: Mapping[str, Any], declared: Mapping[str, Any], catalogue: Mapping[str, Any]
) -> tuple[str, str] | None:
    """The first column that is not as the writer writes it: ``(column, what is wrong)``.

    The columns are ``unit`` (strings) then one per declared variable, each of its type's
    Parquet type (a set-aside variable's, not in ``catalogue``, is not judged).
    """
    names = list(schema)
    expected = ["unit", NUMBER, *declared]
    if names != expected:
        extra = [n for n in names if n not in expected]
        missing = [n for n in expected if n not in names]
        column = (extra or missing or names)[0]
        return column, (
            f"the columns are 'unit', {NUMBER!r} then one per declared variable "
            f"({', '.join(expected)}); "
            + (f"{column!r} is not declared" if extra else "")
            + (f"{column!r} is missing" if not extra and missing else "")
            + ("they are in another order" if not extra and not missing else "")
        )
    if schema["unit"] != pl.String:
        return "unit", f"unit IDs are strings, got {schema['unit']}"
    if schema[NUMBER] != pl.Int32:
        return NUMBER, f"a unit's place in its units list is an Int32, got {schema[NUMBER]}"
    for code in declared:
        variable = catalogue.get(code)
        if variable is None:
            continue
        dtype = schema[code]
        kind = variable.type
        ok = (
            isinstance(dtype, pl.Decimal)
            if kind is ValueType.DECIMAL
            else dtype
            == {
                ValueType.INTEGER: pl.Int64,
                ValueType.BOOLEAN: pl.Boolean,
                ValueType.CATEGORY: pl.String,
                ValueType.TEXT: pl.String,
                ValueType.DATE: pl.Date,
            }[kind]
        )
        if not ok:
            return code, f"a {kind.value} is stored as {_FORMS[kind]}, got {dtype}"
    return None


_PARTS = {"units": ("cluster", "level", "rows"), "tables": ("round", "level", "columns", "rows")}


def expand(header: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]] | str:
    """Take the units, tables and column lists out of the metadata, one entry per part.

    The metadata keeps them column-wise (``{"cluster": [...], "level": [...], ...}``, a table's
    columns the index of a list in ``column_lists``: small at a thousand clusters); each entry
    comes back as the JSON Lines reader checks it. Returns what is wrong instead.
    """
    lists = header.pop("column_lists", None)
    if not isinstance(lists, list):
        return "'column_lists' must be a list (of the tables' lists of columns)"
    found = []
    for part, keys in _PARTS.items():
        fields = header.pop(part, None)
        if (
            not isinstance(fields, dict)
            or set(fields) != set(keys)
            or not all(isinstance(v, list) for v in fields.values())
            or len({len(v) for v in fields.values()}) != 1
        ):
            return f"{part!r} must be an object of the lists {', '.join(keys)}, all as long"
        entries = [
            dict(zip(keys, row, strict=True))
            for row in zip(*(fields[k] for k in keys), strict=True)
        ]
        found.append(entries)
    for entry in found[1]:
        at = entry["columns"]
        if type(at) is int and 0 <= at < len(lists):
            entry["columns"] = lists[at]
    return found[0], found[1]


class ExactParquetReader(Reader):
    """Reads a Parquet sidecar into a fresh store, row by row, with located errors."""

    where = ""

    def located(self) -> str:
        return self.where or f"{self.source} metadata {META_KEY!r}"

    def at_row(self, row: int, column: str | None = None) -> None:
        """Locate the next messages at ``row`` (0-based) of the file, in ``column``."""
        self.where = f"{self.source} row {row}" + ("" if column is None else f" column {column!r}")

    def read_file(self, data: bytes) -> Observations:
        """The observations in the Parquet file's ``data``.

        Raises:
            DocumentError: Anything wrong, located.
            SchemaVersionError: As the JSON Lines reader.
        """
        import polars as pl

        buffer = io.BytesIO(data)
        try:
            meta = metadata_of(pl, buffer)
            schema = dict(pl.read_parquet_schema(buffer))
        except (Exception, pl.exceptions.PanicException):  # polars' errors: a damaged footer
            raise DocumentError(
                f"{self.source}: cannot read the Parquet footer; the file is damaged or was cut "
                "short: write it again"
            ) from None
        header = self._header(meta)
        units, tables = header.pop("units"), header.pop("tables")
        self.header(header)
        problem = schema_problem(pl, schema, header["variables"], self.obs.variables)
        if problem is not None:
            raise DocumentError(problem[1], path=f"{self.source} column {problem[0]!r}")
        only = self.only
        read = [
            c
            for c in header["variables"]
            if c not in self.set_aside and (only is None or c in only)
        ]
        try:
            frame = pl.read_parquet(buffer, columns=["unit", NUMBER, *read])
        except (Exception, pl.exceptions.PanicException):  # (it panics on some damaged pages)
            raise DocumentError(
                f"{self.source}: cannot read the Parquet data; the file is damaged: write it again"
            ) from None
        at = 0
        for index, entry in enumerate(units):
            self.where = f"{self.source} metadata {META_KEY!r} units[{index}]"
            at = self._units(frame, entry, at)
        for index, entry in enumerate(tables):
            self.where = f"{self.source} metadata {META_KEY!r} tables[{index}]"
            at = self._read_table(frame, entry, at, read)
        if at != frame.height:
            self.where = ""
            raise self.fail(
                f"the units and tables count {at} rows, but the file holds {frame.height}; it "
                "is damaged"
            )
        return self.obs

    def _header(self, meta: Mapping[str, str]) -> dict[str, Any]:
        text = meta.get(META_KEY)
        if text is None:
            raise DocumentError(
                f"{self.source}: not a klaster observations file (no {META_KEY!r} key in its "
                "Parquet metadata)"
            )
        problem = json_problem(text)
        if problem is not None:
            raise self.fail(problem)
        try:
            header = json.loads(text)
        except (ValueError, RecursionError):
            raise self.fail("malformed JSON; the file may be corrupt") from None
        if not isinstance(header, dict):
            raise self.fail(f"must be an object, got {type(header).__name__}")
        found = expand(header)
        if isinstance(found, str):
            raise self.fail(found)
        header["units"], header["tables"] = found
        return header

    def _entry(self, entry: Any, what: str, keys: set[str]) -> dict[str, Any]:
        if not isinstance(entry, dict) or set(entry) != keys:
            found = sorted(entry) if isinstance(entry, dict) else type(entry).__name__
            raise self.fail(
                f"{what} is an object with exactly the keys {sorted(keys)}, got {found}"
            )
        return entry

    def _rows(self, frame: Any, entry: Mapping[str, Any], at: int) -> int:
        count = entry["rows"]
        if type(count) is not int or count < 0:
            raise self.fail("'rows' must be a whole number from 0")
        if at + count > frame.height:
            raise self.fail(
                f"the rows {at} to {at + count - 1} are past the file's end (its last row is "
                f"{frame.height - 1}); it is damaged"
            )
        return count

    def _ids(self, frame: Any, at: int, count: int) -> list[str]:
        ids: list[str | None] = frame["unit"].slice(at, count).to_list()
        for offset, unit_id in enumerate(ids):
            if unit_id is None or not unit_id.strip():
                self.at_row(at + offset, "unit")
                raise self.fail("a unit ID is a non-empty string, got none")
        return ids  # type: ignore[return-value]

    def _units(self, frame: Any, entry: Any, at: int) -> int:
        fields = self._entry(entry, "a units entry", {"cluster", "level", "rows"})
        cluster = self.cluster_of(fields["cluster"])
        level = self._level_of(fields["level"])
        count = self._rows(frame, fields, at)
        ids = self._ids(frame, at, count)
        seen: set[str] = set()
        for offset, unit_id in enumerate(ids):
            if unit_id in seen:
                self.at_row(at + offset, "unit")
                raise self.fail(f"{level.value} {unit_id!r} is listed twice in the units part")
            seen.add(unit_id)
        numbers = frame[NUMBER].slice(at, count).to_list()
        for offset, number in enumerate(numbers):
            if number != offset:
                self.at_row(at + offset, NUMBER)
                raise self.fail(
                    f"the units part's row {offset} of cluster {cluster.id!r} ({level.value}) "
                    f"is the unit numbered {offset}, got {number}"
                )
        unknown = self.obs.storage.number_units(cluster.id, level, ids)
        if unknown is not None:
            self.at_row(at + ids.index(unknown), "unit")
            raise self.fail(
                f"{level.value} {unknown!r} is not a {level.value} of cluster {cluster.id!r}"
            )
        return at + count

    def _level_of(self, value: Any) -> Level:
        try:
            return Level(value)
        except ValueError:
            raise self.fail(
                f"unknown level {value!r}: use one of {', '.join(m.value for m in Level)}"
            ) from None

    def _read_table(self, frame: Any, entry: Any, at: int, read: list[str]) -> int:
        fields = self._entry(entry, "a table entry", {"round", "level", "columns", "rows"})
        self._rows(frame, fields, at)  # located at the entry: before open_table counts it
        round_id, level, codes, count, kept, types = self.open_table(fields)
        ids = self._ids(frame, at, count)
        loaded = [c for c, kind in zip(codes, types, strict=True) if kind is not None and c in read]
        # A column the table does not list: not in this table, so null in each of its rows.
        for code in read:
            if code in codes:
                continue
            cells = frame[code].slice(at, count)
            if cells.null_count() != count:
                self.at_row(at + int(cells.is_not_null().arg_true()[0]), code)
                raise self.fail(
                    f"a value in a column this table ({round_id}, {level.value}) does not have; "
                    f"its columns are {', '.join(codes)}"
                )
        values = [frame[code].slice(at, count).to_list() for code in loaded]
        seen: set[str] = set()
        for start in range(0, count, CHUNK):
            chunk: list[tuple[str, dict[str, object]]] = []
            for offset in range(start, min(count, start + CHUNK)):
                unit_id = ids[offset]
                if unit_id in seen:
                    self.at_row(at + offset, "unit")
                    raise self.fail(f"{level.value} {unit_id!r} has two rows in this table")
                seen.add(unit_id)
                cells = {c: v[offset] for c, v in zip(loaded, values, strict=True)}
                chunk.append((unit_id, {c: v for c, v in cells.items() if v is not None}))
            try:
                self.obs.storage.load_rows(round_id, level, chunk)
            except RowRefused as refused:
                row = at + start + (refused.row or 0)
                path = str(getattr(refused.error, "path", "") or "")
                column = path.rsplit(".", 1)[-1] if "." in path else None
                self.at_row(row, column if column in codes else None)
                raise self.fail(str(refused.error)) from None
            self._check_numbers(frame, round_id, level, at + start, ids[start : start + CHUNK])
        if kept:
            self.obs.storage.ensure_columns(round_id, level, loaded)
        return at + count

    def _check_numbers(
        self, frame: Any, round_id: str, level: Level, first: int, ids: list[str]
    ) -> None:
        """Each row's unit number names its unit in the units part (checked once it is stored)."""
        storage = self.obs.storage
        numbering = storage.numbering(storage.round(round_id).cluster_id, level)
        listed = () if numbering is None else numbering.ids
        numbers = frame[NUMBER].slice(first, len(ids)).to_list()
        for offset, (unit_id, number) in enumerate(zip(ids, numbers, strict=True)):
            if number is None or not 0 <= number < len(listed) or listed[number] != unit_id:
                self.at_row(first + offset, NUMBER)
                raise self.fail(
                    f"{level.value} {unit_id!r} is not number {number} of its units list; each "
                    "row's unit must be listed, and numbered, in the units part"
                )
