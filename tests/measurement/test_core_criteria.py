"""The core exit criteria on recorded figures: groups recorded active, and sector criteria judged
on that sector's members."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from klaster import (
    Cluster,
    ClusterSector,
    Group,
    Label,
    Member,
    Membership,
    Organisation,
    Program,
    Region,
    Sex,
)
from klaster.catalogue import Level, Operator, ReadinessCriterion
from klaster.measurement import AllOf, Measurement, as_guard, backsliding, core_criteria
from klaster.observations import Observations, Round, variable_catalogue

D = Decimal
START = dt.date(2011, 1, 1)


def _backends() -> list[str]:
    try:
        import polars  # noqa: F401
    except ImportError:
        return ["python"]
    return ["python", "polars"]


def _program(g0_left: dt.date | None = None) -> Program:
    """One cluster of 10 groups: 5 of farmers (2 each) and 5 of traders (4 each).

    ``g0_left``: when the members of group g0 left it (they stay in the program).
    """
    desa = Region.desa("Desa Satu", "73.03.01.2001")
    region = Region.province(
        "Sulawesi Selatan",
        "73",
        [Region.kabupaten("Bantaeng", "73.03", [Region.kecamatan("Kec", "73.03.01", [desa])])],
    )
    members, groups = [], []
    for g in range(10):
        sector = "farming" if g < 5 else "umkm"
        spells = []
        for p in range(2 if sector == "farming" else 4):
            member = Member(
                id=f"m{g}-{p}",
                name=f"Mitra {g}-{p}",
                sex=Sex.FEMALE if p % 2 else Sex.MALE,
                household_size=4,
                village="Desa Satu",
                sector=sector,
                joined=START,
            )
            members.append(member)
            spells.append(Membership(member.id, START, left=g0_left if g == 0 else None))
        groups.append(Group(f"g{g}", f"Kelompok {g}", sector, START, memberships=spells))
    cluster = Cluster(
        id="c",
        name="Klaster",
        region=region,
        sectors=[ClusterSector("farming", "dd"), ClusterSector("umkm", "dd")],
        members=members,
        groups=groups,
        cooperatives=[],
    )
    return Program(
        id="p",
        name="Program",
        organisation_id="dd",
        organisations=[Organisation("dd", "Dompet Dhuafa", "ngo")],
        clusters=[cluster],
    )


def _observations(farmers_up: int, others_up: int) -> Observations:
    """Baseline income 1,000,000 for everyone; at the endline farmers' income is up
    ``farmers_up`` percent and the traders' ``others_up`` percent."""
    program = _program()
    obs = Observations(program, variable_catalogue())
    obs.add_round(Round("bl", "c", "baseline", dt.date(2012, 1, 10)))
    obs.add_round(Round("el", "c", "endline", dt.date(2014, 1, 10)))
    for member in program.clusters["c"].members:
        up = farmers_up if member.sector == "farming" else others_up
        obs.record("bl", member.id, {"monthly_income": D(1_000_000)})
        obs.record("el", member.id, {"monthly_income": D(1_000_000) * (100 + up) / 100})
    return obs


FARMERS_INCOME_UP = ReadinessCriterion(
    "farming_income_up",
    "farming",
    Level.CLUSTER,
    Label("Pendapatan petani naik lebih dari 50%", "Farmers' income up more than 50%"),
    "income_change_pct",
    Operator.GT,
    50,
)


class TestActiveGroups:
    def _recorded(self) -> Observations:
        obs = _observations(60, 10)
        # 4 groups recorded inactive, 2 recorded active, 4 without a recorded value: every
        # group still has its members on the roster.
        obs.record_many(
            "el",
            [(f"g{g}", {"group_active": g >= 4}) for g in range(6)],
        )
        return obs

    @pytest.mark.parametrize("backend", _backends())
    def test_recorded_values_count(self, backend: str) -> None:
        obs = self._recorded()
        engine = Measurement(obs.program, obs, backend=backend)
        report = engine.report(
            ["active_group_share", "active_groups", "groups"], by=[(), ("sector",)]
        )
        assert report.value("groups", "endline") == 10
        assert report.value("active_groups", "endline") == 6
        assert report.value("active_group_share", "endline") == D("0.6")
        assert report.value("active_group_share", "endline", sector="farming") == D("0.2")
        assert report.value("active_group_share", "baseline") == 1  # nothing recorded: rosters

    def test_the_core_criterion_sees_it(self) -> None:
        obs = self._recorded()
        engine = Measurement(obs.program, obs)
        (result,) = engine.readiness(AllOf(core_criteria()), "el")
        (line,) = [r for r in result.results if r.code == "core_groups_active"]
        assert (line.value, line.passed) == (D("0.6"), False)

    def test_backsliding_after_exit_is_seen(self) -> None:
        obs = _observations(60, 60)
        obs.add_round(Round("mon", "c", "monitoring", dt.date(2015, 1, 10)))
        obs.record_many("mon", [(f"g{g}", {"group_active": g >= 4}) for g in range(10)])
        engine = Measurement(obs.program, obs)
        rule = AllOf(core_criteria(legal_cooperatives=0))
        (at_exit,) = engine.readiness(rule, "el")
        (later,) = engine.readiness(rule, "mon")
        assert [r.code for r in backsliding(at_exit, later)] == ["core_groups_active"]

    def test_a_group_without_members_and_no_record_is_inactive(self) -> None:
        program = _program(g0_left=dt.date(2014, 6, 1))
        obs = Observations(program, variable_catalogue())
        obs.add_round(Round("mon", "c", "monitoring", dt.date(2015, 1, 10)))
        obs.record("mon", "m0-0", {"monthly_income": D(1)})
        obs.record("mon", "g1", {"group_active": False})  # g0 by its roster, g1 as recorded
        share = (
            Measurement(program, obs)
            .report(["active_group_share"])
            .value("active_group_share", "monitoring")
        )
        assert share == D("0.8")


class TestSectorCriteria:
    @pytest.mark.parametrize(
        ("farmers_up", "others_up", "passed"), [(60, 10, True), (10, 90, False)]
    )
    def test_judged_on_the_sectors_members(
        self, farmers_up: int, others_up: int, passed: bool
    ) -> None:
        obs = _observations(farmers_up, others_up)
        engine = Measurement(obs.program, obs)
        (result,) = engine.readiness(AllOf([FARMERS_INCOME_UP, *core_criteria()]), "el")
        lines = {r.code: r for r in result.results}
        farmers = lines["farming_income_up"]
        assert (farmers.value, farmers.passed, farmers.sector) == (D(farmers_up), passed, "farming")
        # The core criterion reads the whole cluster (20 traders, 10 farmers).
        whole = lines["core_income_up"]
        assert whole.sector is None
        assert whole.value == D(farmers_up * 10 + others_up * 20) / 30

    def test_the_guard_names_the_sector(self) -> None:
        obs = _observations(60, 10)
        engine = Measurement(obs.program, obs)
        guard = as_guard(AllOf([FARMERS_INCOME_UP]), engine.lookup("el"))
        (check,) = guard(obs.program.clusters["c"], dt.date(2014, 2, 1))
        assert check.passed
        assert "income_change_pct of sector farming = 60 > 50: met (round el)" in check.detail

    def test_a_sector_without_surveyed_members_is_not_available(self) -> None:
        obs = _observations(60, 10)
        engine = Measurement(obs.program, obs)
        livestock = ReadinessCriterion(
            "herd_income_up", "livestock", Level.CLUSTER, Label("x", "x"),
            "income_change_pct", Operator.GT, 50,
        )  # fmt: skip
        (result,) = engine.readiness(AllOf([livestock]), "el")
        (line,) = result.results
        assert line.passed is None
        assert "for sector 'livestock'" in str(line.value)
