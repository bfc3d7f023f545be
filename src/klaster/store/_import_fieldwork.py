"""Applying an import's activities (with attendance) and mentoring visits to the store.

Each activity and visit is checked in the context of the *stored* program, as
``Fieldwork.add_activity`` / ``log_visit`` check it: participants of the cluster, organisers and
facilitators the program has, a visit within its facilitator's assignment, nothing held or
visited in the future. An activity already stored as planned or postponed may come back held,
merged with the stored one as ``Fieldwork.hold`` merges (:meth:`Activity.held_as`: the invited
participants kept, the imported attendance replacing or added); one the import leaves unchanged
is left alone (re-importing changes nothing); any other stored activity or visit with the same
ID is refused.

A batch can carry a million attendance rows, so the checks run on ID sets read once from the
tables (only the IDs the batch names), and the rows go in with one multi-row ``INSERT`` per
table. An activity or visit the sets refuse is checked again by the model itself against the
whole stored program, so the error is the model's own, located at the file row.
"""

from __future__ import annotations

import datetime as _dt
import sqlite3
from collections.abc import Iterable

from klaster.errors import KlasterError
from klaster.importing.batch import NewActivity, NewVisit
from klaster.model.activity import Activity, ParticipantKind
from klaster.model.activity_kinds import check_activity_kind
from klaster.model.mentoring import Visit
from klaster.model.program import Program
from klaster.model.sector_areas import AreaOverride, AreaRecord
from klaster.store import _area_rows, _fieldwork_loading, _fieldwork_rows, _loading
from klaster.store._connection import chunks, placeholders
from klaster.store._import_run import ImportRun

_MEMBER, _GROUP, _BOARD, _PERSON = (
    ParticipantKind.MEMBER,
    ParticipantKind.GROUP,
    ParticipantKind.BOARD,
    ParticipantKind.PERSON,
)
_TABLES = {_MEMBER: "members", _GROUP: "groups", _BOARD: "cooperatives"}


class _Context:
    """What the checks read of the stored program: ID sets, read once, for the IDs named."""

    def __init__(self, run: ImportRun, activities: list[Activity], visits: list[Visit]) -> None:
        conn = run.conn
        self.run = run
        self.today = _dt.date.today()
        self.clusters = {row[0] for row in conn.execute("SELECT id FROM clusters")}
        self.organisations = {row[0] for row in conn.execute("SELECT id FROM organisations")}
        self.people = {row[0] for row in conn.execute("SELECT id FROM people")}
        wanted: dict[ParticipantKind, set[str]] = {_MEMBER: set(), _GROUP: set(), _BOARD: set()}
        for activity in activities:
            for p in activity.participants:
                if p.kind is not _PERSON:
                    wanted[p.kind].add(p.id)
        for visit in visits:
            wanted[_MEMBER].update(visit.member_ids)
            wanted[_GROUP].update(visit.group_ids)
        # (kind, ID) → cluster of the member, group or cooperative (IDs are program-unique).
        self.owner: dict[tuple[ParticipantKind, str], str] = {}
        for kind, ids in wanted.items():
            for part in chunks(sorted(ids)):
                marks = placeholders(len(part))
                query = f"SELECT id, cluster_id FROM {_TABLES[kind]} WHERE id IN ({marks})"
                for rid, cid in conn.execute(query, part):
                    self.owner[(kind, rid)] = cid
        self.spells: dict[tuple[str, str], list[tuple[_dt.date, _dt.date]]] = {}
        for person, cluster, start, end in conn.execute(
            "SELECT person_id, cluster_id, start, end FROM assignments"
        ):
            last = _dt.date.max if end is None else _dt.date.fromisoformat(end)
            self.spells.setdefault((person, cluster), []).append(
                (_dt.date.fromisoformat(start), last)
            )
        self._kinds: dict[str, bool] = {}
        self._places: dict[tuple[str, str | None, str | None], bool] = {}
        self._program: Program | None = None

    def program(self) -> Program:
        """The whole stored program (only to word a refusal as the model words it)."""
        if self._program is None:
            self._program = _loading.load_program(self.run.conn, self.run.source)
        return self._program

    def override_needed(self, a: Activity, reason: str | None) -> AreaOverride | None:
        """The override to record for ``a`` (outside its sector's area, none stored yet)."""
        if reason is None or a.cluster_id is None or a.sector is None or a.village is None:
            return None
        cluster = self.program().clusters[a.cluster_id]
        if cluster.area_override(AreaRecord.ACTIVITY, a.id) is not None:
            return None
        if cluster.areas.inside(a.sector, a.village):
            return None
        return AreaOverride(AreaRecord.ACTIVITY, a.id, reason)

    def _kind_ok(self, kind: str) -> bool:
        ok = self._kinds.get(kind)
        if ok is None:
            try:
                check_activity_kind(kind)
                ok = True
            except KlasterError:
                ok = False
            self._kinds[kind] = ok
        return ok

    def _place_ok(self, cluster_id: str, sector: str | None, village: str | None) -> bool:
        key = (cluster_id, sector, village)
        ok = self._places.get(key)
        if ok is None:
            shell = _loading.cluster_shell(self.run.conn, self.run.source, cluster_id, ())
            desa = list(shell.region.villages())
            ok = (sector is None or sector in shell.sector_codes) and (
                village is None
                or village.casefold() in {d.name.casefold() for d in desa}
                or village in {d.code for d in desa if d.code}
            )
            # ...and in the sector's area (outside it, the model decides: an override?)
            ok = ok and (sector is None or village is None or shell.areas.inside(sector, village))
            self._places[key] = ok
        return ok

    def activity_ok(self, a: Activity) -> bool:
        """Whether ``a`` surely passes the model's check (if not, the model decides)."""
        cid = a.cluster_id
        if cid is not None and cid not in self.clusters:
            return False
        if not self._kind_ok(a.kind) or (a.held_on is not None and a.held_on > self.today):
            return False
        placed = a.sector is not None or a.village is not None
        if cid is not None and placed and not self._place_ok(cid, a.sector, a.village):
            return False
        if not self.organisations.issuperset(a.organiser_ids):
            return False
        if not self.people.issuperset(a.facilitator_ids):
            return False
        owner, people = self.owner, self.people
        for p in a.participants:
            if p.kind is _PERSON:
                if p.id not in people:
                    return False
            else:
                found = owner.get((p.kind, p.id))
                if found is None or (cid is not None and found != cid):
                    return False
        return True

    def visit_ok(self, v: Visit) -> bool:
        """Whether ``v`` surely passes the model's check (if not, the model decides)."""
        cid = v.cluster_id
        if cid not in self.clusters or v.facilitator_id not in self.people or v.on > self.today:
            return False
        spells = self.spells.get((v.facilitator_id, cid), ())
        if not any(start <= v.on <= end for start, end in spells):
            return False
        owner = self.owner
        return all(owner.get((_MEMBER, m)) == cid for m in v.member_ids) and all(
            owner.get((_GROUP, g)) == cid for g in v.group_ids
        )


def add_fieldwork(
    run: ImportRun, activities: list[NewActivity], visits: list[NewVisit]
) -> tuple[int, int]:
    """Check and write the batch's activities and visits; return how many were written.

    Raises:
        ImportDataError: Any of them is refused (every problem located); nothing is written.
    """
    if not activities and not visits:
        return 0, 0
    context = _Context(run, [n.activity for n in activities], [n.visit for n in visits])
    problems: list[str] = []
    new, held, overrides = _sort_activities(run, context, activities, problems)
    fresh = _check_visits(run, context, visits, problems)
    if problems:
        raise run.fail("activities or visits were refused", problems)
    conn = run.conn
    if held:
        ids = [a.id for a in held]
        for part in chunks(ids):
            marks = placeholders(len(part))
            conn.execute(f"DELETE FROM activity_participants WHERE activity_id IN ({marks})", part)
        positions = dict(_positions(conn, ids))
        for a in held:
            row = _fieldwork_rows.activity_row(positions[a.id], a)
            conn.execute(
                "UPDATE activities SET kind = ?, title = ?, status = ?, cluster_id = ?, "
                "planned_on = ?, held_on = ?, sector = ?, village = ?, venue = ?, "
                "organiser_ids = ?, facilitator_ids = ?, topics = ?, headcount = ?, "
                "milestone = ?, note = ? WHERE id = ?",
                (*row[2:], a.id),
            )
        _fieldwork_rows.insert_participants(conn, held)
    if new:
        start = conn.execute("SELECT coalesce(max(position) + 1, 0) FROM activities").fetchone()[0]
        _fieldwork_rows.insert_activities(conn, start, new)
    if fresh:
        _fieldwork_rows.append_visits(conn, fresh)
    for cluster_id, found in overrides.items():
        _area_rows.append_overrides(conn, cluster_id, found)
    run.report(len(new) + len(held) + len(fresh))
    return len(new) + len(held), len(fresh)


def _positions(conn: sqlite3.Connection, ids: list[str]) -> list[tuple[str, int]]:
    found: list[tuple[str, int]] = []
    for part in chunks(ids):
        query = f"SELECT id, position FROM activities WHERE id IN ({placeholders(len(part))})"
        found += conn.execute(query, part).fetchall()
    return found


def _sort_activities(
    run: ImportRun, context: _Context, items: list[NewActivity], problems: list[str]
) -> tuple[list[Activity], list[Activity], dict[str, list[AreaOverride]]]:
    """Check each activity; split them into new ones and planned ones now held.

    Also returns, by cluster, the overrides to record for activities held outside their sector's
    area with an ``outside_area`` reason (only those the stored cluster does not hold yet).
    """
    ids = [n.activity.id for n in items]
    stored = {a.id: a for a in _stored_activities(run.conn, ids)} if ids else {}
    new: list[Activity] = []
    held: list[Activity] = []
    overrides: dict[str, list[AreaOverride]] = {}
    seen: dict[str, str] = {}
    for item in items:
        a, place = item.activity, item.where or run.batch.source
        first = seen.setdefault(a.id, place)
        if first != place:
            problems.append(f"{place}: activity {a.id!r} is also recorded at {first}")
            continue
        old = stored.get(a.id)
        if old is not None:
            try:  # a planned or postponed one held, merged as the reader and Fieldwork.hold do
                a = old.held_as(a)
            except KlasterError as exc:
                problems.append(f"{place}: {exc.path}: {exc.message}")
                continue
            if a is old:
                continue  # stored as it is: re-importing changes nothing
        if not context.activity_ok(a):
            problem = _model_problem(context, a, None, item.outside_area)
            if problem is not None:
                problems.append(f"{place}: {problem}")
                continue
            override = context.override_needed(a, item.outside_area)
            if override is not None:
                overrides.setdefault(str(a.cluster_id), []).append(override)
        (new if old is None else held).append(a)
    return new, held, overrides


def _stored_activities(conn: sqlite3.Connection, ids: list[str]) -> list[Activity]:
    present: list[str] = []
    for part in chunks(sorted(set(ids))):
        query = f"SELECT id FROM activities WHERE id IN ({placeholders(len(part))})"
        present += [row[0] for row in conn.execute(query, part)]
    found: list[Activity] = []
    for part in chunks(present):
        found += _fieldwork_loading.activities(conn, part)
    return found


def _check_visits(
    run: ImportRun, context: _Context, items: list[NewVisit], problems: list[str]
) -> list[Visit]:
    stored = _stored_visits(run.conn, [n.visit.id for n in items])
    fresh: list[Visit] = []
    seen: dict[str, str] = {}
    for item in items:
        v, place = item.visit, item.where or run.batch.source
        first = seen.setdefault(v.id, place)
        if first != place:
            problems.append(f"{place}: visit {v.id!r} is also recorded at {first}")
            continue
        if v.id in stored:
            if stored[v.id] != v:
                problems.append(
                    f"{place}: visit {v.id!r} is already in the mentoring log with other "
                    "values; a logged visit is never rewritten (give the new one its own ID)"
                )
            continue  # logged as it is: re-importing changes nothing
        if not context.visit_ok(v):
            problem = _model_problem(context, None, v)
            if problem is not None:
                problems.append(f"{place}: {problem}")
                continue
        fresh.append(v)
    return fresh


def _stored_visits(conn: sqlite3.Connection, ids: Iterable[str]) -> dict[str, Visit]:
    present: set[str] = set()
    for part in chunks(sorted(set(ids))):
        query = f"SELECT id FROM visits WHERE id IN ({placeholders(len(part))})"
        present.update(row[0] for row in conn.execute(query, part))
    if not present:
        return {}
    log = _fieldwork_loading.visits(conn)
    return {vid: log[vid] for vid in present}


def _model_problem(
    context: _Context, activity: Activity | None, visit: Visit | None, reason: str | None = None
) -> str | None:
    """The model's own refusal of a record (its path and message), or ``None`` if it passes.

    ``reason``: an activity's ``outside_area`` reason, checked as if recorded.
    """
    fieldwork = context.program().fieldwork
    try:
        if activity is not None:
            fieldwork.check_activity(activity, outside_area=reason)
        elif visit is not None:
            fieldwork.check_visit(visit)
    except KlasterError as exc:
        return f"{exc.path}: {exc.message}" if exc.path else exc.message
    return None
