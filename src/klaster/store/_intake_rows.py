"""A program's intake ↔ the store's tables (applicants rewritten, decisions appended only).

Applicants and their answers are entities: a save rewrites them with the program's other
entities. Decisions are history: a save appends those the store does not hold yet and refuses a
program whose earlier decisions differ from the stored ones. Loading rebuilds every record
through the model's constructors (the program then checks the intake in its context).
"""

from __future__ import annotations

import datetime as _dt
import json
import sqlite3
from collections.abc import Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from klaster.errors import StoreError
from klaster.model.applicant import Answer, Applicant, StatusChange
from klaster.model.intake import Intake
from klaster.model.program import Program
from klaster.store._connection import chunks, placeholders

# Rewritten by save_program (children first), and the history table that refers to them.
ENTITY_TABLES = ("applicant_answers", "applicants")
HISTORY_TABLES = ("applicant_decisions",)

_INSERT_DECISION = "INSERT INTO applicant_decisions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"


def _applicant_row(position: int, a: Applicant) -> tuple[Any, ...]:
    return (
        a.id, position, a.cluster_id, a.name, a.sex.value, a.household_size, a.village,
        a.sector, a.applied_on.isoformat(), a.business_type, a.national_id, a.phone, a.note,
    )  # fmt: skip


def _answer_row(applicant_id: str, code: str, answer: Answer) -> tuple[Any, ...]:
    # Exactly one typed column set (bool first: a bool is not a number here).
    if isinstance(answer, bool):
        return (applicant_id, code, None, int(answer), None, None)
    if isinstance(answer, Decimal):
        return (applicant_id, code, str(answer), None, None, None)
    if isinstance(answer, _dt.date):
        return (applicant_id, code, None, None, None, answer.isoformat())
    return (applicant_id, code, None, None, answer, None)


def decision_row(seq: int, d: StatusChange) -> tuple[Any, ...]:
    """The ``applicant_decisions`` row of one decision."""
    return (
        seq, d.applicant_id, d.status.value, d.on.isoformat(),
        json.dumps(list(d.failed), ensure_ascii=False), d.evidence, d.reason, d.override,
        d.decided_by, d.member_id, d.group_id,
    )  # fmt: skip


def insert_entities(conn: sqlite3.Connection, program: Program) -> None:
    """Insert the program's applicants and their answers into empty tables."""
    _insert(conn, 0, program.intake.applicants)


def append_applicants(conn: sqlite3.Connection, applicants: Iterable[Applicant]) -> None:
    """Append applicants after the stored ones (an import; checked by the caller)."""
    last = conn.execute("SELECT max(position) FROM applicants").fetchone()[0]
    _insert(conn, 0 if last is None else last + 1, applicants)


def stored_ids(conn: sqlite3.Connection, ids: Iterable[str]) -> set[str]:
    """Which of ``ids`` are stored applicants."""
    found: set[str] = set()
    for part in chunks(sorted(set(ids))):
        query = f"SELECT id FROM applicants WHERE id IN ({placeholders(len(part))})"
        found.update(row[0] for row in conn.execute(query, part))
    return found


def _insert(conn: sqlite3.Connection, start: int, applicants: Iterable[Applicant]) -> None:
    listed = list(applicants)
    conn.executemany(
        "INSERT INTO applicants VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (_applicant_row(start + i, a) for i, a in enumerate(listed)),
    )
    conn.executemany(
        "INSERT INTO applicant_answers VALUES (?, ?, ?, ?, ?, ?)",
        (_answer_row(a.id, code, answer) for a in listed for code, answer in a.answers),
    )


def insert_history(conn: sqlite3.Connection, program: Program, source: Path) -> None:
    """Append the program's decisions the store does not hold yet.

    Raises:
        StoreError: A stored decision differs from the program's (a rewrite) or was removed.
    """
    rows = [decision_row(i, d) for i, d in enumerate(program.intake.decisions)]
    stored = conn.execute("SELECT * FROM applicant_decisions ORDER BY seq").fetchall()
    for index, old in enumerate(stored):
        if index >= len(rows) or rows[index] != tuple(old):
            raise StoreError(
                f"{source}: intake.decisions[{index}] differs from the stored decisions (or was "
                "removed); a decision is followed by a later one, never rewritten (load the "
                "program from the store and decide from there). Nothing was changed"
            )
    conn.executemany(_INSERT_DECISION, rows[len(stored) :])


def append_decisions(conn: sqlite3.Connection, decisions: Iterable[StatusChange]) -> None:
    """Append decisions after the stored ones (an import's enrolments; checked by the caller)."""
    last = conn.execute("SELECT max(seq) FROM applicant_decisions").fetchone()[0]
    start = 0 if last is None else last + 1
    conn.executemany(
        _INSERT_DECISION, (decision_row(start + i, d) for i, d in enumerate(decisions))
    )


def _answers(conn: sqlite3.Connection) -> dict[str, list[tuple[str, Answer]]]:
    found: dict[str, list[tuple[str, Answer]]] = {}
    for applicant_id, code, number, yes_no, text, day in conn.execute(
        "SELECT applicant_id, code, number, yes_no, text, date FROM applicant_answers"
    ):
        answer: Answer
        if number is not None:
            answer = Decimal(number)
        elif yes_no is not None:
            answer = bool(yes_no)
        elif day is not None:
            answer = _dt.date.fromisoformat(day)
        else:
            answer = text
        found.setdefault(applicant_id, []).append((code, answer))
    return found


def _applicants(conn: sqlite3.Connection) -> Iterator[Applicant]:
    answers = _answers(conn)
    for row in conn.execute(
        "SELECT id, cluster_id, name, sex, household_size, village, sector, applied_on, "
        "business_type, national_id, phone, note FROM applicants ORDER BY position"
    ):
        (aid, cluster_id, name, sex, size, village, sector, applied_on, *rest) = row
        business_type, national_id, phone, note = rest
        yield Applicant(
            aid, cluster_id, name, sex, size, village, sector, applied_on,
            answers=answers.get(aid, ()), business_type=business_type,
            national_id=national_id, phone=phone, note=note,
        )  # fmt: skip


def _decisions(conn: sqlite3.Connection) -> Iterator[StatusChange]:
    for row in conn.execute("SELECT * FROM applicant_decisions ORDER BY seq"):
        _seq, applicant_id, status, on, failed, *rest = row
        evidence, reason, override, decided_by, member_id, group_id = rest
        yield StatusChange(
            applicant_id, status, on, failed=tuple(json.loads(failed)), evidence=evidence,
            reason=reason, override=override, decided_by=decided_by, member_id=member_id,
            group_id=group_id,
        )  # fmt: skip


def load_intake(conn: sqlite3.Connection) -> Intake:
    """The stored intake (checked in the program's context when the program is built)."""
    return Intake(list(_applicants(conn)), list(_decisions(conn)))
