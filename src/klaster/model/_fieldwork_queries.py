"""Questions the fieldwork answers from the program: caseloads, plans beside what happened."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable

from attrs import frozen

from klaster.model._fieldwork_checks import ProgramView, milestone_reached
from klaster.model.activity import Activity
from klaster.model.people import Assignment
from klaster.model.plans import Plan, PlanStatus

__all__ = ["Caseload", "by_person", "caseload", "planned_vs_actual"]


@frozen
class Caseload:
    """A facilitator's caseload on a day.

    Args:
        person_id: The facilitator.
        on: The day.
        cluster_ids: Clusters they are assigned to.
        group_ids: Groups in their care (all of a cluster's when assigned to a whole cluster).
        member_ids: Members in their care: listed individually or in their groups that day.
    """

    person_id: str
    on: _dt.date
    cluster_ids: tuple[str, ...]
    group_ids: tuple[str, ...]
    member_ids: tuple[str, ...]


def by_person(assignments: Iterable[Assignment]) -> dict[str, list[Assignment]]:
    """Assignments by facilitator: ``Fieldwork.caseload`` reads only the person's own."""
    index: dict[str, list[Assignment]] = {}
    for a in assignments:
        index.setdefault(a.person_id, []).append(a)
    return index


def caseload(
    program: ProgramView, assignments: Iterable[Assignment], person_id: str, on: _dt.date
) -> Caseload:
    """A facilitator's caseload on ``on`` (see ``Fieldwork.caseload``)."""
    clusters: list[str] = []
    groups: dict[str, None] = {}
    members: dict[str, None] = {}
    for a in assignments:
        if a.person_id != person_id or not a.covers(on):
            continue
        cluster = program.clusters[a.cluster_id]
        clusters.append(a.cluster_id)
        group_ids = cluster.groups.ids() if a.whole_cluster else a.group_ids
        for group_id in group_ids:
            groups[group_id] = None
            members.update(dict.fromkeys(cluster.groups[group_id].member_ids(on)))
        if a.whole_cluster:
            members.update(dict.fromkeys(m.id for m in cluster.active_members(on)))
        members.update(dict.fromkeys(a.member_ids))
    return Caseload(person_id, on, tuple(dict.fromkeys(clusters)), tuple(groups), tuple(members))


def planned_vs_actual(
    program: ProgramView,
    activities: Iterable[Activity],
    plans: Iterable[Plan],
    current: Iterable[Plan],
) -> tuple[PlanStatus, ...]:
    """Each current plan beside its first plan and when the milestone was reached."""
    every = list(plans)
    listed = list(activities)
    rows = []
    for plan in current:
        history = [
            p for p in every if p.cluster_id == plan.cluster_id and p.milestone == plan.milestone
        ]
        first = min(history, key=lambda p: p.recorded_on)
        reached = milestone_reached(program, listed, plan.cluster_id, plan.milestone)
        rows.append(
            PlanStatus(
                cluster_id=plan.cluster_id,
                milestone=plan.milestone,
                planned=plan.on,
                first_planned=first.on,
                revisions=len(history),
                actual=None if reached is None else reached[0],
                source=None if reached is None else reached[1],
            )
        )
    return tuple(rows)
