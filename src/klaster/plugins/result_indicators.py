"""The indicator codes a results framework may name, checked where a program is read.

A :class:`~klaster.model.results_framework.ResultIndicator` names an indicator by its code. The
model cannot know the codes (they come from klaster's measurement and the sector plugins), so
the plugins check them when a program document or a store is read, through the report
:mod:`klaster.model.sector_rules` runs after reading (installed by :mod:`klaster.plugins.default`):
an unknown code is a located warning with "did you mean" (``klaster validate`` counts it as a
problem; assessing its targets refuses it unless a ``Measurement`` registers the indicator),
unless a sector of the program has no loaded plugin; then the code may be that plugin's, and it
is kept unchecked (the missing-plugin warning says what to install).

The measurement's own indicators (:data:`CORE_INDICATOR_CODES`) are named here because the
plugins come before the measurement in the import flow (docs/architecture.md); a test keeps the
two in step.
"""

from __future__ import annotations

from collections.abc import Iterable

from klaster._support.suggest import did_you_mean
from klaster.model.program import Program

__all__ = ["CORE_INDICATOR_CODES", "unknown_indicators"]

CORE_INDICATOR_CODES: frozenset[str] = frozenset(
    {
        # klaster.measurement.core_indicators
        "members",
        "household_members",
        "groups",
        "active_groups",
        "active_group_share",
        "legal_cooperatives",
        "income_per_capita",
        "income_change_pct",
        "poverty_headcount",
        "poverty_gap",
        "poverty_severity",
        # welfare_indicators
        "cibest_welfare",
        "cibest_material_poverty",
        "cibest_spiritual_poverty",
        "cibest_absolute_poverty",
        "social_capital_index",
        # mentoring_indicators
        "visits_per_member_month",
        "days_since_last_visit",
        "members_visited_90d",
        "groups_visited_90d",
        "months_since_mentoring_ended",
        "members_per_facilitator",
        # activity_indicators
        "members_trained_12m",
        "meetings_per_group_month",
        "attendance_rate_12m",
        "activities_held_12m",
    }
)
"""The codes of the indicators klaster's measurement computes without a plugin."""


def unknown_indicators(program: Program, plugin_codes: Iterable[str]) -> list[str]:
    """Every indicator code of the program's results framework that is not known.

    Args:
        program: The program read.
        plugin_codes: The codes of the loaded plugins' indicators.

    Returns:
        ``program.results.versions[0].results[1].indicators[2].indicator: unknown indicator
        'x' (did you mean 'y'?)`` each, naming codes only.
    """
    known = CORE_INDICATOR_CODES | set(plugin_codes)
    problems = []
    for v, framework in enumerate(program.results.versions):
        for r, result in enumerate(framework.results):
            for i, item in enumerate(result.indicators):
                if item.indicator in known:
                    continue
                hint = did_you_mean(item.indicator, known) or ("known: " + ", ".join(sorted(known)))
                problems.append(
                    f"program.results.versions[{v}].results[{r}].indicators[{i}].indicator: "
                    f"unknown indicator {item.indicator!r} ({hint})"
                )
    return problems
