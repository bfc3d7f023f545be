"""The DDL of the store's results-framework tables (schema version 2).

Every version of a program's results framework (``program.results``) is kept: the versions,
their results (outcomes and outputs), each result's indicators and each indicator's targets have
a table, all append-only (triggers refuse ``UPDATE`` and ``DELETE``): a revision is a new
version, never a rewrite. A target's disaggregation, a value object without an identity of its
own, is JSON text (``{"sector": "farming"}``); values are exact decimal text.
"""

from __future__ import annotations

from klaster.model.results_framework import ResultLevel
from klaster.store._ddl import append_only, one_of


def results_ddl() -> str:
    """The DDL of the results-framework tables."""
    return f"""CREATE TABLE results_frameworks (
    version INTEGER PRIMARY KEY CHECK (version >= 1),
    recorded_on TEXT NOT NULL,
    reason TEXT NOT NULL
);
{append_only("results_frameworks", "a results framework is revised by a new version")}
CREATE TABLE results (
    version INTEGER NOT NULL REFERENCES results_frameworks (version),
    position INTEGER NOT NULL CHECK (position >= 0),
    id TEXT NOT NULL,
    level TEXT NOT NULL {one_of("level", ResultLevel)},
    statement TEXT NOT NULL,
    statement_en TEXT,
    parent_id TEXT,
    PRIMARY KEY (version, position),
    UNIQUE (version, id)
) WITHOUT ROWID;
{append_only("results", "a results framework is revised by a new version")}
CREATE TABLE result_indicators (
    version INTEGER NOT NULL,
    result_position INTEGER NOT NULL,
    position INTEGER NOT NULL CHECK (position >= 0),
    indicator TEXT NOT NULL,
    baseline TEXT,
    baseline_round TEXT,
    baseline_on TEXT,
    unit TEXT,
    level TEXT,
    PRIMARY KEY (version, result_position, position),
    FOREIGN KEY (version, result_position) REFERENCES results (version, position)
) WITHOUT ROWID;
{append_only("result_indicators", "a results framework is revised by a new version")}
CREATE TABLE result_targets (
    version INTEGER NOT NULL,
    result_position INTEGER NOT NULL,
    indicator_position INTEGER NOT NULL,
    position INTEGER NOT NULL CHECK (position >= 0),
    value TEXT NOT NULL,
    start TEXT,
    end TEXT CHECK (end IS NULL OR end >= start),
    round_key TEXT,
    by_cells TEXT NOT NULL DEFAULT '{{}}',
    cluster_id TEXT REFERENCES clusters (id),
    PRIMARY KEY (version, result_position, indicator_position, position),
    FOREIGN KEY (version, result_position, indicator_position)
        REFERENCES result_indicators (version, result_position, position),
    CHECK ((round_key IS NULL) = (start IS NOT NULL AND end IS NOT NULL))
) WITHOUT ROWID;
CREATE INDEX result_targets_cluster ON result_targets (cluster_id);
{append_only("result_targets", "a results framework is revised by a new version")}
"""
