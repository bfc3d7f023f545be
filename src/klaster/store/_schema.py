"""The store's tables, its version record, and the migration chain run on open.

Every entity of a program document has its own table with keys and constraints; enum fields are
``CHECK``-ed against the model's enums; the history tables (lifecycle, ledger, asset events,
imports and submissions) refuse ``UPDATE`` and ``DELETE`` through triggers. A value object without
an identity of its own (the check results of a phase change) is a JSON text column.

The ``meta`` table records the schema version and the klaster version that wrote it. A store of
an older version is migrated on open, one step at a time (``_MIGRATIONS[n]`` turns version *n*
into *n + 1*), all steps in one transaction; a newer one is refused.
"""

from __future__ import annotations

import enum
import sqlite3
from collections.abc import Callable, Iterable

from klaster._version import __version__
from klaster.catalogue.variable import Level, ValueType
from klaster.errors import SchemaVersionError, StoreError
from klaster.finance.assets import AssetEventKind, AssetKind
from klaster.finance.entry import AccountKind, EntryKind
from klaster.finance.fund import FundSource
from klaster.finance.handover import HandoverItemKind
from klaster.finance.loan import Product
from klaster.finance.party import PartyKind
from klaster.finance.schedule import Frequency, Method
from klaster.model.group import Role
from klaster.model.lifecycle import Phase
from klaster.model.member import Sex
from klaster.model.organisation import OrgKind
from klaster.model.region import RegionLevel, StatKind
from klaster.observations.rounds import RoundKind

STORE_SCHEMA_VERSION = 1
"""The store schema version this klaster writes; older stores are migrated when opened."""

APPLICATION_ID = 0x4B4C5354  # "KLST" in the SQLite header: tells a klaster store at a glance
STORE_KIND = "klaster-program-store"

Migration = Callable[[sqlite3.Connection], None]
# _MIGRATIONS[n] turns a version-n store into a version-(n + 1) one, inside the open transaction.
# Each schema change adds one entry and bumps STORE_SCHEMA_VERSION.
_MIGRATIONS: dict[int, Migration] = {}


def _one_of(column: str, kind: type[enum.Enum]) -> str:
    # An OR chain, not "IN (...)": SQLite builds a temporary table for an IN list each time a
    # CHECK runs, which made inserts three times slower.
    values = " OR ".join(f"{column} = '{member.value}'" for member in kind)
    return f"CHECK ({values})"


def _append_only(table: str, what: str) -> str:
    return "\n".join(
        f"CREATE TRIGGER {table}_no_{verb} BEFORE {verb.upper()} ON {table} BEGIN "
        f"SELECT RAISE(ABORT, '{table} is append-only: {what}'); END;"
        for verb in ("update", "delete")
    )


def _ddl() -> str:
    c = _one_of
    return f"""
CREATE TABLE meta (
    key TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE organisations (
    id TEXT PRIMARY KEY NOT NULL,
    position INTEGER NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL {c("kind", OrgKind)},
    note TEXT
);
CREATE TABLE program (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    note TEXT
);
CREATE INDEX program_organisation ON program (organisation_id);

CREATE TABLE clusters (
    id TEXT PRIMARY KEY NOT NULL,
    position INTEGER NOT NULL UNIQUE,
    name TEXT NOT NULL,
    note TEXT
);
CREATE TABLE regions (
    key INTEGER PRIMARY KEY,
    cluster_id TEXT NOT NULL REFERENCES clusters (id),
    parent_key INTEGER REFERENCES regions (key),
    position INTEGER NOT NULL CHECK (position >= 0),
    level TEXT NOT NULL {c("level", RegionLevel)},
    name TEXT NOT NULL,
    code TEXT,
    bps_code TEXT,
    CHECK ((parent_key IS NULL) = (level = 'province'))
);
CREATE UNIQUE INDEX regions_root ON regions (cluster_id) WHERE parent_key IS NULL;
CREATE UNIQUE INDEX regions_children ON regions (parent_key, position);
CREATE TABLE region_stats (
    region_key INTEGER NOT NULL REFERENCES regions (key),
    position INTEGER NOT NULL,
    year INTEGER NOT NULL,
    source TEXT NOT NULL,
    kind TEXT NOT NULL {c("kind", StatKind)},
    population INTEGER CHECK (population >= 0),
    poor INTEGER CHECK (poor >= 0),
    poverty_rate TEXT,
    note TEXT,
    PRIMARY KEY (region_key, position)
) WITHOUT ROWID;
CREATE TABLE cluster_sectors (
    cluster_id TEXT NOT NULL REFERENCES clusters (id),
    sector TEXT NOT NULL,
    position INTEGER NOT NULL,
    partner_id TEXT REFERENCES organisations (id),
    PRIMARY KEY (cluster_id, sector),
    UNIQUE (cluster_id, position)
) WITHOUT ROWID;
CREATE INDEX cluster_sectors_partner ON cluster_sectors (partner_id);
CREATE TABLE stakeholders (
    cluster_id TEXT NOT NULL REFERENCES clusters (id),
    position INTEGER NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    role TEXT NOT NULL,
    PRIMARY KEY (cluster_id, position)
) WITHOUT ROWID;
CREATE INDEX stakeholders_organisation ON stakeholders (organisation_id);

CREATE TABLE members (
    id TEXT PRIMARY KEY NOT NULL,
    cluster_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    sex TEXT NOT NULL {c("sex", Sex)},
    household_size INTEGER NOT NULL CHECK (household_size >= 1),
    village TEXT NOT NULL,
    sector TEXT NOT NULL,
    joined TEXT NOT NULL,
    business_type TEXT,
    left TEXT CHECK (left IS NULL OR left >= joined),
    national_id TEXT,
    phone TEXT,
    birth_year INTEGER,
    UNIQUE (cluster_id, position),
    FOREIGN KEY (cluster_id, sector) REFERENCES cluster_sectors (cluster_id, sector)
);
CREATE UNIQUE INDEX members_cluster ON members (cluster_id, id);
CREATE INDEX members_sector ON members (cluster_id, sector);
CREATE TABLE groups (
    id TEXT PRIMARY KEY NOT NULL,
    cluster_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    sector TEXT NOT NULL,
    formed TEXT NOT NULL,
    dissolved TEXT CHECK (dissolved IS NULL OR dissolved >= formed),
    UNIQUE (cluster_id, position),
    FOREIGN KEY (cluster_id, sector) REFERENCES cluster_sectors (cluster_id, sector)
);
CREATE UNIQUE INDEX groups_cluster ON groups (cluster_id, id);
CREATE INDEX groups_sector ON groups (cluster_id, sector);
CREATE TABLE memberships (
    group_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    cluster_id TEXT NOT NULL,
    member_id TEXT NOT NULL,
    joined TEXT NOT NULL,
    left TEXT CHECK (left IS NULL OR left >= joined),
    role TEXT NOT NULL {c("role", Role)},
    PRIMARY KEY (group_id, position),
    FOREIGN KEY (cluster_id, group_id) REFERENCES groups (cluster_id, id),
    FOREIGN KEY (cluster_id, member_id) REFERENCES members (cluster_id, id)
) WITHOUT ROWID;
CREATE INDEX memberships_group ON memberships (cluster_id, group_id);
CREATE INDEX memberships_member ON memberships (cluster_id, member_id);
CREATE TABLE cooperatives (
    id TEXT PRIMARY KEY NOT NULL,
    cluster_id TEXT NOT NULL REFERENCES clusters (id),
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    founded TEXT,
    legal_number TEXT,
    legal_registered_on TEXT,
    legal_form TEXT,
    UNIQUE (cluster_id, position),
    CHECK ((legal_number IS NULL) = (legal_registered_on IS NULL)),
    CHECK (legal_form IS NULL OR legal_number IS NOT NULL)
);
CREATE UNIQUE INDEX cooperatives_cluster ON cooperatives (cluster_id, id);
CREATE TABLE cooperative_sectors (
    cooperative_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    cluster_id TEXT NOT NULL,
    sector TEXT NOT NULL,
    PRIMARY KEY (cooperative_id, position),
    UNIQUE (cooperative_id, sector),
    FOREIGN KEY (cluster_id, cooperative_id) REFERENCES cooperatives (cluster_id, id),
    FOREIGN KEY (cluster_id, sector) REFERENCES cluster_sectors (cluster_id, sector)
) WITHOUT ROWID;
CREATE INDEX cooperative_sectors_cooperative ON cooperative_sectors (cluster_id, cooperative_id);
CREATE INDEX cooperative_sectors_sector ON cooperative_sectors (cluster_id, sector);
CREATE TABLE cooperative_members (
    cooperative_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    cluster_id TEXT NOT NULL,
    member_id TEXT NOT NULL,
    PRIMARY KEY (cooperative_id, position),
    UNIQUE (cooperative_id, member_id),
    FOREIGN KEY (cluster_id, cooperative_id) REFERENCES cooperatives (cluster_id, id),
    FOREIGN KEY (cluster_id, member_id) REFERENCES members (cluster_id, id)
) WITHOUT ROWID;
CREATE INDEX cooperative_members_cooperative ON cooperative_members (cluster_id, cooperative_id);
CREATE INDEX cooperative_members_member ON cooperative_members (cluster_id, member_id);

CREATE TABLE phase_changes (
    cluster_id TEXT NOT NULL REFERENCES clusters (id),
    seq INTEGER NOT NULL CHECK (seq >= 0),
    on_date TEXT NOT NULL,
    phase TEXT NOT NULL {c("phase", Phase)},
    reason TEXT NOT NULL,
    decided_by TEXT NOT NULL,
    checks TEXT NOT NULL DEFAULT '[]',
    override_reason TEXT,
    override_approved_by TEXT,
    PRIMARY KEY (cluster_id, seq),
    CHECK ((override_reason IS NULL) = (override_approved_by IS NULL))
) WITHOUT ROWID;
{_append_only("phase_changes", "a lifecycle history is only ever extended")}

CREATE TABLE rounds (
    key INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    cluster_id TEXT NOT NULL REFERENCES clusters (id),
    kind TEXT NOT NULL {c("kind", RoundKind)},
    on_date TEXT NOT NULL,
    label_id TEXT,
    label_en TEXT,
    note TEXT,
    CHECK ((label_id IS NULL) = (label_en IS NULL))
);
CREATE INDEX rounds_cluster ON rounds (cluster_id);
CREATE UNIQUE INDEX rounds_one_baseline_endline ON rounds (cluster_id, kind)
    WHERE kind IN ('baseline', 'endline');
CREATE TABLE variables (
    key INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    sector TEXT NOT NULL,
    level TEXT NOT NULL {c("level", Level)},
    type TEXT NOT NULL {c("type", ValueType)},
    unit TEXT,
    scale INTEGER NOT NULL DEFAULT 0 CHECK (scale BETWEEN 0 AND 18)
);
-- A unit's key numbers it among its cluster's units of its level in the order it was first
-- recorded (the numbering Observations keeps); new keys come after the largest one.
CREATE TABLE units (
    cluster_id TEXT NOT NULL REFERENCES clusters (id),
    level TEXT NOT NULL {c("level", Level)},
    id TEXT NOT NULL,
    key INTEGER NOT NULL CHECK (key > 0),
    PRIMARY KEY (cluster_id, level, id),
    CHECK (level <> 'cluster' OR id = cluster_id)
) WITHOUT ROWID;
-- The import path's hot table: its keys come from the three tables above (written in the
-- same transaction) and integrity_check() verifies them; declared foreign keys would add three
-- index probes per value (about half the cost of the insert).
CREATE TABLE observation_values (
    round_key INTEGER NOT NULL,
    variable_key INTEGER NOT NULL,
    unit_key INTEGER NOT NULL,
    value,
    PRIMARY KEY (round_key, variable_key, unit_key)
) WITHOUT ROWID;

CREATE TABLE imports (
    key INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    klaster_version TEXT NOT NULL,
    members_added INTEGER NOT NULL CHECK (members_added >= 0),
    rows_added INTEGER NOT NULL CHECK (rows_added >= 0),
    values_added INTEGER NOT NULL CHECK (values_added >= 0),
    submissions_skipped INTEGER NOT NULL CHECK (submissions_skipped >= 0)
);
{_append_only("imports", "the import log is never rewritten")}
CREATE TABLE submissions (
    id TEXT PRIMARY KEY NOT NULL,
    import_key INTEGER NOT NULL REFERENCES imports (key)
) WITHOUT ROWID;
{_append_only("submissions", "an imported submission is never rewritten")}

CREATE TABLE finance_books (
    cluster_id TEXT PRIMARY KEY NOT NULL REFERENCES clusters (id),
    position INTEGER NOT NULL UNIQUE,
    program_id TEXT NOT NULL
);
CREATE TABLE funds (
    cluster_id TEXT NOT NULL REFERENCES finance_books (cluster_id),
    id TEXT NOT NULL,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    source TEXT NOT NULL {c("source", FundSource)},
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
    product TEXT NOT NULL {c("product", Product)},
    principal INTEGER NOT NULL CHECK (principal > 0),
    disbursed_on TEXT NOT NULL,
    instalments INTEGER NOT NULL CHECK (instalments >= 1),
    frequency TEXT NOT NULL {c("frequency", Frequency)},
    method TEXT NOT NULL {c("method", Method)},
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
    kind TEXT NOT NULL {c("kind", EntryKind)},
    fund_id TEXT NOT NULL,
    loan_id TEXT,
    memo TEXT,
    PRIMARY KEY (cluster_id, seq),
    FOREIGN KEY (cluster_id, fund_id) REFERENCES funds (cluster_id, id),
    FOREIGN KEY (cluster_id, loan_id) REFERENCES loans (cluster_id, id)
) WITHOUT ROWID;
CREATE INDEX ledger_entries_fund ON ledger_entries (cluster_id, fund_id);
CREATE INDEX ledger_entries_loan ON ledger_entries (cluster_id, loan_id);
{_append_only("ledger_entries", "the ledger is only ever extended")}
CREATE TABLE ledger_postings (
    cluster_id TEXT NOT NULL,
    entry_seq INTEGER NOT NULL,
    seq INTEGER NOT NULL CHECK (seq >= 0),
    debit_kind TEXT NOT NULL {c("debit_kind", AccountKind)},
    debit_ref TEXT,
    credit_kind TEXT NOT NULL {c("credit_kind", AccountKind)},
    credit_ref TEXT,
    amount INTEGER NOT NULL CHECK (amount > 0),
    PRIMARY KEY (cluster_id, entry_seq, seq),
    FOREIGN KEY (cluster_id, entry_seq) REFERENCES ledger_entries (cluster_id, seq)
) WITHOUT ROWID;
{_append_only("ledger_postings", "the ledger is only ever extended")}
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
    frequency TEXT NOT NULL {c("frequency", Frequency)},
    method TEXT NOT NULL {c("method", Method)},
    first_due TEXT NOT NULL,
    margin INTEGER NOT NULL CHECK (margin >= 0),
    reason TEXT NOT NULL,
    after_entry INTEGER NOT NULL CHECK (after_entry >= 0),
    PRIMARY KEY (cluster_id, seq),
    FOREIGN KEY (cluster_id, loan_id) REFERENCES loans (cluster_id, id)
) WITHOUT ROWID;
CREATE INDEX restructurings_loan ON restructurings (cluster_id, loan_id);
{_append_only("restructurings", "restructurings are only ever added")}
CREATE TABLE assets (
    cluster_id TEXT NOT NULL REFERENCES finance_books (cluster_id),
    id TEXT NOT NULL,
    position INTEGER NOT NULL,
    kind TEXT NOT NULL {c("kind", AssetKind)},
    description TEXT NOT NULL,
    quantity INTEGER NOT NULL CHECK (quantity >= 1),
    value INTEGER NOT NULL CHECK (value >= 0),
    acquired_on TEXT NOT NULL,
    custodian_kind TEXT NOT NULL {c("custodian_kind", PartyKind)},
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
    kind TEXT NOT NULL {c("kind", AssetEventKind)},
    value INTEGER NOT NULL CHECK (value >= 0),
    quantity_change INTEGER NOT NULL,
    custodian_kind TEXT {c("custodian_kind", PartyKind)},
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
{_append_only("asset_events", "asset events are only ever added")}
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
    kind TEXT NOT NULL {c("kind", HandoverItemKind)},
    ref TEXT NOT NULL,
    to_cooperative TEXT NOT NULL,
    amount INTEGER NOT NULL CHECK (amount >= 0),
    count INTEGER NOT NULL CHECK (count >= 0),
    PRIMARY KEY (cluster_id, position)
) WITHOUT ROWID;
"""


SCHEMA = _ddl()
"""The DDL of the current schema version."""


def create_schema(conn: sqlite3.Connection, program_id: str) -> None:
    """Create every table of a new store (inside the caller's transaction) and its meta rows."""
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    for statement in _statements(SCHEMA):
        conn.execute(statement)
    conn.executemany(
        "INSERT INTO meta (key, value) VALUES (?, ?)",
        [
            ("kind", STORE_KIND),
            ("schema_version", str(STORE_SCHEMA_VERSION)),
            ("klaster_version", __version__),
            ("created_by", __version__),
            ("program_id", program_id),
        ],
    )


def _statements(script: str) -> Iterable[str]:
    # sqlite3.executescript would COMMIT the caller's transaction first: split it instead.
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                yield buffer.strip()
            buffer = ""


def stored_version(conn: sqlite3.Connection, source: str) -> int:
    """The schema version recorded in the store's ``meta`` table.

    Raises:
        StoreError: The file is an SQLite database but not a klaster store.
    """
    try:
        rows = dict(conn.execute("SELECT key, value FROM meta").fetchall())
    except sqlite3.OperationalError:  # no meta table
        rows = {}
    if rows.get("kind") != STORE_KIND:
        raise StoreError(
            f"{source}: not a klaster store (an SQLite database without klaster's meta table); "
            "create a store with Store.create"
        )
    text = rows.get("schema_version", "")
    if not text.isdigit():
        raise SchemaVersionError(
            f"{source}: the store's schema version {text!r} is not a whole number; the store is "
            "damaged"
        )
    return int(text)


def check_version(version: int, source: str) -> None:
    """Refuse a store newer than this klaster, or one no migration leads from."""
    current = STORE_SCHEMA_VERSION  # read at call time: tests change it
    if version > current:
        raise SchemaVersionError(
            f"{source}: the store has schema version {version}, newer than this klaster "
            f"supports ({current}); upgrade klaster to open it"
        )
    missing = [v for v in range(version, current) if v not in _MIGRATIONS]
    if missing:
        raise SchemaVersionError(
            f"{source}: no migration from store schema version {missing[0]}; this klaster "
            f"opens versions {min([*_MIGRATIONS, current])} to {current}"
        )


def migrate(conn: sqlite3.Connection, version: int, source: str) -> None:
    """Bring the store from ``version`` to the current one (inside the caller's transaction)."""
    current = STORE_SCHEMA_VERSION
    while version < current:
        step = _MIGRATIONS[version]
        try:
            step(conn)
        except Exception as exc:  # a migration step that does not fit the stored data
            reason = str(exc) if isinstance(exc, sqlite3.Error) else type(exc).__name__
            raise StoreError(
                f"{source}: cannot migrate the store from schema version {version} to "
                f"{version + 1} ({reason}); nothing was changed"
            ) from None
        version += 1
    conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(current),))
    conn.execute("UPDATE meta SET value = ? WHERE key = 'klaster_version'", (__version__,))
