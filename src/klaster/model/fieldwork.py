"""The program's working life: activities, assignments, the mentoring log, plans, commitments.

:class:`Fieldwork` is ``program.fieldwork``. It holds the records and checks each one in the
context of its program when it comes in (through this API, a program document, the store or an
import): participants of the cluster, a facilitator assigned on the day of a visit, nothing held
or visited in the future, a plan for a milestone not yet reached unless it says so. A refused
record changes nothing. Plans and commitment updates are history: appended, never rewritten.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable
from functools import partial
from typing import Any, TypeVar

import attrs
from attrs import define, field

from klaster.errors import DuplicateIdError, KlasterError, ValidationError
from klaster.model import _fieldwork_checks as checks
from klaster.model import _fieldwork_queries as queries
from klaster.model._area_checks import check_activity_overrides, checked_as_if, outside_area
from klaster.model._fieldwork_queries import Caseload
from klaster.model.activity import Activity, ActivityStatus, Participant
from klaster.model.commitment import Commitment, CommitmentUpdate
from klaster.model.mentoring import MentoringLog, Visit
from klaster.model.people import Assignment
from klaster.model.plans import Plan, PlanStatus
from klaster.model.records import Records, put_record
from klaster.model.sector_areas import AreaOverride

__all__ = ["Caseload", "Fieldwork"]

T = TypeVar("T", Activity, Commitment)


def _today() -> _dt.date:
    return _dt.date.today()


def _to_activities(value: Iterable[Activity]) -> Records[Activity]:
    return value if isinstance(value, Records) else Records("activities", value)


def _to_commitments(value: Iterable[Commitment]) -> Records[Commitment]:
    return value if isinstance(value, Records) else Records("commitments", value)


def _to_assignments(value: Iterable[Assignment]) -> tuple[Assignment, ...]:
    return tuple(value)  # (a function, not converter=tuple: typed for mypy's attrs plugin)


def _to_plans(value: Iterable[Plan]) -> tuple[Plan, ...]:
    return tuple(value)


def _to_log(value: Iterable[Visit]) -> MentoringLog:
    if isinstance(value, MentoringLog):
        return value
    log = MentoringLog()
    for visit in value:
        log.append(visit)
    return log


@define(eq=False)
class Fieldwork:
    """A program's activities, facilitator assignments, mentoring visits, plans and commitments.

    Build it empty (``Fieldwork()``) or from records (a document, the store); a
    :class:`~klaster.model.program.Program` checks every record when it takes the fieldwork in,
    and the methods below check each new one. Read ``activities``, ``assignments``, ``visits``
    (a :class:`~klaster.model.mentoring.MentoringLog`), ``plans`` and ``commitments``.

    Example:
        See ``docs/fieldwork.md``.
    """

    activities: Records[Activity] = field(factory=tuple, converter=_to_activities)
    assignments: tuple[Assignment, ...] = field(factory=tuple, converter=_to_assignments)
    visits: MentoringLog = field(factory=MentoringLog, converter=_to_log)
    plans: tuple[Plan, ...] = field(factory=tuple, converter=_to_plans)
    commitments: Records[Commitment] = field(factory=tuple, converter=_to_commitments)
    _program: Any = field(default=None, init=False, repr=False)
    _by_person: Any = field(default=((), {}), init=False, repr=False)  # caseload's index

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Fieldwork):
            return NotImplemented
        return (
            self.activities == other.activities
            and self.assignments == other.assignments
            and self.visits == other.visits
            and self.plans == other.plans
            and self.commitments == other.commitments
        )

    # -- binding (internal: the owning Program) ---------------------------------------------
    def bind(self, program: checks.ProgramView, *, today: _dt.date | None = None) -> None:
        """Check every record against ``program`` and attach to it (internal: ``Program``)."""
        day = today or _today()
        for index, activity in enumerate(self.activities):
            _at(f"fieldwork.activities[{index}]", checks.check_activity, program, activity, day)
        check_activity_overrides(program.clusters, self.activities)
        for index, assignment in enumerate(self.assignments):
            _at(f"fieldwork.assignments[{index}]", checks.check_assignment, program, assignment)
        columns = self.visits.columns()
        _at("fieldwork", checks.check_visit_columns, program, self._spells(), columns, day)
        for index, plan in enumerate(self.plans):
            _at(f"fieldwork.plans[{index}]", checks.check_plan, program, self.activities, plan, day)
        for index, commitment in enumerate(self.commitments):
            _at(
                f"fieldwork.commitments[{index}]",
                checks.check_commitment,
                program,
                self.activities,
                commitment,
                day,
            )
        for cluster in program.clusters:  # a move must never contradict a recorded plan
            cluster.lifecycle.watch(partial(checks.check_move, self, cluster.id))
        self._program = program

    def _spells(self) -> checks.Spells:
        return checks.spells_of(self.assignments)

    def _bound(self) -> checks.ProgramView:
        if self._program is None:
            raise ValidationError(
                "this Fieldwork belongs to no program yet; use program.fieldwork",
                path="fieldwork",
            )
        program: checks.ProgramView = self._program
        return program

    # -- activities -------------------------------------------------------------------------
    def add_activity(
        self, activity: Activity, *, outside_area: AreaOverride | str | None = None
    ) -> Activity:
        """Add an activity after checking it against the program; return it.

        ``outside_area``: the reason (or an ``AreaOverride``) to hold it outside its sector's
        area, recorded on its cluster (``area_overrides``) with the activity.

        Raises:
            DuplicateIdError: The ID is taken.
            ValidationError: Unknown kind, a held date in the future, participants, organisers
                or facilitators the program does not have (the path names which).
        """
        program = self._bound()
        where = f"fieldwork.activities[{len(self.activities)}]"
        with self._outside(activity, outside_area, where):
            return _add_new(
                self.activities, "activities", "an activity", activity, Activity,
                checks.check_new_activity, program, self.plans,
            )  # fmt: skip

    def _outside(self, activity: Activity, given: AreaOverride | str | None, where: str) -> Any:
        cluster_id = getattr(activity, "cluster_id", None)
        clusters = self._bound().clusters
        return outside_area(
            clusters.get(cluster_id) if cluster_id else None, activity, given, where
        )

    def check_activity(
        self, activity: Activity, *, outside_area: AreaOverride | str | None = None
    ) -> None:
        """Check an activity against the program as :meth:`add_activity` would, adding nothing.

        Imports check each row with it before anything is written. The ID is not checked (an
        update keeps it); error paths are relative to the activity (``participants[2].id``).
        ``outside_area`` checks it as if that override were recorded (nothing is kept).

        Raises:
            KlasterError: As :meth:`add_activity`.
        """
        program, record = self._bound(), _instance(activity, Activity, "")
        check = partial(checks.check_new_activity, program, self.plans, record, _today())
        checked_as_if(self._outside(record, outside_area, ""), check)

    def check_visit(self, visit: Visit) -> None:
        """Check a visit against the program as :meth:`log_visit` would, logging nothing.

        Error paths are relative to the visit (``on``, ``member_ids[0]``).

        Raises:
            KlasterError: As :meth:`log_visit`.
        """
        program = self._bound()
        checks.check_visit(program, self._spells(), _instance(visit, Visit, ""), _today())

    def update_activity(
        self, activity: Activity, *, outside_area: AreaOverride | str | None = None
    ) -> Activity:
        """Replace the activity with the same ID (held, postponed, attendance); return it."""
        where = f"fieldwork.activities[{self.activities.index_of(activity.id)}]"
        program = self._bound()
        with self._outside(_instance(activity, Activity, where), outside_area, where):
            _at(where, checks.check_new_activity, program, self.plans, activity, _today())
            put_record(self.activities, activity)
        return activity

    def hold(
        self,
        activity_id: str,
        on: _dt.date,
        *,
        attendance: Iterable[Participant] = (),
        headcount: int | None = None,
        outside_area: AreaOverride | str | None = None,
    ) -> Activity:
        """Record that a planned activity took place on ``on``, with who attended.

        Args:
            activity_id: The activity.
            on: The day it took place (not in the future).
            attendance: Participants with ``attended`` set; they replace the invited ones with
                the same kind and ID, others are added.
            headcount: The number of attendees reported, if not all are listed.
            outside_area: As for :meth:`add_activity`.
        """
        old = self.activities[activity_id]
        return self.update_activity(
            attrs.evolve(
                old,
                status=ActivityStatus.HELD,
                held_on=on,
                participants=old.with_attendance(attendance),
                headcount=headcount if headcount is not None else old.headcount,
            ),
            outside_area=outside_area,
        )

    def activities_of(
        self,
        cluster_id: str | None = None,
        *,
        kind: str | None = None,
        start: _dt.date | None = None,
        end: _dt.date | None = None,
        status: ActivityStatus | str | None = None,
    ) -> tuple[Activity, ...]:
        """Activities filtered by cluster, kind, status and date (held, else planned), by date."""
        wanted = None if status is None else ActivityStatus(status)
        found = [
            a
            for a in self.activities
            if (cluster_id is None or a.cluster_id == cluster_id)
            and (kind is None or a.kind == kind)
            and (wanted is None or a.status is wanted)
            and _within(a.date, start, end)
        ]
        return tuple(sorted(found, key=lambda a: (a.date or _dt.date.max, a.id)))

    # -- people at work -----------------------------------------------------------------------
    def assign(self, assignment: Assignment) -> Assignment:
        """Record a facilitator's assignment (caseload) after checking it; return it."""
        where = f"fieldwork.assignments[{len(self.assignments)}]"
        _at(where, checks.check_assignment, self._bound(), _instance(assignment, Assignment, where))
        self.assignments = (*self.assignments, assignment)
        return assignment

    def caseload(self, person_id: str, on: _dt.date) -> Caseload:
        """What a facilitator is responsible for on ``on``."""
        if self._by_person[0] is not self.assignments:  # indexed once per set of assignments
            self._by_person = (self.assignments, queries.by_person(self.assignments))
        return queries.caseload(self._bound(), self._by_person[1].get(person_id, ()), person_id, on)

    # -- mentoring ----------------------------------------------------------------------------
    def log_visit(self, visit: Visit) -> Visit:
        """Log a mentoring visit after checking it (assignment on the day...); return it."""
        self.log_visits([visit])
        return visit

    def log_visits(self, visits: Iterable[Visit]) -> int:
        """Log several visits, all or nothing; return how many.

        Raises:
            KlasterError: At ``fieldwork.visits[i]`` for the first refused visit; none is logged.
        """
        program, day, spells = self._bound(), _today(), self._spells()
        start = len(self.visits)
        try:
            for visit in visits:
                where = f"fieldwork.visits[{len(self.visits)}]"
                _at(
                    where,
                    checks.check_visit,
                    program,
                    spells,
                    _instance(visit, Visit, where),
                    day,
                )
                if visit.id in self.visits:
                    raise DuplicateIdError(
                        f"duplicate ID {visit.id!r}: a visit with that ID is already logged",
                        path=f"{where}.id",
                    )
                self.visits.append(visit)
        except KlasterError:
            self.visits.truncate(start)
            raise
        return len(self.visits) - start

    # -- plans --------------------------------------------------------------------------------
    def plan(self, plan: Plan) -> Plan:
        """Record a plan (a new one for a milestone revises it); the lifecycle does not move."""
        where = f"fieldwork.plans[{len(self.plans)}]"
        _at(
            where,
            checks.check_plan,
            self._bound(),
            self.activities,
            _instance(plan, Plan, where),
            _today(),
        )
        self.plans = (*self.plans, plan)
        return plan

    def current_plans(self, cluster_id: str | None = None) -> tuple[Plan, ...]:
        """The latest recorded plan of each milestone (of one cluster, if given)."""
        latest: dict[tuple[str | None, str], Plan] = {}
        for plan in self.plans:
            if cluster_id is not None and plan.cluster_id != cluster_id:
                continue
            key = (plan.cluster_id, plan.milestone)
            if key not in latest or plan.recorded_on >= latest[key].recorded_on:
                latest[key] = plan
        return tuple(latest.values())

    def planned_vs_actual(self, cluster_id: str | None = None) -> tuple[PlanStatus, ...]:
        """Each planned milestone's current and first plan beside when it was reached."""
        return queries.planned_vs_actual(
            self._bound(), self.activities, self.plans, self.current_plans(cluster_id)
        )

    # -- commitments --------------------------------------------------------------------------
    def add_commitment(self, commitment: Commitment) -> Commitment:
        """Record a stakeholder's commitment after checking it; return it."""
        return _add_new(
            self.commitments, "commitments", "a commitment", commitment, Commitment,
            checks.check_commitment, self._bound(), self.activities,
        )  # fmt: skip

    def update_commitment(self, commitment_id: str, update: CommitmentUpdate) -> Commitment:
        """Append a status update to a commitment; return the commitment as it now stands."""
        old = self.commitments[commitment_id]
        where = f"fieldwork.commitments[{self.commitments.index_of(commitment_id)}]"
        _instance(update, CommitmentUpdate, where)
        try:
            new = attrs.evolve(old, updates=(*old.updates, update))
        except KlasterError as exc:
            raise exc.at(where) from None
        _at(where, checks.check_commitment, self._bound(), self.activities, new, _today())
        put_record(self.commitments, new)  # same key: keeps its place
        return new

    def overdue(self, on: _dt.date | None = None) -> tuple[Commitment, ...]:
        """Commitments past due and still open on ``on`` (default today), by due date."""
        day = on or _today()
        late = [c for c in self.commitments if c.is_overdue(day)]
        return tuple(sorted(late, key=lambda c: (c.due or day, c.id)))


def _within(day: _dt.date | None, start: _dt.date | None, end: _dt.date | None) -> bool:
    if day is None:
        return start is None and end is None
    return (start is None or start <= day) and (end is None or day <= end)


def _instance(value: Any, cls: type, where: str) -> Any:
    if not isinstance(value, cls):
        raise ValidationError(f"must be a {cls.__name__}, got {type(value).__name__}", path=where)
    return value


def _add_new(
    records: Records[Any], name: str, what: str, record: T, cls: type[T], check: Any, *context: Any
) -> T:
    # Add a new record to ``fieldwork.<name>``: its type, a new ID, then the checks in context
    # (``check(*context, record, today)``); nothing is added if any refuses.
    where = f"fieldwork.{name}[{len(records)}]"
    _instance(record, cls, where)
    if record.id in records:
        raise DuplicateIdError(
            f"duplicate ID {record.id!r}: {what} with that ID already exists",
            path=f"{where}.id",
        )
    _at(where, check, *context, record, _today())
    put_record(records, record)
    return record


def _at(where: str, check: Any, *args: Any) -> None:
    try:
        check(*args)
    except KlasterError as exc:
        raise exc.at(where) from None
