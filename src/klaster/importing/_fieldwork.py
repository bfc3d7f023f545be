"""Reading an activity form or a mentoring-visit form into new activities or visits.

An activity form has one activity per submission, its participants in a repeat group; a visit
form one mentoring visit per submission.

Each row becomes an :class:`~klaster.model.activity.Activity` or a
:class:`~klaster.model.mentoring.Visit` built from the mapped fields, so it passes the checks of
one added by hand, then the program's checks through
:meth:`Fieldwork.check_activity <klaster.model.fieldwork.Fieldwork.check_activity>` /
:meth:`~klaster.model.fieldwork.Fieldwork.check_visit` (participants of the cluster, the
facilitator's assignment on the day, nothing held in the future). A reference the program does
not hold is reported by row and column only: a mapped column could hold names.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs

from klaster.errors import ImportDataError, KlasterError
from klaster.importing._cells import CellError, Cells
from klaster.importing._fieldwork_cells import BAD_ID, field_reader, fixed_value, valid_id
from klaster.importing._header import Header, column_index
from klaster.importing._outside_area import needed
from klaster.importing._problems import Problems, listing
from klaster.importing._source import Source, missing_columns
from klaster.importing._subjects import SubjectData, read_subjects
from klaster.importing._submissions import FROM_UNIT, Known, submission_column, submission_id
from klaster.importing._table import Table
from klaster.importing.batch import ImportBatch, NewActivity, NewVisit
from klaster.importing.mapping import FormKind, ImportMapping
from klaster.model.activity import Activity, ActivityStatus, ParticipantKind
from klaster.model.mentoring import Visit
from klaster.model.program import Program
from klaster.model.sector_areas import AreaRecord

__all__ = ["FieldworkReader"]

_REQUIRED = {FormKind.ACTIVITY: ("kind", "title"), FormKind.VISIT: ("facilitator_id", "on")}
_REFERENCES = {
    "organiser_ids": "organisation",
    "facilitator_ids": "person",
    "facilitator_id": "person",
    "member_ids": "member",
    "group_ids": "group",
}


@attrs.define
class _Plan:
    submission: int | None
    cluster: int | None
    key: int | None
    fields: dict[str, tuple[str, int, Cells | None, Any]]


class FieldworkReader:
    """Reads one activity or visit export into an :class:`ImportBatch`."""

    def __init__(
        self,
        path: Path,
        mapping: ImportMapping,
        program: Program,
        known: Known,
        max_rows: int | None,
    ) -> None:
        self.path = path
        self.mapping = mapping
        self.form = mapping.form
        self.program = program
        self.fieldwork = program.fieldwork
        # An activity's `outside_area` reason, kept only where its cluster needs one recorded.
        self.area_reasons: dict[str, str] = {}
        self.known = known
        self.max_rows = max_rows
        clusters = list(program.clusters)
        # Every ID a reference may name, program-wide: one not among them is not shown.
        self.ids: dict[str, set[str]] = {
            "member": {m.id for c in clusters for m in c.members},
            "group": {g.id for c in clusters for g in c.groups},
            "board": {k.id for c in clusters for k in c.cooperatives},
            "person": set(program.people.ids()),
            "organisation": set(program.organisations.ids()),
        }
        self.subjects: SubjectData | None = None

    def read(self, keep_valid: bool) -> ImportBatch:
        """Read the export; raise or set aside bad rows (``keep_valid``)."""
        found: list[tuple[int, Any]] = []
        skipped = 0
        with Source(self.path, self.mapping, self.max_rows) as source:
            if self.mapping.repeats:
                repeat = self.mapping.repeats[0]
                self.subjects = read_subjects(source.repeat(repeat), repeat, self.form, self.ids)
            table = source.main()
            problems = Problems(table.source)
            plan = self._plan(table.header, table)
            subs_seen: dict[str, int] = {}
            ids_seen: dict[str, int] = {}
            parents: dict[str, int] = {}
            id_name = plan.fields["id"][0] if "id" in plan.fields else None
            sub_name = id_name if plan.submission is None else table.header.names[plan.submission]
            for chunk in table.chunks():
                subs = [self._submission(cells, plan) for cells in chunk.rows]
                held = self.known.among([s for s in subs if s])
                for index, (number, cells) in enumerate(
                    zip(chunk.numbers, chunk.rows, strict=True)
                ):
                    sub = subs[index]
                    key = cells[plan.key].strip() if plan.key is not None else None
                    if sub and sub in held:
                        skipped += 1
                        if key is not None:
                            parents.setdefault(key, number)  # its repeat rows are no orphans
                        continue
                    reasons = list(chunk.problems.get(index, ()))
                    if key is not None:
                        first = parents.setdefault(key, number)
                        if first != number:
                            reasons.append(
                                f"column {self.subjects.parent_key if self.subjects else ''!r}: "
                                f"the same key as row {first} (the value is not shown); the "
                                "repeat's rows cannot be told apart"
                            )
                    if not sub:
                        reasons.append(f"column {sub_name!r}: no submission ID")
                    problems.duplicate_submission(subs_seen, sub, number, sub_name, reasons)
                    record = None
                    if index not in chunk.ragged:
                        record = self._row(cells, plan, sub, key, reasons)
                    if record is not None:
                        first = ids_seen.setdefault(record.id, number)
                        if first != number:
                            reasons.append(
                                f"column {id_name or sub_name!r}: the same {self.form.value} ID "
                                f"as row {first}"
                            )
                    if problems.settle(number, reasons, table.header, cells, keep_valid):
                        continue
                    found.append((number, self._new(sub, record, f"{table.source} row {number}")))
            orphans = None
            if self.subjects is not None:
                self.subjects.settle(set(parents))
                orphans = self.subjects.orphans or None
            if (problems or orphans) and not keep_valid:
                located = problems.located() + (orphans.located() if orphans else [])
                raise ImportDataError(
                    f"{self.path.name}: {len(located)} problem(s); nothing was read. Fix them, "
                    "or read with keep_valid=True to set the bad rows aside and write them with "
                    "write_rejects",
                    problems=located,
                )
            if problems:
                problems.fetch_raw(source.main())
            if orphans and self.subjects is not None:
                orphans.fetch_raw(source.repeat(self.subjects.repeat))
        bad = set(problems.by_row)
        kept = tuple(record for number, record in found if number not in bad)
        rejected = problems.rejections() + (orphans.rejections() if orphans else [])
        if self.form is FormKind.ACTIVITY:
            return ImportBatch(
                source=self.path.name, activities=kept, rejected=rejected, skipped=skipped
            )
        return ImportBatch(source=self.path.name, visits=kept, rejected=rejected, skipped=skipped)

    def _new(self, sub: str, record: Any, where: str) -> NewActivity | NewVisit:
        if isinstance(record, Activity):
            return NewActivity(sub, record, where, self.area_reasons.get(record.id))
        return NewVisit(sub, record, where)

    def _submission(self, cells: list[str], plan: _Plan) -> str:
        if plan.submission is not None:
            return submission_id(cells[plan.submission])
        record_id = cells[plan.fields["id"][1]].strip()
        return f"{self.form.value}/{record_id}" if record_id else ""

    def _plan(self, header: Header, table: Table) -> _Plan:
        mapping = self.mapping
        missing: list[str] = []
        submission: int | None = None
        if mapping.submission != FROM_UNIT:
            if mapping.submission is not None:
                submission = column_index(header, mapping.submission, "submission", missing)
            else:
                hint = f"the {self.form.value}'s ID is then the submission's ID"
                submission = submission_column(header, missing, hint)
        cluster = None
        if mapping.cluster_column is not None:
            cluster = column_index(header, mapping.cluster_column, "cluster.column", missing)
        key = None
        if self.subjects is not None:
            where = f"{self.subjects.repeat.where} (its parents)"
            key = column_index(header, self.subjects.parent_key, where, missing, strict=True)
        fields: dict[str, tuple[str, int, Cells | None, Any]] = {}
        for rule in mapping.fields:
            if rule.column is None:
                fields[rule.target] = (rule.where, -1, None, fixed_value(rule))
                continue
            index = column_index(header, rule.column, rule.where, missing)
            fields[rule.target] = (rule.column, index, field_reader(rule), None)
        if missing:
            raise missing_columns(table, missing)
        return _Plan(submission, cluster, key, fields)

    def _row(
        self, cells: list[str], plan: _Plan, sub: str, key: str | None, reasons: list[str]
    ) -> Activity | Visit | None:
        values: dict[str, Any] = {}
        for target, (name, index, reader, fixed) in plan.fields.items():
            if reader is None:
                values[target] = fixed
                continue
            try:
                values[target] = reader.cell(cells[index])
            except CellError as exc:
                reasons.append(f"column {name!r}: {exc.reason}")
                values[target] = None
        values["cluster_id"] = self._cluster(cells, plan, reasons)
        for target in _REQUIRED[self.form]:
            if values.get(target) is None and target in plan.fields:
                what = "an activity" if self.form is FormKind.ACTIVITY else "a visit"
                reasons.append(f"column {plan.fields[target][0]!r}: is empty; {what} needs it")
        for target, what in _REFERENCES.items():
            items = values.get(target)
            items = (items,) if isinstance(items, str) else items or ()
            for item in items:
                self._reference(what, item, plan.fields[target][0], reasons)
        used = self._subjects(key, values, reasons)
        if reasons:
            return None
        if values.get("id") is None:
            values["id"] = sub  # no ID column: the submission's ID is the record's
        if not valid_id(values["id"]):
            reasons.append(f"column {self._label('id', plan)!r}: {BAD_ID}")
            return None
        return self._build(values, plan, used, reasons)

    def _cluster(self, cells: list[str], plan: _Plan, reasons: list[str]) -> str | None:
        mapping = self.mapping
        if plan.cluster is None:
            return mapping.cluster_id
        cluster_id = cells[plan.cluster].strip()
        if not cluster_id and self.form is FormKind.ACTIVITY:
            return None  # a program-wide activity
        if cluster_id not in self.program.clusters:
            reasons.append(
                f"column {mapping.cluster_column!r}: not a cluster ID (the value is not shown); "
                "the program's clusters are " + listing(self.program.clusters.ids())
            )
        return cluster_id

    def _reference(self, what: str, item: str, name: str, reasons: list[str]) -> None:
        if item in self.ids[what]:
            return
        shown = ""
        if what in ("person", "organisation"):
            shown = f"; the program's are {listing(sorted(self.ids[what]))}"
        elif what == "board":
            shown = " (a board is named by its cooperative's ID)"
        reason = f"column {name!r}: not a {what} ID of the program (the value is not shown){shown}"
        if reason not in reasons:  # a select-multiple of names: one reason for the cell
            reasons.append(reason)

    def _subjects(
        self, key: str | None, values: dict[str, Any], reasons: list[str]
    ) -> dict[str, list[int]]:
        """The repeat rows of a submission into participants (or members and groups visited).

        Returns the positions of the rows each target's items came from (to locate a model
        error at its repeat row); any problem of a row rejects the submission.
        """
        data = self.subjects
        used: dict[str, list[int]] = {"participants": [], "member_ids": [], "group_ids": []}
        if data is None or key is None:
            return used
        positions = data.groups.get(key, [])
        problems = data.problems_of(positions)
        if problems:
            reasons += problems
            return used
        participants = list(map(data.participants.__getitem__, positions))
        if self.form is FormKind.ACTIVITY:
            used["participants"] = positions
            values["participants"] = participants
            return used
        named: dict[str, list[str]] = {"member_ids": [], "group_ids": []}
        for position, participant in zip(positions, participants, strict=True):
            if participant is not None:
                member = participant.kind is ParticipantKind.MEMBER
                target = "member_ids" if member else "group_ids"
                used[target].append(position)
                named[target].append(participant.id)
        for target, ids in named.items():
            values[target] = list(values.get(target) or ()) + ids
        return used

    def _build(
        self,
        values: dict[str, Any],
        plan: _Plan,
        used: dict[str, list[int]],
        reasons: list[str],
    ) -> Activity | Visit | None:
        record: Activity | Visit
        try:
            if self.form is FormKind.ACTIVITY:
                if values.get("status") is None:
                    values["status"] = (
                        ActivityStatus.HELD if values.get("held_on") else ActivityStatus.PLANNED
                    )
                given = values.pop("outside_area", None)
                record = Activity(**{k: v for k, v in values.items() if v is not None})
                reason = self._area_reason(record, given)
                self.fieldwork.check_activity(record, outside_area=reason)
                stored = self.fieldwork.activities.get(record.id)
                if stored is not None:
                    return self._held(stored, record, plan, reasons)
            else:
                record = Visit(**{k: v for k, v in values.items() if v is not None})
                self.fieldwork.check_visit(record)
                if record.id in self.fieldwork.visits:
                    reasons.append(
                        f"column {self._label('id', plan)!r}: visit {record.id!r} is already in "
                        "the mentoring log"
                    )
        except KlasterError as exc:
            reasons.append(self._located(exc, plan, used, values))
            return None
        return None if reasons else record

    def _area_reason(self, record: Activity, given: object) -> str | None:
        """The row's ``outside_area`` reason if the activity needs one recorded, else ``None``."""
        cluster = self.program.clusters.get(record.cluster_id) if record.cluster_id else None
        if cluster is None or record.sector is None:
            return None
        kind = AreaRecord.ACTIVITY
        reason = needed(cluster, kind, record.id, record.sector, record.village, given)
        if reason is not None:
            self.area_reasons[record.id] = reason
        return reason

    def _held(
        self, stored: Activity, record: Activity, plan: _Plan, reasons: list[str]
    ) -> Activity | None:
        """An activity the program holds (planned, say), as this import records it held.

        The batch carries the merged activity (:meth:`Activity.held_as`), checked again in the
        program's context; the same import again gives the stored activity unchanged.
        """
        try:
            merged = stored.held_as(record)
            if merged is not stored:
                reason = self.area_reasons.get(merged.id)
                self.fieldwork.check_activity(merged, outside_area=reason)
        except KlasterError as exc:
            reasons.append(f"column {self._label('id', plan)!r}: {exc.message}")
            return None
        return merged

    def _label(self, target: str, plan: _Plan) -> str:
        if target == "cluster_id":
            return self.mapping.cluster_column or "cluster.id"
        if target in plan.fields:
            return plan.fields[target][0]
        if target == "id" and plan.submission is not None:
            return "submission"
        return f"fields.{target}"

    def _located(
        self, exc: KlasterError, plan: _Plan, used: dict[str, list[int]], values: Any
    ) -> str:
        """A model error as ``column '<c>': ...`` (or a repeat row's ``<file> row <n> ...``)."""
        path = exc.path or ""
        head, _, rest = path.partition(".")
        name, _, index = head.partition("[")
        message = exc.message if name != "id" else BAD_ID
        rows = used.get(name)
        if rows and index and self.subjects is not None:
            position = int(index.rstrip("]"))
            listed = len(values.get(name) or ()) - len(rows)  # select-multiple answers first
            if position >= listed:
                return self.subjects.located(rows[position - listed], rest or "id", message)
        return f"column {self._label(name, plan)!r}: {message}"
