"""Survey data.

Rounds, values per unit per round held in compact columns, the core variables, and the
observations sidecar file, written and read with the document verbs :func:`dumps`,
:func:`loads`, :func:`save` and :func:`load` (as ``klaster.dumps/loads/save/load`` for program
documents).
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
    ReadAhead,
    dumps,
    load,
    load_observations,
    loads,
    save,
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
    "ReadAhead",
    "Round",
    "RoundKind",
    "Row",
    "check_round",
    "core_variables",
    "dumps",
    "load",
    "load_observations",
    "loads",
    "ordered",
    "save",
    "save_observations",
    "variable_catalogue",
]
