"""klaster: run and measure cluster-based community-empowerment programs.

A :class:`Program` (e.g. *Klaster Mandiri*) runs :class:`Cluster` s, each in a :class:`Region`,
with :class:`Member` s (*mitra*), :class:`Group` s (*kelompok*) and :class:`Cooperative` s
(*koperasi*), moving through a :class:`Lifecycle` of :class:`Phase` s. Whole programs are saved as
versioned JSON documents with :func:`save` / :func:`load` (files) and :func:`dumps` / :func:`loads`
(strings), or kept in a SQLite :class:`Store` (one file per program, fed by field-data imports and
driven by the ``klaster`` command line). Every error is a :class:`KlasterError`. Sector plugins
mark their hooks with :data:`hookimpl`; the plugin host is in :mod:`klaster.plugins`, what
sectors declare in :mod:`klaster.catalogue`.
"""

import importlib
from typing import TYPE_CHECKING, Any

from klaster._support import aliases as _aliases
from klaster._version import __version__
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
from klaster.label import Label, LabelledEnum, labelled
from klaster.model.activity import Activity, ActivityStatus, Participant, ParticipantKind
from klaster.model.activity_kinds import ActivityKind
from klaster.model.applicant import Applicant, ApplicationStatus, StatusChange
from klaster.model.board import BoardRole, BoardTerm
from klaster.model.cluster import Cluster
from klaster.model.commitment import Commitment, CommitmentStatus, CommitmentUpdate
from klaster.model.cooperative import Cooperative, LegalStatus
from klaster.model.fieldwork import Fieldwork
from klaster.model.group import Group, Membership, Role
from klaster.model.intake import Intake
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
from klaster.model.mentoring import Visit
from klaster.model.organisation import ClusterSector, Organisation, OrgKind, Stakeholder
from klaster.model.people import Assignment, Person, PersonRole, Position
from klaster.model.plans import Plan
from klaster.model.program import Program
from klaster.model.records import Records
from klaster.model.region import Region, RegionLevel, RegionStat, StatKind
from klaster.model.results_framework import (
    Result,
    ResultIndicator,
    ResultLevel,
    ResultsFramework,
    ResultsHistory,
    Target,
)
from klaster.model.sector_areas import AreaOverride, AreaRecord
from klaster.plugins.hookspecs import hookimpl

if TYPE_CHECKING:
    from klaster.jsonable import JSONEncoder, to_jsonable
    from klaster.store import (
        STORE_SCHEMA_VERSION,
        ClusterStatus,
        ImportSummary,
        Store,
        StoreStatus,
    )

# Old module paths (klaster.member, klaster.hookspecs, ...) import for one more release.
_aliases.install()

# The store pulls in sqlite3 and the measurement package: loaded on first use so that
# `import klaster` stays light for code that only builds and checks models.
_LAZY = dict.fromkeys(
    ("STORE_SCHEMA_VERSION", "ClusterStatus", "ImportSummary", "Store", "StoreStatus"),
    "klaster.store",
)
# The JSON encoder knows the measurement's NotAvailable: loaded on first use too.
_LAZY.update(dict.fromkeys(("JSONEncoder", "to_jsonable"), "klaster.jsonable"))

# Names that left the root for their subpackage (deprecated here for one release).
_MOVED = {
    **{
        name: f"klaster.catalogue.{name}"
        for name in (
            "Aggregation",
            "BusinessType",
            "Category",
            "Direction",
            "Indicator",
            "Level",
            "Operator",
            "ReadinessCriterion",
            "Sector",
            "ValueType",
            "Variable",
        )
    },
    **{
        name: f"klaster.plugins.{name}"
        for name in (
            "PluginHost",
            "PluginInfo",
            "PluginStatus",
            "PluginWarning",
            "SectorData",
            "get_host",
            "list_plugins",
            "plugins_json",
        )
    },
}
_moved = _aliases.moved_names("klaster", _MOVED)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        return _moved(name)
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "SCHEMA_VERSION",
    "STORE_SCHEMA_VERSION",
    "Activity",
    "ActivityKind",
    "ActivityStatus",
    "Applicant",
    "ApplicationStatus",
    "AreaOverride",
    "AreaRecord",
    "Assignment",
    "BoardRole",
    "BoardTerm",
    "CheckResult",
    "Cluster",
    "ClusterSector",
    "ClusterStatus",
    "Commitment",
    "CommitmentStatus",
    "CommitmentUpdate",
    "Cooperative",
    "DocumentError",
    "DuplicateIdError",
    "Fieldwork",
    "Group",
    "Guard",
    "ImportDataError",
    "ImportSummary",
    "Intake",
    "InvalidReferenceError",
    "JSONEncoder",
    "KlasterError",
    "KlasterWarning",
    "Label",
    "LabelledEnum",
    "LegalStatus",
    "Lifecycle",
    "LifecycleError",
    "Member",
    "Membership",
    "NotFoundError",
    "OrgKind",
    "Organisation",
    "Override",
    "Participant",
    "ParticipantKind",
    "Person",
    "PersonRole",
    "Phase",
    "PhaseChange",
    "PhaseSpan",
    "Plan",
    "PluginError",
    "Position",
    "Program",
    "ReadinessError",
    "Records",
    "Region",
    "RegionLevel",
    "RegionStat",
    "Result",
    "ResultIndicator",
    "ResultLevel",
    "ResultsFramework",
    "ResultsHistory",
    "Role",
    "SchemaVersionError",
    "Sex",
    "Stakeholder",
    "StatKind",
    "StatusChange",
    "Store",
    "StoreBusyError",
    "StoreError",
    "StoreStatus",
    "Target",
    "ValidationError",
    "Visit",
    "__version__",
    "dumps",
    "hookimpl",
    "labelled",
    "load",
    "loads",
    "save",
    "to_jsonable",
]
