"""klaster: run and measure cluster-based community-empowerment programs.

A :class:`Program` (e.g. *Klaster Mandiri*) runs :class:`Cluster` s, each in a :class:`Region`,
with :class:`Member` s (*mitra*), :class:`Group` s (*kelompok*) and :class:`Cooperative` s
(*koperasi*), moving through a :class:`Lifecycle` of :class:`Phase` s. Whole programs are saved as
versioned JSON documents with :func:`save` / :func:`load` (files) and :func:`dumps` / :func:`loads`
(strings), or kept in a SQLite :class:`Store` (one file per program, fed by field-data imports and
driven by the ``klaster`` command line). Every error is a :class:`KlasterError`.
"""

import importlib
from typing import TYPE_CHECKING, Any

from klaster._version import __version__
from klaster.catalogue.criterion import Operator, ReadinessCriterion
from klaster.catalogue.indicator import Aggregation, Direction, Indicator
from klaster.catalogue.sector import BusinessType, Sector
from klaster.catalogue.variable import Category, Level, ValueType, Variable
from klaster.documents.program import SCHEMA_VERSION, dumps, load, loads, save
from klaster.errors import (
    DocumentError,
    DuplicateIdError,
    ImportDataError,
    InvalidReferenceError,
    KlasterError,
    KlasterWarning,
    LifecycleError,
    NotFoundError,
    PluginError,
    ReadinessError,
    SchemaVersionError,
    StoreBusyError,
    StoreError,
    ValidationError,
)
from klaster.label import Label
from klaster.model.cluster import Cluster
from klaster.model.cooperative import Cooperative, LegalStatus
from klaster.model.group import Group, Membership, Role
from klaster.model.lifecycle import (
    CheckResult,
    Guard,
    Lifecycle,
    Override,
    Phase,
    PhaseChange,
    PhaseSpan,
)
from klaster.model.member import Member, Sex
from klaster.model.organisation import ClusterSector, Organisation, OrgKind, Stakeholder
from klaster.model.program import Program
from klaster.model.records import Records
from klaster.model.region import Region, RegionLevel, RegionStat, StatKind
from klaster.plugins.hookspecs import hookimpl
from klaster.plugins.host import PluginHost, get_host, list_plugins, plugins_json
from klaster.plugins.info import PluginInfo, PluginStatus, PluginWarning
from klaster.plugins.sectorfile import SectorData

if TYPE_CHECKING:
    from klaster.store import (
        STORE_SCHEMA_VERSION,
        ClusterStatus,
        ImportSummary,
        Store,
        StoreStatus,
    )

# The store pulls in sqlite3 and the measurement package: loaded on first use so that
# `import klaster` stays light for code that only builds and checks models.
_LAZY = dict.fromkeys(
    ("STORE_SCHEMA_VERSION", "ClusterStatus", "ImportSummary", "Store", "StoreStatus"),
    "klaster.store",
)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'klaster' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "SCHEMA_VERSION",
    "STORE_SCHEMA_VERSION",
    "Aggregation",
    "BusinessType",
    "Category",
    "CheckResult",
    "Cluster",
    "ClusterSector",
    "ClusterStatus",
    "Cooperative",
    "Direction",
    "DocumentError",
    "DuplicateIdError",
    "Group",
    "Guard",
    "ImportDataError",
    "ImportSummary",
    "Indicator",
    "InvalidReferenceError",
    "KlasterError",
    "KlasterWarning",
    "Label",
    "LegalStatus",
    "Level",
    "Lifecycle",
    "LifecycleError",
    "Member",
    "Membership",
    "NotFoundError",
    "Operator",
    "OrgKind",
    "Organisation",
    "Override",
    "Phase",
    "PhaseChange",
    "PhaseSpan",
    "PluginError",
    "PluginHost",
    "PluginInfo",
    "PluginStatus",
    "PluginWarning",
    "Program",
    "ReadinessCriterion",
    "ReadinessError",
    "Records",
    "Region",
    "RegionLevel",
    "RegionStat",
    "Role",
    "SchemaVersionError",
    "Sector",
    "SectorData",
    "Sex",
    "Stakeholder",
    "StatKind",
    "Store",
    "StoreBusyError",
    "StoreError",
    "StoreStatus",
    "ValidationError",
    "ValueType",
    "Variable",
    "__version__",
    "dumps",
    "get_host",
    "hookimpl",
    "list_plugins",
    "load",
    "loads",
    "plugins_json",
    "save",
]
