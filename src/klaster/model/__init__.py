"""The program model.

Members (*mitra*), groups (*kelompok*), cooperatives (*koperasi*), organisations, regions,
the lifecycle of a cluster, clusters and programs.
"""

from klaster.model.activity import (
    Activity,
    ActivityStatus,
    Participant,
    ParticipantKind,
)
from klaster.model.activity_kinds import (
    ActivityKind,
)
from klaster.model.applicant import (
    Applicant,
    ApplicationStatus,
    StatusChange,
)
from klaster.model.board import (
    BoardRole,
    BoardTerm,
)
from klaster.model.bulk import (
    add_group_columns,
    add_member_columns,
    fill_cluster_columns,
    join_group_columns,
)
from klaster.model.cluster import (
    Cluster,
)
from klaster.model.commitment import (
    Commitment,
    CommitmentStatus,
    CommitmentUpdate,
)
from klaster.model.cooperative import (
    Cooperative,
    LegalStatus,
)
from klaster.model.fieldwork import (
    Caseload,
    Fieldwork,
)
from klaster.model.group import (
    Group,
    Membership,
    Role,
)
from klaster.model.intake import (
    Intake,
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
from klaster.model.location_choice import (
    ChoiceWeight,
    LocationChoice,
    LocationDecision,
    RankedRegion,
    ScorePart,
)
from klaster.model.member import (
    Member,
    Sex,
)
from klaster.model.mentoring import (
    MentoringLog,
    Visit,
)
from klaster.model.organisation import (
    ClusterSector,
    Organisation,
    OrgKind,
    Stakeholder,
)
from klaster.model.people import (
    Assignment,
    Person,
    PersonRole,
    Position,
)
from klaster.model.plans import (
    Plan,
    PlanStatus,
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
from klaster.model.results_framework import (
    Result,
    ResultIndicator,
    ResultLevel,
    ResultsFramework,
    ResultsHistory,
    Target,
)
from klaster.model.sector_areas import (
    AreaOverride,
    AreaRecord,
    SectorAreas,
)

__all__ = [
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
    "Caseload",
    "CheckResult",
    "ChoiceWeight",
    "Cluster",
    "ClusterSector",
    "Commitment",
    "CommitmentStatus",
    "CommitmentUpdate",
    "Cooperative",
    "Fieldwork",
    "Group",
    "Guard",
    "Intake",
    "LegalStatus",
    "Lifecycle",
    "LocationChoice",
    "LocationDecision",
    "Member",
    "Membership",
    "MentoringLog",
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
    "PlanStatus",
    "Position",
    "Program",
    "RankedRegion",
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
    "ScorePart",
    "SectorAreas",
    "Sex",
    "Stakeholder",
    "StatKind",
    "StatusChange",
    "Target",
    "Visit",
    "add_group_columns",
    "add_member_columns",
    "fill_cluster_columns",
    "join_group_columns",
]
