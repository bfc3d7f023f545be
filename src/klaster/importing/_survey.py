"""Reading a survey form: observation values of existing units in one round, column-wise.

The main rows are streamed in chunks. Per chunk, the cells are transposed into columns and every
check that can run on a whole column does (unit lookups with ``map``, duplicates with dicts built
from ``zip``, values with :mod:`klaster.importing._cells`); rows are visited one by one only to
name the ones a column check found wrong. Values go straight into the block's columns.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from itertools import compress, groupby
from pathlib import Path
from typing import Any

from klaster.catalogue.variable import Variable
from klaster.errors import ImportDataError
from klaster.importing._answers import Answers
from klaster.importing._blocks import Columns, check_rows, to_blocks
from klaster.importing._header import Header
from klaster.importing._mapping_checks import check_against
from klaster.importing._plan import Plan, plan_survey
from klaster.importing._problems import Problems
from klaster.importing._repeats import RepeatData, read_repeat
from klaster.importing._rounds import Rounds
from klaster.importing._screen import Screen, set_aside
from klaster.importing._source import Source
from klaster.importing._submissions import (
    DEPRECATED_COLUMNS,
    TIME_COLUMNS,
    Known,
    submission_id,
    submission_time,
)
from klaster.importing._table import Chunk
from klaster.importing._units import IS_NONE, RowUnits, place_unit_rows
from klaster.importing.batch import ImportBatch, ObservationBlock
from klaster.importing.mapping import ImportMapping
from klaster.model.program import Program
from klaster.observations.core_variables import CORE_SECTOR
from klaster.observations.rounds import Round
from klaster.observations.values import Observations


class SurveyReader:
    """Reads one survey export into an :class:`ImportBatch` (see ``read_submissions``)."""

    def __init__(
        self,
        path: Path,
        mapping: ImportMapping,
        program: Program,
        observations: Observations,
        known: Known,
        max_rows: int | None,
        on_conflict: str = "refuse",
    ) -> None:
        self.on_conflict = on_conflict
        self.path = path
        self.mapping = mapping
        self.program = program
        self.catalogue: Mapping[str, Variable] = observations.variables
        unfit = check_against(mapping, self.catalogue)
        if unfit:
            raise ImportDataError(
                f"{mapping.name}: the mapping does not fit the observations' variable catalogue",
                problems=unfit,
            )
        self.rounds = Rounds(mapping, program, observations)
        self.known = known
        self.max_rows = max_rows
        self.level = mapping.level
        self.skipped = 0
        self.columns = Columns()
        self.seen: dict[str, int] = {}  # submission → first row
        self.parents: dict[str, dict[str, tuple[int, str, Round]]] = {}
        self._sectors: list[tuple[str, ...]] = []
        self._bad_parents: set[int] = set()
        self.unit_name = ""
        self.skipped_keys: dict[str, set[str]] = {}

    def read(self, keep_valid: bool, screen: Screen | None = None) -> ImportBatch:
        """Read the export; raise or set aside bad rows (``keep_valid``: also ``screen``'s)."""
        with Source(self.path, self.mapping, self.max_rows) as source:
            repeats = [
                read_repeat(source.repeat(r), r, self.catalogue, self.mapping.decimal_comma)
                for r in self.mapping.repeats
            ]
            table = source.main()
            self.problems = Problems(table.source)
            plan = plan_survey(table.header, self.mapping, self.catalogue, repeats, table)
            names = table.header.names
            self.unit_name = names[plan.unit]
            self.columns_names = names
            self.units = RowUnits(
                self.program,
                self.level,
                self.rounds,
                self.mapping.cluster_id,
                self.unit_name,
                "cluster.id" if plan.cluster is None else names[plan.cluster],
            )
            fixed = None if self.rounds.per_cluster else self.rounds.fixed()
            self.answers = Answers(self.level.value, self.unit_name, self.on_conflict)
            self.when = [_first(table.header, n) for n in (TIME_COLUMNS, DEPRECATED_COLUMNS)]
            for chunk in table.chunks():
                self._chunk(chunk, table.header, plan, fixed, repeats, keep_valid)
            unit_blocks = []
            for data in repeats:
                data.settle(
                    set(self.parents.get(data.repeat.name, {}))
                    | self.skipped_keys.get(data.repeat.name, set())
                )
                if data.repeat.unit is not None:
                    parents = self.parents.get(data.repeat.name, {})
                    unit_blocks.append(
                        place_unit_rows(data, parents, self.program, self.catalogue, self.problems)
                    )
            orphans = [data.orphans for data in repeats if data.orphans]
            if (self.problems or orphans) and not keep_valid:
                located = self.problems.located()
                for extra in orphans:
                    located += extra.located()
                raise ImportDataError(
                    f"{self.path.name}: {len(located)} problem(s); nothing was read. Fix them, "
                    "or read with keep_valid=True to set the bad rows aside and write them with "
                    "write_rejects",
                    problems=located,
                )
            bad = set(self.problems.by_row) | self.answers.dropped
            blocks = self._blocks(bad, unit_blocks, table.source)
            if keep_valid and screen is not None:  # rows the plugins refuse go like bad rows
                checked = ImportBatch(table.source, tuple(self.rounds.new.values()), blocks=blocks)
                if refused := set_aside(screen, checked, unit_blocks, self.problems):
                    blocks = self._blocks(bad | refused, unit_blocks, table.source)
            self.answers.unsettle(self.problems)  # no answer lost for a row set aside
            if self.problems:
                self.problems.fetch_raw(source.main())
            for data in repeats:
                if data.orphans:
                    data.orphans.fetch_raw(source.repeat(data.repeat))
        rejected = self.problems.rejections()
        for extra in orphans:
            rejected += extra.rejections()
        used = {block.round_id for block in blocks}
        return ImportBatch(
            source=self.path.name,
            rounds=tuple(r for r in self.rounds.new.values() if r.id in used),
            blocks=tuple(blocks),
            rejected=tuple(rejected),
            skipped=self.skipped,
            superseded=tuple(self.answers.superseded),
        )

    def _blocks(
        self, bad: set[int], unit_blocks: list[tuple[Columns, str]], source: str
    ) -> list[ObservationBlock]:
        blocks = to_blocks(self.columns, bad, source, self.catalogue)
        for unit_columns, source_name in unit_blocks:
            blocks += to_blocks(unit_columns, bad, source_name, self.catalogue)
        return blocks

    # -- one chunk ----------------------------------------------------------------------------
    def _chunk(
        self,
        chunk: Chunk,
        header: Header,
        plan: Plan,
        fixed: Round | None,
        repeats: list[RepeatData],
        keep_valid: bool,
    ) -> None:
        numbers = chunk.numbers
        columns: list[Sequence[str]] = list(zip(*chunk.rows, strict=True))
        reasons: dict[int, list[str]] = {i: list(r) for i, r in chunk.problems.items()}
        ragged = {i: list(chunk.problems[i]) for i in chunk.ragged}
        rows = chunk.rows

        def report(index: int, reason: str) -> None:
            reasons.setdefault(index, []).append(reason)

        subs = None
        if plan.submission is not None:
            subs = _submissions(columns[plan.submission])
            held = self.known.among(subs)
            if held:
                keep = [s not in held for s in subs]
                self.skipped += keep.count(False)
                for data in repeats:
                    skipped = compress(columns[plan.keys[data.repeat.name]], map(_not, keep))
                    self.skipped_keys.setdefault(data.repeat.name, set()).update(
                        k.strip() for k in skipped
                    )
                if not any(keep):
                    return
                columns = [tuple(compress(c, keep)) for c in columns]
                numbers = list(compress(numbers, keep))
                rows = list(compress(rows, keep))
                subs = list(compress(subs, keep))
                old = list(compress(range(len(keep)), keep))
                position = {o: n for n, o in enumerate(old)}
                reasons = {position[i]: r for i, r in reasons.items() if i in position}
                ragged = {position[i]: r for i, r in ragged.items() if i in position}
        size = len(numbers)
        clusters = None if plan.cluster is None else columns[plan.cluster]
        round_ids, units, self._sectors = self.units.resolve(
            columns[plan.unit], clusters, fixed, report
        )
        if subs is None:
            subs = [f"{r}/{u}" for r, u in zip(round_ids, units, strict=True)]
            sub_name = self.unit_name
        else:
            sub_name = header.names[plan.submission]  # type: ignore[index]
            if "" in subs:
                for index, sub in enumerate(subs):
                    if not sub:
                        report(index, f"column {sub_name!r}: no submission ID")
        times, edits = self._when(columns, size, report)
        # A unit not found is no declared ID (it may be a name or NIK): never compared, never shown.
        known = [u if s else "" for u, s in zip(units, self._sectors, strict=True)]
        entries = list(zip(numbers, subs, times, edits, strict=True))
        self._duplicates(subs, round_ids, known, numbers, report, sub_name, entries)
        values: dict[str, list[Any]] = {}
        unread: dict[str, set[int]] = {}  # cells reported already: not also "required"
        for variable, name, take, reader in plan.variables:

            def located(
                index: int, reason: str, name: str = name, code: str = variable.code
            ) -> None:
                report(index, f"column {name!r}: {reason}")
                unread.setdefault(code, set()).add(index)

            values[variable.code] = reader.convert(take(columns), located)
        for variable, value in plan.fixed:
            values[variable.code] = [value] * size
        names = {v.code: n for v, n, _, _ in plan.variables}
        for data in repeats:
            self._join(
                data, columns[plan.keys[data.repeat.name]], numbers, subs, round_ids, values, report
            )
            for rule in data.repeat.variables:  # a parent with bad rows: reported already
                unread.setdefault(rule.target, set()).update(self._bad_parents)
            names.update(
                {
                    rule.target: f"{data.repeat.name}: {rule.column}"
                    for rule in data.repeat.variables
                }
            )
        self._applicable(values, units, names, report, unread)
        reasons.update(ragged)
        for index, found in reasons.items():
            for reason in found:
                self.problems.add(numbers[index], reason)
            if keep_valid:
                self.problems.keep_raw(numbers[index], header, rows[index])
        out = self.columns
        out.submissions += subs
        out.units += units
        out.rows += numbers
        out.rounds += round_ids
        out.sectors += self._sectors
        out.submitted += times
        out.replaces += edits
        for code, column in values.items():
            out.values.setdefault(code, [None] * (len(out.rows) - size)).extend(column)

    def _duplicates(
        self,
        subs: list[str],
        round_ids: list[str],
        units: list[str],
        numbers: list[int],
        report: Callable[[int, str], None],
        sub_name: str,
        entries: list[tuple[int, str, str | None, str | None]],
    ) -> None:
        fresh = dict(zip(subs, numbers, strict=True))
        if len(fresh) < len(subs) or not self.seen.keys().isdisjoint(fresh):
            for index, sub in enumerate(subs):
                first = self.seen.setdefault(sub, numbers[index])
                if first != numbers[index] and sub:
                    report(
                        index,
                        f"column {sub_name!r}: duplicate submission {sub!r}: also in row {first}; "
                        "remove one of the two",
                    )
                    self.problems.add(
                        first,
                        f"column {sub_name!r}: duplicate submission {sub!r}: also in row "
                        f"{numbers[index]}; remove one of the two",
                    )
        else:
            self.seen.update(fresh)
        start = 0
        for round_id, run in groupby(round_ids):
            stop = start + len(list(run))
            if round_id:

                def local(at: int, reason: str, start: int = start) -> None:
                    report(start + at, reason)

                self.answers.check(round_id, units[start:stop], entries[start:stop], local)
            start = stop

    def _when(
        self, columns: list[Sequence[str]], size: int, report: Callable[[int, str], None]
    ) -> tuple[list[str | None], list[str | None]]:
        """Each row's submission time and the submission it edits (``None`` when not given)."""
        time_col, edit_col = self.when
        times: list[str | None] = [None] * size
        edits: list[str | None] = [None] * size
        if time_col is not None:
            name = self.columns_names[time_col]
            for index, text in enumerate(columns[time_col]):
                try:
                    times[index] = submission_time(text)
                except ValueError:
                    report(index, f"column {name!r}: must be a date and time (ISO 8601)")
        if edit_col is not None:
            edits = [submission_id(text) or None for text in columns[edit_col]]
        return times, edits

    def _join(
        self,
        data: RepeatData,
        keys_cells: Sequence[str],
        numbers: list[int],
        subs: list[str],
        round_ids: list[str],
        values: dict[str, list[Any]],
        report: Callable[[int, str], None],
    ) -> None:
        keys = [k.strip() for k in keys_cells]
        parents = self.parents.setdefault(data.repeat.name, {})
        self._bad_parents = {i for i, key in enumerate(keys) if key in data.reasons}
        for index, key in enumerate(keys):
            if key in parents:
                report(
                    index,
                    f"column {data.parent_key!r}: the same key as row {parents[key][0]} (the "
                    "value is not shown); the repeat's rows cannot be told apart",
                )
            elif round_ids[index]:
                parents[key] = (numbers[index], subs[index], self.rounds_by_id(round_ids[index]))
            for reason in data.reasons.get(key, ()):
                report(index, reason)
        if data.repeat.unit is not None:
            return
        for rule in data.repeat.variables:
            code, default = rule.target, data.defaults.get(rule.target)
            values[code] = [
                data.values[k].get(code, default) if k in data.values else default for k in keys
            ]

    def rounds_by_id(self, round_id: str) -> Round:
        """A round resolved earlier, by ID."""
        return self.rounds.held.get(round_id) or self.rounds.new[round_id]

    def _applicable(
        self,
        values: dict[str, list[Any]],
        units: list[str],
        names: dict[str, str],
        report: Callable[[int, str], None],
        unread: dict[str, set[int]],
    ) -> None:
        """Values of another sector than the unit's are refused; required ones must be there."""
        sectors = self._sectors
        distinct = set(sectors)
        for code, column in values.items():
            variable = self.catalogue[code]
            core = variable.sector == CORE_SECTOR
            if core and not variable.required:
                continue
            if len(distinct) == 1:
                (only,) = distinct
                applies = core or variable.sector in only
                if applies and (not variable.required or not any(map(IS_NONE, column))):
                    continue
                if not applies and all(map(IS_NONE, column)):
                    continue
            name = names.get(code, code)
            skip = unread.get(code, set())
            check_rows(variable, column, sectors, units, name, self.level, report, skip)


def _submissions(cells: Sequence[str]) -> list[str]:
    joined = "".join(cells)
    if "uuid:" in joined or " " in joined or "\t" in joined:
        return list(map(submission_id, cells))
    return list(cells)


def _not(value: object) -> bool:
    return not value


def _first(header: Header, names: tuple[str, ...]) -> int | None:
    found = (header.probe(name, strict=True) for name in names)
    return next((index for index in found if index is not None), None)
