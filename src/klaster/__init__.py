"""klaster: run and measure cluster-based community-empowerment programs.

A :class:`Program` (e.g. *Klaster Mandiri*) runs :class:`Cluster` s, each in a :class:`Region`,
with :class:`Member` s (*mitra*), :class:`Group` s (*kelompok*) and :class:`Cooperative` s
(*koperasi*), moving through a :class:`Lifecycle` of :class:`Phase` s. Whole programs are saved as
versioned JSON documents with :func:`save` / :func:`load` (files) and :func:`dumps` / :func:`loads`
(strings). Every error is a :class:`KlasterError`.
"""

from klaster._version import __version__
from klaster.cluster import Cluster
from klaster.cooperative import Cooperative, LegalStatus
from klaster.document import SCHEMA_VERSION, dumps, load, loads, save
from klaster.errors import (
    DocumentError,
    DuplicateIdError,
    InvalidReferenceError,
    KlasterError,
    LifecycleError,
    NotFoundError,
    PluginError,
    ReadinessError,
    SchemaVersionError,
    ValidationError,
)
from klaster.group import Group, Membership, Role
from klaster.lifecycle import (
    CheckResult,
    Guard,
    Lifecycle,
    Override,
    Phase,
    PhaseChange,
    PhaseSpan,
)
from klaster.member import Member, Sex
from klaster.organisation import ClusterSector, Organisation, OrgKind, Stakeholder
from klaster.program import Program
from klaster.records import Records
from klaster.region import Region, RegionLevel, RegionStat, StatKind

__all__ = [
    "SCHEMA_VERSION",
    "CheckResult",
    "Cluster",
    "ClusterSector",
    "Cooperative",
    "DocumentError",
    "DuplicateIdError",
    "Group",
    "Guard",
    "InvalidReferenceError",
    "KlasterError",
    "LegalStatus",
    "Lifecycle",
    "LifecycleError",
    "Member",
    "Membership",
    "NotFoundError",
    "OrgKind",
    "Organisation",
    "Override",
    "Phase",
    "PhaseChange",
    "PhaseSpan",
    "PluginError",
    "Program",
    "ReadinessError",
    "Records",
    "Region",
    "RegionLevel",
    "RegionStat",
    "Role",
    "SchemaVersionError",
    "Sex",
    "Stakeholder",
    "StatKind",
    "ValidationError",
    "__version__",
    "dumps",
    "load",
    "loads",
    "save",
]
