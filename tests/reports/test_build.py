"""``build_report`` on the bundled Bantaeng program: each section's tree, its figures, its scope."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from tests.reports.synthetic import national

import klaster.examples
from klaster.errors import NotFoundError
from klaster.label import Label
from klaster.measurement import Measurement
from klaster.measurement.na import NotAvailable
from klaster.model.program import Program
from klaster.observations import Observations
from klaster.reports import Kind, Report, Section, Table, build_report
from klaster.reports.document import Chart, Paragraph

DAY = dt.date(2014, 4, 1)


@pytest.fixture(scope="module")
def bantaeng() -> tuple[Program, Observations]:
    program, observations = klaster.examples.bantaeng()
    return program, observations


@pytest.fixture(scope="module")
def report(bantaeng: tuple[Program, Observations]) -> Report:
    return build_report(*bantaeng, made_on=DAY)


def section(report: Report, key: str) -> Section:
    return next(s for s in report.sections if s.key == key)


def table(found: Section, key: str) -> Table:
    return next(b for b in found.blocks if isinstance(b, Table) and b.key == key)


class TestSections:
    def test_every_built_in_section_in_reading_order(self, report: Report) -> None:
        keys = [s.key for s in report.sections]
        assert keys[:4] == ["lifecycle", "counts", "indicators", "targets"]
        assert {"change", "poverty", "cibest", "portfolio", "handover", "readiness"} <= set(keys)
        assert {"activities", "budget"} <= set(keys)

    def test_the_lifecycle_has_every_phase_with_its_dates(self, report: Report) -> None:
        rows = table(section(report, "lifecycle"), "lifecycle").rows
        assert [r[2] for r in rows] == [
            dt.date(2010, 9, 1),
            dt.date(2011, 4, 4),
            dt.date(2012, 1, 9),
            dt.date(2014, 3, 25),
        ]
        assert rows[-1][3] is None  # still in independence
        assert rows[-1][4] == (DAY - dt.date(2014, 3, 25)).days

    def test_counts_per_cluster_and_sector_with_a_total(
        self, report: Report, bantaeng: tuple[Program, Observations]
    ) -> None:
        found = table(section(report, "counts"), "counts")
        cluster = bantaeng[0].clusters["bantaeng"]
        assert found.rows[0][:3] == ("bantaeng", "umkm", len(cluster.members))
        assert found.rows[0][3] == len(cluster.active_members(DAY))
        assert found.total_rows == 1
        assert found.rows[-1][2] == len(cluster.members)

    def test_indicator_figures_equal_the_measurement(
        self, report: Report, bantaeng: tuple[Program, Observations]
    ) -> None:
        found = table(section(report, "indicators"), "indicators")
        results = Measurement(*bantaeng).report(by=[()])
        keys = [c.key for c in found.columns]
        assert keys[3:] == ["v_baseline", "n_baseline", "v_endline", "n_endline"]  # date order
        checked = 0
        for row in found.rows:
            for round_key in ("baseline", "endline"):
                expected = results.row(str(row[0]), round_key)
                value = row[keys.index(f"v_{round_key}")]
                assert value == expected.value
                assert row[keys.index(f"n_{round_key}")] == expected.n
                checked += 1
        assert checked >= 20

    def test_each_indicator_row_is_shown_as_its_indicator_says(self, report: Report) -> None:
        found = table(section(report, "indicators"), "indicators")
        codes = [row[0] for row in found.rows]
        p0 = codes.index("poverty_headcount")
        income = codes.index("income_per_capita")
        assert found.column_at(p0, 3).kind is Kind.PERCENT
        assert found.column_at(income, 3).kind is Kind.MONEY
        assert found.column_at(income, 4).kind is Kind.COUNT  # n stays a count

    def test_every_indicator_shown_is_defined_in_the_appendix(self, report: Report) -> None:
        shown = {row[0] for row in table(section(report, "indicators"), "indicators").rows}
        defined = {d.code for d in report.definitions}
        assert shown <= defined
        assert [d.code for d in report.definitions] == sorted(defined)
        p0 = next(d for d in report.definitions if d.code == "poverty_headcount")
        assert "FGT" in p0.text.en
        assert "Satuan" in p0.text.id

    def test_baseline_to_endline_charts_by_sector_with_their_n(self, report: Report) -> None:
        blocks = section(report, "change").blocks
        charts = [b for b in blocks if isinstance(b, Chart)]
        income = next(c for c in charts if c.key == "chart_income_per_capita")
        assert [s.name.en.split(" ")[0] for s in income.series] == ["Baseline", "Endline"]
        assert [s.name.id.split(" ")[0] for s in income.series] == ["Awal", "Akhir"]
        assert income.value_kind is Kind.MONEY
        assert income.alt is not None
        assert [c.en for c in income.categories] == ["umkm"]
        notes = [b.text.en for b in blocks if isinstance(b, Paragraph)]
        assert any("n = 190" in note for note in notes)

    def test_poverty_tables_are_fgt_p0_to_p2(self, report: Report) -> None:
        fgt = table(section(report, "poverty"), "fgt")
        assert [r[0] for r in fgt.rows] == ["poverty_headcount", "poverty_gap", "poverty_severity"]
        assert fgt.rows[0][3] == Decimal(fgt.rows[0][3])  # type: ignore[arg-type]

    def test_readiness_lists_each_criterion_with_its_evidence_round(self, report: Report) -> None:
        found = table(section(report, "readiness"), "readiness")
        assert found.rows
        assert {row[0] for row in found.rows} == {"bantaeng"}
        assert {row[7] for row in found.rows} == {"btg-endline"}
        assert "legal_cooperatives" in {row[3] for row in found.rows}


class TestReadinessEvidence:
    """The section reads figures computed once; its evidence is the engine's, line by line."""

    @staticmethod
    def engine_lines(program: Program, observations: Observations) -> list[tuple[object, ...]]:
        from klaster.measurement import AllOf, cluster_exit_criteria

        engine = Measurement(program, observations)
        lines: list[tuple[object, ...]] = []
        for cluster in program.clusters:
            latest = observations.rounds(cluster.id)[-1]
            rule = AllOf(cluster_exit_criteria(cluster))
            (readiness,) = engine.readiness(rule, latest.id)
            lines += [
                (cluster.id, r.reads, str(r.value), r.passed, r.round_id or latest.id)
                for r in readiness.results
            ]
        return lines

    @staticmethod
    def section_lines(found: Report) -> list[tuple[object, ...]]:
        rows = table(section(found, "readiness"), "readiness").rows
        passed = {"met": True, "not met": False}
        return [
            (r[0], r[3], str(r[5]), passed.get(r[6].en), r[7])  # type: ignore[union-attr]
            for r in rows
        ]

    def test_bantaeng(self, bantaeng: tuple[Program, Observations], report: Report) -> None:
        assert self.section_lines(report) == self.engine_lines(*bantaeng)

    def test_three_clusters_of_three_sectors(self) -> None:
        program, observations = national(3000)
        found = build_report(program, observations, made_on=DAY, backend="polars")
        lines = self.section_lines(found)
        assert len({line[0] for line in lines}) == 3
        assert lines == self.engine_lines(program, observations)


class TestRoundOrder:
    def test_rounds_in_date_order_when_clusters_survey_on_their_own_days(self) -> None:
        # Three clusters, each with its own baseline, midline and endline days: no key has one
        # date, so the columns were ordered by name (baseline, endline, midline) and the
        # transitions ran from the baseline to the midline.
        program, observations = national(3000)
        found = build_report(program, observations, made_on=DAY, backend="polars")
        keys = [c.key for c in table(section(found, "indicators"), "indicators").columns]
        assert [k for k in keys if k.startswith("v_")] == ["v_baseline", "v_midline", "v_endline"]


class TestScope:
    def test_a_round_keeps_only_that_round(self, bantaeng: tuple[Program, Observations]) -> None:
        found = build_report(*bantaeng, round="endline", made_on=DAY)
        keys = [c.key for c in table(section(found, "indicators"), "indicators").columns]
        assert keys[3:] == ["v_endline", "n_endline"]
        assert "putaran endline" in found.subtitle.id

    def test_a_round_by_its_id(self, bantaeng: tuple[Program, Observations]) -> None:
        found = build_report(*bantaeng, round="btg-baseline", made_on=DAY)
        keys = [c.key for c in table(section(found, "indicators"), "indicators").columns]
        assert keys[3:] == ["v_baseline", "n_baseline"]

    def test_a_cluster_equals_the_program_of_one_cluster(
        self, bantaeng: tuple[Program, Observations]
    ) -> None:
        whole = build_report(*bantaeng, made_on=DAY)
        one = build_report(*bantaeng, cluster="bantaeng", made_on=DAY)
        a = table(section(whole, "indicators"), "indicators").rows
        b = table(section(one, "indicators"), "indicators").rows
        assert a == b
        assert "klaster" in one.subtitle.id

    @pytest.mark.parametrize(
        ("option", "value", "hint"),
        [
            ("cluster", "bantaneg", "did you mean 'bantaeng'"),
            ("sector", "umkn", "did you mean 'umkm'"),
            ("round", "endlin", "did you mean 'endline'"),
        ],
    )
    def test_an_unknown_scope_is_named_with_the_nearest(
        self, bantaeng: tuple[Program, Observations], option: str, value: str, hint: str
    ) -> None:
        scope: dict[str, Any] = {option: value}
        with pytest.raises(NotFoundError, match=hint):
            build_report(*bantaeng, made_on=DAY, **scope)

    def test_only_some_sections(self, bantaeng: tuple[Program, Observations]) -> None:
        found = build_report(*bantaeng, made_on=DAY, sections=["counts", "poverty"])
        assert [s.key for s in found.sections] == ["counts", "poverty"]
        with pytest.raises(NotFoundError, match="did you mean 'poverty'"):
            build_report(*bantaeng, made_on=DAY, sections=["povrty"])


class TestMissingData:
    def test_without_observations_the_figure_sections_say_so(
        self, bantaeng: tuple[Program, Observations]
    ) -> None:
        found = build_report(bantaeng[0], None, made_on=DAY)
        for key in ("indicators", "change", "poverty", "cibest", "readiness"):
            missing = section(found, key).missing
            assert isinstance(missing, Label), key
            assert "no survey data" in missing.en, key
            assert section(found, key).blocks == ()
        assert section(found, "counts").missing is None  # the registry needs no survey

    def test_one_round_has_no_change_nor_transitions(
        self, bantaeng: tuple[Program, Observations]
    ) -> None:
        found = build_report(*bantaeng, round="baseline", made_on=DAY)
        for key in ("change", "cibest"):
            missing = section(found, key).missing
            assert missing is not None
            assert "two survey rounds" in missing.en

    def test_no_finance_book_no_framework_no_fieldwork(self, report: Report) -> None:
        for key, why in [
            ("portfolio", "no finance book"),
            ("handover", "no finance book"),
            ("budget", "no finance book"),
            ("targets", "no results framework"),
            ("activities", "no activities or visits"),
        ]:
            missing = section(report, key).missing
            assert missing is not None, key
            assert why in missing.en, key

    def test_a_figure_that_cannot_be_computed_keeps_its_reason(self, report: Report) -> None:
        found = table(section(report, "indicators"), "indicators")
        row = next(r for r in found.rows if r[0] == "income_change_pct")
        assert isinstance(row[3], NotAvailable)
        assert "baseline" in row[3].reason

    def test_no_plans_is_said_under_the_timeline(self, report: Report) -> None:
        notes = [b for b in section(report, "lifecycle").blocks if isinstance(b, Paragraph)]
        assert "no plans recorded" in notes[0].text.en
