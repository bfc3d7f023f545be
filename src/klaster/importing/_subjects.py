"""The participants repeat of an activity form (or the members and groups of a visit form).

One repeat row per participant, joined to its submission as any repeat group is (Kobo's
``_parent_index`` → ``_index``, ODK's ``PARENT_KEY`` → ``KEY``): its kind (member, group, a
cooperative's board, an outside person), its ID, whether they attended and their role. The
table is read whole before the main rows, cells checked a column at
a time; a row's problems are reported at the repeat's own row and column, and reject its
parent submission.

A repeat can hold a million rows: it is kept in columns (row numbers, participants, the rows
of each parent as positions), each distinct row is built into a participant and checked
against the program's IDs once, and rows are joined to their parent through a dict.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from operator import itemgetter
from typing import Any

import attrs

from klaster.errors import KlasterError
from klaster.importing._cells import BOOLEANS, CellError, Cells, TextCells
from klaster.importing._fieldwork_mapping import KIND_ANSWERS, subject_kinds
from klaster.importing._header import column_index
from klaster.importing._problems import Problems
from klaster.importing._repeats import find_join
from klaster.importing._source import missing_columns
from klaster.importing._table import Table
from klaster.importing.mapping import ColumnRule, FormKind, RepeatMapping
from klaster.model.activity import Participant

__all__ = ["SubjectData", "read_subjects"]


class YesNoCells(Cells):
    """Yes/no cells (attendance): ``1``/``0``, ``ya``/``tidak``... or the mapping's ``values``."""

    def read(self, text: str) -> object:
        """See :meth:`Cells.read`."""
        found = BOOLEANS.get(text.casefold())
        if found is None:
            raise CellError(
                "must be yes or no (1, true, yes, ya / 0, false, no, tidak); map other answers "
                "with values = { ... }"
            )
        return found

    def checked(self, value: object) -> Any:
        """See :meth:`Cells.checked`."""
        if not isinstance(value, bool):
            raise CellError("the values map must give true or false")
        return value


@attrs.define
class SubjectData:
    """A participants repeat, read whole, in columns: one entry per repeat row, in file order.

    Rows are addressed by their position (0, 1, ... in file order); nothing is made per row but
    the participant, and identical rows share one (a record is immutable).

    Attributes:
        repeat: The mapping's repeat.
        source: The sheet or file, for messages.
        parent_key: The main table's column the rows point to.
        parent_column: The repeat's column naming the parent.
        columns: Participant field → the column it is read from (for messages).
        numbers: Each row's number in the repeat's sheet or file.
        participants: Each row's checked participant (``None`` when the row has problems).
        reasons: Position → ``column '<c>': <reason>`` each, for the rows with problems.
        groups: Parent key → the positions of its rows, in order.
        orphans: Problems of rows that name no row of the main table.
    """

    repeat: RepeatMapping
    source: str
    parent_key: str
    parent_column: str
    columns: dict[str, str]
    numbers: list[int] = attrs.field(factory=list)
    participants: list[Participant | None] = attrs.field(factory=list)
    reasons: dict[int, list[str]] = attrs.field(factory=dict)
    groups: dict[str, list[int]] = attrs.field(factory=dict)
    orphans: Problems = attrs.field(factory=lambda: Problems(""))

    def problems_of(self, positions: list[int]) -> list[str]:
        """``<repeat> row <n> column '<c>': <reason>`` of the rows among ``positions``."""
        bad = self.reasons
        if not bad or bad.keys().isdisjoint(positions):
            return []
        return [
            f"{self.source} row {self.numbers[p]} {reason}"
            for p in positions
            if p in bad
            for reason in bad[p]
        ]

    def settle(self, parents: set[str]) -> None:
        """Report the rows whose parent key is not among the main table's ``parents``."""
        for key in self.groups.keys() - parents:
            # A parent key may be any column: named by row and column only.
            shown = "names a parent" if key else "names no parent (empty)"
            for position in self.groups[key]:
                self.orphans.add(
                    self.numbers[position],
                    f"column {self.parent_column!r}: {shown}, but no row of the main table has "
                    f"that {self.parent_key!r} (the value is not shown)",
                )

    def located(self, position: int, field: str, message: str) -> str:
        """``<repeat> row <n> column '<c>': <message>`` for a field of the row at ``position``."""
        column = self.columns.get(field, field)
        return f"{self.source} row {self.numbers[position]} column {column!r}: {message}"


_CHUNK = 4_096
"""Repeat rows per chunk: a repeat is narrow and long; small chunks stay in the CPU's cache."""
_Combo = tuple[Any, Any, Any, Any]
"""A row's (kind, ID, attended, role) as read from its cells."""
_FIELDS = ("kind", "id", "attended", "role")


def read_subjects(
    table: Table, repeat: RepeatMapping, form: FormKind, ids: Mapping[str, AbstractSet[str]]
) -> SubjectData:
    """Read a participants repeat whole (see the module docstring).

    Args:
        table: The repeat's sheet or file.
        repeat: Its mapping.
        form: The form (which participant kinds a row may name).
        ids: Participant kind → the IDs the program holds (a row naming another is refused).

    Raises:
        ImportDataError: Mapped columns or the join column are missing.
    """
    header = table.header
    missing: list[str] = []
    parent_col, parent_key, parent_name = find_join(table, repeat, missing)
    plans: dict[str, tuple[int, Cells | None, object]] = {}
    columns: dict[str, str] = {}
    for rule in repeat.fields:
        if rule.column is None:
            plans[rule.target] = (-1, None, rule.value)
            columns[rule.target] = f"{rule.where}.value"
            continue
        index = column_index(header, rule.column, rule.where, missing)
        plans[rule.target] = (index, _reader(rule, form), None)
        columns[rule.target] = rule.column
    if missing:
        raise missing_columns(table, missing)
    data = SubjectData(repeat, table.source, parent_key, parent_name, columns)
    data.orphans = Problems(table.source)
    # (kind, ID, attended, role) → the participant, or the row's problems: each distinct row is
    # built and checked once (a training's members come back in every training).
    made: dict[_Combo, Participant | None] = {}
    refused: dict[_Combo, tuple[str, ...]] = {}
    for chunk in table.chunks(_CHUNK):
        base, size = len(data.numbers), len(chunk.rows)
        cells_by_column = list(zip(*chunk.rows, strict=True))
        reasons: dict[int, list[str]] = {i: list(r) for i, r in chunk.problems.items()}
        values: list[Any] = []
        for target in _FIELDS:
            index, reader, fixed = plans.get(target, (-1, None, None))
            if reader is None:
                values.append(itertools.repeat(fixed, size))
                continue

            def report(
                row: int, reason: str, name: str = columns[target], found: Any = reasons
            ) -> None:
                found.setdefault(row, []).append(f"column {name!r}: {reason}")

            values.append(reader.convert(cells_by_column[index], report))
        combos: list[_Combo] = list(zip(*values, strict=True))
        try:
            for combo in set(combos).difference(made):
                made[combo], found = _participant(data, combo, ids)
                if found:
                    refused[combo] = found
            data.participants += map(made.__getitem__, combos)
            bad = {r: refused[c] for r, c in enumerate(combos) if c in refused} if refused else {}
        except TypeError:  # a values map gave a list or a table: no sharing, the model decides
            built = [_participant(data, combo, ids) for combo in combos]
            data.participants += [participant for participant, _ in built]
            bad = {row: found for row, (_, found) in enumerate(built) if found}
        for row in itertools.chain(reasons, chunk.ragged):
            data.participants[base + row] = None  # a bad cell: nothing else is checked
        data.reasons.update((base + row, found) for row, found in reasons.items() if found)
        for row, found in bad.items():
            if row not in reasons and row not in chunk.ragged:
                data.reasons[base + row] = list(found)
        data.numbers += chunk.numbers
        groups = data.groups
        keyed = zip(cells_by_column[parent_col], itertools.count(base))
        for key, run in itertools.groupby(keyed, itemgetter(0)):  # a parent's rows in a run
            groups.setdefault(key.strip(), []).extend(map(itemgetter(1), run))
    return data


def _participant(
    data: SubjectData, combo: _Combo, ids: Mapping[str, AbstractSet[str]]
) -> tuple[Participant | None, tuple[str, ...]]:
    """A row's participant, or its problems (``column '<c>': ...``; never the value)."""
    reasons = [
        f"column {data.columns[field]!r}: is empty; each row names a participant's {what}"
        for field, what, value in (("kind", "kind", combo[0]), ("id", "ID", combo[1]))
        if value is None
    ]
    if reasons:
        return None, tuple(reasons)
    try:
        participant = Participant(*combo)
    except KlasterError as exc:
        field = (exc.path or "id").split(".")[0]
        message = exc.message if field != "id" else _id_message()
        return None, (f"column {data.columns.get(field, field)!r}: {message}",)
    kind = participant.kind.value
    if participant.id not in ids.get(kind, ()):
        column = data.columns.get("id", "id")
        return None, (
            f"column {column!r}: not a {kind} ID of the program (the value is not shown)",
        )
    return participant, ()


def _id_message() -> str:
    return (
        "not a valid ID: 1-64 printable characters without leading or trailing blanks (the "
        "value is not shown)"
    )


def _reader(rule: ColumnRule, form: FormKind) -> Cells:
    if rule.target == "attended":
        return YesNoCells(rule.values, rule.missing)
    if rule.target == "kind":
        kinds = subject_kinds(form)
        answers = {k: v for k, v in KIND_ANSWERS.items() if v in kinds}
        return TextCells(
            str,
            values=rule.values,
            missing=rule.missing,
            defaults={**answers, **{k: k for k in kinds}},
            choices=kinds,
        )
    return TextCells(str, values=rule.values, missing=rule.missing)
