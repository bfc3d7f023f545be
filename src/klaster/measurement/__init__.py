"""Measurement: survey rounds, observations, indicators, poverty and welfare, readiness.

The public names of every module of this package, in one place::

    from klaster.measurement import Measurement, Observations, Round, fgt
"""

from klaster.measurement.aggregate import (
    Figure,
    aggregate,
    aggregate_ratio,
)
from klaster.measurement.core_criteria import cluster_exit_criteria, core_criteria
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
from klaster.measurement.readiness import evaluate as evaluate_readiness
from klaster.measurement.results import (
    Comparison,
    Results,
    Row,
)
from klaster.measurement.transitions import (
    TransitionRow,
    TransitionTable,
)
from klaster.measurement.welfare_indicators import SOCIAL_CAPITAL_SCALE, WELFARE_INDICATORS
from klaster.observations.columns.factory import (
    MAX_SCALE,
    BooleanColumn,
    Buffers,
    CategoryColumn,
    Column,
    DateColumn,
    DecimalColumn,
    IntegerColumn,
    TextColumn,
    column_for,
    column_of,
)
from klaster.observations.core_variables import (
    CIBEST_ITEMS,
    CORE_SECTOR,
    CORE_VARIABLES,
    SOCIAL_CAPITAL_ITEMS,
    core_variables,
    variable_catalogue,
)
from klaster.observations.rounds import (
    Round,
    RoundKind,
)
from klaster.observations.sidecar import (
    SIDECAR_KIND,
    SIDECAR_SCHEMA_VERSION,
    load_observations,
    save_observations,
)
from klaster.observations.values import (
    Observations,
    Paired,
)

__all__ = [
    "CIBEST_ITEMS",
    "CORE_INDICATORS",
    "CORE_SECTOR",
    "CORE_VARIABLES",
    "DIMENSIONS",
    "DIVISION_SCALE",
    "MAX_SCALE",
    "NATIONAL",
    "NISAB_RICE_KG",
    "SIDECAR_KIND",
    "SIDECAR_SCHEMA_VERSION",
    "SOCIAL_CAPITAL_ITEMS",
    "SOCIAL_CAPITAL_SCALE",
    "SPIRITUAL_ITEMS",
    "SPIRITUAL_LINE",
    "WELFARE_INDICATORS",
    "AllOf",
    "BooleanColumn",
    "Buffers",
    "CategoryColumn",
    "ChangeMeasure",
    "CibestConfig",
    "CibestIndices",
    "CibestRound",
    "CibestTransitions",
    "Column",
    "Comparison",
    "CoreIndicator",
    "CriterionResult",
    "DateColumn",
    "DecimalColumn",
    "EssentialPlusConditional",
    "Evaluator",
    "Evidence",
    "FgtMeasure",
    "FgtPercent",
    "FgtResult",
    "Figure",
    "IntegerColumn",
    "KOfN",
    "Kind",
    "LineMatch",
    "LineValue",
    "MaterialLine",
    "MaterialMethod",
    "Measurement",
    "MissingItems",
    "NotAvailable",
    "Observations",
    "OnLine",
    "Paired",
    "PairedChange",
    "PovertyLine",
    "PovertyLines",
    "Quadrant",
    "QuestionnaireScale",
    "Readiness",
    "Results",
    "Round",
    "RoundKind",
    "Row",
    "Rule",
    "ScaleItem",
    "ScaleScore",
    "ScaleSummary",
    "SpiritualItem",
    "SurveyMonth",
    "TextColumn",
    "TransitionRow",
    "TransitionTable",
    "UnitFrame",
    "UrbanRural",
    "Weighted",
    "aggregate",
    "aggregate_ratio",
    "as_guard",
    "backsliding",
    "cibest_transitions",
    "classify",
    "cluster_exit_criteria",
    "column_for",
    "column_of",
    "core_criteria",
    "core_variables",
    "evaluate_readiness",
    "fgt",
    "infer_kind",
    "load_observations",
    "paired_change",
    "per_capita",
    "per_capita_incomes",
    "place_households",
    "round_measure",
    "save_observations",
    "spiritual_score",
    "variable_catalogue",
]
