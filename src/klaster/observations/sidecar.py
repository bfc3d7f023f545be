"""Observation sidecar files: a program's survey data beside its program document.

Observations of a large program are too big for the program document, so they live in a
sidecar file: UTF-8 JSON Lines, one JSON value per line, written atomically (temporary file,
fsync, rename) and read strictly. The layout::

    {"klaster": "observations", "schema_version": 1, "program": "km",
     "variables": {"monthly_income": {"type": "decimal", "level": "member"}, ...},
     "rounds": [{"id": "btg-bl", "cluster_id": "bantaeng", "kind": "baseline",
                 "on": "2011-06-15"}, ...]}
    {"units": {"cluster": "bantaeng", "level": "member", "ids": ["BTG-0001", ...]}}
    {"table": {"round": "btg-bl", "level": "member", "columns": ["monthly_income", ...],
               "rows": 2}}
    ["BTG-0001", "1250000.00", 4]
    ["BTG-0002", null, 5]
    {"end": {"tables": 1, "rows": 2}}

The first line is the header (shown wrapped here; it is one line in the file). A ``units`` line
gives the order of a cluster's units at a level (so a file read back numbers units as the
store that wrote it did); a ``table`` line opens one round and level, followed by exactly
``rows`` row lines: the unit ID then one value per column, ``null`` where missing. Decimals are
strings in plain notation (``"1250000.00"``, exact), integers and booleans JSON numbers and
``true``/``false``, categories and text strings, dates ISO strings. The ``end`` line proves the
file is complete.

Reading goes through the same checks as :meth:`Observations.record_many
<klaster.observations.values.Observations.record_many>`, so a file can never hold what the
API would refuse; every error names the file and line. Reading builds a new store: a bad file
changes nothing.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, TextIO, cast

from klaster._support.gc import gc_paused as _gc_paused
from klaster.catalogue.variable import Level, ValueType, Variable
from klaster.documents.files import atomic_write
from klaster.errors import DocumentError, KlasterError, SchemaVersionError
from klaster.model.program import Program
from klaster.observations.columns.factory import Column, DecimalColumn
from klaster.observations.rounds import Round
from klaster.observations.values import (
    Observations,
    _at_row,
    _BadRow,
    _finder,
)

__all__ = ["SIDECAR_KIND", "SIDECAR_SCHEMA_VERSION", "load_observations", "save_observations"]

SIDECAR_KIND = "observations"
"""The value of the ``"klaster"`` key in the header of an observation sidecar file."""

SIDECAR_SCHEMA_VERSION = 1
"""The sidecar schema version this klaster writes and reads."""

_CHUNK = 20_000  # rows checked and stored at a time: bounds the memory of reading
_DECIMAL = re.compile(r"^-?[0-9]+(\.[0-9]+)?\Z")
_ROUND_FIELDS = {"id", "cluster_id", "kind", "on", "label", "note"}


def save_observations(observations: Observations, path: str | os.PathLike[str]) -> None:
    """Write observations to a sidecar file, atomically.

    Args:
        observations: The store to write.
        path: Destination (conventionally ``<program>.observations.jsonl``).
    """
    if not isinstance(observations, Observations):
        raise DocumentError(
            f"can only write Observations, got {type(observations).__name__}", path=str(path)
        )
    atomic_write(path, lambda handle: _write(observations, handle))


def load_observations(
    path: str | os.PathLike[str],
    program: Program,
    variables: Mapping[str, Variable] | Iterable[Variable] | None = None,
) -> Observations:
    """Read a sidecar file into a new :class:`Observations` of ``program``.

    Args:
        path: The file written by :func:`save_observations`.
        program: The program the observations are about (its ID must match the file's).
        variables: The variable catalogue (default: the core variables). Every variable in the
            file must be in it with the same type and level.

    Returns:
        A new store holding the file's rounds and values.

    Raises:
        DocumentError: The file cannot be read, is malformed or truncated, or holds a value,
            unit or round the API would refuse; the message names the file and line.
        SchemaVersionError: The file's schema version is missing or unknown.
    """
    target = Path(path)
    try:
        with target.open("r", encoding="utf-8", newline="") as handle, _gc_paused():
            return _Reader(str(target), program, variables).read(handle)
    except OSError as exc:
        raise DocumentError(f"{target}: cannot read the file ({exc.strerror})") from None
    except UnicodeDecodeError as exc:
        raise DocumentError(
            f"{target}: not UTF-8 text (byte {exc.start} of a block); save the file as UTF-8"
        ) from None


# -- writing ------------------------------------------------------------------------------------


def _dump(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _write(obs: Observations, handle: TextIO) -> None:
    rounds = list(obs._rounds.values())
    used: dict[str, Variable] = {}
    for rnd in rounds:
        for level in Level:
            for code in obs._table_codes(rnd.id, level):
                used[code] = obs.variables[code]
    header = {
        "klaster": SIDECAR_KIND,
        "schema_version": SIDECAR_SCHEMA_VERSION,
        "program": obs.program.id,
        "variables": {
            code: {"type": v.type.value, "level": v.level.value} for code, v in used.items()
        },
        "rounds": [_round_to_json(rnd) for rnd in rounds],
    }
    handle.write(_dump(header) + "\n")
    for cluster_id, level, ids in obs._unit_order():
        units = {"cluster": cluster_id, "level": level.value, "ids": ids}
        handle.write(_dump({"units": units}) + "\n")
    tables = rows = 0
    for rnd in rounds:
        for level in Level:
            unit_ids = obs.units(rnd.id, level)
            if not unit_ids:
                continue
            columns = obs.columns(rnd.id, level)
            codes = list(columns)
            table = {"round": rnd.id, "level": level.value, "columns": codes, "rows": len(unit_ids)}
            handle.write(_dump({"table": table}) + "\n")
            encoded = [_encoded(columns[code]) for code in codes]
            for unit_id, cells in zip(unit_ids, zip(*encoded, strict=True), strict=True):
                handle.write(_dump([unit_id, *cells]) + "\n")
            tables += 1
            rows += len(unit_ids)
    handle.write(_dump({"end": {"tables": tables, "rows": rows}}) + "\n")


def _round_to_json(rnd: Round) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": rnd.id,
        "cluster_id": rnd.cluster_id,
        "kind": rnd.kind.value,
        "on": rnd.on.isoformat(),
    }
    if rnd.label is not None:
        data["label"] = {"id": rnd.label.id, "en": rnd.label.en}
    if rnd.note is not None:
        data["note"] = rnd.note
    return data


def _encoded(column: Column[Any]) -> Iterator[object]:
    kind = column.type
    if isinstance(column, DecimalColumn):
        return column.texts()
    if kind is ValueType.DATE:
        return (None if v is None else v.isoformat() for v in column)
    return iter(column)


# -- reading ------------------------------------------------------------------------------------


class _Reader:
    """Reads one sidecar file into a fresh store, line by line, with located errors."""

    def __init__(
        self,
        source: str,
        program: Program,
        variables: Mapping[str, Variable] | Iterable[Variable] | None,
    ) -> None:
        self.source = source
        self.line = 0
        if not isinstance(program, Program):
            raise DocumentError(f"must be a Program, got {type(program).__name__}", path="program")
        self.obs = Observations(program) if variables is None else Observations(program, variables)
        self.tables_seen: set[tuple[str, Level]] = set()
        self.rows = 0

    def fail(self, message: str) -> DocumentError:
        return DocumentError(message, path=f"{self.source} line {self.line}")

    def read(self, handle: TextIO) -> Observations:
        lines = iter(handle)
        self._header(self._next(lines, "the header"))
        pending = self._next(lines, "the end line")
        while True:
            kind, body = self._record(pending)
            if kind == "units":
                self._units(body)
                pending = self._next(lines, "the end line")
            elif kind == "table":
                pending = self._table(body, lines)
            elif kind == "end":
                self._end(body)
                break
            else:
                raise self.fail(
                    f"expected a 'units', 'table' or 'end' line, got {kind!r}; the file may be "
                    "corrupt"
                )
        for extra in lines:
            self.line += 1
            if extra.strip():
                raise self.fail("text after the end line; the file may be corrupt")
        return self.obs

    def _next(self, lines: Iterator[str], what: str) -> Any:
        try:
            text = next(lines)
        except StopIteration:
            raise DocumentError(
                f"{self.source}: the file ends before {what} (line {self.line + 1}); it was "
                "probably cut short: write it again"
            ) from None
        self.line += 1
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise self.fail(f"malformed JSON at column {exc.colno}: {exc.msg}") from None

    def _record(self, value: Any) -> tuple[str, Any]:
        if not isinstance(value, dict) or len(value) != 1:
            raise self.fail(
                "expected a 'units', 'table' or 'end' line (an object with one key), got "
                + (
                    f"an object with keys {sorted(value)}"
                    if isinstance(value, dict)
                    else type(value).__name__
                )
            )
        ((kind, body),) = value.items()
        return kind, body

    def _fields(self, body: Any, what: str, required: set[str]) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise self.fail(f"{what} must be an object, got {type(body).__name__}")
        if set(body) != required:
            missing, extra = sorted(required - set(body)), sorted(set(body) - required)
            raise self.fail(
                f"{what} needs exactly the keys {sorted(required)}"
                + (f"; missing {missing}" if missing else "")
                + (f"; unknown {extra}" if extra else "")
            )
        return body

    # -- header -----------------------------------------------------------------------------
    def _header(self, header: Any) -> None:
        if not isinstance(header, dict) or header.get("klaster") != SIDECAR_KIND:
            got = header.get("klaster") if isinstance(header, dict) else type(header).__name__
            raise self.fail(
                f"not a klaster observations file (header 'klaster' is {got!r}; expected "
                f"{SIDECAR_KIND!r})"
            )
        version = header.get("schema_version")
        if type(version) is not int or version != SIDECAR_SCHEMA_VERSION:
            raise SchemaVersionError(
                f"schema version {version!r} is not one this klaster reads "
                f"({SIDECAR_SCHEMA_VERSION}); "
                + (
                    "upgrade klaster to read it"
                    if type(version) is int and version > SIDECAR_SCHEMA_VERSION
                    else "the header is damaged"
                ),
                path=f"{self.source} line {self.line}",
            )
        body = self._fields(
            header,
            "the header",
            {"klaster", "schema_version", "program", "variables", "rounds"},
        )
        program = self.obs.program
        if body["program"] != program.id:
            raise self.fail(
                f"the file holds observations of program {body['program']!r}, not of {program.id!r}"
            )
        self._variables(body["variables"])
        rounds = body["rounds"]
        if not isinstance(rounds, list):
            raise self.fail(f"'rounds' must be a list, got {type(rounds).__name__}")
        for index, raw in enumerate(rounds):
            try:
                self.obs.add_round(_round_from_json(raw))
            except KlasterError as exc:
                raise self.fail(f"rounds[{index}]: {exc}") from None

    def _variables(self, declared: Any) -> None:
        if not isinstance(declared, dict):
            raise self.fail(f"'variables' must be an object, got {type(declared).__name__}")
        for code, spec in declared.items():
            variable = self.obs.variables.get(code)
            if variable is None:
                raise self.fail(
                    f"variables.{code}: not in the variable catalogue given; load the plugin "
                    "that declares it"
                )
            if not isinstance(spec, dict) or spec != {
                "type": variable.type.value,
                "level": variable.level.value,
            }:
                raise self.fail(
                    f"variables.{code}: the file declares {spec!r} but the catalogue's variable "
                    f"is a {variable.level.value} {variable.type.value}; the variable changed "
                    "since the file was written"
                )
        self.declared = set(declared)

    # -- units ------------------------------------------------------------------------------
    def _units(self, body: Any) -> None:
        fields = self._fields(body, "a units line", {"cluster", "level", "ids"})
        cluster = (
            self.obs.program.clusters.get(fields["cluster"])
            if isinstance(fields["cluster"], str)
            else None
        )
        if cluster is None:
            raise self.fail(f"cluster {fields['cluster']!r} is not in the program")
        level = self._level(fields["level"])
        ids = fields["ids"]
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise self.fail("'ids' must be a list of unit IDs")
        if len(set(ids)) != len(ids):
            raise self.fail("'ids' lists a unit twice")
        find = _finder(cluster, level)
        for unit_id in ids:
            if find(unit_id) is None:
                raise self.fail(
                    f"{level.value} {unit_id!r} is not a {level.value} of cluster {cluster.id!r}"
                )
        self.obs._register(cluster.id, level, (find(unit_id).id for unit_id in ids))

    def _level(self, value: Any) -> Level:
        found = Level._value2member_map_.get(value) if isinstance(value, str) else None
        if found is None:
            raise self.fail(
                f"unknown level {value!r}: use one of {', '.join(m.value for m in Level)}"
            )
        return cast(Level, found)

    # -- tables -----------------------------------------------------------------------------
    def _table(self, body: Any, lines: Iterator[str]) -> Any:
        fields = self._fields(body, "a table line", {"round", "level", "columns", "rows"})
        round_id, level = fields["round"], self._level(fields["level"])
        if not isinstance(round_id, str) or round_id not in self.obs._rounds:
            raise self.fail(f"round {round_id!r} is not in the header's rounds")
        if (round_id, level) in self.tables_seen:
            raise self.fail(f"a second table for round {round_id!r} and level {level.value}")
        self.tables_seen.add((round_id, level))
        codes, count = fields["columns"], fields["rows"]
        if not isinstance(codes, list) or not all(c in self.declared for c in codes):
            raise self.fail("'columns' must list variables declared in the header")
        if not codes or len(set(codes)) != len(codes):
            raise self.fail("'columns' must list at least one variable, each once")
        wrong = [c for c in codes if self.obs.variables[c].level is not level]
        if wrong:
            raise self.fail(f"{wrong[0]} is not a {level.value} variable")
        if type(count) is not int or count < 0:
            raise self.fail("'rows' must be a whole number from 0")
        types = [self.obs.variables[code].type for code in codes]
        start = self.line
        chunk: list[tuple[str, dict[str, object]]] = []
        for _ in range(count):
            row = self._next(lines, f"row {len(chunk) + 1} of the table on line {start}")
            chunk.append(self._row(row, codes, types))
            if len(chunk) == _CHUNK:
                self._store(round_id, level, chunk, self.line - len(chunk) + 1)
                chunk = []
        self._store(round_id, level, chunk, self.line - len(chunk) + 1)
        self.obs._ensure_columns(round_id, level, codes)
        self.rows += count
        return self._next(lines, "the end line")

    def _row(
        self, row: Any, codes: list[str], types: list[ValueType]
    ) -> tuple[str, dict[str, object]]:
        if not isinstance(row, list) or len(row) != len(codes) + 1 or not isinstance(row[0], str):
            raise self.fail(
                f"a row is a list of the unit ID and {len(codes)} value(s) (one per column)"
            )
        values: dict[str, object] = {}
        for code, kind, value in zip(codes, types, row[1:], strict=True):
            if value is None:
                # Missing: a column of the table need not apply to every unit in it (another
                # sector's variable), so a gap is left out rather than recorded as None.
                continue
            if not _JSON_CHECKS[kind](value):
                raise self.fail(
                    f"{code}: a {kind.value} is written as {_JSON_FORMS[kind]} (or null); got "
                    f"{type(value).__name__}"
                )
            values[code] = value
        return row[0], values

    def _store(
        self, round_id: str, level: Level, chunk: list[tuple[str, dict[str, object]]], first: int
    ) -> None:
        if not chunk:
            return
        obs = self.obs
        rnd = obs._rounds[round_id]
        table = obs._stored(round_id, level)
        units = obs._numbering(rnd.cluster_id, level)
        if table is not None and units is not None:  # rows of earlier chunks of this table
            for offset, (unit_id, _) in enumerate(chunk):
                index = units.index.get(unit_id)
                if index is not None and index < len(table.present) and table.present[index]:
                    self.line = first + offset
                    raise self.fail(f"{level.value} {unit_id!r} has two rows in this table")
        try:
            obs._store(obs._prepare(round_id, chunk, None, 0, surveyed=level))
        except _BadRow as bad:
            if bad.row is not None:
                self.line = first + bad.row
            raise self.fail(str(_at_row(_BadRow(None, bad.error)))) from None

    def _end(self, body: Any) -> None:
        fields = self._fields(body, "the end line", {"tables", "rows"})
        if fields != {"tables": len(self.tables_seen), "rows": self.rows}:
            raise self.fail(
                f"the end line counts {fields['tables']!r} tables and {fields['rows']!r} rows, "
                f"but the file holds {len(self.tables_seen)} and {self.rows}; it is damaged"
            )


def _round_from_json(raw: Any) -> Round:
    if not isinstance(raw, dict):
        raise DocumentError(f"a round is an object, got {type(raw).__name__}")
    unknown = sorted(set(raw) - _ROUND_FIELDS)
    if unknown:
        raise DocumentError(
            f"unknown field {', '.join(map(repr, unknown))}; valid fields are "
            + ", ".join(sorted(_ROUND_FIELDS))
        )
    try:
        return Round(**raw)
    except TypeError:
        raise DocumentError(
            "a round needs 'id', 'cluster_id', 'kind' and 'on' (ISO date)"
        ) from None


def _is_decimal_text(value: object) -> bool:
    return isinstance(value, str) and _DECIMAL.match(value) is not None


def _is_int(value: object) -> bool:
    return type(value) is int


_JSON_CHECKS: dict[ValueType, Callable[[object], bool]] = {
    ValueType.DECIMAL: _is_decimal_text,
    ValueType.INTEGER: _is_int,
    ValueType.BOOLEAN: lambda v: type(v) is bool,
    ValueType.CATEGORY: lambda v: isinstance(v, str),
    ValueType.TEXT: lambda v: isinstance(v, str),
    ValueType.DATE: lambda v: isinstance(v, str) and len(v) == 10,
}
_JSON_FORMS = {
    ValueType.DECIMAL: 'a string in plain notation such as "1250000.50"',
    ValueType.INTEGER: "a JSON whole number",
    ValueType.BOOLEAN: "true or false",
    ValueType.CATEGORY: "a string (the category code)",
    ValueType.TEXT: "a string",
    ValueType.DATE: 'an ISO date string such as "2012-03-01"',
}
