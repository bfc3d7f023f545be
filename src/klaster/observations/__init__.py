"""Survey data.

Rounds, values per unit per round held in compact columns, the core variables, and the
observations sidecar file.
"""

from klaster.observations.core_variables import (
    CIBEST_ITEMS,
    CORE_SECTOR,
    CORE_VARIABLES,
    SOCIAL_CAPITAL_ITEMS,
    core_variables,
    variable_catalogue,
)
from klaster.observations.queries import (
    Paired,
)
from klaster.observations.rounds import (
    Round,
    RoundKind,
    check_round,
    ordered,
)
from klaster.observations.sidecar import (
    SIDECAR_KIND,
    SIDECAR_SCHEMA_VERSION,
    load_observations,
    save_observations,
)
from klaster.observations.values import (
    Observations,
    Row,
)

__all__ = [
    "CIBEST_ITEMS",
    "CORE_SECTOR",
    "CORE_VARIABLES",
    "SIDECAR_KIND",
    "SIDECAR_SCHEMA_VERSION",
    "SOCIAL_CAPITAL_ITEMS",
    "Observations",
    "Paired",
    "Round",
    "RoundKind",
    "Row",
    "check_round",
    "core_variables",
    "load_observations",
    "ordered",
    "save_observations",
    "variable_catalogue",
]
