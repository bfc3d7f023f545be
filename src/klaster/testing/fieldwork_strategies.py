"""Strategies for fieldwork: activities, mentoring visits, plans, commitments, whole programs.

Records that refer to a program take it (or the part they need) as an argument and draw only
what fits it: participants of the activity's cluster, visits inside an assignment's period, no
date after ``today`` (people, assignments and boards: :mod:`~klaster.testing.people_strategies`).
:func:`programs_with_fieldwork` builds whole programs whose fieldwork went in through the public
API (``program.fieldwork.add_activity``, ``assign``, ``log_visits``...).

Requires `hypothesis <https://hypothesis.readthedocs.io>`_ (``pip install klaster[test]``).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence

import attrs
from hypothesis import strategies as st

from klaster.errors import KlasterError
from klaster.model.activity import Activity, ActivityStatus, Participant, ParticipantKind
from klaster.model.activity_kinds import CORE_ACTIVITY_KINDS
from klaster.model.cluster import Cluster
from klaster.model.commitment import Commitment, CommitmentStatus, CommitmentUpdate
from klaster.model.mentoring import Visit
from klaster.model.people import Assignment
from klaster.model.phases import Phase
from klaster.model.plans import Plan
from klaster.model.program import Program
from klaster.testing._drawing import MAX_DATE, check_size, later, maybe
from klaster.testing.basic_strategies import ids as any_ids
from klaster.testing.basic_strategies import texts
from klaster.testing.people_strategies import assignments, boards, persons
from klaster.testing.program_strategies import programs

__all__ = ["activities", "commitments", "plans", "programs_with_fieldwork", "visits"]

_START = _dt.date(2005, 1, 1)
_MILESTONES = (*(phase.value for phase in Phase), "handover", "end_of_mentoring")
_KINDS = tuple(kind.code for kind in CORE_ACTIVITY_KINDS)


def _today(today: _dt.date | None) -> _dt.date:
    return today if today is not None else _dt.date.today()


def _past(draw: st.DrawFn, today: _dt.date, start: _dt.date = _START) -> _dt.date:
    return draw(st.dates(min_value=min(start, today), max_value=today))


def _subset(draw: st.DrawFn, values: Sequence[str], max_size: int = 3) -> list[str]:
    if not values:
        return []
    return draw(st.lists(st.sampled_from(list(values)), max_size=max_size, unique=True))


def _participants(
    draw: st.DrawFn, program: Program, cluster: Cluster | None, held: bool
) -> list[Participant]:
    clusters = [cluster] if cluster is not None else list(program.clusters)
    pools = {
        ParticipantKind.MEMBER: [m for c in clusters for m in c.members.ids()],
        ParticipantKind.GROUP: [g for c in clusters for g in c.groups.ids()],
        ParticipantKind.BOARD: [k for c in clusters for k in c.cooperatives.ids()],
        ParticipantKind.PERSON: list(program.people.ids()),
    }
    found: list[Participant] = []
    attended = st.none() | st.booleans() if held else st.none()
    for kind, pool in pools.items():
        for participant_id in _subset(draw, pool):
            found.append(
                Participant(kind, participant_id, draw(attended), maybe(draw, texts(max_size=10)))
            )
    return draw(st.permutations(found)) if found else []


@st.composite
def _activities(
    draw: st.DrawFn, program: Program, ids_: st.SearchStrategy[str], today: _dt.date
) -> Activity:
    cluster = maybe(draw, st.sampled_from(list(program.clusters))) if program.clusters else None
    status = draw(st.sampled_from(ActivityStatus))
    held = status is ActivityStatus.HELD
    planned_on: _dt.date | None = draw(st.dates(min_value=_START, max_value=MAX_DATE))
    if status is not ActivityStatus.PLANNED and draw(st.booleans()):
        planned_on = None
    villages = [d.name for d in cluster.region.villages()] if cluster is not None else []
    return Activity(
        id=draw(ids_),
        kind=draw(st.sampled_from(_KINDS)),
        title=draw(texts()),
        status=status,
        cluster_id=None if cluster is None else cluster.id,
        planned_on=planned_on,
        held_on=_past(draw, today) if held else None,
        sector=None if cluster is None else maybe(draw, st.sampled_from(cluster.sector_codes)),
        village=maybe(draw, st.sampled_from(villages)) if villages else None,
        venue=maybe(draw, texts()),
        organiser_ids=_subset(draw, program.organisations.ids(), 2),
        facilitator_ids=_subset(draw, program.people.ids(), 2),
        topics=draw(st.lists(texts(max_size=10), max_size=2)),
        participants=_participants(draw, program, cluster, held),
        headcount=maybe(draw, st.integers(0, 500)) if held else None,
        milestone=maybe(draw, st.sampled_from(_MILESTONES)),
        note=maybe(draw, texts()),
    )


def activities(
    program: Program,
    *,
    ids: st.SearchStrategy[str] | None = None,
    today: _dt.date | None = None,
) -> st.SearchStrategy[Activity]:
    """Activities that fit ``program``: participants of their cluster, people of the program.

    A held activity has a ``held_on`` date by ``today`` and sometimes attendance; any other has
    none. The kind is a core kind. A held activity with a ``milestone`` is refused when the
    program has a plan for that milestone recorded after the activity (not ``after_the_fact``).

    Args:
        program: The program (its clusters, organisations and people are drawn from).
        ids: Strategy for the activity's ID (default: IDs not yet used by an activity).
        today: The latest ``held_on`` (default: today).
    """
    taken = program.fieldwork.activities.ids()
    return _activities(program, ids if ids is not None else any_ids(avoid=taken), _today(today))


@st.composite
def _visits(
    draw: st.DrawFn,
    assignment: Assignment,
    cluster: Cluster,
    ids_: st.SearchStrategy[str],
    today: _dt.date,
) -> Visit:
    last = min(assignment.end or today, today)
    on = draw(st.dates(min_value=assignment.start, max_value=last))
    member_ids = _subset(draw, cluster.members.ids())
    group_ids = _subset(draw, cluster.groups.ids())
    if not member_ids and not group_ids:
        pool = [*cluster.members.ids()] or [*cluster.groups.ids()]
        chosen = draw(st.sampled_from(pool))
        (member_ids if chosen in cluster.members else group_ids).append(chosen)
    return Visit(
        id=draw(ids_),
        cluster_id=cluster.id,
        facilitator_id=assignment.person_id,
        on=on,
        member_ids=member_ids,
        group_ids=group_ids,
        topics=draw(st.lists(texts(max_size=10), max_size=2)),
        follow_up=draw(st.lists(texts(max_size=10), max_size=2)),
        note=maybe(draw, texts()),
    )


def visits(
    assignment: Assignment,
    cluster: Cluster,
    *,
    ids: st.SearchStrategy[str] | None = None,
    today: _dt.date | None = None,
) -> st.SearchStrategy[Visit]:
    """Mentoring visits by the assignment's facilitator inside its period, to ``cluster``.

    Args:
        assignment: The facilitator's assignment; it starts on or before ``today``.
        cluster: Its cluster, with at least one member or group.
        ids: Strategy for the visit's ID (default: any ID).
        today: The latest visit date (default: today).
    """
    day = _today(today)
    if assignment.start > day or assignment.cluster_id != cluster.id:
        raise ValueError("the assignment must be to this cluster and start by today")
    if not len(cluster.members) and not len(cluster.groups):
        raise ValueError("a visit is to a member or a group: the cluster has neither")
    return _visits(assignment, cluster, ids if ids is not None else any_ids(), day)


@st.composite
def _plans(
    draw: st.DrawFn, cluster_ids: Sequence[str], today: _dt.date, after_the_fact: bool | None
) -> Plan:
    recorded_on = _past(draw, today)
    return Plan(
        milestone=draw(st.sampled_from(_MILESTONES)),
        on=later(draw, recorded_on),
        recorded_on=recorded_on,
        cluster_id=maybe(draw, st.sampled_from(list(cluster_ids))) if cluster_ids else None,
        after_the_fact=draw(st.booleans()) if after_the_fact is None else after_the_fact,
        note=maybe(draw, texts()),
    )


def plans(
    *,
    cluster_ids: Sequence[str] = (),
    today: _dt.date | None = None,
    after_the_fact: bool | None = None,
) -> st.SearchStrategy[Plan]:
    """Plans for a phase or a milestone code, recorded by ``today``.

    Whether a plan fits a program depends on what already happened: add it with
    ``after_the_fact=True`` (or through :func:`programs_with_fieldwork`) when that matters.

    Args:
        cluster_ids: Clusters to choose from (or program-wide plans if none).
        today: The latest ``recorded_on`` (default: today).
        after_the_fact: Fix the flag (default: drawn).
    """
    return _plans(cluster_ids, _today(today), after_the_fact)


@st.composite
def _commitments(
    draw: st.DrawFn, program: Program, ids_: st.SearchStrategy[str], today: _dt.date
) -> Commitment:
    made_on = _past(draw, today)
    updates: list[CommitmentUpdate] = []
    day = made_on
    for _ in range(draw(st.integers(0, 3))):
        day = draw(st.dates(min_value=day, max_value=max(day, today)))
        updates.append(
            CommitmentUpdate(
                on=day,
                status=draw(st.sampled_from(CommitmentStatus)),
                evidence=maybe(draw, texts()),
                note=maybe(draw, texts()),
            )
        )
    clusters = program.clusters.ids()
    return Commitment(
        id=draw(ids_),
        organisation_id=draw(st.sampled_from(program.organisations.ids())),
        promise=draw(texts()),
        made_on=made_on,
        cluster_id=maybe(draw, st.sampled_from(clusters)) if clusters else None,
        due=maybe(draw, st.dates(min_value=made_on, max_value=max(made_on, MAX_DATE))),
        person_id=(
            maybe(draw, st.sampled_from(program.people.ids())) if len(program.people) else None
        ),
        activity_id=(
            maybe(draw, st.sampled_from(program.fieldwork.activities.ids()))
            if len(program.fieldwork.activities)
            else None
        ),
        updates=updates,
        note=maybe(draw, texts()),
    )


def commitments(
    program: Program,
    *,
    ids: st.SearchStrategy[str] | None = None,
    today: _dt.date | None = None,
) -> st.SearchStrategy[Commitment]:
    """Commitments by an organisation of ``program``, with status updates in date order.

    Args:
        program: The program (organisations, clusters, people and activities are drawn from).
        ids: Strategy for the ID (default: IDs not yet used by a commitment).
        today: The latest ``made_on`` and update date (default: today).
    """
    taken = program.fieldwork.commitments.ids()
    return _commitments(program, ids if ids is not None else any_ids(avoid=taken), _today(today))


@st.composite
def _programs_with_fieldwork(
    draw: st.DrawFn,
    program: st.SearchStrategy[Program],
    max_people: int,
    max_records: int,
    today: _dt.date,
) -> Program:
    result = draw(program)
    org_ids = list(result.organisations.ids())
    taken = set(result.clusters.ids())
    for _ in range(draw(st.integers(0, max_people))):
        person = draw(persons(ids=any_ids(avoid=taken), organisation_ids=org_ids))
        taken.add(person.id)
        result.add_person(person)
    for cluster in result.clusters:
        for coop in list(cluster.cooperatives):
            if not coop.member_ids or not draw(st.booleans()):
                continue
            board = draw(boards(coop.member_ids))
            cluster.replace_cooperative(attrs.evolve(coop, board=board))
    work = result.fieldwork
    for _ in range(draw(st.integers(0, max_records))):
        work.add_activity(draw(activities(result, today=today)))
    people = list(result.people.ids())
    with_members = [c for c in result.clusters if len(c.members) or len(c.groups)]
    if people and with_members:
        for _ in range(draw(st.integers(0, max_records))):
            cluster = draw(st.sampled_from(with_members))
            assignment = work.assign(draw(assignments(cluster, person_ids=people, today=today)))
            seen = set(work.visits.columns().ids)
            logged = draw(
                st.lists(
                    visits(assignment, cluster, ids=any_ids(avoid=seen), today=today),
                    max_size=max_records,
                    unique_by=lambda v: v.id,
                )
            )
            work.log_visits(logged)
    for _ in range(draw(st.integers(0, max_records))):
        plan = draw(plans(cluster_ids=result.clusters.ids(), today=today))
        try:
            work.plan(plan)
        except KlasterError:  # the milestone was reached already: say so
            work.plan(attrs.evolve(plan, after_the_fact=True))
    for _ in range(draw(st.integers(0, max_records))):
        work.add_commitment(draw(commitments(result, today=today)))
    return result


def programs_with_fieldwork(
    *,
    max_people: int = 3,
    max_records: int = 3,
    today: _dt.date | None = None,
    max_clusters: int = 2,
    max_members: int = 4,
    max_groups: int = 2,
    max_cooperatives: int = 1,
    sectors: Sequence[str] | None = None,
) -> st.SearchStrategy[Program]:
    """Whole programs (:func:`~klaster.testing.program_strategies.programs`) with fieldwork.

    People, cooperative boards, activities, assignments with visits inside them, plans and
    commitments, each added through the public API, so each passed its checks in context.

    Args:
        max_people: Most people (facilitators, staff, officials).
        max_records: Most records of each kind (and visits per assignment).
        today: The latest date anything happened (default: today; never later than today:
            the fieldwork refuses what happens in the future).
        max_clusters: As for :func:`~klaster.testing.program_strategies.programs`.
        max_members: As for ``programs``.
        max_groups: As for ``programs``.
        max_cooperatives: As for ``programs``.
        sectors: As for ``programs``.

    Returns:
        A strategy of valid :class:`~klaster.Program` objects, ready for :func:`klaster.dumps`.
    """
    check_size(max_people=max_people, max_records=max_records)
    return _programs_with_fieldwork(
        programs(
            max_clusters=max_clusters,
            max_members=max_members,
            max_groups=max_groups,
            max_cooperatives=max_cooperatives,
            sectors=sectors,
        ),
        max_people,
        max_records,
        _today(today),
    )
