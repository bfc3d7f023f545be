"""klaster.store: the embedded SQLite store, one file per program.

A :class:`Store` holds everything a program document holds (organisations, clusters, regions,
members, groups, cooperatives, lifecycle history), the survey rounds and observation values,
the finance books, and the log of imports, in real tables with keys and constraints. Writes are
transactions in WAL mode; the history tables are append-only; the schema version is recorded and
older stores are migrated on open. See ``docs/store.md``.
"""

from klaster.store._schema import STORE_SCHEMA_VERSION
from klaster.store.roster import import_roster
from klaster.store.status import ClusterStatus, StoreStatus
from klaster.store.store import Store
from klaster.store.summary import ImportSummary

__all__ = [
    "STORE_SCHEMA_VERSION",
    "ClusterStatus",
    "ImportSummary",
    "Store",
    "StoreStatus",
    "import_roster",
]
