"""What sectors declare.

Sectors and business types, variables, indicators and their formula language, readiness
criteria, eligibility criteria and scorecards.
"""

from klaster.catalogue.condition import Condition, Operator, Threshold
from klaster.catalogue.criterion import ReadinessCriterion
from klaster.catalogue.display import Display, DisplayKind
from klaster.catalogue.eligibility import (
    Comparison,
    EligibilityCriterion,
    EligibilityThreshold,
    Line,
    LineRef,
    Membership,
)
from klaster.catalogue.formula import (
    FUNCTIONS,
    MAX_DEPTH,
    MAX_LENGTH,
    MAX_NODES,
    Binary,
    Boolean,
    Call,
    Conditional,
    Expr,
    FormulaError,
    Name,
    Number,
    String,
    Unary,
    parse,
    references,
    to_text,
    walk,
)
from klaster.catalogue.indicator import (
    Aggregation,
    Direction,
    Indicator,
)
from klaster.catalogue.report_section import ReportSection
from klaster.catalogue.scorecard import Band, Scorecard, ScoreItem, Side
from klaster.catalogue.sector import (
    BusinessType,
    Sector,
)
from klaster.catalogue.variable import (
    Category,
    Level,
    ValueType,
    Variable,
)

__all__ = [
    "FUNCTIONS",
    "MAX_DEPTH",
    "MAX_LENGTH",
    "MAX_NODES",
    "Aggregation",
    "Band",
    "Binary",
    "Boolean",
    "BusinessType",
    "Call",
    "Category",
    "Comparison",
    "Condition",
    "Conditional",
    "Direction",
    "Display",
    "DisplayKind",
    "EligibilityCriterion",
    "EligibilityThreshold",
    "Expr",
    "FormulaError",
    "Indicator",
    "Level",
    "Line",
    "LineRef",
    "Membership",
    "Name",
    "Number",
    "Operator",
    "ReadinessCriterion",
    "ReportSection",
    "ScoreItem",
    "Scorecard",
    "Sector",
    "Side",
    "String",
    "Threshold",
    "Unary",
    "ValueType",
    "Variable",
    "parse",
    "references",
    "to_text",
    "walk",
]
