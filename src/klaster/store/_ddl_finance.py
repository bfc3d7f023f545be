"""The DDL of the store's finance tables (books, funds, loans, ledger, assets, handovers).

The ledger and the asset events refuse ``UPDATE`` and ``DELETE`` through triggers: a book's
history only grows. The DDL is versioned: version 1's enumerated columns are ``CHECK``ed against
the values of its time (:data:`_V1_VALUES`), so that its text never changes; version 2 checks the
current enums' codes (copied in :mod:`klaster.store._ddl_codes`: no finance import) and gives a
ledger entry its spending (the 1 → 2 step widens a version-1 store's tables to this, see
:mod:`klaster.store._upgrade`).
"""

from __future__ import annotations

from klaster.store._ddl import append_only
from klaster.store._ddl_codes import FINANCE_CODES

# The values of each enumerated column in store schema version 1 (before issue 12's spending);
# the current ones are the finance enums', copied in FINANCE_CODES (no finance import here).
_V1_VALUES: dict[str, tuple[str, ...]] = {
    "AccountKind": ("cash", "loans", "capital", "margin_income", "recoveries", "write_offs",
                    "zakat_distributed", "savings_pokok", "savings_wajib", "savings_sukarela"),
    "AssetEventKind": ("born", "died", "sold", "transferred", "revalued", "handed_over"),
    "AssetKind": ("livestock", "equipment", "building", "stock", "cash", "receivable"),
    "EntryKind": ("funding", "disbursement", "repayment", "profit_share", "write_off",
                  "zakat_conversion", "recovery", "savings_deposit", "savings_withdrawal"),
    "Frequency": ("weekly", "monthly"),
    "FundSource": ("zakat", "infaq_sadaqah", "grant", "government", "member_savings", "other"),
    "HandoverItemKind": ("cash", "loans", "asset"),
    "Method": ("equal_instalments", "equal_principal"),
    "PartyKind": ("program", "cooperative", "group", "member"),
    "Product": ("qard_hasan", "murabahah", "profit_sharing"),
}  # fmt: skip


def finance_ddl(version: int = 2) -> str:
    """The DDL of the finance tables in store schema ``version`` (1 or the current 2)."""

    def c(column: str, kind: str) -> str:
        # As _ddl.one_of: an OR chain (an IN list made inserts three times slower).
        values = (_V1_VALUES if version == 1 else FINANCE_CODES)[kind]
        return f"CHECK ({' OR '.join(f'{column} = {value!r}' for value in values)})"

    spending = "" if version == 1 else ",\n    spending_id TEXT"
    spending_key = (
        ""
        if version == 1
        else ",\n    FOREIGN KEY (cluster_id, spending_id) REFERENCES spendings (cluster_id, id)"
    )
    return f"""CREATE TABLE finance_books (
    cluster_id TEXT PRIMARY KEY NOT NULL REFERENCES clusters (id),
    position INTEGER NOT NULL UNIQUE,
    program_id TEXT NOT NULL
);
CREATE TABLE funds (
    cluster_id TEXT NOT NULL REFERENCES finance_books (cluster_id),
    id TEXT NOT NULL,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    source TEXT NOT NULL {c("source", "FundSource")},
    held_by_kind TEXT NOT NULL CHECK (held_by_kind = 'program' OR held_by_kind = 'cooperative'),
    held_by_id TEXT NOT NULL,
    opened TEXT NOT NULL,
    note TEXT,
    PRIMARY KEY (cluster_id, id),
    UNIQUE (cluster_id, position)
) WITHOUT ROWID;
CREATE TABLE loans (
    cluster_id TEXT NOT NULL REFERENCES finance_books (cluster_id),
    id TEXT NOT NULL,
    position INTEGER NOT NULL,
    fund_id TEXT NOT NULL,
    borrower_kind TEXT NOT NULL CHECK (borrower_kind = 'member' OR borrower_kind = 'group'),
    borrower_id TEXT NOT NULL,
    product TEXT NOT NULL {c("product", "Product")},
    principal INTEGER NOT NULL CHECK (principal > 0),
    disbursed_on TEXT NOT NULL,
    instalments INTEGER NOT NULL CHECK (instalments >= 1),
    frequency TEXT NOT NULL {c("frequency", "Frequency")},
    method TEXT NOT NULL {c("method", "Method")},
    margin INTEGER NOT NULL CHECK (margin >= 0),
    profit_share TEXT,
    group_id TEXT,
    sector TEXT,
    first_due TEXT,
    purpose TEXT,
    PRIMARY KEY (cluster_id, id),
    UNIQUE (cluster_id, position),
    FOREIGN KEY (cluster_id, fund_id) REFERENCES funds (cluster_id, id)
) WITHOUT ROWID;
CREATE INDEX loans_fund ON loans (cluster_id, fund_id);
CREATE TABLE ledger_entries (
    cluster_id TEXT NOT NULL REFERENCES finance_books (cluster_id),
    seq INTEGER NOT NULL CHECK (seq >= 0),
    on_date TEXT NOT NULL,
    kind TEXT NOT NULL {c("kind", "EntryKind")},
    fund_id TEXT NOT NULL,
    loan_id TEXT,
    memo TEXT{spending},
    PRIMARY KEY (cluster_id, seq),
    FOREIGN KEY (cluster_id, fund_id) REFERENCES funds (cluster_id, id),
    FOREIGN KEY (cluster_id, loan_id) REFERENCES loans (cluster_id, id){spending_key}
) WITHOUT ROWID;
CREATE INDEX ledger_entries_fund ON ledger_entries (cluster_id, fund_id);
CREATE INDEX ledger_entries_loan ON ledger_entries (cluster_id, loan_id);
{append_only("ledger_entries", "the ledger is only ever extended")}
CREATE TABLE ledger_postings (
    cluster_id TEXT NOT NULL,
    entry_seq INTEGER NOT NULL,
    seq INTEGER NOT NULL CHECK (seq >= 0),
    debit_kind TEXT NOT NULL {c("debit_kind", "AccountKind")},
    debit_ref TEXT,
    credit_kind TEXT NOT NULL {c("credit_kind", "AccountKind")},
    credit_ref TEXT,
    amount INTEGER NOT NULL CHECK (amount > 0),
    PRIMARY KEY (cluster_id, entry_seq, seq),
    FOREIGN KEY (cluster_id, entry_seq) REFERENCES ledger_entries (cluster_id, seq)
) WITHOUT ROWID;
{append_only("ledger_postings", "the ledger is only ever extended")}
CREATE VIEW savings AS
    SELECT p.cluster_id, p.entry_seq, e.on_date, e.fund_id, p.credit_ref AS member_id,
           substr(p.credit_kind, 9) AS kind, p.amount AS amount
    FROM ledger_postings AS p
    JOIN ledger_entries AS e ON e.cluster_id = p.cluster_id AND e.seq = p.entry_seq
    WHERE p.credit_kind IN ('savings_pokok', 'savings_wajib', 'savings_sukarela')
    UNION ALL
    SELECT p.cluster_id, p.entry_seq, e.on_date, e.fund_id, p.debit_ref AS member_id,
           substr(p.debit_kind, 9) AS kind, -p.amount AS amount
    FROM ledger_postings AS p
    JOIN ledger_entries AS e ON e.cluster_id = p.cluster_id AND e.seq = p.entry_seq
    WHERE p.debit_kind IN ('savings_pokok', 'savings_wajib', 'savings_sukarela');
CREATE TABLE restructurings (
    cluster_id TEXT NOT NULL,
    seq INTEGER NOT NULL CHECK (seq >= 0),
    loan_id TEXT NOT NULL,
    on_date TEXT NOT NULL,
    instalments INTEGER NOT NULL CHECK (instalments >= 1),
    frequency TEXT NOT NULL {c("frequency", "Frequency")},
    method TEXT NOT NULL {c("method", "Method")},
    first_due TEXT NOT NULL,
    margin INTEGER NOT NULL CHECK (margin >= 0),
    reason TEXT NOT NULL,
    after_entry INTEGER NOT NULL CHECK (after_entry >= 0),
    PRIMARY KEY (cluster_id, seq),
    FOREIGN KEY (cluster_id, loan_id) REFERENCES loans (cluster_id, id)
) WITHOUT ROWID;
CREATE INDEX restructurings_loan ON restructurings (cluster_id, loan_id);
{append_only("restructurings", "restructurings are only ever added")}
CREATE TABLE assets (
    cluster_id TEXT NOT NULL REFERENCES finance_books (cluster_id),
    id TEXT NOT NULL,
    position INTEGER NOT NULL,
    kind TEXT NOT NULL {c("kind", "AssetKind")},
    description TEXT NOT NULL,
    quantity INTEGER NOT NULL CHECK (quantity >= 1),
    value INTEGER NOT NULL CHECK (value >= 0),
    acquired_on TEXT NOT NULL,
    custodian_kind TEXT NOT NULL {c("custodian_kind", "PartyKind")},
    custodian_id TEXT NOT NULL,
    owner_kind TEXT NOT NULL CHECK (owner_kind = 'program' OR owner_kind = 'cooperative'),
    owner_id TEXT NOT NULL,
    unit TEXT NOT NULL,
    sector TEXT,
    fund_id TEXT,
    PRIMARY KEY (cluster_id, id),
    UNIQUE (cluster_id, position)
) WITHOUT ROWID;
CREATE TABLE asset_events (
    cluster_id TEXT NOT NULL,
    seq INTEGER NOT NULL CHECK (seq >= 0),
    asset_id TEXT NOT NULL,
    on_date TEXT NOT NULL,
    kind TEXT NOT NULL {c("kind", "AssetEventKind")},
    value INTEGER NOT NULL CHECK (value >= 0),
    quantity_change INTEGER NOT NULL,
    custodian_kind TEXT {c("custodian_kind", "PartyKind")},
    custodian_id TEXT,
    owner_kind TEXT CHECK (owner_kind = 'program' OR owner_kind = 'cooperative'),
    owner_id TEXT,
    proceeds INTEGER CHECK (proceeds >= 0),
    note TEXT,
    PRIMARY KEY (cluster_id, seq),
    FOREIGN KEY (cluster_id, asset_id) REFERENCES assets (cluster_id, id),
    CHECK ((custodian_kind IS NULL) = (custodian_id IS NULL)),
    CHECK ((owner_kind IS NULL) = (owner_id IS NULL))
) WITHOUT ROWID;
CREATE INDEX asset_events_asset ON asset_events (cluster_id, asset_id);
{append_only("asset_events", "asset events are only ever added")}
CREATE TABLE handovers (
    cluster_id TEXT PRIMARY KEY NOT NULL REFERENCES finance_books (cluster_id),
    id TEXT NOT NULL,
    on_date TEXT NOT NULL,
    program_id TEXT NOT NULL,
    decided_by TEXT NOT NULL,
    note TEXT
);
CREATE TABLE handover_items (
    cluster_id TEXT NOT NULL REFERENCES handovers (cluster_id),
    position INTEGER NOT NULL,
    kind TEXT NOT NULL {c("kind", "HandoverItemKind")},
    ref TEXT NOT NULL,
    to_cooperative TEXT NOT NULL,
    amount INTEGER NOT NULL CHECK (amount >= 0),
    count INTEGER NOT NULL CHECK (count >= 0),
    PRIMARY KEY (cluster_id, position)
) WITHOUT ROWID;
"""
