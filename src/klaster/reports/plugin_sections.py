"""The report sections plugins declare (``klaster_report_sections``), built like the core ones.

A plugin declares a :class:`~klaster.catalogue.report_section.ReportSection` (data: title,
indicators, dimensions, chart or not); this module turns each into a
:class:`~klaster.reports.document.Section` for the sectors the report covers. A section that
cannot be built (an unknown indicator, a dimension the measurement does not know, a failure)
says "not available (why)" naming its plugin, and the other sections are kept.
"""

from __future__ import annotations

from collections.abc import Sequence

from attrs import frozen

from klaster._support.suggest import did_you_mean
from klaster.catalogue.report_section import ReportSection
from klaster.errors import KlasterError
from klaster.label import Label
from klaster.measurement import DIMENSIONS
from klaster.plugins import get_host
from klaster.reports.context import ReportData
from klaster.reports.document import Block, Paragraph, Section
from klaster.reports.sections.change import chart_n, sector_chart
from klaster.reports.sections.indicators import figure_table, no_observations

__all__ = ["PluginSections", "build_section", "plugin_sections"]


@frozen
class PluginSections:
    """The plugins' sections for one report: their codes and keys, and how to build them."""

    data: ReportData
    declared: tuple[tuple[ReportSection, str], ...]

    def keys(self) -> list[str]:
        """The section keys (the declarations' codes)."""
        return [section.code for section, _ in self.declared]

    def codes(self) -> list[str]:
        """Every indicator code the sections show (computed with the report's figures)."""
        return [code for section, _ in self.declared for code in section.indicators]

    def build(self) -> list[Section]:
        """Each section, or its "not available (why)" naming the plugin."""
        return [build_section(self.data, section, plugin) for section, plugin in self.declared]


def plugin_sections(data: ReportData) -> PluginSections:
    """The sections the loaded plugins declare for the sectors the report covers."""
    host = get_host()
    sectors = data.sectors()
    declared = []
    for section in host.report_sections():
        if section.sector in sectors:
            declared.append((section, host.report_section_plugin(section.code) or section.sector))
    return PluginSections(data, tuple(declared))


def build_section(data: ReportData, section: ReportSection, plugin: str) -> Section:
    """One declared section: its indicators per round with n, by each dimension, a chart."""
    if data.engine is None:
        return no_observations(section.code, section.title)
    problem = _problem(data, section)
    if problem is not None:
        return _missing(section, plugin, problem)
    try:
        return Section(section.code, section.title, _blocks(data, section))
    except KlasterError as exc:  # a section's problem stays in its section
        return _missing(section, plugin, str(exc))


def _problem(data: ReportData, section: ReportSection) -> str | None:
    assert data.engine is not None
    codes = data.engine.codes()
    for code in section.indicators:
        if code not in codes:
            hint = did_you_mean(code, codes)
            return f"unknown indicator {code!r}" + (f"; {hint}" if hint else "")
    for dim in section.by:
        if dim not in DIMENSIONS:
            hint = did_you_mean(dim, DIMENSIONS) or f"use one of {', '.join(DIMENSIONS)}"
            return f"unknown dimension {dim!r}; {hint}"
    return None


def _blocks(data: ReportData, section: ReportSection) -> list[Block]:
    blocks: list[Block] = []
    if section.description is not None:
        blocks.append(Paragraph(section.description))
    table = figure_table(data, section.code, section.title, section.indicators)
    if table is None:
        raise KlasterError("no figures for its indicators in any round")
    blocks.append(table)
    for dim in section.by:
        blocks.extend(_breakdown(data, section, dim))
    if section.chart:
        chart = sector_chart(data, section.indicators[0], key=f"{section.code}_chart")
        if chart is not None:
            blocks += [chart, chart_n(data, section.indicators[0])]
    return blocks


def _breakdown(data: ReportData, section: ReportSection, dim: str) -> Sequence[Block]:
    """The section's indicators by one dimension: a table per category, in the scope's cell."""
    assert data.engine is not None
    base = data.scope.cell
    spec = tuple(dict.fromkeys([*(k for k, _ in base), dim]))
    rows = tuple(data.engine.report(list(section.indicators), by=[spec]))
    categories = list(
        dict.fromkeys(
            category
            for row in rows
            if all(row.dimension(k) == v for k, v in base)
            and (category := row.dimension(dim)) is not None
        )
    )
    blocks: list[Block] = []
    for category in categories:
        cell = tuple((dict(base) | {dim: category}).items())
        title = Label(
            f"{section.title.id} — {dim} {category}", f"{section.title.en} — {dim} {category}"
        )
        key = f"{section.code}_{_key(dim)}_{_key(category)}"
        table = figure_table(data, key, title, section.indicators, cell=cell, rows=rows)
        if table is not None:
            blocks.append(table)
    return blocks


def _key(text: str) -> str:
    cleaned = "".join(c if c.isalnum() else "_" for c in text.lower()).strip("_")
    return cleaned if cleaned and cleaned[0].isalpha() else f"x{cleaned}"


def _missing(section: ReportSection, plugin: str, why: str) -> Section:
    return Section(
        section.code,
        section.title,
        missing=Label(
            f"bagian dari plugin {plugin!r} tidak dapat dibuat: {why}",
            f"the section of plugin {plugin!r} cannot be built: {why}",
        ),
    )
