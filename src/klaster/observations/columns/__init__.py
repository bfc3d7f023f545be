"""Compact typed columns: exact decimals, integers, booleans, categories, dates and text."""

from klaster.observations.columns.base import (
    MAX_SCALE,
    Buffers,
    Column,
)
from klaster.observations.columns.coded import (
    BooleanColumn,
    CategoryColumn,
    DateColumn,
)
from klaster.observations.columns.factory import (
    DecimalColumn,
    IntegerColumn,
    TextColumn,
    column_for,
    column_of,
)

__all__ = [
    "MAX_SCALE",
    "BooleanColumn",
    "Buffers",
    "CategoryColumn",
    "Column",
    "DateColumn",
    "DecimalColumn",
    "IntegerColumn",
    "TextColumn",
    "column_for",
    "column_of",
]
