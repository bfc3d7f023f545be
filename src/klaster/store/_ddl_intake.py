"""The DDL of the store's intake tables (schema version 2): applicants, answers, decisions.

``applicants`` are entities, rewritten by a save with the program's other entities; their
screening answers are one row per answer with a typed column each (exactly one of ``number``
(a decimal string), ``yes_no``, ``text`` and ``date`` is set). ``applicant_decisions`` is
history: ``UPDATE`` and ``DELETE`` are refused by triggers and a save only appends to it.
"""

from __future__ import annotations

from klaster.model.applicant import ApplicationStatus
from klaster.model.member import Sex
from klaster.store._ddl import append_only, one_of


def intake_ddl() -> str:
    """The DDL of the intake tables."""
    c = one_of
    return f"""CREATE TABLE applicants (
    id TEXT PRIMARY KEY NOT NULL,
    position INTEGER NOT NULL UNIQUE,
    cluster_id TEXT NOT NULL REFERENCES clusters (id),
    name TEXT NOT NULL,
    sex TEXT NOT NULL {c("sex", Sex)},
    household_size INTEGER NOT NULL CHECK (household_size >= 1),
    village TEXT NOT NULL,
    sector TEXT NOT NULL,
    applied_on TEXT NOT NULL,
    business_type TEXT,
    national_id TEXT,
    phone TEXT,
    note TEXT
);
CREATE INDEX applicants_cluster ON applicants (cluster_id);
CREATE TABLE applicant_answers (
    applicant_id TEXT NOT NULL REFERENCES applicants (id),
    code TEXT NOT NULL,
    number TEXT,
    yes_no INTEGER CHECK (yes_no = 0 OR yes_no = 1),
    text TEXT,
    date TEXT,
    CHECK ((number IS NOT NULL) + (yes_no IS NOT NULL) + (text IS NOT NULL)
           + (date IS NOT NULL) = 1),
    PRIMARY KEY (applicant_id, code)
) WITHOUT ROWID;
CREATE TABLE applicant_decisions (
    seq INTEGER PRIMARY KEY CHECK (seq >= 0),
    applicant_id TEXT NOT NULL REFERENCES applicants (id),
    status TEXT NOT NULL {c("status", ApplicationStatus)},
    on_date TEXT NOT NULL,
    failed TEXT NOT NULL DEFAULT '[]',
    evidence TEXT,
    reason TEXT,
    override TEXT,
    decided_by TEXT,
    member_id TEXT,
    group_id TEXT,
    CHECK ((member_id IS NOT NULL) = (status = 'enrolled'))
);
CREATE INDEX applicant_decisions_applicant ON applicant_decisions (applicant_id);
{append_only("applicant_decisions", "a decision is followed by a later one, never rewritten")}
"""
