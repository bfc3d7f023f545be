"""Reading a sidecar into a new store, line by line, with located errors.

Reading goes through the same checks as :meth:`Observations.record_many
<klaster.observations.values.Observations.record_many>` (through
:meth:`ObservationStorage.load_rows <klaster.observations.storage.ObservationStorage.load_rows>`),
so a file can never hold what the API would refuse; the header's version is checked and
migrated by :func:`klaster.documents.migrations.migrate`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, TextIO

from klaster.catalogue.variable import Level, ValueType, Variable
from klaster.documents.json_text import MAX_JSON_DEPTH, json_problem
from klaster.documents.migrations import migrate
from klaster.errors import DocumentError, KlasterError
from klaster.model.cluster import Cluster
from klaster.model.program import Program
from klaster.observations import _sidecar_format as fmt
from klaster.observations.set_aside import report_set_aside, undeclared
from klaster.observations.storage import RowRefused
from klaster.observations.values import Observations


class Reader:
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
        self.set_aside: frozenset[str] = frozenset()  # no loaded plugin declares them
        self.only: frozenset[str] | None = None  # load(only=...): the other values are not read
        self.rows = 0
        # Each list of columns judged once (a million-member file repeats a few hundred lists
        # over thousands of tables): by level, the codes and ``only``, what was kept and read.
        self._verdicts: dict[Any, tuple[list[str], list[ValueType | None]]] = {}

    def located(self) -> str:
        """Where the reader is, for messages: the file and line (a Parquet reader's own)."""
        return f"{self.source} line {self.line}"

    def fail(self, message: str) -> DocumentError:
        return DocumentError(message, path=self.located())

    def read(self, handle: TextIO) -> Observations:
        lines = iter(handle)
        self.header(self._next(lines, "the header"))
        pending = self._next(lines, "the end line")
        while True:
            kind, body = self.record(pending)
            if kind == "units":
                self.units(body)
                pending = self._next(lines, "the end line")
            elif kind == "table":
                pending = self._table(body, lines)
            elif kind == "end":
                self.end(body)
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
        problem = json_problem(text)
        if problem is not None:
            raise self.fail(problem)
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise self.fail(f"malformed JSON at column {exc.colno}: {exc.msg}") from None
        except RecursionError:  # unbalanced nesting the depth check lets the parser report
            raise self.fail(f"nested more than {MAX_JSON_DEPTH} levels deep") from None
        except ValueError:  # an int over sys.get_int_max_str_digits() (4,300) digits
            raise self.fail(
                "a number with more than 4,300 digits; the file may be corrupt"
            ) from None

    def record(self, value: Any) -> tuple[str, Any]:
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
    def header(self, header: Any) -> None:
        if not isinstance(header, dict):
            raise self.fail(
                f"not a klaster observations file (the header is a {type(header).__name__}, "
                "not an object)"
            )
        header = migrate(
            header,
            kind=fmt.SIDECAR_KIND,
            what="observations",
            current=fmt.SIDECAR_SCHEMA_VERSION,
            migrations=fmt.MIGRATIONS,
            source=self.located(),
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
                self.obs.add_round(fmt.round_from_json(raw))
            except KlasterError as exc:
                raise self.fail(f"rounds[{index}]: {exc}") from None

    def _variables(self, declared: Any) -> None:
        if not isinstance(declared, dict):
            raise self.fail(f"'variables' must be an object, got {type(declared).__name__}")
        unknown = [code for code in declared if code not in self.obs.variables]
        self.set_aside = frozenset(undeclared(unknown))
        for code, spec in declared.items():
            if code in self.set_aside:
                continue
            variable = self.obs.variables.get(code)
            if variable is None:
                raise self.fail(
                    f"variables.{code}: not in the variable catalogue given, though an installed "
                    "plugin declares it; pass klaster.observations.variable_catalogue()"
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
        self._verdicts.clear()  # (judged against the declared variables)
        report_set_aside(self.obs.program, self.set_aside, self.source)

    # -- units ------------------------------------------------------------------------------
    def cluster_of(self, value: Any) -> Cluster:
        """The program's cluster named ``value`` (a units part's), or a located error."""
        cluster = self.obs.program.clusters.get(value) if isinstance(value, str) else None
        if cluster is None:
            raise self.fail(f"cluster {value!r} is not in the program")
        return cluster

    def units(self, body: Any) -> None:
        fields = self._fields(body, "a units line", {"cluster", "level", "ids"})
        cluster = self.cluster_of(fields["cluster"])
        level = self._level(fields["level"])
        ids = fields["ids"]
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise self.fail("'ids' must be a list of unit IDs")
        if len(set(ids)) != len(ids):
            raise self.fail("'ids' lists a unit twice")
        unknown = self.obs.storage.number_units(cluster.id, level, ids)
        if unknown is not None:
            raise self.fail(
                f"{level.value} {unknown!r} is not a {level.value} of cluster {cluster.id!r}"
            )

    def _level(self, value: Any) -> Level:
        try:
            return Level(value)
        except ValueError:
            raise self.fail(
                f"unknown level {value!r}: use one of {', '.join(m.value for m in Level)}"
            ) from None

    # -- tables -----------------------------------------------------------------------------
    def _table(self, body: Any, lines: Iterator[str]) -> Any:
        round_id, level, codes, count, kept, types = self.open_table(body)
        start = self.line
        chunk: list[tuple[str, dict[str, object]]] = []
        for _ in range(count):
            row = self._next(lines, f"row {len(chunk) + 1} of the table on line {start}")
            if kept:  # a table of set-aside variables only is read past, not loaded
                chunk.append(self._row(row, codes, types))
            if len(chunk) == fmt.CHUNK:
                self._store(round_id, level, chunk, self.line - len(chunk) + 1)
                chunk = []
        self._store(round_id, level, chunk, self.line - len(chunk) + 1)
        if kept:
            only = self.only
            loaded = kept if only is None else [c for c in kept if c in only]
            self.obs.storage.ensure_columns(round_id, level, loaded)
        self.rows += count
        return self._next(lines, "the end line")

    def open_table(
        self, body: Any
    ) -> tuple[str, Level, list[str], int, list[str], list[ValueType | None]]:
        """Check a table line: its round, level, columns (those kept), rows and value types."""
        fields = self._fields(body, "a table line", {"round", "level", "columns", "rows"})
        round_id, level = fields["round"], self._level(fields["level"])
        if not isinstance(round_id, str) or not self.obs.storage.has_round(round_id):
            raise self.fail(f"round {round_id!r} is not in the header's rounds")
        if (round_id, level) in self.tables_seen:
            raise self.fail(f"a second table for round {round_id!r} and level {level.value}")
        self.tables_seen.add((round_id, level))
        codes, count = fields["columns"], fields["rows"]
        kept, types = self._columns(level, codes)
        if type(count) is not int or count < 0:
            raise self.fail("'rows' must be a whole number from 0")
        return round_id, level, codes, count, kept, types

    def _columns(self, level: Level, codes: Any) -> tuple[list[str], list[ValueType | None]]:
        """A table's columns judged (those kept and each one's type read), or a located error.

        A list judged good before at this level is not judged again (fresh lists given back).
        """
        key = None
        if type(codes) is list:
            try:
                key = (level, tuple(codes), self.only)
                found = self._verdicts.get(key)
            except TypeError:  # an unhashable item: judged (and refused) below
                key = found = None
            if found is not None:  # (only ever a list of texts: no other tuple equals it)
                return list(found[0]), list(found[1])
        if not isinstance(codes, list) or not all(
            isinstance(c, str) and c in self.declared for c in codes
        ):
            raise self.fail("'columns' must list variables declared in the header")
        if not codes or len(set(codes)) != len(codes):
            raise self.fail("'columns' must list at least one variable, each once")
        kept = [c for c in codes if c not in self.set_aside]
        wrong = [c for c in kept if self.obs.variables[c].level is not level]
        if wrong:
            raise self.fail(f"{wrong[0]} is not a {level.value} variable")
        skip = self.set_aside if self.only is None else self.set_aside | (set(codes) - self.only)
        types = [None if c in skip else self.obs.variables[c].type for c in codes]
        if key is not None:
            self._verdicts[key] = (kept, types)
            return list(kept), list(types)
        return kept, types

    def _row(
        self, row: Any, codes: list[str], types: list[ValueType | None]
    ) -> tuple[str, dict[str, object]]:
        if not isinstance(row, list) or len(row) != len(codes) + 1 or not isinstance(row[0], str):
            raise self.fail(
                f"a row is a list of the unit ID and {len(codes)} value(s) (one per column)"
            )
        values: dict[str, object] = {}
        for code, kind, value in zip(codes, types, row[1:], strict=True):
            if value is None or kind is None:
                # Set aside (no loaded plugin declares it: ``kind`` is None), or missing: a
                # column of the table need not apply to every unit in it (another sector's
                # variable), so a gap is left out rather than recorded as None.
                continue
            if not fmt.JSON_CHECKS[kind](value):
                raise self.fail(
                    f"{code}: a {kind.value} is written as {fmt.JSON_FORMS[kind]} (or null); got "
                    f"{type(value).__name__}"
                )
            values[code] = value
        return row[0], values

    def _store(
        self, round_id: str, level: Level, chunk: list[tuple[str, dict[str, object]]], first: int
    ) -> None:
        if not chunk:
            return
        storage = self.obs.storage
        rnd = storage.round(round_id)
        table = storage.table(round_id, level)
        units = storage.numbering(rnd.cluster_id, level)
        if table is not None and units is not None:  # rows of earlier chunks of this table
            for offset, (unit_id, _) in enumerate(chunk):
                index = units.index.get(unit_id)
                if index is not None and index < len(table.present) and table.present[index]:
                    self.line = first + offset
                    raise self.fail(f"{level.value} {unit_id!r} has two rows in this table")
        try:
            storage.load_rows(round_id, level, chunk)
        except RowRefused as refused:
            if refused.row is not None:
                self.line = first + refused.row
            raise self.fail(str(refused.error)) from None

    def end(self, body: Any) -> None:
        fields = self._fields(body, "the end line", {"tables", "rows"})
        if fields != {"tables": len(self.tables_seen), "rows": self.rows}:
            raise self.fail(
                f"the end line counts {fields['tables']!r} tables and {fields['rows']!r} rows, "
                f"but the file holds {len(self.tables_seen)} and {self.rows}; it is damaged"
            )
