"""Applying an :class:`~klaster.importing.ImportBatch` to the store in one transaction.

The batch was checked by its reader; the store checks again what could have changed since, or
what a hand-built batch could get wrong (the cluster's sectors and villages for new members,
group spells, units of the round's cluster, value types, bounds and categories), and refuses
the whole batch with every problem located by file and row. Submissions already stored are
skipped, so importing a file twice changes nothing. Observation values are checked and written
by :mod:`klaster.store._import_values`.
"""

from __future__ import annotations

import datetime as _dt
import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path

from klaster._version import __version__
from klaster.errors import ImportDataError, KlasterError
from klaster.importing.batch import ImportBatch, NewMember, check_on_conflict, sector_check
from klaster.model.cluster import Cluster
from klaster.model.member import Member
from klaster.store import _answers, _area_rows, _intake_rows, _keys, _loading, _program
from klaster.store._connection import chunks, insert_rows, placeholders
from klaster.store._import_checks import check_sector_values, note_stored
from klaster.store._import_fieldwork import add_fieldwork
from klaster.store._import_intake import add_applicants, enrolments
from klaster.store._import_run import ImportRun, Progress
from klaster.store._import_values import add_block
from klaster.store.summary import ImportSummary


def known_submissions(conn: sqlite3.Connection, ids: Iterable[str]) -> frozenset[str]:
    """Which of ``ids`` the store already holds."""
    if conn.execute("SELECT 1 FROM submissions LIMIT 1").fetchone() is None:
        return frozenset()
    listed = sorted({i for i in ids if isinstance(i, str)})
    found: set[str] = set()
    for part in chunks(listed):
        query = f"SELECT id FROM submissions WHERE id IN ({placeholders(len(part))})"
        found.update(row[0] for row in conn.execute(query, part))
    return frozenset(found)


def apply_import(
    conn: sqlite3.Connection,
    source: Path,
    batch: ImportBatch,
    progress: Progress | None,
    on_conflict: str = "refuse",
) -> ImportSummary:
    """Write ``batch`` (inside the caller's write transaction); see ``Store.apply_import``."""
    if not isinstance(batch, ImportBatch):
        raise ImportDataError(f"apply_import takes an ImportBatch, got {type(batch).__name__}")
    run = ImportRun(conn, source, batch, progress, check_on_conflict(on_conflict))
    _answers.ensure_table(run)
    submissions = batch.submissions  # (a property that builds the set each time)
    known = known_submissions(conn, submissions)
    members = [m for m in batch.members if m.submission not in known]
    activities = [a for a in batch.activities if a.submission not in known]
    visits = [v for v in batch.visits if v.submission not in known]
    applicants = [a for a in batch.applicants if a.submission not in known]
    blocks = [
        (b, None if not known else [s not in known for s in b.submissions]) for b in batch.blocks
    ]
    run.total = (
        len(members)
        + len(activities)
        + len(visits)
        + len(applicants)
        + sum((len(b) if keep is None else sum(keep)) * len(b.values) for b, keep in blocks)
    )
    added_rounds = _add_rounds(run)
    _add_members(run, members)
    activities_added, visits_added = add_fieldwork(run, activities, visits)
    applicants_added = add_applicants(run, applicants)
    # What the reader's sector check saw, per block: the store asks the plugins again only
    # about what it could not see (values stored before, a unit several blocks answer).
    checked = sector_check(batch)
    seen = checked.sectors if checked is not None else ()
    if len(seen) != len(batch.blocks):
        seen = (None,) * len(batch.blocks)
    note_stored(run, batch.blocks)
    rows = sum(
        add_block(run, block, keep, alone)
        for (block, keep), alone in zip(blocks, seen, strict=True)
    )
    check_sector_values(run, checked)
    summary = ImportSummary(
        source=batch.source,
        members_added=len(members),
        rows_added=rows,
        values_added=run.values,
        submissions_skipped=len(known) + batch.skipped + run.outdated,
        replaced=run.replaced + len(batch.superseded),
        activities_added=activities_added,
        visits_added=visits_added,
        applicants_added=applicants_added,
    )
    if (
        members or rows or added_rounds or activities_added or visits_added or applicants_added
    ):  # a file imported twice leaves no trace the second time
        # Submissions left out for a later answer or edited are recorded too: importing the
        # file again skips them instead of finding them in conflict with the answer kept.
        edited = {e for b in batch.blocks for e in b.replaces if isinstance(e, str)}
        extra = (set(batch.superseded) | edited) - submissions
        if extra:
            extra -= known_submissions(conn, extra)
        _log(run, summary, (submissions - known if known else submissions) | extra)
    run.round_units.restore()  # the triggers back before COMMIT (a failure rolls back instead)
    return summary


def _log(run: ImportRun, summary: ImportSummary, submissions: Iterable[str]) -> None:
    cursor = run.conn.execute(
        "INSERT INTO imports (source, imported_at, klaster_version, members_added, rows_added, "
        "values_added, submissions_skipped) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            summary.source,
            _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
            __version__,
            summary.members_added,
            summary.rows_added,
            summary.values_added,
            summary.submissions_skipped,
        ),
    )
    # Sorted: appending to the key's B-tree is faster than inserting all over it.
    insert_rows(
        run.conn,
        "INSERT INTO submissions (id, import_key) VALUES",
        f"(?, {int(cursor.lastrowid or 0)})",
        sorted(submissions),
    )


def _add_rounds(run: ImportRun) -> int:
    stored = {r.id: r for _, r in _keys.stored_rounds(run.conn, run.source)}
    added = 0
    for index, rnd in enumerate(run.batch.rounds):
        if stored.get(rnd.id) == rnd:
            continue  # declared by the mapping, added by an earlier import
        try:
            _keys.add_round(run.conn, run.source, rnd)
        except KlasterError as exc:
            raise run.fail("a round cannot be added", [str(exc.at(f"rounds[{index}]"))]) from None
        added += 1
    return added


# -- members ------------------------------------------------------------------------------------


def _add_members(run: ImportRun, members: list[NewMember]) -> None:
    enrolled = enrolments(run, members)  # members enrolling an application: its decision
    by_cluster: dict[str, list[NewMember]] = {}
    for item in members:
        by_cluster.setdefault(item.cluster_id, []).append(item)
    problems: list[str] = []
    taken = _existing(run.conn, "members", [m.member.id for m in members])
    for cluster_id, items in by_cluster.items():
        where = items[0].where or run.batch.source
        try:
            shell = _loading.cluster_shell(
                run.conn, run.source, cluster_id, (m.group_id for m in items if m.group_id)
            )
        except KlasterError as exc:
            problems.append(f"{where}: {exc.message}")
            continue
        spells: list[tuple[str, int]] = []
        held = len(shell.area_overrides)  # the new members' overrides come after these
        for item in items:
            place = item.where or run.batch.source
            if item.member.id in taken:
                problems.append(
                    f"{place}: member {item.member.id!r} is already in the store; member IDs are "
                    "unique in the program"
                )
                continue
            try:
                shell.add_member(item.member, outside_area=item.outside_area)
            except KlasterError as exc:  # located in the partial cluster: keep the field only
                problems.append(f"{place}: {_field(exc)}{exc.message}")
                continue
            if item.group_id is None:
                continue
            try:
                group = shell.join_group(item.group_id, item.member.id, item.member.joined)
            except KlasterError as exc:
                problems.append(f"{place}: group {item.group_id!r}: {exc.message}")
                continue
            spells.append((group.id, len(group.memberships) - 1))
        if not problems:
            _insert_members(run, shell.id, [m.member for m in items], spells, shell)
            _area_rows.append_overrides(run.conn, shell.id, shell.area_overrides[held:])
    if problems:
        raise run.fail("new members were refused", problems)
    _intake_rows.append_decisions(run.conn, enrolled)


def _field(exc: KlasterError) -> str:
    path = (exc.path or "").split(".", 1)
    return f"{path[1]}: " if len(path) == 2 else ""


def _insert_members(
    run: ImportRun,
    cluster_id: str,
    members: list[Member],
    spells: list[tuple[str, int]],
    shell: Cluster,
) -> None:
    conn = run.conn
    start = _program.next_positions(conn, "members", "cluster_id", [cluster_id])[cluster_id]
    conn.executemany(
        _program.INSERT_MEMBER,
        (_program.member_row(cluster_id, start + i, m) for i, m in enumerate(members)),
    )
    positions = _program.next_positions(conn, "memberships", "group_id", (g for g, _ in spells))
    rows = []
    for group_id, index in spells:
        spell = shell.groups[group_id].memberships[index]
        rows.append(_program.membership_row(cluster_id, group_id, positions[group_id], spell))
        positions[group_id] += 1
    conn.executemany(_program.INSERT_MEMBERSHIP, rows)
    run.report(len(members))


def _existing(conn: sqlite3.Connection, table: str, ids: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for part in chunks(sorted(set(ids))):
        query = f"SELECT id FROM {table} WHERE id IN ({placeholders(len(part))})"
        found.update(row[0] for row in conn.execute(query, part))
    return found


# -- observation values -------------------------------------------------------------------------
