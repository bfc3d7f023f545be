"""The DDL of the store's program, observation and import tables, and the DDL helpers.

Every entity of a program document has its own table with keys and constraints; enum fields are
``CHECK``-ed against the model's enums; the history tables (lifecycle, imports and submissions)
refuse ``UPDATE`` and ``DELETE`` through triggers. A value object without an identity of its own
(the check results of a phase change) is a JSON text column. The finance tables are in
:mod:`klaster.store._ddl_finance`.
"""

from __future__ import annotations

import enum

from klaster.catalogue.variable import Level, ValueType
from klaster.model.group import Role
from klaster.model.lifecycle import Phase
from klaster.model.member import Sex
from klaster.model.organisation import OrgKind
from klaster.model.region import RegionLevel, StatKind
from klaster.model.sector_areas import AreaRecord
from klaster.observations.rounds import RoundKind


def one_of(column: str, kind: type[enum.Enum]) -> str:
    """A CHECK that ``column`` holds a value of the enum ``kind``."""
    # An OR chain, not "IN (...)": SQLite builds a temporary table for an IN list each time a
    # CHECK runs, which made inserts three times slower.
    values = " OR ".join(f"{column} = '{member.value}'" for member in kind)
    return f"CHECK ({values})"


def append_only(table: str, what: str) -> str:
    """Triggers refusing UPDATE and DELETE on ``table``."""
    return "\n".join(
        f"CREATE TRIGGER {table}_no_{verb} BEFORE {verb.upper()} ON {table} BEGIN "
        f"SELECT RAISE(ABORT, '{table} is append-only: {what}'); END;"
        for verb in ("update", "delete")
    )


def _areas_ddl() -> str:
    # Version 2 (issue 13): where each sector works, and the records kept outside those areas.
    return f"""CREATE TABLE sector_areas (
    cluster_id TEXT NOT NULL,
    sector TEXT NOT NULL,
    position INTEGER NOT NULL CHECK (position >= 0),
    area TEXT NOT NULL,
    PRIMARY KEY (cluster_id, sector, position),
    FOREIGN KEY (cluster_id, sector) REFERENCES cluster_sectors (cluster_id, sector)
) WITHOUT ROWID;
CREATE TABLE area_overrides (
    cluster_id TEXT NOT NULL REFERENCES clusters (id),
    position INTEGER NOT NULL CHECK (position >= 0),
    kind TEXT NOT NULL {one_of("kind", AreaRecord)},
    record_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    decided_by TEXT,
    decided_on TEXT,
    PRIMARY KEY (cluster_id, position),
    UNIQUE (cluster_id, kind, record_id)
) WITHOUT ROWID;
"""


def program_ddl(version: int = 2) -> str:
    """The DDL of the meta, program, observation and import tables in store schema ``version``.

    Version 2 adds a member's ``application_id``, a group's ``capacity`` and ``village``, and
    the sectors' areas and the area overrides (issue 13): the 1 → 2 step widens a version-1
    store's tables and creates the new ones (:mod:`klaster.store._upgrade`).
    """
    c = one_of
    application = "" if version == 1 else ",\n    application_id TEXT"
    capacity = "" if version == 1 else ",\n    capacity INTEGER CHECK (capacity >= 1)"
    village = "" if version == 1 else ",\n    village TEXT"
    areas = "" if version == 1 else _areas_ddl()
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
{areas}
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
    birth_year INTEGER{application},
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
    dissolved TEXT CHECK (dissolved IS NULL OR dissolved >= formed){capacity}{village},
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
{append_only("phase_changes", "a lifecycle history is only ever extended")}

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
{append_only("imports", "the import log is never rewritten")}
CREATE TABLE submissions (
    id TEXT PRIMARY KEY NOT NULL,
    import_key INTEGER NOT NULL REFERENCES imports (key)
) WITHOUT ROWID;
{append_only("submissions", "an imported submission is never rewritten")}

"""
