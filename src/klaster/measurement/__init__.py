"""Measurement: indicators, the engine and its results, poverty and welfare methods, readiness.

The public names of every module of this package, in one place::

    from klaster.measurement import Measurement, Results, fgt

Survey data (rounds, observations, columns, core variables, the sidecar format) lives in
:mod:`klaster.observations`; its names are still importable from here for one release, with a
``DeprecationWarning`` naming the new path.
"""

from typing import Any

from klaster._support.aliases import moved_names
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
from klaster.measurement.mentoring_indicators import MENTORING_CODES, MENTORING_INDICATORS
from klaster.measurement.mentoring_table import MentoringPeriod, mentoring_table
from klaster.measurement.methods.cibest import (
    NISAB_RICE_KG,
    SPIRITUAL_ITEMS,
    SPIRITUAL_LINE,
    CibestConfig,
    CibestIndices,
    CibestRound,
    CibestTransitions,
    MaterialLine,
    MaterialMethod,
    OnLine,
    Quadrant,
    SpiritualItem,
    cibest_transitions,
    classify,
    place_households,
    spiritual_score,
)
from klaster.measurement.methods.fgt import (
    FgtMeasure,
    FgtPercent,
    FgtResult,
    LineValue,
    fgt,
    round_measure,
)
from klaster.measurement.methods.poverty_lines import (
    NATIONAL,
    LineMatch,
    PovertyLine,
    PovertyLines,
    SurveyMonth,
    UrbanRural,
)
from klaster.measurement.methods.welfare import (
    ChangeMeasure,
    MissingItems,
    PairedChange,
    QuestionnaireScale,
    ScaleItem,
    ScaleScore,
    ScaleSummary,
    paired_change,
    per_capita,
    per_capita_incomes,
)
from klaster.measurement.na import (
    NotAvailable,
)
from klaster.measurement.readiness import (
    AllOf,
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
from klaster.measurement.target_rows import TargetRow, TargetStatus, TargetTable
from klaster.measurement.targets_csv import read_targets_csv
from klaster.measurement.transitions import (
    TransitionRow,
    TransitionTable,
)
from klaster.measurement.welfare_indicators import SOCIAL_CAPITAL_SCALE, WELFARE_INDICATORS

__all__ = [
    "ACTIVITY_CODES",
    "ACTIVITY_INDICATORS",
    "CORE_INDICATORS",
    "DIMENSIONS",
    "DIVISION_SCALE",
    "MENTORING_CODES",
    "MENTORING_INDICATORS",
    "NATIONAL",
    "NISAB_RICE_KG",
    "SOCIAL_CAPITAL_SCALE",
    "SPIRITUAL_ITEMS",
    "SPIRITUAL_LINE",
    "WELFARE_INDICATORS",
    "AllOf",
    "ChangeMeasure",
    "CibestConfig",
    "CibestIndices",
    "CibestRound",
    "CibestTransitions",
    "Comparison",
    "CoreIndicator",
    "CriterionResult",
    "EssentialPlusConditional",
    "Evaluator",
    "Evidence",
    "FgtMeasure",
    "FgtPercent",
    "FgtResult",
    "Figure",
    "KOfN",
    "Kind",
    "LineMatch",
    "LineValue",
    "MaterialLine",
    "MaterialMethod",
    "Measurement",
    "MentoringPeriod",
    "MissingItems",
    "NotAvailable",
    "OnLine",
    "PairedChange",
    "PovertyLine",
    "PovertyLines",
    "Quadrant",
    "QuestionnaireScale",
    "Readiness",
    "Results",
    "Row",
    "Rule",
    "ScaleItem",
    "ScaleScore",
    "ScaleSummary",
    "SpiritualItem",
    "SurveyMonth",
    "TargetRow",
    "TargetStatus",
    "TargetTable",
    "TransitionRow",
    "TransitionTable",
    "UnitFrame",
    "UrbanRural",
    "Weighted",
    "aggregate",
    "aggregate_ratio",
    "as_guard",
    "assess",
    "backsliding",
    "cibest_transitions",
    "classify",
    "cluster_exit_criteria",
    "core_criteria",
    "fgt",
    "infer_kind",
    "mentoring_criteria",
    "mentoring_table",
    "paired_change",
    "per_capita",
    "per_capita_incomes",
    "place_households",
    "read_targets_csv",
    "round_measure",
    "spiritual_score",
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
}
_moved = moved_names("klaster.measurement", _MOVED)


def __getattr__(name: str) -> Any:
    """The names that moved to :mod:`klaster.observations`, with a ``DeprecationWarning``."""
    return _moved(name)
