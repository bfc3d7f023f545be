"""Reading a registration form: one new member (*mitra*) per submission.

Each row becomes a :class:`~klaster.model.member.Member` built from the mapped fields, so it passes
the
same checks as one added by hand (household size, NIK, phone, dates), then the checks of its
cluster (sector, village) and of the program (the ID is new). A ``group`` joins the member to an
existing *kelompok* of the same sector on the day they join (its ``capacity`` respected). An
``application_id`` enrols an applicant of the program's intake: the ``enrolled`` decision must
be allowed by the application's history (eligible or waitlisted; not enrolled before; an
application not screened or found not eligible needs an override, given through the API), and
one application is enrolled once in a file. An ``outside_area`` reason keeps a member whose
village is outside its sector's area (:mod:`klaster.importing._outside_area`).
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import Any

import attrs

from klaster.errors import ImportDataError, KlasterError
from klaster.importing._cells import CellError, TextCells
from klaster.importing._header import Header, column_index
from klaster.importing._outside_area import check_member, needed
from klaster.importing._problems import Problems, listing, seen_before
from klaster.importing._source import Source, missing_columns
from klaster.importing._submissions import FROM_UNIT, Known, submission_column, submission_id
from klaster.importing.batch import ImportBatch, NewMember
from klaster.importing.mapping import ColumnRule, ImportMapping
from klaster.model.applicant import StatusChange
from klaster.model.group import Membership
from klaster.model.member import Member, Sex
from klaster.model.program import Program
from klaster.model.sector_areas import AreaRecord

_INT_FIELDS = ("household_size", "birth_year")
_DATE_FIELDS = ("joined", "left")
SEX_ANSWERS = {
    "l": "male",
    "laki-laki": "male",
    "laki_laki": "male",
    "pria": "male",
    "p": "female",
    "perempuan": "female",
    "wanita": "female",
}
"""Answers read as a sex without a ``values`` map (compared without case), besides the values
``female`` and ``male`` themselves."""


class RegistrationReader:
    """Reads one registration export into an :class:`ImportBatch` of new members."""

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
        self.program = program
        self.known = known
        self.max_rows = max_rows
        # Every member ID of the program: a new one must be new everywhere.
        self.taken = {m.id for m in program.members()}
        self.applications: dict[str, int] = {}  # application enrolled → its row in the file

    def read(self, keep_valid: bool) -> ImportBatch:
        """Read the export; raise or set aside bad rows (``keep_valid``)."""
        members: list[tuple[int, NewMember]] = []
        skipped = 0
        with Source(self.path, self.mapping, self.max_rows) as source:
            table = source.main()
            problems = Problems(table.source)
            submission, cluster, fields = self._plan(table.header, table)
            seen: dict[str, int] = {}
            ids: dict[str, int] = {}
            id_column, id_index = fields["id"][:2]
            # '@unit': a file without submission IDs; a row's ID is its member's.
            sub_name = id_column if submission is None else table.header.names[submission]
            for chunk in table.chunks():
                if submission is None:
                    subs = [f"member/{cells[id_index].strip()}" for cells in chunk.rows]
                else:
                    subs = [submission_id(cells[submission]) for cells in chunk.rows]
                held = self.known.among([s for s in subs if s])
                for index, (number, cells) in enumerate(
                    zip(chunk.numbers, chunk.rows, strict=True)
                ):
                    reasons = list(chunk.problems.get(index, ()))
                    sub = subs[index]
                    if sub and sub in held:
                        skipped += 1
                        continue
                    ragged = index in chunk.ragged  # its cells do not line up: not read
                    found = None if ragged else self._row(cells, cluster, fields, reasons)
                    if not sub and submission is not None:
                        reasons.append(f"column {sub_name!r}: no submission ID")
                    problems.duplicate_submission(seen, sub, number, sub_name, reasons)
                    member_id = cells[id_index].strip()
                    if (first := seen_before(ids, member_id, number)) is not None:
                        reasons.append(
                            f"column {id_column!r}: member {member_id!r} is also registered in "
                            f"row {first}"
                        )
                    if problems.settle(number, reasons, table.header, cells, keep_valid):
                        continue
                    assert found is not None
                    member, cluster_id, group_id, reason = found
                    if member.application_id is not None:
                        first = self.applications.setdefault(member.application_id, number)
                        if first != number:
                            problems.add(
                                number,
                                f"column {fields['application_id'][0]!r}: application "
                                f"{member.application_id!r} is also enrolled in row {first}",
                            )
                            if keep_valid:
                                problems.keep_raw(number, table.header, cells)
                            continue
                    where = f"{table.source} row {number}"
                    members.append(
                        (number, NewMember(sub, cluster_id, member, group_id, where, reason))
                    )
            bad = problems.finish(keep_valid, source.main)
        return ImportBatch(
            source=self.path.name,
            members=tuple(m for number, m in members if number not in bad),
            rejected=tuple(problems.rejections()),
            skipped=skipped,
        )

    def _plan(
        self, header: Header, table: Any
    ) -> tuple[int | None, int | None, dict[str, tuple[str, int, TextCells | None, Any]]]:
        mapping = self.mapping
        missing: list[str] = []
        submission: int | None = None
        if mapping.submission != FROM_UNIT:
            if mapping.submission is not None:
                submission = column_index(header, mapping.submission, "submission", missing)
            else:
                hint = "the member ID is then the submission's ID"
                submission = submission_column(header, missing, hint)
        cluster = None
        if mapping.cluster_column is not None:
            cluster = column_index(header, mapping.cluster_column, "cluster.column", missing)
        fields: dict[str, tuple[str, int, TextCells | None, Any]] = {}
        for rule in mapping.fields:
            if rule.column is None:
                fields[rule.target] = ("value", -1, None, _fixed(rule))
                continue
            index = column_index(header, rule.column, rule.where, missing)
            fields[rule.target] = (rule.column, index, _reader(rule), None)
        if missing:
            raise missing_columns(table, missing)
        return submission, cluster, fields

    def _row(
        self,
        cells: list[str],
        cluster_index: int | None,
        fields: dict[str, tuple[str, int, TextCells | None, Any]],
        reasons: list[str],
    ) -> tuple[Member, str, str | None, str | None] | None:
        cluster_id = self.mapping.cluster_id or cells[cluster_index or 0].strip()
        cluster = self.program.clusters.get(cluster_id)
        if cluster is None:
            name = self.mapping.cluster_column or "cluster.id"
            reasons.append(
                f"column {name!r}: not a cluster ID (the value is not shown); the program's "
                "clusters are " + listing(self.program.clusters.ids())
            )
        values: dict[str, Any] = {}
        for target, (name, index, reader, fixed) in fields.items():
            if reader is None:
                values[target] = fixed
                continue
            try:
                values[target] = reader.cell(cells[index])
            except CellError as exc:
                reasons.append(f"column {name!r}: {exc.reason}")
                values[target] = None
        group_id = values.pop("group", None)
        outside = values.pop("outside_area", None)
        if reasons or cluster is None:
            return None
        try:
            member = Member(**values)
        except KlasterError as exc:
            name = fields.get(exc.path or "", ("?",))[0]
            reasons.append(f"column {name!r}: {exc.message}")
            return None
        except TypeError:  # pragma: no cover - required fields are checked with the mapping
            reasons.append("a required member field is missing")
            return None
        reason = needed(
            cluster, AreaRecord.MEMBER, member.id, member.sector, member.village, outside
        )
        try:
            check_member(cluster, member, reason)
        except KlasterError as exc:
            name = fields.get(exc.path or "", ("?",))[0]
            reasons.append(f"column {name!r}: {exc.message}")
        if member.id in self.taken:
            reasons.append(
                f"column {fields['id'][0]!r}: member {member.id!r} is already in the program; "
                "a registration adds new members only"
            )
        if group_id is not None:
            reason = _group_problem(cluster, group_id, member)
            if reason:
                reasons.append(f"column {fields['group'][0]!r}: {reason}")
        if member.application_id is not None:
            reason = _enrolment_problem(self.program, cluster.id, member, group_id)
            if reason:
                reasons.append(f"column {fields['application_id'][0]!r}: {reason}")
        return None if reasons else (member, cluster.id, group_id, reason)


def _group_problem(cluster: Any, group_id: str, member: Member) -> str | None:
    group = cluster.groups.get(group_id)
    if group is None:
        return (
            f"not a group ID of cluster {cluster.id!r} (the value is not shown); its groups are "
            + listing(cluster.groups.ids())
        )
    if group.sector != member.sector:
        return f"group {group_id!r} is in sector {group.sector!r}, the member in {member.sector!r}"
    if member.joined < group.formed:
        return f"group {group_id!r} was formed on {group.formed}, after the member joined"
    if group.dissolved is not None and member.joined >= group.dissolved:
        return f"group {group_id!r} was dissolved on {group.dissolved}"
    try:  # the group's own checks (its capacity) with the new spell; the store checks the file
        attrs.evolve(group, memberships=(*group.memberships, Membership(member.id, member.joined)))
    except KlasterError as exc:
        return exc.message
    return None


def _enrolment_problem(
    program: Program, cluster_id: str, member: Member, group_id: str | None
) -> str | None:
    intake = program.intake
    applicant_id = member.application_id or ""
    applicant = intake.applicants.get(applicant_id)
    if applicant is None:
        return f"application {applicant_id!r} is not an applicant of the program"
    if applicant.cluster_id != cluster_id:
        return f"applicant {applicant_id!r} applied to cluster {applicant.cluster_id!r}"
    change = StatusChange(
        applicant_id, "enrolled", member.joined, member_id=member.id, group_id=group_id
    )
    try:
        intake.check_decision(change)
    except KlasterError as exc:
        return exc.message
    return None


def _kind(target: str) -> type:
    if target in _INT_FIELDS:
        return int
    if target in _DATE_FIELDS:
        return _dt.date
    return str


def _reader(rule: ColumnRule) -> TextCells:
    sex = rule.target == "sex"
    return TextCells(
        _kind(rule.target),
        values=rule.values,
        missing=rule.missing,
        date_format=rule.date_format,
        defaults=SEX_ANSWERS if sex else {},
        # Checked here, so that the member record's message (which repeats the value) is not.
        choices=tuple(s.value for s in Sex) if sex else (),
    )


def _fixed(rule: ColumnRule) -> Any:
    value = rule.value
    if isinstance(value, str) and _kind(rule.target) is _dt.date:
        try:
            return _dt.date.fromisoformat(value)
        except ValueError:
            raise ImportDataError(f"{rule.where}.value: must be a date (2015-03-02)") from None
    return value
