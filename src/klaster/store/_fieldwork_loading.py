"""Reading a program's people and fieldwork back from the store's tables.

Every record goes back through the model's constructors (``Person(...)``, ``Activity(...)``,
``Commitment(...)``), so their validators run; the mentoring log, which can hold millions of
visits, is read column-wise into :meth:`MentoringLog.from_columns
<klaster.model.mentoring.MentoringLog.from_columns>` without a ``Visit`` per row, and the
program checks every visit in context when it takes the fieldwork in (``Program(...)``). The
caller (:mod:`klaster.store._loading`) turns a refusal into a located ``StoreError``.
"""

from __future__ import annotations

import datetime as _dt
import json
import sqlite3
from array import array

from klaster.errors import ValidationError
from klaster.model.activity import Activity, Participant
from klaster.model.commitment import Commitment, CommitmentUpdate
from klaster.model.fieldwork import Fieldwork
from klaster.model.mentoring import MentoringLog, VisitColumns
from klaster.model.people import Assignment, Person, Position
from klaster.model.plans import Plan


def _texts(text: str | None) -> tuple[str, ...]:
    if text is None:
        return ()
    value = json.loads(text)
    if not isinstance(value, list):
        raise ValidationError("a stored list is not a JSON list", path="fieldwork")
    return tuple(value)


def people(conn: sqlite3.Connection) -> list[Person]:
    """The program's people with their positions, in order."""
    positions: dict[str, list[Position]] = {}
    for person_id, *spell in conn.execute(
        "SELECT person_id, organisation_id, role, title, start, end FROM person_positions "
        "ORDER BY person_id, position"
    ):
        positions.setdefault(person_id, []).append(Position(*spell))
    return [
        Person(pid, name, positions.get(pid, ()), phone, note)
        for pid, name, phone, note in conn.execute(
            "SELECT id, name, phone, note FROM people ORDER BY position"
        )
    ]


def fieldwork(conn: sqlite3.Connection) -> Fieldwork:
    """The stored fieldwork (checked in context once the program takes it in)."""
    assignments = [
        Assignment(person, cluster, start, end, _texts(groups), _texts(members), note)
        for person, cluster, start, end, groups, members, note in conn.execute(
            "SELECT person_id, cluster_id, start, end, group_ids, member_ids, note "
            "FROM assignments ORDER BY position"
        )
    ]
    plans = [
        Plan(milestone, on, recorded, cluster, bool(after), note)
        for milestone, on, recorded, cluster, after, note in conn.execute(
            "SELECT milestone, on_date, recorded_on, cluster_id, after_the_fact, note "
            "FROM plans ORDER BY seq"
        )
    ]
    return Fieldwork(
        activities=activities(conn),
        assignments=assignments,
        visits=visits(conn),
        plans=plans,
        commitments=_commitments(conn),
    )


_ACTIVITY_COLUMNS = (
    "id, kind, title, status, cluster_id, planned_on, held_on, sector, village, venue, "
    "organiser_ids, facilitator_ids, topics, headcount, milestone, note"
)


def activities(conn: sqlite3.Connection, ids: list[str] | None = None) -> list[Activity]:
    """The stored activities (or those of ``ids`` that are stored), with their participants."""
    where = "" if ids is None else f" WHERE id IN ({', '.join('?' * len(ids))})"
    params = () if ids is None else tuple(ids)
    participants: dict[str, list[Participant]] = {}
    sub = "" if ids is None else f" WHERE activity_id IN ({', '.join('?' * len(ids))})"
    for aid, kind, pid, attended, role in conn.execute(
        "SELECT activity_id, kind, participant_id, attended, role FROM activity_participants"
        f"{sub} ORDER BY activity_id, position",
        params,
    ):
        participants.setdefault(aid, []).append(
            Participant(kind, pid, None if attended is None else bool(attended), role)
        )
    found = []
    for row in conn.execute(
        f"SELECT {_ACTIVITY_COLUMNS} FROM activities{where} ORDER BY position", params
    ):
        (aid, kind, title, status, cluster, planned, held, sector, village, venue) = row[:10]
        organisers, facilitators, topics, headcount, milestone, note = row[10:]
        found.append(
            Activity(
                aid,
                kind,
                title,
                status,
                cluster,
                planned,
                held,
                sector,
                village,
                venue,
                _texts(organisers),
                _texts(facilitators),
                _texts(topics),
                participants.get(aid, ()),
                headcount,
                milestone,
                note,
            )
        )
    return found


def _commitments(conn: sqlite3.Connection) -> list[Commitment]:
    updates: dict[str, list[CommitmentUpdate]] = {}
    for cid, *update in conn.execute(
        "SELECT commitment_id, on_date, status, evidence, note FROM commitment_updates "
        "ORDER BY commitment_id, seq"
    ):
        updates.setdefault(cid, []).append(CommitmentUpdate(*update))
    return [
        Commitment(
            cid, org, promise, made, cluster, due, person, activity, updates.get(cid, ()), note
        )
        for cid, org, promise, made, cluster, due, person, activity, note in conn.execute(
            "SELECT id, organisation_id, promise, made_on, cluster_id, due, person_id, "
            "activity_id, note FROM commitments ORDER BY position"
        )
    ]


def visits(conn: sqlite3.Connection) -> MentoringLog:
    """The mentoring log, read in columns (one pass per table, no ``Visit`` per row)."""
    count, low, high = conn.execute("SELECT count(*), min(key), max(key) FROM visits").fetchone()
    if count and (low != 0 or high != count - 1):
        raise ValidationError("visit keys are not 0..n-1", path="visits")
    rows = conn.execute(
        "SELECT id, cluster_id, facilitator_id, on_date FROM visits ORDER BY key"
    ).fetchall()
    # Whole columns at C speed: a million visits must not cost a Python loop body each.
    ids, clusters, facilitators, dates = (
        (list(c) for c in zip(*rows, strict=True)) if rows else ([], [], [], [])
    )
    del rows
    ordinals = {on: _dt.date.fromisoformat(on).toordinal() for on in set(dates)}
    days = array("i", map(ordinals.__getitem__, dates))
    extras = {
        key: (_texts(topics), _texts(follow_up), note)
        for key, topics, follow_up, note in conn.execute(
            "SELECT key, topics, follow_up, note FROM visits WHERE topics IS NOT NULL "
            "OR follow_up IS NOT NULL OR note IS NOT NULL"
        )
    }
    subject_rows = conn.execute(
        "SELECT visit_key, kind = 'group', subject_id FROM visit_subjects "
        "ORDER BY visit_key, position"
    ).fetchall()
    visit_keys, kinds, subjects = (
        (list(c) for c in zip(*subject_rows, strict=True)) if subject_rows else ([], [], [])
    )
    del subject_rows
    subject_visit = array("i", visit_keys)
    if len(set(subject_visit)) != len(ids):
        raise ValidationError(
            "a stored visit has no member or group (every visit is to at least one)",
            path="visits",
        )
    columns = VisitColumns(
        ids, clusters, facilitators, days, subject_visit, bytearray(kinds), subjects
    )
    return MentoringLog.from_columns(columns, extras)
