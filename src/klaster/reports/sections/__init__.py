"""The report's sections: each builds one :class:`~klaster.reports.document.Section`.

Every builder takes the report's :class:`~klaster.reports.context.ReportData` and returns a
section; a section whose data does not exist says why (``Section.missing``) instead of failing
or drawing an empty chart. :data:`SECTIONS` is the reading order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from klaster.reports.context import ReportData
from klaster.reports.document import Section
from klaster.reports.sections import (
    change,
    counts,
    fieldwork,
    finance,
    indicators,
    lifecycle,
    poverty,
    readiness,
)

__all__ = ["SECTIONS", "Builder"]

Builder = Callable[[ReportData], Section]
"""A section builder."""

SECTIONS: Final[tuple[tuple[str, Builder], ...]] = (
    ("lifecycle", lifecycle.build),
    ("counts", counts.build),
    ("indicators", indicators.build),
    ("targets", indicators.build_targets),
    ("change", change.build),
    ("poverty", poverty.build),
    ("cibest", poverty.build_transitions),
    ("portfolio", finance.build_portfolio),
    ("handover", finance.build_handover),
    ("readiness", readiness.build),
    ("activities", fieldwork.build),
    ("budget", finance.build_budget),
)
"""Every built-in section, by key, in reading order."""
