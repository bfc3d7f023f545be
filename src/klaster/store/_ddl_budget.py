"""The DDL of a book's budget, spending and spending policy (store schema version 2, issue 12).

Budget revisions and their lines, and spendings, only grow: triggers refuse ``UPDATE`` and
``DELETE``, as for the ledger. The spending policy is a setting, one row per book, replaced when
a book is saved with another.
"""

from __future__ import annotations

from klaster.store._ddl import append_only
from klaster.store._ddl_codes import FINANCE_CODES


def _check(column: str, kind: str) -> str:
    # As _ddl.one_of, with the finance enum's codes copied (importing it loads all of finance).
    values = " OR ".join(f"{column} = '{value}'" for value in FINANCE_CODES[kind])
    return f"CHECK ({values})"


def budget_ddl() -> str:
    """The DDL of the budget, spending and policy tables."""
    c = _check
    return f"""CREATE TABLE budget_revisions (
    cluster_id TEXT NOT NULL REFERENCES finance_books (cluster_id),
    number INTEGER NOT NULL CHECK (number >= 1),
    recorded_on TEXT NOT NULL,
    reason TEXT NOT NULL,
    PRIMARY KEY (cluster_id, number)
) WITHOUT ROWID;
{append_only("budget_revisions", "a budget is revised by adding a revision")}
CREATE TABLE budget_lines (
    cluster_id TEXT NOT NULL,
    revision INTEGER NOT NULL,
    position INTEGER NOT NULL CHECK (position >= 0),
    component TEXT NOT NULL {c("component", "Component")},
    source TEXT NOT NULL {c("source", "FundSource")},
    start_date TEXT NOT NULL,
    end_date TEXT NOT NULL,
    amount INTEGER NOT NULL CHECK (amount >= 0),
    note TEXT,
    PRIMARY KEY (cluster_id, revision, position),
    FOREIGN KEY (cluster_id, revision) REFERENCES budget_revisions (cluster_id, number),
    CHECK (start_date <= end_date)
) WITHOUT ROWID;
{append_only("budget_lines", "a budget is revised by adding a revision")}
CREATE TABLE spendings (
    cluster_id TEXT NOT NULL REFERENCES finance_books (cluster_id),
    id TEXT NOT NULL,
    seq INTEGER NOT NULL CHECK (seq >= 0),
    kind TEXT NOT NULL {c("kind", "SpendingKind")},
    on_date TEXT NOT NULL,
    fund_id TEXT NOT NULL,
    amount INTEGER NOT NULL CHECK (amount > 0),
    component TEXT NOT NULL {c("component", "Component")},
    recipient_kind TEXT {c("recipient_kind", "PartyKind")},
    recipient_id TEXT,
    asnaf TEXT {c("asnaf", "Asnaf")},
    asset_id TEXT,
    memo TEXT,
    PRIMARY KEY (cluster_id, id),
    UNIQUE (cluster_id, seq),
    FOREIGN KEY (cluster_id, fund_id) REFERENCES funds (cluster_id, id),
    CHECK ((recipient_kind IS NULL) = (recipient_id IS NULL))
) WITHOUT ROWID;
CREATE INDEX spendings_fund ON spendings (cluster_id, fund_id);
{append_only("spendings", "spending is only ever added, like the ledger")}
CREATE TABLE spending_policies (
    cluster_id TEXT PRIMARY KEY NOT NULL REFERENCES finance_books (cluster_id),
    amil_share TEXT NOT NULL,
    over_budget TEXT NOT NULL {c("over_budget", "OverBudget")}
);
"""
