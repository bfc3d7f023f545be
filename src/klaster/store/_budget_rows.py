"""A book's budget, spendings and spending policy ↔ their tables (store schema version 2).

The rows follow the tables' column order (:mod:`klaster.store._ddl_budget`), so saving compares
them with the stored rows to tell what is new, as for the ledger. Reading builds the records
through their constructors; the book then replays them through its rules.
"""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from typing import Any

from klaster.errors import ValidationError
from klaster.finance.budget import Budget, BudgetLine, BudgetRevision
from klaster.finance.party import Party
from klaster.finance.spending import Spending, SpendingPolicy

Row = tuple[Any, ...]


def revision_rows(cid: str, budget: Budget) -> list[Row]:
    """The ``budget_revisions`` rows of ``budget``."""
    return [(cid, r.number, r.recorded_on.isoformat(), r.reason) for r in budget.revisions]


def line_rows(cid: str, budget: Budget) -> list[Row]:
    """The ``budget_lines`` rows of every revision of ``budget``."""
    return [
        (
            cid,
            revision.number,
            position,
            line.component.value,
            line.source.value,
            line.start.isoformat(),
            line.end.isoformat(),
            int(line.amount),
            line.note,
        )
        for revision in budget.revisions
        for position, line in enumerate(revision.lines)
    ]


def spending_row(cid: str, seq: int, s: Spending) -> Row:
    """The ``spendings`` row of spending number ``seq``."""
    recipient = s.recipient
    return (
        cid,
        s.id,
        seq,
        s.kind.value,
        s.on.isoformat(),
        s.fund_id,
        int(s.amount),
        s.component.value,
        None if recipient is None else recipient.kind.value,
        None if recipient is None else recipient.id,
        None if s.asnaf is None else s.asnaf.value,
        s.asset_id,
        s.memo,
    )


def save_policy(conn: sqlite3.Connection, cid: str, policy: SpendingPolicy) -> None:
    """Set the book's spending policy (a setting, not history: the row is replaced)."""
    conn.execute(
        "INSERT INTO spending_policies VALUES (?, ?, ?) ON CONFLICT (cluster_id) DO UPDATE "
        "SET amil_share = excluded.amil_share, over_budget = excluded.over_budget",
        (cid, str(policy.amil_share), policy.over_budget.value),
    )


def load_budget(conn: sqlite3.Connection, cid: str) -> Budget:
    """The stored budget of book ``cid``, every revision rebuilt through the constructors."""
    lines: dict[int, list[BudgetLine]] = {}
    for number, *fields in conn.execute(
        "SELECT revision, component, source, amount, start_date, end_date, note "
        "FROM budget_lines WHERE cluster_id = ? ORDER BY revision, position",
        (cid,),
    ):
        lines.setdefault(number, []).append(BudgetLine(*fields))
    return Budget(
        BudgetRevision(number, on, reason, lines.get(number, ()))
        for number, on, reason in conn.execute(
            "SELECT number, recorded_on, reason FROM budget_revisions WHERE cluster_id = ? "
            "ORDER BY number",
            (cid,),
        )
    )


def load_spendings(conn: sqlite3.Connection, cid: str) -> list[Spending]:
    """The stored spendings of book ``cid``, in the order they were recorded."""
    found = []
    for row in conn.execute(
        "SELECT id, kind, on_date, fund_id, amount, component, recipient_kind, recipient_id, "
        "asnaf, asset_id, memo FROM spendings WHERE cluster_id = ? ORDER BY seq",
        (cid,),
    ):
        party_kind, party_id = row[6:8]
        recipient = None if party_kind is None else Party(party_kind, party_id)
        sid, kind, on, fund_id, amount, component = row[:6]
        asnaf, asset_id, memo = row[8:]
        found.append(
            Spending(sid, kind, on, fund_id, amount, component, recipient, asnaf, asset_id, memo)
        )
    return found


def load_policy(conn: sqlite3.Connection, cid: str) -> SpendingPolicy:
    """The stored spending policy of book ``cid`` (the default for a book saved before them)."""
    row = conn.execute(
        "SELECT amil_share, over_budget FROM spending_policies WHERE cluster_id = ?", (cid,)
    ).fetchone()
    if row is None:
        return SpendingPolicy()
    share, over_budget = row
    try:
        amil_share = Decimal(share)
    except (ArithmeticError, TypeError):
        raise ValidationError("not a decimal number", path="policy.amil_share") from None
    return SpendingPolicy(amil_share, over_budget)
