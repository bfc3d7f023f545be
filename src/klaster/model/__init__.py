"""The program model.

Members (*mitra*), groups (*kelompok*), cooperatives (*koperasi*), organisations, regions,
the lifecycle of a cluster, clusters and programs.
"""

from klaster.model.cluster import (
    Cluster,
)
from klaster.model.cooperative import (
    Cooperative,
    LegalStatus,
)
from klaster.model.group import (
    Group,
    Membership,
    Role,
)
from klaster.model.lifecycle import (
    CheckResult,
    Guard,
    Lifecycle,
    Override,
    Phase,
    PhaseChange,
    PhaseSpan,
)
from klaster.model.member import (
    Member,
    Sex,
)
from klaster.model.organisation import (
    ClusterSector,
    Organisation,
    OrgKind,
    Stakeholder,
)
from klaster.model.program import (
    Program,
)
from klaster.model.records import (
    Records,
)
from klaster.model.region import (
    Region,
    RegionLevel,
    RegionStat,
    StatKind,
)

__all__ = [
    "CheckResult",
    "Cluster",
    "ClusterSector",
    "Cooperative",
    "Group",
    "Guard",
    "LegalStatus",
    "Lifecycle",
    "Member",
    "Membership",
    "OrgKind",
    "Organisation",
    "Override",
    "Phase",
    "PhaseChange",
    "PhaseSpan",
    "Program",
    "Records",
    "Region",
    "RegionLevel",
    "RegionStat",
    "Role",
    "Sex",
    "Stakeholder",
    "StatKind",
]
