"""The plugin host's questions about what the loaded plugins declare (a part of ``PluginHost``).

:class:`Declarations` holds the catalogue queries of :class:`~klaster.plugins.host.PluginHost`
(variables, indicators, criteria, activity kinds, eligibility criteria, report sections), kept
apart from loading and validation so that each module stays small.
"""

from __future__ import annotations

from klaster.catalogue.criterion import ReadinessCriterion
from klaster.catalogue.eligibility import EligibilityCriterion
from klaster.catalogue.indicator import Indicator
from klaster.catalogue.report_section import ReportSection
from klaster.catalogue.variable import Level, Variable
from klaster.model.activity_kinds import ActivityKind
from klaster.plugins._merge import Catalogue, require, select

__all__ = ["Declarations"]


class Declarations:
    """The declaration queries of a plugin host (mixed into :class:`PluginHost`)."""

    def _cat(self) -> Catalogue:
        raise NotImplementedError  # PluginHost loads the plugins and gives their catalogue

    def variables(
        self, sector: str | None = None, level: Level | str | None = None
    ) -> tuple[Variable, ...]:
        """Variables of all loaded plugins, sorted by sector then code; optionally filtered."""
        return select(self._cat().variables, sector, level)

    def variable(self, code: str) -> Variable:
        """The variable with this code.

        Raises:
            NotFoundError: No loaded plugin declares it.
        """
        return require(self._cat().variable(code), "variable", code, self._cat().variables)

    def indicators(
        self, sector: str | None = None, level: Level | str | None = None
    ) -> tuple[Indicator, ...]:
        """Indicators of all loaded plugins, sorted by sector then code; optionally filtered."""
        return select(self._cat().indicators, sector, level)

    def indicator(self, code: str) -> Indicator:
        """The indicator with this code.

        Raises:
            NotFoundError: No loaded plugin declares it.
        """
        return require(self._cat().indicator(code), "indicator", code, self._cat().indicators)

    def readiness_criteria(
        self, sector: str | None = None, level: Level | str | None = None
    ) -> tuple[ReadinessCriterion, ...]:
        """Readiness criteria of all loaded plugins, sorted by sector then code; filtered."""
        return select(self._cat().criteria, sector, level)

    def activity_kinds(self, sector: str | None = None) -> tuple[ActivityKind, ...]:
        """The activity kinds the plugins add (not klaster's core kinds), by code; filtered."""
        kinds = self._cat().activity_kinds
        return kinds if sector is None else tuple(k for k in kinds if k.sector == sector)

    def eligibility_criteria(self, sector: str | None = None) -> tuple[EligibilityCriterion, ...]:
        """The plugins' eligibility criteria for applicants, by sector then code; filtered."""
        found = self._cat().eligibility_criteria
        return found if sector is None else tuple(c for c in found if c.sector == sector)

    def report_sections(self, sector: str | None = None) -> tuple[ReportSection, ...]:
        """The report sections the plugins add, by code; only one sector's if given."""
        found = self._cat().report_sections
        return found if sector is None else tuple(r for r in found if r.sector == sector)

    def report_section_plugin(self, code: str) -> str:
        """The name of the plugin declaring the report section ``code`` (``""`` if none)."""
        return self._cat().section_plugins.get(code, "")
