"""Composite readiness criteria (``all_of``/``any_of``): evidence per part, missing values, the
guard's detail, the engine's figures, and one part behaving exactly like one comparison."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

import pytest
from hypothesis import given
from hypothesis import strategies as st

import klaster
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
)
from klaster.catalogue import Condition, Level, Operator, ReadinessCriterion
from klaster.measurement import (
    AllOf,
    ConditionResult,
    Evidence,
    KOfN,
    Measurement,
    NotAvailable,
    Weighted,
    as_guard,
)
from klaster.measurement.readiness import Lookup, evaluate
from klaster.observations import Observations, Round, variable_catalogue
from klaster.store import Store

D = Decimal
L = Label("Perahu dan BBM", "Boats and fuel")


def _composite(kind: str, *conditions: Condition, **extra: Any) -> ReadinessCriterion:
    parts: dict[str, Any] = {kind: conditions}
    return ReadinessCriterion("boat_and_fuel", "fisheries", Level.CLUSTER, L, **parts, **extra)


BOAT = Condition("boat_owned_share", ">=", "0.70")
FUEL = Condition("fuel_cost_share", "<", "0.40")


def _lookup(values: dict[str, object]) -> Lookup:
    def find(criterion: ReadinessCriterion, unit: str) -> Evidence | NotAvailable:
        if criterion.reads not in values:
            return NotAvailable(f"no value of {criterion.reads!r}")
        return Evidence(values[criterion.reads], "el")

    return find


class TestRecord:
    def test_single_form_unchanged(self) -> None:
        single = ReadinessCriterion("c", "s", "member", L, "x", ">=", 1)
        assert single.combination is None
        assert single.parts() == (single,)
        assert single.conditions == (Condition("x", ">=", 1),)

    def test_tables_are_read_as_conditions(self) -> None:
        both = ReadinessCriterion(
            "c", "s", "cluster", L,
            all_of=[{"reads": "boat_owned_share", "operator": ">=", "threshold": "0.70"}, FUEL],
        )  # fmt: skip
        assert both.conditions == (BOAT, FUEL)
        assert [p.reads for p in both.parts()] == ["boat_owned_share", "fuel_cost_share"]
        assert {p.code for p in both.parts()} == {"c"}

    @pytest.mark.parametrize(
        ("changes", "message"),
        [
            ({"all_of": [BOAT], "any_of": [FUEL]}, r"any_of \(criterion 'c'\): give all_of or"),
            ({"all_of": [BOAT], "reads": "x"}, r"reads \(criterion 'c'\): a criterion with all_of"),
            ({}, r"reads \(criterion 'c'\): needs reads, operator and threshold"),
            (
                {"any_of": [{"reads": "x", "operator": ">", "threshold": True}]},
                r"any_of\[0\]\.threshold \(criterion 'c'\): a true/false or category threshold",
            ),
            (
                {"all_of": [BOAT, {"reads": "x", "op": ">", "threshold": 1}]},
                r"all_of\[1\] \(criterion 'c'\): unknown key\(s\) op; missing operator",
            ),
            ({"all_of": "x"}, r"all_of \(criterion 'c'\): must be a list of conditions"),
        ],
    )
    def test_shape_problems_name_the_criterion(
        self, changes: dict[str, object], message: str
    ) -> None:
        with pytest.raises(klaster.ValidationError, match=message):
            ReadinessCriterion("c", "s", "cluster", L, **changes)  # type: ignore[arg-type]

    def test_a_bad_threshold_names_its_criterion(self) -> None:
        with pytest.raises(klaster.ValidationError) as caught:
            ReadinessCriterion("boat_owned", "s", "member", L, "owns_boat", ">=", True)
        assert caught.value.path == "threshold (criterion 'boat_owned')"
        with pytest.raises(klaster.ValidationError, match=r"threshold \(criterion 'b'\): got the"):
            ReadinessCriterion("b", "s", "member", L, "x", ">=", 0.7)  # type: ignore[arg-type]

    def test_is_met_of_a_composite_says_what_to_do(self) -> None:
        with pytest.raises(klaster.ValidationError, match="decide"):
            _composite("all_of", BOAT, FUEL).is_met(D(1))


class TestDecide:
    # (outcomes, all_of, any_of); None: the part could not be checked
    TABLE: ClassVar[list[tuple[tuple[bool | None, ...], bool | None, bool | None]]] = [
        ((True, True), True, True),
        ((True, False), False, True),
        ((False, False), False, False),
        ((True, None), None, True),
        ((False, None), False, None),
        ((None, None), None, None),
    ]

    @pytest.mark.parametrize(("outcomes", "all_of", "any_of"), TABLE)
    def test_missing_parts(
        self, outcomes: tuple[bool | None, ...], all_of: bool | None, any_of: bool | None
    ) -> None:
        assert _composite("all_of", BOAT, FUEL).decide(outcomes) is all_of
        assert _composite("any_of", BOAT, FUEL).decide(outcomes) is any_of


class TestEvaluation:
    def test_evidence_per_part_hand_computed(self) -> None:
        # 0.75 >= 0.70 met; 0.35 < 0.40 met: all of them, so met.
        lookup = _lookup({"boat_owned_share": D("0.75"), "fuel_cost_share": D("0.35")})
        result = evaluate(AllOf([_composite("all_of", BOAT, FUEL)]), "C-1", lookup)
        assert result.ready
        (line,) = result.results
        assert (line.code, line.reads, line.operator, line.threshold, line.value, line.passed) == (
            "boat_and_fuel", "boat_owned_share and fuel_cost_share", "all_of", None, None, True,
        )  # fmt: skip
        assert line.round_id == "el"
        assert line.parts == (
            ConditionResult("boat_owned_share", ">=", D("0.70"), D("0.75"), True, "el"),
            ConditionResult("fuel_cost_share", "<", D("0.40"), D("0.35"), True, "el"),
        )

    def test_one_part_failing_fails_all_of_not_any_of(self) -> None:
        lookup = _lookup({"boat_owned_share": D("0.75"), "fuel_cost_share": D("0.45")})
        (all_line,) = evaluate(AllOf([_composite("all_of", BOAT, FUEL)]), "C-1", lookup).results
        (any_line,) = evaluate(AllOf([_composite("any_of", BOAT, FUEL)]), "C-1", lookup).results
        assert [p.passed for p in all_line.parts] == [True, False]
        assert (all_line.passed, any_line.passed) == (False, True)
        assert any_line.reads == "boat_owned_share or fuel_cost_share"

    def test_a_missing_part(self) -> None:
        lookup = _lookup({"boat_owned_share": D("0.75")})
        rule = AllOf([_composite("all_of", BOAT, FUEL)])
        (line,) = evaluate(rule, "C-1", lookup).results
        assert line.passed is None  # not applicable: nothing failed, one part unknown
        assert isinstance(line.value, NotAvailable)
        assert "fuel_cost_share" in line.value.reason
        assert isinstance(line.parts[1].value, NotAvailable)
        assert not evaluate(rule, "C-1", lookup).ready  # AllOf: nothing could be checked
        failing = _lookup({"boat_owned_share": D("0.5")})
        (line,) = evaluate(rule, "C-1", failing).results
        assert line.passed is False  # a failed part decides, the missing one aside
        (line,) = evaluate(AllOf([_composite("any_of", BOAT, FUEL)]), "C-1", lookup).results
        assert line.passed is True  # any_of: a checked part passes

    def test_weight_and_essential_carry(self) -> None:
        lookup = _lookup({"boat_owned_share": D("0.75"), "fuel_cost_share": D("0.45")})
        both = _composite("all_of", BOAT, FUEL, essential=True, weight=3)
        single = ReadinessCriterion("boat", "fisheries", "cluster", L, "boat_owned_share", ">=", 0)
        result = evaluate(Weighted([both, single], score="0.2"), "C-1", lookup)
        assert not result.ready
        assert "required not met: boat_and_fuel" in result.reason
        assert evaluate(KOfN(1, [both, single]), "C-1", lookup).ready


class TestGuard:
    def test_detail_lists_every_part(self) -> None:
        lookup = _lookup({"boat_owned_share": D("0.75")})
        guard = as_guard(AllOf([_composite("all_of", BOAT, FUEL)]), lookup)
        cluster = klaster.Cluster(
            id="c", name="C", region=Region.province("Banten", "36"),
            sectors=[ClusterSector("umkm")],
            lifecycle=klaster.Lifecycle.start(
                dt.date(2011, 1, 1), reason="r", decided_by="d", phase="strengthening"
            ),
        )  # fmt: skip
        (check,) = guard(cluster, dt.date(2014, 3, 25))
        assert not check.passed
        assert (
            "boat_and_fuel: all of (boat_owned_share = 0.75 >= 0.70: met, fuel_cost_share = n/a "
            "< 0.40: not applicable): not applicable (round el)"
        ) in check.detail
        with pytest.raises(klaster.ReadinessError):
            cluster.advance(dt.date(2014, 3, 25), reason="x", decided_by="d", guards=[guard])


def _program() -> Program:
    """One cluster: 2 farming groups of 2 members and 2 umkm groups of 2 members."""
    desa = Region.desa("Desa Satu", "73.03.01.2001")
    region = Region.province(
        "Sulawesi Selatan",
        "73",
        [Region.kabupaten("Bantaeng", "73.03", [Region.kecamatan("Kec", "73.03.01", [desa])])],
    )
    start = dt.date(2011, 1, 1)
    members, groups = [], []
    for g in range(4):
        sector = "farming" if g < 2 else "umkm"
        ids = [f"m{g}-{p}" for p in range(2)]
        members += [
            Member(id=i, name=i, sex="female", household_size=4, village="Desa Satu",
                   sector=sector, joined=start)
            for i in ids
        ]  # fmt: skip
        spells = [Membership(i, start) for i in ids]
        groups.append(Group(f"g{g}", f"Kelompok {g}", sector, start, memberships=spells))
    cluster = Cluster(
        id="c", name="Klaster", region=region,
        sectors=[ClusterSector("farming", "dd"), ClusterSector("umkm", "dd")],
        members=members, groups=groups,
    )  # fmt: skip
    return Program(
        id="p", name="Program", organisation_id="dd",
        organisations=[Organisation("dd", "Dompet Dhuafa", "ngo")], clusters=[cluster],
    )  # fmt: skip


class TestOnTheEngine:
    def test_parts_read_the_engines_figures(self) -> None:
        program = _program()
        obs = Observations(program, variable_catalogue())
        obs.add_round(Round("bl", "c", "baseline", dt.date(2012, 1, 10)))
        obs.add_round(Round("el", "c", "endline", dt.date(2014, 1, 10)))
        for member in program.clusters["c"].members:
            up = 60 if member.sector == "farming" else 10
            obs.record("bl", member.id, {"monthly_income": D(1_000_000)})
            obs.record("el", member.id, {"monthly_income": D(10_000) * (100 + up)})
        obs.record_many("el", [("g0", {"group_active": False})])
        farmers = ReadinessCriterion(
            "farming_up_and_active", "farming", Level.CLUSTER, L,
            all_of=[Condition("income_change_pct", ">", 50),
                    Condition("active_group_share", ">=", "0.80")],
        )  # fmt: skip
        engine = Measurement(program, obs)
        (result,) = engine.readiness(AllOf([farmers]), "el")
        (line,) = result.results
        income, active = line.parts
        # Judged on the farming members and groups: income up 60%; g0 recorded inactive, g1
        # active by its roster: 1 of 2.
        assert (income.value, income.passed, income.sector) == (D(60), True, "farming")
        assert (active.value, active.passed, active.sector) == (D("0.5"), False, "farming")
        assert line.passed is False
        assert (line.round_id, line.sector) == ("el", "farming")
        # Each part equals the one-comparison criterion reading the same figure.
        for view, part in zip(farmers.parts(), line.parts, strict=True):
            (alone,) = engine.readiness(AllOf([view]), "el")[0].results
            assert (alone.value, alone.passed, alone.sector) == (
                part.value,
                part.passed,
                part.sector,
            )


_VALUES = st.one_of(
    st.none(),
    st.decimals(min_value=-5, max_value=5, places=2),
    st.booleans(),
)


@given(
    operator=st.sampled_from(list(Operator)),
    threshold=st.decimals(min_value=-5, max_value=5, places=2),
    value=_VALUES,
    essential=st.booleans(),
    kind=st.sampled_from(["all_of", "any_of"]),
)
def test_a_composite_of_one_part_is_the_single_criterion(
    operator: Operator, threshold: Decimal, value: object, essential: bool, kind: str
) -> None:
    single = ReadinessCriterion(
        "c", "s", "cluster", L, "x", operator, threshold, essential=essential
    )
    composite = ReadinessCriterion(
        "c", "s", "cluster", L, essential=essential,
        **{kind: [Condition("x", operator, threshold)]},  # type: ignore[arg-type]
    )  # fmt: skip

    def lookup(criterion: ReadinessCriterion, unit: str) -> Evidence | NotAvailable:
        return NotAvailable("none") if value is None else Evidence(value, "el", "s")

    if isinstance(value, bool):  # a number threshold compared with true/false: refused alike
        for criterion in (single, composite):
            with pytest.raises(klaster.ValidationError, match="compares 'x'"):
                evaluate(AllOf([criterion]), "u", lookup)
        return
    one = evaluate(AllOf([single]), "u", lookup)
    many = evaluate(AllOf([composite]), "u", lookup)
    assert (one.ready, one.reason) == (many.ready, many.reason)
    (a,), (b,) = one.results, many.results
    assert (a.passed, a.round_id, a.sector, a.essential, a.weight) == (
        b.passed, b.round_id, b.sector, b.essential, b.weight,
    )  # fmt: skip
    (part,) = b.parts
    assert (part.reads, part.operator, part.threshold, part.value, part.passed) == (
        a.reads, a.operator, a.threshold, a.value, a.passed,
    )  # fmt: skip


class TestKeptInTheHistory:
    def test_the_parts_survive_a_program_document_and_the_store(self, tmp_path: Path) -> None:
        cluster = Cluster(
            id="c", name="C", region=Region.province("Banten", "36"),
            sectors=[ClusterSector("umkm")],
            lifecycle=klaster.Lifecycle.start(
                dt.date(2011, 1, 1), reason="r", decided_by="d", phase="strengthening"
            ),
        )  # fmt: skip
        program = Program(
            id="p", name="P", organisation_id="dd",
            organisations=[Organisation("dd", "Dompet Dhuafa", "ngo")], clusters=[cluster],
        )  # fmt: skip
        guard = as_guard(
            AllOf([_composite("any_of", BOAT, FUEL)]), _lookup({"fuel_cost_share": D("0.45")})
        )
        change = program.clusters["c"].advance(
            dt.date(2014, 3, 25), reason="exit", decided_by="d", guards=[guard],
            override=klaster.Override("board decision", approved_by="director"),
        )  # fmt: skip
        detail = change.checks[0].detail
        assert (
            "any of (boat_owned_share = n/a >= 0.70: not applicable, fuel_cost_share = " in detail
        )
        again = klaster.loads(klaster.dumps(program))
        assert again.clusters["c"].lifecycle.history[-1].checks[0].detail == detail
        path = tmp_path / "p.klaster"
        Store.create(path, program).close()
        with Store.open(path, readonly=True) as store:
            loaded = store.load_cluster("c").lifecycle.history[-1].checks[0].detail
        assert loaded == detail
