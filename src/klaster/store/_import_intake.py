"""Applying a screening import's applicants to the store (inside the import's transaction).

Each applicant is checked again against its stored cluster (sector, village) as
:meth:`Intake.check_applicant <klaster.model.intake.Intake.check_applicant>` checks it, and its
ID against the stored applicants; then it is appended with its answers. A registration's member
that names an application (``application_id``) enrols it: the ``enrolled`` decision is checked
against the stored decisions (enrolled once; eligible or waitlisted) and appended with the
member. A problem refuses the whole batch, located by file and row, naming no personal data.
"""

from __future__ import annotations

from klaster.errors import KlasterError
from klaster.importing.batch import NewApplicant, NewMember
from klaster.model.applicant import ApplicationStatus, StatusChange
from klaster.model.program import Program
from klaster.store import _intake_rows, _loading
from klaster.store._import_run import ImportRun


def add_applicants(run: ImportRun, applicants: list[NewApplicant]) -> int:
    """Check and insert ``applicants``; return how many were added.

    Raises:
        ImportDataError: An applicant ID already stored, or an applicant its cluster refuses.
    """
    if not applicants:
        return 0
    conn = run.conn
    problems: list[str] = []
    stored = _intake_rows.stored_ids(conn, [a.applicant.id for a in applicants])
    programs: dict[str, Program] = {}
    for item in applicants:
        place = item.where or run.batch.source
        applicant = item.applicant
        if applicant.id in stored:
            problems.append(
                f"{place}: applicant {applicant.id!r} is already in the store; applicant IDs "
                "are unique in the program"
            )
            continue
        try:
            program = programs.get(applicant.cluster_id)
            if program is None:
                shell = _loading.cluster_shell(conn, run.source, applicant.cluster_id, ())
                program = _loading.program_of(conn, run.source, [shell])
                programs[applicant.cluster_id] = program
            program.intake.check_applicant(applicant)
        except KlasterError as exc:
            field = f"{exc.path}: " if exc.path else ""
            problems.append(f"{place}: {field}{exc.message}")
    if problems:
        raise run.fail("new applicants were refused", problems)
    _intake_rows.append_applicants(conn, [a.applicant for a in applicants])
    run.report(len(applicants))
    return len(applicants)


def enrolments(run: ImportRun, members: list[NewMember]) -> list[StatusChange]:
    """The ``enrolled`` decisions of the members that name an application, checked.

    Raises:
        ImportDataError: An application the store does not hold, one of another cluster, or one
            whose history does not allow the enrolment (enrolled already, not eligible).
    """
    linked = [m for m in members if m.member.application_id is not None]
    if not linked:
        return []
    intake = _intake_rows.load_intake(run.conn)
    problems: list[str] = []
    changes: list[StatusChange] = []
    for item in linked:
        member = item.member
        applicant_id = member.application_id or ""
        place = item.where or run.batch.source
        applicant = intake.applicants.get(applicant_id)
        if applicant is None or applicant.cluster_id != item.cluster_id:
            problems.append(
                f"{place}: application_id: {applicant_id!r} is not an applicant of cluster "
                f"{item.cluster_id!r} in the store"
            )
            continue
        change = StatusChange(
            applicant_id, ApplicationStatus.ENROLLED, member.joined, member_id=member.id,
            group_id=item.group_id,
        )  # fmt: skip
        try:
            intake.check_decision(change)
        except KlasterError as exc:
            problems.append(f"{place}: application_id: {exc.message}")
            continue
        intake.record(change)  # a second enrolment in the batch is refused by the next check
        changes.append(change)
    if problems:
        raise run.fail("new members were refused", problems)
    return changes
