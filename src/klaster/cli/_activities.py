"""``klaster activities``: the program's activities and mentoring visits, plans, commitments.

Lists what ``program.fieldwork`` holds, from a store or a program document: activities and the
mentoring log's visits (shown as kind ``mentoring_visit``), filtered by kind, cluster, period and
status; with ``--plans`` each planned milestone beside what happened; with ``--commitments`` the
stakeholders' promises with the overdue ones flagged. People appear by ID only, never by name,
and free-text notes are left out.
"""

from __future__ import annotations

import argparse
import datetime as _dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

from klaster.cli._exit import CliError, ExitCode
from klaster.cli._output import Output, table

if TYPE_CHECKING:
    from klaster.model.activity import Activity
    from klaster.model.commitment import Commitment
    from klaster.model.mentoring import Visit
    from klaster.model.plans import PlanStatus
    from klaster.model.program import Program

NAME = "activities"
STATUSES = ("planned", "held", "cancelled", "postponed")


def add_parser(commands: Any, common: argparse.ArgumentParser) -> None:
    """Register the command."""
    from klaster.cli._inputs import parse_date

    parser = commands.add_parser(
        NAME,
        parents=[common],
        help="list activities and mentoring visits, plans vs actual, commitments",
        description="List the program's activities (kegiatan) and mentoring visits "
        "(pendampingan, kind mentoring_visit) from a store or a program document, by date; "
        "or, with --plans, planned milestones beside what happened (rencana dan realisasi); "
        "or, with --commitments, the stakeholders' commitments (komitmen), overdue ones "
        "flagged. People are shown by ID only.",
    )
    parser.add_argument(
        "source", type=Path, metavar="STORE|PROGRAM.json", help="a store or a program document"
    )
    parser.add_argument(
        "--kind",
        action="append",
        default=[],
        metavar="KIND",
        help="only this kind (workshop, training, group_meeting, mentoring_visit, a sector's "
        "own kind...); repeatable",
    )
    parser.add_argument("--cluster", metavar="ID", help="only this cluster")
    parser.add_argument(
        "--from", dest="start", type=parse_date, metavar="DATE", help="from this day (YYYY-MM-DD)"
    )
    parser.add_argument(
        "--to", dest="end", type=parse_date, metavar="DATE", help="up to this day (YYYY-MM-DD)"
    )
    parser.add_argument("--status", choices=STATUSES, help="only activities with this status")
    parser.add_argument(
        "--plans", action="store_true", help="planned milestones beside what happened"
    )
    parser.add_argument(
        "--commitments", action="store_true", help="commitments, overdue ones flagged"
    )
    parser.add_argument(
        "--on",
        type=parse_date,
        metavar="DATE",
        help="the day commitments are judged overdue on (default today)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, out: Output) -> int:
    """List what was asked for."""
    from klaster.model.activity_kinds import MENTORING_VISIT, activity_kinds

    if args.start is not None and args.end is not None and args.start > args.end:
        raise CliError(
            f"--from {args.start} is after --to {args.end}",
            hint="Give the earlier day with --from.",
            code=ExitCode.USAGE,
        )
    known = {*activity_kinds(), MENTORING_VISIT}
    unknown = [k for k in args.kind if k not in known]
    if unknown:
        raise CliError(
            f"unknown activity kind {unknown[0]!r}",
            hint=f"Use one of: {', '.join(sorted(known))}.",
            code=ExitCode.USAGE,
        )
    program = _program(args.source)
    if args.cluster is not None and args.cluster not in program.clusters:
        from klaster.errors import NotFoundError

        known_clusters = ", ".join(program.clusters.ids()) or "none"
        raise NotFoundError(
            f"no cluster {args.cluster!r} in the program; clusters: {known_clusters}"
        )
    document: dict[str, Any] = {
        "source": str(args.source),
        "program": {"id": program.id, "name": program.name},
    }
    listing = not (args.plans or args.commitments)
    if listing:
        rows = _listed(program, args)
        document["activities"] = [row for _, row in rows]
        _show_activities(out, [row for _, row in rows])
    if args.plans:
        plans = program.fieldwork.planned_vs_actual(args.cluster)
        document["plans"] = [_plan_row(p) for p in plans]
        _show_plans(out, document["plans"])
    if args.commitments:
        day = args.on or _dt.date.today()
        found = [
            c
            for c in program.fieldwork.commitments
            if args.cluster is None or c.cluster_id == args.cluster
        ]
        document["on"] = day
        document["commitments"] = [_commitment_row(c, day) for c in found]
        _show_commitments(out, document["commitments"], day)
    out.emit(document)
    return ExitCode.OK


def _program(source: Path) -> Program:
    from klaster.cli._inputs import is_store, load_program, open_store

    if is_store(source):
        with open_store(source, readonly=True) as store:
            return store.load_program()
    return load_program(source)


def _listed(program: Program, args: argparse.Namespace) -> list[tuple[_dt.date, dict[str, Any]]]:
    from klaster.model.activity_kinds import MENTORING_VISIT

    fw = program.fieldwork
    kinds = set(args.kind)
    rows: list[tuple[_dt.date, dict[str, Any]]] = []
    if not kinds or kinds - {MENTORING_VISIT}:
        for activity in fw.activities_of(
            args.cluster, start=args.start, end=args.end, status=args.status
        ):
            if not kinds or activity.kind in kinds:
                rows.append((activity.date or _dt.date.max, _activity_row(activity)))
    if (not kinds or MENTORING_VISIT in kinds) and args.status in (None, "held"):
        for visit in fw.visits:
            if (
                (args.cluster is None or visit.cluster_id == args.cluster)
                and (args.start is None or args.start <= visit.on)
                and (args.end is None or visit.on <= args.end)
            ):
                rows.append((visit.on, _visit_row(visit)))
    rows.sort(key=lambda item: (item[0], item[1]["id"]))
    return rows


def _activity_row(a: Activity) -> dict[str, Any]:
    return {
        "id": a.id,
        "kind": a.kind,
        "status": a.status.value,
        "cluster_id": a.cluster_id,
        "date": a.date,
        "planned_on": a.planned_on,
        "held_on": a.held_on,
        "title": a.title,
        "sector": a.sector,
        "village": a.village,
        "venue": a.venue,
        "organiser_ids": list(a.organiser_ids),
        "facilitator_ids": list(a.facilitator_ids),
        "topics": list(a.topics),
        "participants": [
            {"kind": p.kind.value, "id": p.id, "attended": p.attended, "role": p.role}
            for p in a.participants
        ],
        "attendance": a.attendance_count(),
        "headcount": a.headcount,
        "milestone": a.milestone,
    }


def _visit_row(v: Visit) -> dict[str, Any]:
    from klaster.model.activity_kinds import MENTORING_VISIT

    return {
        "id": v.id,
        "kind": MENTORING_VISIT,
        "status": "held",
        "cluster_id": v.cluster_id,
        "date": v.on,
        "facilitator_ids": [v.facilitator_id],
        "member_ids": list(v.member_ids),
        "group_ids": list(v.group_ids),
        "topics": list(v.topics),
        "follow_up": list(v.follow_up),
    }


def _plan_row(p: PlanStatus) -> dict[str, Any]:
    return {
        "cluster_id": p.cluster_id,
        "milestone": p.milestone,
        "planned": p.planned,
        "first_planned": p.first_planned,
        "revisions": p.revisions,
        "actual": p.actual,
        "delay_days": p.delay_days,
        "source": p.source,
    }


def _commitment_row(c: Commitment, day: _dt.date) -> dict[str, Any]:
    return {
        "id": c.id,
        "organisation_id": c.organisation_id,
        "person_id": c.person_id,
        "cluster_id": c.cluster_id,
        "activity_id": c.activity_id,
        "promise": c.promise,
        "made_on": c.made_on,
        "due": c.due,
        "status": c.status.value,
        "overdue": c.is_overdue(day),
        "updates": [
            {"on": u.on, "status": u.status.value, "evidence": u.evidence} for u in c.updates
        ],
    }


def _show_activities(out: Output, rows: list[dict[str, Any]]) -> None:
    from klaster.model.activity import ActivityStatus

    if not rows:
        out.line("no activities or mentoring visits match (kegiatan: tidak ada)")
        return
    body = []
    for row in rows:
        status = ActivityStatus(row["status"])
        if "title" in row:
            what, where, count = row["title"], row["venue"] or row["village"], row["attendance"]
        else:  # a mentoring visit: who visited, and how many members and groups
            what = "; ".join(row["topics"]) or "pendampingan"
            where = f"by {row['facilitator_ids'][0]}"
            count = _attended(row)
        body.append(
            (
                row["date"].isoformat() if row["date"] else None,
                row["kind"],
                f"{status.label_en} / {status.label_id}",
                row["cluster_id"],
                row["id"],
                what,
                where,
                count,
            )
        )
    out.show(
        table(
            "activities and mentoring visits / kegiatan dan pendampingan",
            ["date", "kind", "status", "cluster", "id", "what", "where / by", ">attended"],
            body,
        )
    )
    visits = sum(1 for row in rows if "title" not in row)
    out.line(f"{len(rows) - visits} activities, {visits} mentoring visits")


def _attended(row: dict[str, Any]) -> int | None:
    # An activity's attendance count; a visit's members and groups reached.
    if "title" in row:
        return row["attendance"]  # type: ignore[no-any-return]
    return len(row["member_ids"]) + len(row["group_ids"])


def summary(program: Program) -> list[dict[str, Any]]:
    """The listing of ``klaster activities`` summed up per kind and status (``klaster demo``).

    Each row: ``kind``, ``status``, ``count``, the ``first`` and ``last`` day, and ``attended``
    (the sum of the listing's *attended* column: attendance of activities, members and groups
    reached by mentoring visits), ``facilitators`` (distinct people who facilitated or visited).
    """
    everything = argparse.Namespace(kind=[], cluster=None, start=None, end=None, status=None)
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for _, row in _listed(program, everything):
        entry = found.setdefault(
            (row["kind"], row["status"]),
            {"kind": row["kind"], "status": row["status"], "count": 0, "first": None,
             "last": None, "attended": 0, "facilitators": set()},
        )  # fmt: skip
        entry["count"] += 1
        if row["date"] is not None:
            entry["first"] = entry["first"] or row["date"]
            entry["last"] = row["date"]
        entry["attended"] += _attended(row) or 0
        entry["facilitators"].update(row["facilitator_ids"])
    for entry in found.values():
        entry["facilitators"] = len(entry["facilitators"])
    return sorted(found.values(), key=lambda e: (e["kind"], e["status"]))


def show_summary(out: Output, rows: list[dict[str, Any]]) -> None:
    """The per-kind summary as a table (see :func:`summary`)."""
    if not rows:
        out.line("no activities or mentoring visits recorded (kegiatan: tidak ada)")
        return
    out.show(
        table(
            "activities and mentoring visits / kegiatan dan pendampingan",
            ["kind", "status", ">count", "first", "last", ">attended", ">facilitators"],
            [
                (
                    r["kind"],
                    r["status"],
                    r["count"],
                    r["first"].isoformat() if r["first"] else None,
                    r["last"].isoformat() if r["last"] else None,
                    r["attended"],
                    r["facilitators"],
                )
                for r in rows
            ],
        )
    )


def _show_plans(out: Output, rows: list[dict[str, Any]]) -> None:
    if not rows:
        out.line("no plans recorded (rencana: tidak ada)")
        return
    out.show(
        table(
            "plans vs actual / rencana dan realisasi",
            [
                *("cluster", "milestone", "planned", "first planned", ">revisions", "actual"),
                *(">delay (days)", "source"),
            ],
            [
                (
                    r["cluster_id"],
                    r["milestone"],
                    r["planned"].isoformat(),
                    r["first_planned"].isoformat(),
                    r["revisions"],
                    r["actual"].isoformat() if r["actual"] else "not yet",
                    r["delay_days"],
                    r["source"],
                )
                for r in rows
            ],
        )
    )


def _show_commitments(out: Output, rows: list[dict[str, Any]], day: _dt.date) -> None:
    if not rows:
        out.line("no commitments recorded (komitmen: tidak ada)")
        return
    out.show(
        table(
            f"commitments / komitmen (as of {day})",
            ["id", "organisation", "cluster", "made", "due", "status", "overdue", "promise"],
            [
                (
                    r["id"],
                    r["organisation_id"],
                    r["cluster_id"],
                    r["made_on"].isoformat(),
                    r["due"].isoformat() if r["due"] else None,
                    _status_text(r["status"]),
                    "OVERDUE / terlambat" if r["overdue"] else "",
                    r["promise"],
                )
                for r in rows
            ],
        )
    )
    late = sum(1 for r in rows if r["overdue"])
    out.line(f"{len(rows)} commitments, {late} overdue")


def _status_text(value: str) -> str:
    from klaster.model.commitment import CommitmentStatus

    status = CommitmentStatus(value)
    return f"{status.label_en} / {status.label_id}"
