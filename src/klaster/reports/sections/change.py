"""Baseline → endline: a chart per headline indicator, sectors side by side, rounds as bars."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Final

from klaster.label import Label
from klaster.reports.cells import cell_text
from klaster.reports.context import ReportData
from klaster.reports.display import display_of
from klaster.reports.document import Block, Chart, ChartKind, Column, Paragraph, Section, Series
from klaster.reports.sections.indicators import heading_of, no_observations

__all__ = ["CHARTED", "build", "chart_n", "sector_chart"]

TITLE = Label("Perubahan dari baseline ke endline", "Change from baseline to endline")
CHARTED: Final = ("income_per_capita", "poverty_headcount", "active_group_share")
"""The core indicators charted by sector (a sector's own are charted by its report sections)."""


def build(data: ReportData) -> Section:
    """One bar chart per charted indicator that has figures, with its data table."""
    if data.engine is None:
        return no_observations("change", TITLE)
    if len(data.rounds()) < 2:
        return Section(
            "change",
            TITLE,
            missing=Label(
                "perlu sedikitnya dua putaran survei", "at least two survey rounds are needed"
            ),
        )
    blocks: list[Block] = []
    for code in CHARTED:
        chart = sector_chart(data, code)
        if chart is not None:
            blocks += [chart, chart_n(data, code)]
    if not blocks:
        return Section(
            "change",
            TITLE,
            missing=Label(
                "indikator utama belum punya angka per sektor",
                "the headline indicators have no figures by sector",
            ),
        )
    return Section("change", TITLE, blocks)


def sector_chart(data: ReportData, code: str, key: str | None = None) -> Chart | None:
    """``code`` by sector (categories) and round (series, in date order); ``None`` if no data."""
    if data.engine is None or not data.engine.knows(code):
        return None
    figures = data.by_sector(code)
    sectors = list(dict.fromkeys(sector for sector, _ in figures))
    rounds = data.rounds()
    if not sectors or not rounds:
        return None
    series = []
    for round_key, on in rounds:
        values: list[Decimal | None] = []
        for sector in sectors:
            row = figures.get((sector, round_key))
            value = None if row is None else row.value
            values.append(value if isinstance(value, Decimal) else None)
        series.append(Series(heading_of(data, round_key, on), values))
    if all(v is None for s in series for v in s.values):
        return None
    indicator = data.engine.indicator(code)
    data.define(code)
    kind, digits = display_of(indicator)
    return Chart(
        key or f"chart_{code}",
        indicator.name,
        ChartKind.BAR,
        [Label(s, s) for s in sectors],
        series,
        value_kind=kind,
        alt=_alt(sectors, series, Column("v", Label("Nilai", "Value"), kind, digits)),
    )


def chart_n(data: ReportData, code: str) -> Paragraph:
    """The ``n`` behind each bar of :func:`sector_chart`: units counted per sector and round."""
    figures = data.by_sector(code)
    parts = [
        f"{sector} {round_key}: n = {row.n}"
        for (sector, round_key), row in sorted(
            figures.items(), key=lambda item: (item[0][0], _order(data, item[0][1]))
        )
    ]
    listed = "; ".join(parts)
    return Paragraph(Label(f"Jumlah unit yang dihitung: {listed}.", f"Units counted: {listed}."))


def _order(data: ReportData, round_key: str) -> int:
    keys = [key for key, _ in data.rounds()]
    return keys.index(round_key) if round_key in keys else len(keys)


def _alt(sectors: Sequence[str], series: Sequence[Series], column: Column) -> Label:
    """The chart in words: each sector's value per round (renderers put kind and title first)."""

    def words(lang: str) -> str:
        parts = []
        for index, sector in enumerate(sectors):
            steps = " → ".join(
                f"{s.name.get(lang)}: "
                + (
                    cell_text(s.values[index], column, lang)  # type: ignore[arg-type]
                    if s.values[index] is not None
                    else ("tidak tersedia" if lang == "id" else "not available")
                )
                for s in series
            )
            parts.append(f"{sector}: {steps}")
        return "; ".join(parts) + "."

    return Label(words("id"), words("en"))
