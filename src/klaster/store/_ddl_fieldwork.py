"""The DDL of the store's people, fieldwork and cooperative-board tables (schema version 2).

People and their positions, activities and their participants (one row per participant: the
attendance rows), facilitator assignments, mentoring visits and their subjects, plans,
commitments and their status updates, and cooperative board terms each have a table. The
history tables (visits, visit subjects, plans, commitment updates) refuse ``UPDATE`` and
``DELETE`` through triggers. Lists without an identity of their own (an activity's organisers,
facilitators and topics; an assignment's groups and members; a visit's topics) are JSON text.

``activity_participants`` and ``visit_subjects`` are the hot tables (millions of rows): like
``observation_values`` they declare no foreign key to the tables they point at (a participant
names a member, a group, a cooperative or a person, which no single key can say); their rows
are written in the same transaction as their activity or visit, after the model's checks.
"""

from __future__ import annotations

from klaster.model.activity import ActivityStatus, ParticipantKind
from klaster.model.board import BoardRole
from klaster.model.commitment import CommitmentStatus
from klaster.model.people import PersonRole
from klaster.store._ddl import append_only, one_of


def fieldwork_ddl() -> str:
    """The DDL of the people, fieldwork and board tables."""
    c = one_of
    return f"""CREATE TABLE people (
    id TEXT PRIMARY KEY NOT NULL,
    position INTEGER NOT NULL UNIQUE,
    name TEXT NOT NULL,
    phone TEXT,
    note TEXT
);
CREATE TABLE person_positions (
    person_id TEXT NOT NULL REFERENCES people (id),
    position INTEGER NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    role TEXT NOT NULL {c("role", PersonRole)},
    title TEXT,
    start TEXT,
    end TEXT CHECK (end IS NULL OR start IS NULL OR end >= start),
    PRIMARY KEY (person_id, position)
) WITHOUT ROWID;
CREATE INDEX person_positions_organisation ON person_positions (organisation_id);
CREATE TABLE board_terms (
    cooperative_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    cluster_id TEXT NOT NULL,
    member_id TEXT NOT NULL,
    role TEXT NOT NULL {c("role", BoardRole)},
    start TEXT NOT NULL,
    end TEXT CHECK (end IS NULL OR end >= start),
    PRIMARY KEY (cooperative_id, position),
    FOREIGN KEY (cluster_id, cooperative_id) REFERENCES cooperatives (cluster_id, id),
    FOREIGN KEY (cluster_id, member_id) REFERENCES members (cluster_id, id)
) WITHOUT ROWID;
CREATE INDEX board_terms_cooperative ON board_terms (cluster_id, cooperative_id);
CREATE INDEX board_terms_member ON board_terms (cluster_id, member_id);

CREATE TABLE activities (
    id TEXT PRIMARY KEY NOT NULL,
    position INTEGER NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    status TEXT NOT NULL {c("status", ActivityStatus)},
    cluster_id TEXT REFERENCES clusters (id),
    planned_on TEXT,
    held_on TEXT,
    sector TEXT,
    village TEXT,
    venue TEXT,
    organiser_ids TEXT NOT NULL DEFAULT '[]',
    facilitator_ids TEXT NOT NULL DEFAULT '[]',
    topics TEXT NOT NULL DEFAULT '[]',
    headcount INTEGER CHECK (headcount >= 0),
    milestone TEXT,
    note TEXT,
    CHECK ((held_on IS NOT NULL) = (status = 'held'))
);
CREATE INDEX activities_cluster ON activities (cluster_id);
CREATE TABLE activity_participants (
    activity_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    kind TEXT NOT NULL {c("kind", ParticipantKind)},
    participant_id TEXT NOT NULL,
    attended INTEGER CHECK (attended = 0 OR attended = 1),
    role TEXT,
    PRIMARY KEY (activity_id, position)
) WITHOUT ROWID;

CREATE TABLE assignments (
    position INTEGER PRIMARY KEY CHECK (position >= 0),
    person_id TEXT NOT NULL REFERENCES people (id),
    cluster_id TEXT NOT NULL REFERENCES clusters (id),
    start TEXT NOT NULL,
    end TEXT CHECK (end IS NULL OR end >= start),
    group_ids TEXT NOT NULL DEFAULT '[]',
    member_ids TEXT NOT NULL DEFAULT '[]',
    note TEXT
);
CREATE INDEX assignments_person ON assignments (person_id);
CREATE INDEX assignments_cluster ON assignments (cluster_id);

CREATE TABLE visits (
    key INTEGER PRIMARY KEY CHECK (key >= 0),
    id TEXT NOT NULL UNIQUE,
    cluster_id TEXT NOT NULL REFERENCES clusters (id),
    facilitator_id TEXT NOT NULL REFERENCES people (id),
    on_date TEXT NOT NULL,
    topics TEXT,
    follow_up TEXT,
    note TEXT
);
CREATE INDEX visits_cluster ON visits (cluster_id);
CREATE INDEX visits_facilitator ON visits (facilitator_id);
{append_only("visits", "the mentoring log is only ever extended")}
CREATE TABLE visit_subjects (
    visit_key INTEGER NOT NULL,
    position INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind = 'member' OR kind = 'group'),
    subject_id TEXT NOT NULL,
    PRIMARY KEY (visit_key, position)
) WITHOUT ROWID;
{append_only("visit_subjects", "the mentoring log is only ever extended")}

CREATE TABLE plans (
    seq INTEGER PRIMARY KEY CHECK (seq >= 0),
    milestone TEXT NOT NULL,
    on_date TEXT NOT NULL,
    recorded_on TEXT NOT NULL,
    cluster_id TEXT REFERENCES clusters (id),
    after_the_fact INTEGER NOT NULL CHECK (after_the_fact = 0 OR after_the_fact = 1),
    note TEXT
);
CREATE INDEX plans_cluster ON plans (cluster_id);
{append_only("plans", "a plan is revised by a later plan, never rewritten")}

CREATE TABLE commitments (
    id TEXT PRIMARY KEY NOT NULL,
    position INTEGER NOT NULL UNIQUE,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    promise TEXT NOT NULL,
    made_on TEXT NOT NULL,
    cluster_id TEXT REFERENCES clusters (id),
    due TEXT CHECK (due IS NULL OR due >= made_on),
    person_id TEXT REFERENCES people (id),
    activity_id TEXT REFERENCES activities (id),
    note TEXT
);
CREATE INDEX commitments_organisation ON commitments (organisation_id);
CREATE INDEX commitments_cluster ON commitments (cluster_id);
CREATE INDEX commitments_person ON commitments (person_id);
CREATE INDEX commitments_activity ON commitments (activity_id);
CREATE TABLE commitment_updates (
    commitment_id TEXT NOT NULL REFERENCES commitments (id),
    seq INTEGER NOT NULL CHECK (seq >= 0),
    on_date TEXT NOT NULL,
    status TEXT NOT NULL {c("status", CommitmentStatus)},
    evidence TEXT,
    note TEXT,
    PRIMARY KEY (commitment_id, seq)
) WITHOUT ROWID;
{append_only("commitment_updates", "commitment updates are only ever appended")}
"""
