"""The indicator engine end to end on the bundled Bantaeng program."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from pathlib import Path

import pytest

import klaster
import klaster.plugins
from klaster import Label
from klaster.catalogue import Aggregation, Direction, Indicator, Level
from klaster.catalogue.formula import FormulaError
from klaster.measurement.core_criteria import cluster_exit_criteria, core_criteria
from klaster.measurement.engine import DIMENSIONS, Measurement
from klaster.measurement.na import NotAvailable
from klaster.measurement.readiness import AllOf, EssentialPlusConditional
from klaster.observations.core_variables import (
    CIBEST_ITEMS,
    SOCIAL_CAPITAL_ITEMS,
    core_variables,
    variable_catalogue,
)
from klaster.observations.rounds import Round
from klaster.observations.values import Observations

DATA = Path(__file__).resolve().parents[2] / "examples" / "data" / "bantaeng.json"
D = Decimal


@pytest.fixture(scope="module")
def engine() -> Measurement:
    program = klaster.load(DATA)
    host = klaster.plugins.get_host()
    obs = Observations(program, variable_catalogue(host))
    obs.add_round(Round("bl", "bantaeng", "baseline", "2011-06-15"))
    obs.add_round(Round("el", "bantaeng", "endline", "2014-03-01"))
    rng = random.Random(7)
    baseline, endline = [], []
    for member in program.clusters["bantaeng"].members:
        income = D(rng.randrange(600_000, 2_500_000, 1000))
        revenue = D(rng.randrange(500_000, 3_000_000, 1000))
        baseline.append(
            (
                member.id,
                {
                    "monthly_income": income,
                    "monthly_revenue": revenue,
                    "monthly_costs": revenue * D("0.7"),
                    "workers": 1,
                    "business_running": True,
                },
            )
        )
        if member.left is None and member.id != "BTG-0001":  # one more member not re-surveyed
            endline.append(
                (
                    member.id,
                    {
                        "monthly_income": income * D("1.5"),
                        # A closed business records no revenue nor workers (the umkm plugin).
                        "monthly_revenue": revenue if member.sex.value == "female" else 0,
                        "monthly_costs": revenue * D("0.6") if member.sex.value == "female" else 0,
                        "workers": 2 if member.sex.value == "female" else 0,
                        "business_running": member.sex.value == "female",
                    },
                )
            )
    obs.record_many("bl", baseline)
    obs.record_many("el", endline)
    return Measurement(program, obs, indicators=host.indicators())


class TestCoreIndicators:
    def test_counts(self, engine: Measurement) -> None:
        results = engine.report(["members", "groups", "legal_cooperatives"])
        assert results.value("members", "endline") == 188
        joined = [m for m in engine.program.members() if m.joined <= dt.date(2011, 6, 15)]
        assert results.value("members", "baseline") == len(joined) == 119
        assert results.value("groups", "endline") == 34
        assert results.value("legal_cooperatives", "baseline") == 0
        assert results.value("legal_cooperatives", "endline") == 1

    def test_paired_income_change_uses_paired_members_only(self, engine: Measurement) -> None:
        row = engine.report(["income_change_pct"]).row("income_change_pct", "endline")
        assert row.value == 50
        assert row.n == 187  # 190 at baseline, 2 left, 1 not re-surveyed
        baseline = engine.report(["income_change_pct"]).row("income_change_pct", "baseline")
        assert isinstance(baseline.value, NotAvailable)
        assert "this is the baseline" in baseline.value.reason
        jobs = engine.report(["jobs_created"]).row("jobs_created", "baseline")  # change(workers)
        assert isinstance(jobs.value, NotAvailable)
        assert "this is the baseline" in jobs.value.reason

    def test_income_per_capita_is_a_ratio_of_sums(self, engine: Measurement) -> None:
        obs = engine.observations
        units = obs.units("el")
        members = engine.program.clusters["bantaeng"].members
        income = sum(obs.value("el", u, "monthly_income") for u in units)
        people = sum(members[u].household_size for u in units)
        assert engine.report(["income_per_capita"]).value("income_per_capita", "endline") == (
            income / people
        )

    def test_poverty_against_the_national_line(self, engine: Measurement) -> None:
        results = engine.report(["poverty_headcount", "poverty_gap", "poverty_severity"])
        p0 = results.value("poverty_headcount", "baseline")
        p1 = results.value("poverty_gap", "baseline")
        p2 = results.value("poverty_severity", "baseline")
        assert isinstance(p0, Decimal)
        assert isinstance(p1, Decimal)
        assert isinstance(p2, Decimal)
        assert 0 <= p2 <= p1 <= p0 <= 1


class TestDisaggregation:
    def test_sums_by_sex_add_to_total(self, engine: Measurement) -> None:
        results = engine.report(["household_members", "jobs_created"], by=[(), ("sex",)])
        for code in ("household_members", "jobs_created"):
            total = results.row(code, "endline")
            parts = (
                results.filter(code, "endline", sex="female").rows
                + results.filter(code, "endline", sex="male").rows
            )
            assert total.value == sum(p.value for p in parts)  # type: ignore[misc]
            assert total.n == sum(p.n for p in parts)

    def test_share_by_sex(self, engine: Measurement) -> None:
        results = engine.report(["business_survival_rate"], by=[("sex",)])
        assert results.value("business_survival_rate", "endline", sex="female") == 1
        assert results.value("business_survival_rate", "endline", sex="male") == 0

    def test_sector_indicators_only_for_their_sector(self, engine: Measurement) -> None:
        results = engine.report(["yield_per_ha", "profit_margin"])
        assert not results.filter("yield_per_ha").rows  # no farming in this cluster
        assert results.value("profit_margin", "endline") == D("0.4")

    def test_unknown_dimension(self, engine: Measurement) -> None:
        with pytest.raises(klaster.ValidationError, match="unknown dimension 'colour'") as found:
            engine.report(["members"], by=[("colour",)])
        assert found.value.path == "by[0]"
        for dim in DIMENSIONS:
            assert dim in str(found.value)
        with pytest.raises(klaster.ValidationError, match="unknown dimension 'koperasi'"):
            engine.report(["members"], by=[("kabupaten", "koperasi")])

    def test_kabupaten_and_cooperative(self, engine: Measurement) -> None:
        codes = ["members", "household_members", "groups", "legal_cooperatives", "jobs_created"]
        by = [(), ("kabupaten",), ("cooperative",), ("kabupaten", "kecamatan")]
        results = engine.report(codes, by=by)
        for code in codes:  # one kabupaten, named as in the region tree (not "73.03")
            total = results.row(code, "endline")
            assert results.row(code, "endline", kabupaten="Bantaeng").value == total.value
        by_kecamatan = results.filter("members", "endline", kabupaten="Bantaeng")
        assert sum(r.value for r in by_kecamatan if len(r.by) == 2) == 188  # type: ignore[misc]
        # The one cooperative (IRMAN) has 188 members: those who left are not counted.
        cluster = engine.program.clusters["bantaeng"]
        (coop,) = cluster.cooperatives
        assert results.value("members", "endline", cooperative=coop.id) == 188
        assert results.value("household_members", "endline", cooperative=coop.id) == sum(
            cluster.members[m].household_size for m in coop.member_ids
        )
        # A cooperative is a member dimension: groups have no cooperative.
        assert not results.filter("groups", cooperative=coop.id).rows

    def test_tidy_records(self, engine: Measurement) -> None:
        records = engine.report(["members"], by=[(), ("kecamatan",)]).to_records()
        assert {r["kecamatan"] for r in records} == {None, "Bantaeng", "Bissappu", "Pajukukang"}
        assert all(r["label_en"] == "Members" for r in records)


class TestRegistration:
    def _indicator(self, formula: str, aggregation: str = "mean") -> Indicator:
        return Indicator(
            "my_indicator",
            "umkm",
            Label("Indikator saya", "My indicator"),
            Level.MEMBER,
            formula,
            Aggregation(aggregation),
            Direction.HIGHER,
        )

    def test_unknown_variable_is_reported_at_registration(self, engine: Measurement) -> None:
        with pytest.raises(FormulaError, match="unknown variable 'revenu'") as info:
            engine.add_indicator(self._indicator("monthly_revenu / 2".replace("monthly_", "")))
        assert "position 0" in str(info.value)

    def test_ratio_needs_a_division(self, engine: Measurement) -> None:
        with pytest.raises(klaster.ValidationError, match="numerator / denominator"):
            engine.add_indicator(self._indicator("monthly_revenue * 2", "ratio_of_sums"))

    def test_share_needs_a_condition(self, engine: Measurement) -> None:
        with pytest.raises(klaster.ValidationError, match="true/false"):
            engine.add_indicator(self._indicator("monthly_revenue", "share_meeting"))

    def test_user_indicator_and_target(self) -> None:
        fresh = _fresh()
        fresh.add_indicator(
            Indicator(
                "high_revenue",
                "umkm",
                Label("Omzet tinggi", "High revenue"),
                Level.MEMBER,
                "monthly_revenue >= 1000000",
                Aggregation.SHARE_MEETING,
                Direction.HIGHER,
            )
        )
        fresh.set_target("high_revenue", "endline", "0.5")
        row = fresh.report(["high_revenue"]).row("high_revenue", "endline")
        assert row.target == D("0.5")
        assert isinstance(row.value, Decimal)
        assert row.numerator is not None
        assert row.denominator == row.n


def _fresh() -> Measurement:
    program = klaster.load(DATA)
    obs = Observations(program, variable_catalogue())
    obs.add_round(Round("el", "bantaeng", "endline", "2014-03-01"))
    obs.record_many(
        "el",
        [
            (m.id, {"monthly_revenue": D(500_000 * (i % 4 + 1)), "business_running": True})
            for i, m in enumerate(program.clusters["bantaeng"].members)
            if m.left is None
        ],
    )
    return Measurement(program, obs)


class TestReadiness:
    def test_cluster_criteria_read_cluster_figures(self, engine: Measurement) -> None:
        criteria = klaster.plugins.get_host().readiness_criteria(sector="umkm", level="cluster")
        (result,) = engine.readiness(AllOf(criteria), "el")
        (line,) = result.results
        assert line.round_id == "el"
        assert line.value == engine.report(["business_survival_rate"]).value(
            "business_survival_rate", "endline"
        )

    def test_group_and_member_levels(self, engine: Measurement) -> None:
        host = klaster.plugins.get_host()
        groups = engine.readiness(AllOf(host.readiness_criteria("umkm", "group")), "el", "group")
        assert len(groups) == 34
        members = engine.readiness(
            EssentialPlusConditional(host.readiness_criteria("umkm", "member")), "el", "member"
        )
        assert len(members) == 187
        male = engine.program.clusters["bantaeng"].members
        for result in members:
            assert result.ready == (male[result.unit_id].sex.value == "female")

    def test_guard_moves_the_cluster(self) -> None:
        engine = _fresh()
        cluster = engine.program.clusters["bantaeng"]
        cluster.lifecycle._history.pop()  # back to strengthening, for this test only
        cluster.lifecycle.__attrs_post_init__()
        criteria = klaster.plugins.get_host().readiness_criteria(sector="umkm", level="cluster")
        change = cluster.advance(
            dt.date(2014, 3, 25),
            reason="closing workshop",
            decided_by="DD",
            guards=[engine.guard(AllOf(criteria), "el")],
        )
        assert change.checks[0].passed
        assert "business_survival_rate of sector umkm = 1" in change.checks[0].detail

    def test_core_criteria_read_core_figures(self, engine: Measurement) -> None:
        cluster = engine.program.clusters["bantaeng"]
        criteria = cluster_exit_criteria(cluster)
        assert [c.code for c in criteria[:3]] == [c.code for c in core_criteria()]
        assert {c.sector for c in criteria[3:]} == {"umkm"}
        (result,) = engine.readiness(AllOf(criteria), "el")
        lines = {line.code: line for line in result.results}
        report = engine.report(["legal_cooperatives", "active_group_share", "income_change_pct"])
        assert lines["core_legal_cooperative"].value == 1
        assert lines["core_legal_cooperative"].passed
        assert lines["core_groups_active"].value == report.value("active_group_share", "endline")
        income = report.value("income_change_pct", "endline")
        assert isinstance(income, Decimal)
        assert lines["core_income_up"].value == income
        assert lines["core_income_up"].passed == (income > 50)

    def test_core_thresholds_are_the_programs(self, engine: Measurement) -> None:
        income = engine.report(["income_change_pct"]).value("income_change_pct", "endline")
        assert isinstance(income, Decimal)
        for threshold, expected in [(income - 1, True), (income, False), (income + 1, False)]:
            (criterion,) = [
                c for c in core_criteria(income_change_pct=threshold) if c.code == "core_income_up"
            ]
            (result,) = engine.readiness(AllOf([criterion]), "el")
            assert result.ready is expected

    def test_income_up_is_not_available_at_baseline(self, engine: Measurement) -> None:
        (result,) = engine.readiness(AllOf(core_criteria()), "bl")
        assert not result.ready
        (line,) = [r for r in result.results if r.code == "core_income_up"]
        assert isinstance(line.value, NotAvailable)  # no change at the baseline itself
        assert line.passed is not True


class TestWelfareIndicators:
    def test_cibest_and_social_capital(self) -> None:
        program = klaster.load(DATA)
        obs = Observations(program, core_variables())
        obs.add_round(Round("el", "bantaeng", "endline", "2014-03-01"))
        members = [m for m in program.clusters["bantaeng"].members if m.left is None]
        rows = []
        for i, member in enumerate(members):
            rich = i % 2 == 0
            pious = i % 4 < 2
            size = member.household_size
            rows.append(
                (
                    member.id,
                    {
                        "monthly_income": D(1_000_000 * size) if rich else D(100_000 * size),
                        **dict.fromkeys(CIBEST_ITEMS, 5 if pious else 1),
                        **dict.fromkeys(SOCIAL_CAPITAL_ITEMS, 5),
                    },
                )
            )
        obs.record_many("el", rows)
        results = Measurement(program, obs).report(
            [
                "cibest_welfare",
                "cibest_material_poverty",
                "cibest_spiritual_poverty",
                "cibest_absolute_poverty",
                "social_capital_index",
            ]
        )
        shares = [
            results.value(code, "endline")
            for code in (
                "cibest_welfare",
                "cibest_material_poverty",
                "cibest_spiritual_poverty",
                "cibest_absolute_poverty",
            )
        ]
        n = len(members)
        expected_welfare = sum(1 for i in range(n) if i % 2 == 0 and i % 4 < 2)
        assert shares[0] == D(expected_welfare) / n
        assert sum(shares) == 1  # type: ignore[arg-type]
        assert results.value("social_capital_index", "endline") == 100
