"""Round headings of a report whose clusters survey each round on their own days."""

from __future__ import annotations

import datetime as dt

import pytest
from tests.reports.synthetic import national

import klaster.examples
from klaster.model.program import Program
from klaster.observations import Observations
from klaster.reports import Report, Section, Table, build_report
from klaster.reports.document import Chart

DAY = dt.date(2014, 4, 1)


@pytest.fixture(scope="module")
def three() -> tuple[Program, Observations]:
    # Clusters c0000, c0001, c0002: baselines 1, 8 and 15 March 2011 (no key has one date).
    return national(3000)


def _section(report: Report, key: str) -> Section:
    return next(s for s in report.sections if s.key == key)


def _headings(report: Report) -> list[str]:
    found = _section(report, "indicators").blocks
    table = next(b for b in found if isinstance(b, Table) and b.key == "indicators")
    return [c.label.en for c in table.columns if c.key.startswith("v_")]


class TestRoundHeadings:
    def test_program_shows_the_span_of_its_clusters_days(
        self, three: tuple[Program, Observations]
    ) -> None:
        found = build_report(*three, made_on=DAY, backend="polars", sections=["indicators"])
        assert _headings(found) == [
            "Baseline (March 1, 2011 – March 15, 2011)",
            "Midline (August 30, 2012 – September 13, 2012)",
            "Endline (March 1, 2014 – March 15, 2014)",
        ]

    def test_a_cluster_shows_its_own_day(self, three: tuple[Program, Observations]) -> None:
        found = build_report(
            *three, cluster="c0001", made_on=DAY, backend="polars", sections=["indicators"]
        )
        assert _headings(found) == [
            "Baseline (March 8, 2011)",
            "Midline (September 6, 2012)",
            "Endline (March 8, 2014)",
        ]

    def test_chart_series_carry_the_days(self, three: tuple[Program, Observations]) -> None:
        found = build_report(*three, made_on=DAY, backend="polars", sections=["change"])
        charts = [b for b in _section(found, "change").blocks if isinstance(b, Chart)]
        assert charts
        assert charts[0].series[0].name.id == "Awal (1 Maret 2011 – 15 Maret 2011)"

    def test_one_day_headings_unchanged(self) -> None:
        found = build_report(*klaster.examples.bantaeng(), made_on=DAY, sections=["indicators"])
        assert _headings(found) == ["Baseline (June 15, 2011)", "Endline (March 1, 2014)"]
