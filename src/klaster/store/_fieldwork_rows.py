"""Writing a program's people, fieldwork and cooperative boards into the store's tables.

People, positions, board terms, activities with their participants, assignments and
commitments are entities: a save rewrites them with the program's other entities. Visits (and
their subjects), plans and commitment updates are history: a save only *appends* to them, and
a program whose history differs from the stored one is refused, as for a lifecycle.
"""

from __future__ import annotations

import datetime as _dt
import json
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from klaster.errors import StoreError
from klaster.model.activity import Activity
from klaster.model.commitment import Commitment
from klaster.model.fieldwork import Fieldwork
from klaster.model.mentoring import Visit
from klaster.model.people import Assignment
from klaster.model.plans import Plan
from klaster.model.program import Program
from klaster.store._connection import insert_rows

# Rewritten by save_program (children first), and the history tables that refer to them.
ENTITY_TABLES = (
    "activity_participants",
    "commitments",
    "activities",
    "assignments",
    "board_terms",
    "person_positions",
    "people",
)
HISTORY_TABLES = ("visits", "plans", "commitment_updates")

INSERT_ACTIVITY = (
    "INSERT INTO activities VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
INSERT_PARTICIPANTS = (
    "INSERT INTO activity_participants (activity_id, position, kind, participant_id, attended, "
    "role) VALUES"
)
_SUBJECT_KINDS = ("member", "group")  # by VisitColumns' subject kind code


def _day(value: _dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def _texts(values: tuple[str, ...]) -> str:
    return json.dumps(list(values), ensure_ascii=False)


def activity_row(position: int, a: Activity) -> tuple[Any, ...]:
    """The ``activities`` row of ``a``."""
    return (
        a.id,
        position,
        a.kind,
        a.title,
        a.status.value,
        a.cluster_id,
        _day(a.planned_on),
        _day(a.held_on),
        a.sector,
        a.village,
        a.venue,
        _texts(a.organiser_ids),
        _texts(a.facilitator_ids),
        _texts(a.topics),
        a.headcount,
        a.milestone,
        a.note,
    )


def participant_params(activities: Iterable[Activity]) -> list[object]:
    """The ``activity_participants`` rows of ``activities``, as one flat parameter list."""
    flat: list[object] = []
    add = flat.extend
    for activity in activities:
        aid = activity.id
        for index, p in enumerate(activity.participants):
            attended = p.attended
            add(
                (
                    aid,
                    index,
                    p.kind.value,
                    p.id,
                    None if attended is None else int(attended),
                    p.role,
                )
            )
    return flat


def insert_activities(conn: sqlite3.Connection, start: int, activities: list[Activity]) -> None:
    """Insert ``activities`` (positions from ``start``) and their participants."""
    conn.executemany(
        INSERT_ACTIVITY, (activity_row(start + i, a) for i, a in enumerate(activities))
    )
    insert_participants(conn, activities)


def insert_participants(conn: sqlite3.Connection, activities: list[Activity]) -> None:
    """Insert the participants of ``activities`` (the attendance rows), in bulk."""
    insert_rows(conn, INSERT_PARTICIPANTS, "(?, ?, ?, ?, ?, ?)", participant_params(activities))


def _assignment_row(position: int, a: Assignment) -> tuple[Any, ...]:
    return (
        position,
        a.person_id,
        a.cluster_id,
        a.start.isoformat(),
        _day(a.end),
        _texts(a.group_ids),
        _texts(a.member_ids),
        a.note,
    )


def _commitment_row(position: int, c: Commitment) -> tuple[Any, ...]:
    return (
        c.id,
        position,
        c.organisation_id,
        c.promise,
        c.made_on.isoformat(),
        c.cluster_id,
        _day(c.due),
        c.person_id,
        c.activity_id,
        c.note,
    )


def insert_entities(conn: sqlite3.Connection, program: Program) -> None:
    """Insert the program's people, boards, activities, assignments and commitments."""
    conn.executemany(
        "INSERT INTO people VALUES (?, ?, ?, ?, ?)",
        ((p.id, i, p.name, p.phone, p.note) for i, p in enumerate(program.people)),
    )
    conn.executemany(
        "INSERT INTO person_positions VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            (p.id, i, s.organisation_id, s.role.value, s.title, _day(s.start), _day(s.end))
            for p in program.people
            for i, s in enumerate(p.positions)
        ),
    )
    conn.executemany(
        "INSERT INTO board_terms VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            (coop.id, i, cluster.id, t.member_id, t.role.value, t.start.isoformat(), _day(t.end))
            for cluster in program.clusters
            for coop in cluster.cooperatives
            for i, t in enumerate(coop.board)
        ),
    )
    fieldwork = program.fieldwork
    insert_activities(conn, 0, list(fieldwork.activities))
    conn.executemany(
        "INSERT INTO assignments VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (_assignment_row(i, a) for i, a in enumerate(fieldwork.assignments)),
    )
    conn.executemany(
        "INSERT INTO commitments VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (_commitment_row(i, c) for i, c in enumerate(fieldwork.commitments)),
    )


# -- history ------------------------------------------------------------------------------------


def plan_row(seq: int, p: Plan) -> tuple[Any, ...]:
    """The ``plans`` row of ``p``."""
    return (
        seq,
        p.milestone,
        p.on.isoformat(),
        p.recorded_on.isoformat(),
        p.cluster_id,
        int(p.after_the_fact),
        p.note,
    )


def _update_rows(fieldwork: Fieldwork) -> Iterator[tuple[Any, ...]]:
    for c in fieldwork.commitments:
        for seq, u in enumerate(c.updates):
            yield (c.id, seq, u.on.isoformat(), u.status.value, u.evidence, u.note)


def insert_history(conn: sqlite3.Connection, program: Program, source: Path) -> None:
    """Append the program's visits, plans and commitment updates the store does not hold yet.

    Raises:
        StoreError: The stored history is not the start of the program's (it was rewritten).
    """
    fieldwork = program.fieldwork
    plans = [plan_row(i, p) for i, p in enumerate(fieldwork.plans)]
    stored = conn.execute("SELECT * FROM plans ORDER BY seq").fetchall()
    _check_prefix(source, "fieldwork.plans", stored, plans)
    conn.executemany("INSERT INTO plans VALUES (?, ?, ?, ?, ?, ?, ?)", plans[len(stored) :])
    updates = list(_update_rows(fieldwork))
    stored_updates = {
        (row[0], row[1]): row for row in conn.execute("SELECT * FROM commitment_updates").fetchall()
    }
    for key, row in stored_updates.items():
        if key[0] in fieldwork.commitments:
            mine = fieldwork.commitments[key[0]].updates
            if key[1] < len(mine) and _update_row(key[0], key[1], mine) == row:
                continue
        raise StoreError(
            f"{source}: fieldwork.commitments[{key[0]}].updates[{key[1]}] differs from the "
            "stored status history (or was removed); a commitment's updates may only be "
            "extended (Fieldwork.update_commitment). Nothing was changed"
        )
    conn.executemany(
        "INSERT INTO commitment_updates VALUES (?, ?, ?, ?, ?, ?)",
        [row for row in updates if (row[0], row[1]) not in stored_updates],
    )
    _append_visits(conn, program, source)


def _update_row(commitment_id: str, seq: int, updates: tuple[Any, ...]) -> tuple[Any, ...]:
    u = updates[seq]
    return (commitment_id, seq, u.on.isoformat(), u.status.value, u.evidence, u.note)


def _check_prefix(
    source: Path, where: str, stored: list[tuple[Any, ...]], rows: list[tuple[Any, ...]]
) -> None:
    for index, old in enumerate(stored):
        if index >= len(rows) or tuple(rows[index]) != tuple(old):
            raise StoreError(
                f"{source}: {where}[{index}] differs from the stored history (or was removed); "
                "it may only be extended, never rewritten (load the program from the store and "
                "add to it). Nothing was changed"
            )


def _append_visits(conn: sqlite3.Connection, program: Program, source: Path) -> None:
    cols = program.fieldwork.visits.columns()
    count = len(cols.ids)
    stored = conn.execute("SELECT count(*) FROM visits").fetchone()[0]
    if stored:
        mine = [
            (row, cols.ids[row], cols.cluster_ids[row], cols.facilitator_ids[row], cols.days[row])
            for row in range(min(stored, count))
        ]
        days: dict[str, int] = {}
        for index, (key, vid, cid, fid, on) in enumerate(
            conn.execute(
                "SELECT key, id, cluster_id, facilitator_id, on_date FROM visits ORDER BY key"
            )
        ):
            day = days.get(on)
            if day is None:
                day = days[on] = _dt.date.fromisoformat(on).toordinal()
            if index >= count or mine[index] != (key, vid, cid, fid, day):
                raise StoreError(
                    f"{source}: fieldwork.visits[{index}] differs from the stored mentoring log "
                    "(or was removed); the log may only be extended (Fieldwork.log_visits). "
                    "Nothing was changed"
                )
    insert_visits(conn, program.fieldwork, stored)


def insert_visits(conn: sqlite3.Connection, fieldwork: Fieldwork, start: int) -> None:
    """Insert the log's visits from row ``start`` on (their rows are their keys)."""
    cols = fieldwork.visits.columns()
    extras = fieldwork.visits.extras()
    count = len(cols.ids)
    if start >= count:
        return
    iso: dict[int, str] = {}
    flat: list[object] = []
    for row in range(start, count):
        day = cols.days[row]
        text = iso.get(day)
        if text is None:
            text = iso[day] = _dt.date.fromordinal(day).isoformat()
        extra = extras.get(row)
        if extra is None:
            flat += (
                row,
                cols.ids[row],
                cols.cluster_ids[row],
                cols.facilitator_ids[row],
                text,
                None,
                None,
                None,
            )
        else:
            topics, follow_up, note = extra
            flat += (
                row,
                cols.ids[row],
                cols.cluster_ids[row],
                cols.facilitator_ids[row],
                text,
                _texts(topics) if topics else None,
                _texts(follow_up) if follow_up else None,
                note,
            )
    insert_rows(conn, "INSERT INTO visits VALUES", "(?, ?, ?, ?, ?, ?, ?, ?)", flat)
    subjects: list[object] = []
    previous, position = -1, 0
    for visit, kind, subject in zip(
        cols.subject_visit, cols.subject_kind, cols.subject_ids, strict=True
    ):
        if visit < start:
            continue
        position = position + 1 if visit == previous else 0
        previous = visit
        subjects += (visit, position, _SUBJECT_KINDS[kind], subject)
    insert_rows(conn, "INSERT INTO visit_subjects VALUES", "(?, ?, ?, ?)", subjects)


def append_visits(conn: sqlite3.Connection, visits: list[Visit]) -> None:
    """Append checked visits at the end of the stored mentoring log."""
    start = conn.execute("SELECT coalesce(max(key) + 1, 0) FROM visits").fetchone()[0]
    flat: list[object] = []
    subjects: list[object] = []
    for key, v in enumerate(visits, start):
        flat += (
            key,
            v.id,
            v.cluster_id,
            v.facilitator_id,
            v.on.isoformat(),
            _texts(v.topics) if v.topics else None,
            _texts(v.follow_up) if v.follow_up else None,
            v.note,
        )
        named = [("member", m) for m in v.member_ids] + [("group", g) for g in v.group_ids]
        for position, (kind, subject) in enumerate(named):
            subjects += (key, position, kind, subject)
    insert_rows(conn, "INSERT INTO visits VALUES", "(?, ?, ?, ?, ?, ?, ?, ?)", flat)
    insert_rows(conn, "INSERT INTO visit_subjects VALUES", "(?, ?, ?, ?)", subjects)
