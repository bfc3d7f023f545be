"""The mentoring log by period, for analysts: per cluster and month (or quarter).

:func:`mentoring_table` gives one :class:`MentoringPeriod` per cluster and period, from the
period of the cluster's first visit to that of its last. Members are those active on the
period's last day; a visit reaches a member as the indicators say
(:mod:`klaster.measurement.mentoring_indicators`: listed, or in a group visited, on the visit's
day; once per visit). The integer totals come from the chosen backend (exact Python, or polars
in ``_backends/polars/mentoring_periods.py``); the figures are divided here, the same way for
both.
"""

from __future__ import annotations

import datetime as _dt
from bisect import bisect_left, bisect_right
from decimal import Decimal

from attrs import frozen

from klaster.errors import ValidationError
from klaster.measurement._periods import PERIODS, Totals, period_bounds, period_key
from klaster.measurement.mentoring_indicators import cluster_logs
from klaster.measurement.na import NotAvailable, bilingual
from klaster.model.people import Assignment
from klaster.model.program import Program

__all__ = ["MentoringPeriod", "mentoring_table"]


@frozen
class MentoringPeriod:
    """One cluster in one period.

    Args:
        cluster_id: The cluster.
        period: ``"2012-01"`` (month) or ``"2012-Q1"`` (quarter).
        start: The period's first day.
        end: Its last day: members, caseloads and days since the last visit are as of then.
        visits: Visits logged in the period.
        members: Members active on ``end``.
        members_visited: Of those, members reached by a visit in the period.
        share_visited: ``members_visited / members``.
        visits_per_member: Visits reaching those members in the period (once per visit and
            member), over ``members``.
        facilitators_active: Facilitators who logged a visit in the period.
        facilitators_assigned: Facilitators assigned to the cluster on ``end``.
        caseload_per_facilitator: Members in their caseloads (``Fieldwork.caseload``) over
            ``facilitators_assigned``.
        days_since_last_visit: Mean days from the last visit to ``end`` over the members active
            then and visited at least once by then.
    """

    cluster_id: str
    period: str
    start: _dt.date
    end: _dt.date
    visits: int
    members: int
    members_visited: int
    share_visited: Decimal | NotAvailable
    visits_per_member: Decimal | NotAvailable
    facilitators_active: int
    facilitators_assigned: int
    caseload_per_facilitator: Decimal | NotAvailable
    days_since_last_visit: Decimal | NotAvailable


def _ranges(program: Program, period: str) -> dict[str, range]:
    """Each logged cluster's periods, from its first visit's to its last's."""
    columns = program.fieldwork.visits.columns()
    low: dict[str, int] = {}
    high: dict[str, int] = {}
    for cluster_id, day in zip(columns.cluster_ids, columns.days, strict=True):
        if cluster_id not in low or day < low[cluster_id]:
            low[cluster_id] = day
        if cluster_id not in high or day > high[cluster_id]:
            high[cluster_id] = day
    return {
        c: range(
            period_key(_dt.date.fromordinal(low[c]), period),
            period_key(_dt.date.fromordinal(high[c]), period) + 1,
        )
        for c in program.clusters.ids()
        if c in low
    }


def _python_totals(
    program: Program, period: str, ranges: dict[str, range]
) -> dict[tuple[str, int], Totals]:
    columns = program.fieldwork.visits.columns()
    visits: dict[tuple[str, int], int] = {}
    people: dict[tuple[str, int], set[str]] = {}
    for cluster_id, person, day in zip(
        columns.cluster_ids, columns.facilitator_ids, columns.days, strict=True
    ):
        at = (cluster_id, period_key(_dt.date.fromordinal(day), period))
        visits[at] = visits.get(at, 0) + 1
        people.setdefault(at, set()).add(person)
    logs = cluster_logs(program, ranges)
    never = _dt.date.max.toordinal() + 1
    fieldwork = program.fieldwork
    assignments: dict[str, list[Assignment]] = {}
    for a in fieldwork.assignments:
        assignments.setdefault(a.cluster_id, []).append(a)
    found: dict[tuple[str, int], Totals] = {}
    for cluster_id, keys in ranges.items():
        log = logs[cluster_id]
        members_of = program.clusters[cluster_id].members
        spans = [
            (
                m.joined.toordinal(),
                never if m.left is None else m.left.toordinal(),
                log.members.get(m.id, []),
            )
            for m in program.clusters[cluster_id].members
        ]
        for key in keys:
            _, start, end = period_bounds(key, period)
            s, e = start.toordinal(), end.toordinal()
            members = visited = contacts = days = dated = 0
            for joined, left, listed in spans:
                if not joined <= e < left:
                    continue
                members += 1
                k = bisect_right(listed, e)
                here = k - bisect_left(listed, s)
                contacts += here
                visited += here > 0
                if k:
                    days += e - listed[k - 1]
                    dated += 1
            assigned = dict.fromkeys(
                a.person_id for a in assignments.get(cluster_id, ()) if a.covers(end)
            )
            caseload = sum(
                sum(1 for m in fieldwork.caseload(p, end).member_ids if m in members_of)
                for p in assigned
            )
            c = (cluster_id, key)
            found[c] = (
                visits.get(c, 0),
                len(people.get(c, ())),
                members,
                visited,
                contacts,
                days,
                dated,
                len(assigned),
                caseload,
            )
    return found


_NONE_ID = {
    "member active at the period's end": "tidak ada mitra aktif di akhir periode",
    "facilitator assigned at the period's end": "tidak ada pendamping bertugas di akhir periode",
    "member visited by the period's end": "tidak ada mitra yang dikunjungi sampai akhir periode",
}


def _ratio(top: int, bottom: int, what: str) -> Decimal | NotAvailable:
    return Decimal(top) / Decimal(bottom) if bottom else bilingual(f"no {what}", _NONE_ID[what])


def mentoring_table(
    program: Program, period: str = "month", *, backend: str = "python"
) -> tuple[MentoringPeriod, ...]:
    """The mentoring log per cluster and period (see :class:`MentoringPeriod`).

    Args:
        program: The program; its ``fieldwork.visits`` and ``fieldwork.assignments`` are read.
        period: ``"month"`` or ``"quarter"``.
        backend: ``"python"`` (exact, no dependencies) or ``"polars"`` (the ``columnar``
            extra); both give the same table.

    Returns:
        Rows by cluster (program order) and period; none for a cluster without visits.

    Raises:
        ValidationError: An unknown period or backend.
    """
    if period not in PERIODS:
        raise ValidationError(f"unknown period {period!r}; use one of {PERIODS}", path="period")
    if backend not in ("python", "polars"):
        raise ValidationError(
            f"unknown backend {backend!r}; use 'python' or 'polars'", path="backend"
        )
    ranges = _ranges(program, period)
    if backend == "polars":
        from klaster.measurement._backends.polars import mentoring_periods  # the optional extra

        totals = mentoring_periods.totals(program, period, ranges)
    else:
        totals = _python_totals(program, period, ranges)
    rows = []
    for cluster_id, keys in ranges.items():
        for key in keys:
            label, start, end = period_bounds(key, period)
            visits, active, members, visited, contacts, days, dated, assigned, caseload = totals[
                (cluster_id, key)
            ]
            rows.append(
                MentoringPeriod(
                    cluster_id,
                    label,
                    start,
                    end,
                    visits,
                    members,
                    visited,
                    _ratio(visited, members, "member active at the period's end"),
                    _ratio(contacts, members, "member active at the period's end"),
                    active,
                    assigned,
                    _ratio(caseload, assigned, "facilitator assigned at the period's end"),
                    _ratio(days, dated, "member visited by the period's end"),
                )
            )
    return tuple(rows)
