"""What sectors declare.

Sectors and business types, variables, indicators and their formula language, readiness
criteria.
"""

from klaster.catalogue.criterion import (
    Operator,
    ReadinessCriterion,
    Threshold,
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
    "Binary",
    "Boolean",
    "BusinessType",
    "Call",
    "Category",
    "Conditional",
    "Direction",
    "Expr",
    "FormulaError",
    "Indicator",
    "Level",
    "Name",
    "Number",
    "Operator",
    "ReadinessCriterion",
    "Sector",
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
