"""Measurement: indicators, the engine and its results, poverty and welfare methods, readiness.

The public names of every module of this package but :mod:`klaster.measurement.methods`, in
one place::

    from klaster.measurement import Measurement, Results
    from klaster.measurement.methods import fgt

The statistical methods (FGT, welfare, CIBEST, poverty lines) are imported from
:mod:`klaster.measurement.methods` only. Their names, and those of survey data (rounds,
observations, columns, core variables, the sidecar format), which lives in
:mod:`klaster.observations`, are still importable from here for one release, with a
``DeprecationWarning`` naming the new path.
"""

from typing import Any

from klaster._support.aliases import moved_names
from klaster.measurement import methods as _methods
from klaster.measurement.activity_indicators import ACTIVITY_CODES, ACTIVITY_INDICATORS
from klaster.measurement.aggregate import (
    Figure,
    aggregate,
    aggregate_ratio,
)
from klaster.measurement.core_criteria import (
    cluster_exit_criteria,
    core_criteria,
    mentoring_criteria,
)
from klaster.measurement.core_indicators import (
    CORE_INDICATORS,
    CoreIndicator,
    UnitFrame,
)
from klaster.measurement.engine import (
    DIMENSIONS,
    Measurement,
)
from klaster.measurement.evaluate import (
    DIVISION_SCALE,
    Evaluator,
    Kind,
    infer_kind,
)
from klaster.measurement.graduation import graduated_households
from klaster.measurement.mentoring_indicators import MENTORING_CODES, MENTORING_INDICATORS
from klaster.measurement.mentoring_table import MentoringPeriod, mentoring_table
from klaster.measurement.na import (
    NotAvailable,
)
from klaster.measurement.readiness import (
    AllOf,
    ConditionResult,
    CriterionResult,
    EssentialPlusConditional,
    Evidence,
    KOfN,
    Readiness,
    Rule,
    Weighted,
    as_guard,
    backsliding,
)
from klaster.measurement.results import (
    Comparison,
    Results,
    Row,
)
from klaster.measurement.results_assessment import assess
from klaster.measurement.round_dates import round_dates
from klaster.measurement.target_rows import TargetRow, TargetStatus, TargetTable
from klaster.measurement.targets_csv import read_targets_csv
from klaster.measurement.transitions import (
    TransitionRow,
    TransitionTable,
)
from klaster.measurement.variables_needed import variables_needed
from klaster.measurement.welfare_indicators import SOCIAL_CAPITAL_SCALE, WELFARE_INDICATORS

__all__ = [
    "ACTIVITY_CODES",
    "ACTIVITY_INDICATORS",
    "CORE_INDICATORS",
    "DIMENSIONS",
    "DIVISION_SCALE",
    "MENTORING_CODES",
    "MENTORING_INDICATORS",
    "SOCIAL_CAPITAL_SCALE",
    "WELFARE_INDICATORS",
    "AllOf",
    "Comparison",
    "ConditionResult",
    "CoreIndicator",
    "CriterionResult",
    "EssentialPlusConditional",
    "Evaluator",
    "Evidence",
    "Figure",
    "KOfN",
    "Kind",
    "Measurement",
    "MentoringPeriod",
    "NotAvailable",
    "Readiness",
    "Results",
    "Row",
    "Rule",
    "TargetRow",
    "TargetStatus",
    "TargetTable",
    "TransitionRow",
    "TransitionTable",
    "UnitFrame",
    "Weighted",
    "aggregate",
    "aggregate_ratio",
    "as_guard",
    "assess",
    "backsliding",
    "cluster_exit_criteria",
    "core_criteria",
    "graduated_households",
    "infer_kind",
    "mentoring_criteria",
    "mentoring_table",
    "read_targets_csv",
    "round_dates",
    "variables_needed",
]

_MOVED = {
    # one way to judge readiness: Measurement.readiness (or readiness.evaluate for one unit)
    "evaluate_readiness": "klaster.measurement.readiness.evaluate",
    "BooleanColumn": "klaster.observations.columns.factory.BooleanColumn",
    "Buffers": "klaster.observations.columns.factory.Buffers",
    "CIBEST_ITEMS": "klaster.observations.CIBEST_ITEMS",
    "CORE_SECTOR": "klaster.observations.CORE_SECTOR",
    "CORE_VARIABLES": "klaster.observations.CORE_VARIABLES",
    "CategoryColumn": "klaster.observations.columns.factory.CategoryColumn",
    "Column": "klaster.observations.columns.factory.Column",
    "DateColumn": "klaster.observations.columns.factory.DateColumn",
    "DecimalColumn": "klaster.observations.columns.factory.DecimalColumn",
    "IntegerColumn": "klaster.observations.columns.factory.IntegerColumn",
    "MAX_SCALE": "klaster.observations.columns.factory.MAX_SCALE",
    "Observations": "klaster.observations.Observations",
    "Paired": "klaster.observations.Paired",
    "Round": "klaster.observations.Round",
    "RoundKind": "klaster.observations.RoundKind",
    "SIDECAR_KIND": "klaster.observations.SIDECAR_KIND",
    "SIDECAR_SCHEMA_VERSION": "klaster.observations.SIDECAR_SCHEMA_VERSION",
    "SOCIAL_CAPITAL_ITEMS": "klaster.observations.SOCIAL_CAPITAL_ITEMS",
    "TextColumn": "klaster.observations.columns.factory.TextColumn",
    "column_for": "klaster.observations.columns.factory.column_for",
    "column_of": "klaster.observations.columns.factory.column_of",
    "core_variables": "klaster.observations.core_variables",
    "load_observations": "klaster.observations.load_observations",
    "save_observations": "klaster.observations.save_observations",
    "variable_catalogue": "klaster.observations.variable_catalogue",
    # one path per name: the statistical methods are imported from klaster.measurement.methods
    **{name: f"klaster.measurement.methods.{name}" for name in _methods.__all__},
}
_moved = moved_names("klaster.measurement", _MOVED)


def __getattr__(name: str) -> Any:
    """Names served from elsewhere for one release, with a ``DeprecationWarning``.

    Those of :mod:`klaster.observations` and of :mod:`klaster.measurement.methods`.
    """
    return _moved(name)
