"""The checks in context of the fieldwork records: references, assignments, dates.

Each check takes the program (through :class:`ProgramView`, so this module does not import the
program) and raises a located :class:`~klaster.errors.KlasterError` whose path is relative to
the record; :class:`~klaster.model.fieldwork.Fieldwork` adds where the record is.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol

from klaster.errors import InvalidReferenceError, KlasterError, LifecycleError, ValidationError
from klaster.model._area_checks import check_activity_area
from klaster.model.activity import Activity, ActivityStatus, ParticipantKind
from klaster.model.activity_kinds import check_activity_kind
from klaster.model.cluster import Cluster
from klaster.model.commitment import Commitment
from klaster.model.mentoring import MEMBER, Visit, VisitColumns
from klaster.model.organisation import Organisation
from klaster.model.people import Assignment, Person
from klaster.model.phase_changes import PhaseChange
from klaster.model.phases import Phase
from klaster.model.plans import Plan
from klaster.model.records import Records


class ProgramView(Protocol):
    """What the checks read of a program."""

    @property
    def clusters(self) -> Records[Cluster]: ...
    @property
    def organisations(self) -> Records[Organisation]: ...
    @property
    def people(self) -> Records[Person]: ...


_PHASES = {phase.value: phase for phase in Phase}


def _known(ids: Iterable[str]) -> str:
    listed = list(ids)
    shown = ", ".join(repr(i) for i in listed[:5])
    more = f" and {len(listed) - 5} more" if len(listed) > 5 else ""
    return f"known: {shown}{more}" if listed else "none is listed yet"


def cluster_of(program: ProgramView, cluster_id: str | None, path: str) -> Cluster | None:
    """The cluster named, or ``None`` for a program-wide record; raise if it is unknown."""
    if cluster_id is None:
        return None
    cluster = program.clusters.get(cluster_id)
    if cluster is None:
        raise InvalidReferenceError(
            f"cluster {cluster_id!r} is not in the program; {_known(program.clusters.ids())}",
            path=path,
        )
    return cluster


def check_person(program: ProgramView, person_id: str, path: str) -> Person:
    """The person named; raise if the program's ``people`` does not list them."""
    person = program.people.get(person_id)
    if person is None:
        raise InvalidReferenceError(
            f"person {person_id!r} is not in the program's people; add them first "
            f"(Program.add_person); {_known(program.people.ids())}",
            path=path,
        )
    return person


def check_organisation(program: ProgramView, organisation_id: str, path: str) -> None:
    """Raise unless the program lists the organisation."""
    if organisation_id not in program.organisations:
        raise InvalidReferenceError(
            f"organisation {organisation_id!r} is not in the program's organisations; "
            f"{_known(program.organisations.ids())}",
            path=path,
        )


def check_not_future(day: _dt.date, today: _dt.date, path: str, what: str) -> None:
    """Raise if ``day`` is after ``today``."""
    if day > today:
        raise ValidationError(
            f"{what} on {day}, after today ({today}); record it once it has happened "
            "(a planned activity has status 'planned' and planned_on)",
            path=path,
        )


def _check_member(program: ProgramView, cluster: Cluster | None, member_id: str, path: str) -> None:
    clusters = [cluster] if cluster is not None else list(program.clusters)
    if not any(member_id in c.members for c in clusters):
        where = f"cluster {cluster.id!r}" if cluster is not None else "the program"
        raise InvalidReferenceError(f"member {member_id!r} is not a member of {where}", path=path)


def _check_group(program: ProgramView, cluster: Cluster | None, group_id: str, path: str) -> None:
    clusters = [cluster] if cluster is not None else list(program.clusters)
    if not any(group_id in c.groups for c in clusters):
        where = f"cluster {cluster.id!r}" if cluster is not None else "the program"
        raise InvalidReferenceError(f"group {group_id!r} is not a group of {where}", path=path)


def _check_cooperative(
    program: ProgramView, cluster: Cluster | None, coop_id: str, path: str
) -> None:
    clusters = [cluster] if cluster is not None else list(program.clusters)
    if not any(coop_id in c.cooperatives for c in clusters):
        where = f"cluster {cluster.id!r}" if cluster is not None else "the program"
        raise InvalidReferenceError(
            f"cooperative {coop_id!r} is not a cooperative of {where} (a board participant "
            "is named by its cooperative's ID)",
            path=path,
        )


def _check_village(cluster: Cluster, village: str, path: str) -> None:
    desa = list(cluster.region.villages())
    names = {d.name.casefold() for d in desa}
    codes = {d.code for d in desa if d.code}
    if names and village.casefold() not in names and village not in codes:
        raise InvalidReferenceError(
            f"village {village!r} is not a desa of cluster {cluster.id!r}; use the name or "
            f"Kemendagri code of one of: {', '.join(sorted(d.name for d in desa))}",
            path=path,
        )


def check_activity(program: ProgramView, activity: Activity, today: _dt.date) -> None:
    """Check an activity against the program (paths relative to the activity)."""
    check_activity_kind(activity.kind)
    cluster = cluster_of(program, activity.cluster_id, "cluster_id")
    if activity.held_on is not None:
        check_not_future(activity.held_on, today, "held_on", "held")
    if (
        cluster is not None
        and activity.sector is not None
        and activity.sector not in cluster.sector_codes
    ):
        raise InvalidReferenceError(
            f"sector {activity.sector!r} is not a sector of cluster {cluster.id!r}; its "
            f"sectors are {', '.join(repr(c) for c in cluster.sector_codes)}",
            path="sector",
        )
    if cluster is not None and activity.village is not None:
        _check_village(cluster, activity.village, "village")
        check_activity_area(cluster, activity)  # in its sector's area, or overridden
    for index, org_id in enumerate(activity.organiser_ids):
        check_organisation(program, org_id, f"organiser_ids[{index}]")
    for index, person_id in enumerate(activity.facilitator_ids):
        check_person(program, person_id, f"facilitator_ids[{index}]")
    # A training lists hundreds: one dict test each against the cluster's records; the
    # checks below only run (and word the refusal) for one that is not found there.
    pools: dict[ParticipantKind, Mapping[str, object]] = {
        ParticipantKind.PERSON: program.people.as_mapping()
    }
    if cluster is not None:
        pools[ParticipantKind.MEMBER] = cluster.members.as_mapping()
        pools[ParticipantKind.GROUP] = cluster.groups.as_mapping()
        pools[ParticipantKind.BOARD] = cluster.cooperatives.as_mapping()
    for index, participant in enumerate(activity.participants):
        if participant.id in pools.get(participant.kind, ()):
            continue
        where = f"participants[{index}].id"
        if participant.kind is ParticipantKind.MEMBER:
            _check_member(program, cluster, participant.id, where)
        elif participant.kind is ParticipantKind.GROUP:
            _check_group(program, cluster, participant.id, where)
        elif participant.kind is ParticipantKind.BOARD:
            _check_cooperative(program, cluster, participant.id, where)
        else:
            check_person(program, participant.id, where)


def check_new_activity(
    program: ProgramView, plans: Iterable[Plan], activity: Activity, today: _dt.date
) -> None:
    """Check an activity coming in, and that realising a milestone leaves every plan valid."""
    check_activity(program, activity, today)
    if activity.milestone is None or activity.held_on is None:
        return
    for index, plan in enumerate(plans):
        if (
            plan.milestone == activity.milestone
            and plan.cluster_id == activity.cluster_id
            and not plan.after_the_fact
            and activity.held_on <= plan.recorded_on
        ):
            raise ValidationError(
                f"milestone {activity.milestone!r} would have been reached on "
                f"{activity.held_on}, before fieldwork.plans[{index}] was recorded "
                f"({plan.recorded_on}) without after_the_fact; check the dates",
                path="milestone",
            )


def check_assignment(program: ProgramView, assignment: Assignment) -> None:
    """Check a facilitator's assignment against the program."""
    check_person(program, assignment.person_id, "person_id")
    cluster = cluster_of(program, assignment.cluster_id, "cluster_id")
    for index, group_id in enumerate(assignment.group_ids):
        _check_group(program, cluster, group_id, f"group_ids[{index}]")
    for index, member_id in enumerate(assignment.member_ids):
        _check_member(program, cluster, member_id, f"member_ids[{index}]")


Spells = Mapping[tuple[str, str], Sequence[Assignment]]
"""Assignments by (person ID, cluster ID): how visits find their facilitator's spells."""


def spells_of(assignments: Iterable[Assignment]) -> Spells:
    """Index assignments by (person ID, cluster ID) for :func:`check_visit`."""
    index: dict[tuple[str, str], list[Assignment]] = {}
    for a in assignments:
        index.setdefault((a.person_id, a.cluster_id), []).append(a)
    return index


def _check_assigned(
    spells: Spells, facilitator_id: str, cluster_id: str, day: _dt.date, path: str
) -> None:
    mine = spells.get((facilitator_id, cluster_id), ())
    if not any(a.covers(day) for a in mine):
        periods = ", ".join(f"{a.start} to {a.end or 'open'}" for a in mine) or "none"
        raise ValidationError(
            f"facilitator {facilitator_id!r} is not assigned to cluster {cluster_id!r} on "
            f"{day}; their assignments there: {periods} (record the assignment first: "
            "Fieldwork.assign)",
            path=path,
        )


def check_visit(program: ProgramView, spells: Spells, visit: Visit, today: _dt.date) -> None:
    """Check a mentoring visit: facilitator assigned that day, members and groups of the cluster."""
    cluster = cluster_of(program, visit.cluster_id, "cluster_id")
    check_person(program, visit.facilitator_id, "facilitator_id")
    check_not_future(visit.on, today, "on", "visited")
    _check_assigned(spells, visit.facilitator_id, visit.cluster_id, visit.on, "on")
    for index, member_id in enumerate(visit.member_ids):
        _check_member(program, cluster, member_id, f"member_ids[{index}]")
    for index, group_id in enumerate(visit.group_ids):
        _check_group(program, cluster, group_id, f"group_ids[{index}]")


def check_visit_columns(
    program: ProgramView, spells: Spells, columns: VisitColumns, today: _dt.date
) -> None:
    """Check every visit of a log as :func:`check_visit` does, reading its columns.

    Raises:
        KlasterError: At ``visits[row]...`` for the first refused visit.
    """
    # Loading a store or a document may bring millions of visits: no Visit objects here.
    today_ordinal = today.toordinal()
    row = 0
    try:
        for row, (cluster_id, person_id, day) in enumerate(  # noqa: B007 - read on failure
            zip(columns.cluster_ids, columns.facilitator_ids, columns.days, strict=True)
        ):
            cluster_of(program, cluster_id, "cluster_id")
            check_person(program, person_id, "facilitator_id")
            if day > today_ordinal:
                check_not_future(_dt.date.fromordinal(day), today, "on", "visited")
            mine = spells.get((person_id, cluster_id), ())
            if len(mine) != 1 or not mine[0].covers(_dt.date.fromordinal(day)):
                _check_assigned(spells, person_id, cluster_id, _dt.date.fromordinal(day), "on")
        subjects = zip(
            columns.subject_visit, columns.subject_kind, columns.subject_ids, strict=True
        )
        for row, kind, subject in subjects:
            cluster = program.clusters[columns.cluster_ids[row]]
            known = cluster.members if kind == MEMBER else cluster.groups
            if subject not in known:
                what = "member_ids" if kind == MEMBER else "group_ids"
                if kind == MEMBER:
                    _check_member(program, cluster, subject, what)
                _check_group(program, cluster, subject, what)
    except KlasterError as exc:
        raise exc.at(f"visits[{row}]") from None


def milestone_reached(
    program: ProgramView, activities: Iterable[Activity], cluster_id: str | None, milestone: str
) -> tuple[_dt.date, str] | None:
    """When a milestone was reached and how it is known, or ``None``."""
    phase = _PHASES.get(milestone)
    if phase is not None and cluster_id is not None:
        cluster = program.clusters.get(cluster_id)
        if cluster is not None:
            for change in cluster.lifecycle.history:
                if change.phase is phase:
                    return change.on, "lifecycle"
    held = [
        a
        for a in activities
        if a.milestone == milestone
        and a.cluster_id == cluster_id
        and a.status is ActivityStatus.HELD
        and a.held_on is not None
    ]
    if held:
        first = min(held, key=lambda a: (a.held_on, a.id))
        assert first.held_on is not None
        return first.held_on, f"activity {first.id}"
    return None


def check_plan(
    program: ProgramView, activities: Iterable[Activity], plan: Plan, today: _dt.date
) -> None:
    """Check a plan: its cluster, its recording date, and a milestone not already reached."""
    cluster_of(program, plan.cluster_id, "cluster_id")
    check_not_future(plan.recorded_on, today, "recorded_on", "recorded")
    if plan.after_the_fact:
        return
    reached = milestone_reached(program, activities, plan.cluster_id, plan.milestone)
    if reached is not None and reached[0] <= plan.recorded_on:
        raise ValidationError(
            f"milestone {plan.milestone!r} was already reached on {reached[0]} ({reached[1]}), "
            f"before this plan was recorded ({plan.recorded_on}); set after_the_fact=True to "
            "record an old plan",
            path="milestone",
        )


def check_commitment(
    program: ProgramView, activities: Records[Activity], commitment: Commitment, today: _dt.date
) -> None:
    """Check a commitment's references and that it was not made in the future."""
    check_organisation(program, commitment.organisation_id, "organisation_id")
    cluster_of(program, commitment.cluster_id, "cluster_id")
    check_not_future(commitment.made_on, today, "made_on", "made")
    if commitment.person_id is not None:
        check_person(program, commitment.person_id, "person_id")
    if commitment.activity_id is not None and commitment.activity_id not in activities:
        raise InvalidReferenceError(
            f"activity {commitment.activity_id!r} is not in the program's activities",
            path="activity_id",
        )
    for index, update in enumerate(commitment.updates):
        check_not_future(update.on, today, f"updates[{index}].on", "updated")


class _HasPlans(Protocol):
    @property
    def plans(self) -> tuple[Plan, ...]: ...


def check_move(fieldwork: _HasPlans, cluster_id: str, change: PhaseChange) -> None:
    """Refuse a lifecycle move dated on or before a plan that recorded it as still to come.

    Raises:
        LifecycleError: At ``on``, naming the plan.
    """
    for index, plan in enumerate(fieldwork.plans):
        if (
            plan.cluster_id == cluster_id
            and plan.milestone == change.phase.value
            and not plan.after_the_fact
            and change.on <= plan.recorded_on
        ):
            raise LifecycleError(
                f"a move to {change.phase.value!r} on {change.on} contradicts "
                f"fieldwork.plans[{index}], recorded on {plan.recorded_on} with the milestone "
                f"still to come; date the move after {plan.recorded_on}",
                path="on",
            )
