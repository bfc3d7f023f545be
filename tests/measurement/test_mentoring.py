"""Mentoring indicators, criteria and the period table: definitions, both backends, readiness."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import klaster
from klaster.measurement import (
    MENTORING_CODES,
    AllOf,
    Measurement,
    NotAvailable,
    mentoring_criteria,
    mentoring_table,
)
from klaster.measurement.mentoring_indicators import months_between
from klaster.model import (
    Assignment,
    Cluster,
    ClusterSector,
    Group,
    Lifecycle,
    Member,
    Membership,
    Organisation,
    Person,
    Position,
    Program,
    Region,
    Visit,
)
from klaster.observations import Observations, Round, variable_catalogue

pytest.importorskip("polars")

D = dt.date
START = D(2010, 1, 1)
BY = [(), ("cluster",), ("sector",), ("group",)]


def _cluster(cid: str, members: list[Member], groups: list[Group]) -> Cluster:
    return Cluster(
        id=cid,
        name=f"Klaster {cid}",
        region=Region.province("Banten", "36"),
        sectors=[ClusterSector("umkm")],
        lifecycle=Lifecycle.start(START, reason="r", decided_by="d", phase="strengthening"),
        members=members,
        groups=groups,
    )


def _member(mid: str, joined: dt.date, left: dt.date | None = None) -> Member:
    return Member(mid, f"Mitra {mid}", "female", 4, "Desa", "umkm", joined, left=left)


def _program(clusters: list[Cluster]) -> Program:
    program = Program(
        id="p",
        name="P",
        organisation_id="dd",
        organisations=[Organisation("dd", "Dompet Dhuafa", "ngo")],
        clusters=clusters,
    )
    program.add_person(Person("pd-1", "Fasilitator", [Position("dd", "facilitator")]))
    program.add_person(Person("pd-2", "Fasilitator", [Position("dd", "facilitator")]))
    return program


def _rounds(program: Program, cid: str, dates: list[dt.date]) -> Observations:
    obs = Observations(program, variable_catalogue(klaster.plugins.get_host()))
    kinds = ["baseline", "midline", "endline"]
    for kind, on in zip(kinds, sorted(dates), strict=False):
        obs.add_round(Round(f"{cid}-{kind}", cid, kind, on))
    return obs


def _fixed() -> tuple[Program, Observations]:
    """Cluster ``a``: members m1-m4, group g1 (m1 all along, m2 until 2012-06-01), g2 (m3).

    Cluster ``b`` has no visit logged.
    """
    a = _cluster(
        "a",
        [
            _member("m1", START),
            _member("m2", START),
            _member("m3", START),
            _member("m4", START),
            _member("m5", START, left=D(2012, 1, 1)),
        ],
        [
            Group("g1", "G1", "umkm", START, [
                Membership("m1", START), Membership("m2", START, left=D(2012, 6, 1)),
            ]),
            Group("g2", "G2", "umkm", START, [Membership("m3", START)]),
        ],
    )  # fmt: skip
    b_groups = [Group("gb", "GB", "umkm", START, [Membership("b1", START)])]
    b = _cluster("b", [_member("b1", START)], b_groups)
    program = _program([a, b])
    fw = program.fieldwork
    fw.assign(Assignment("pd-1", "a", START, group_ids=["g1", "g2"], member_ids=["m4"]))
    fw.assign(Assignment("pd-2", "a", START))
    end = D(2013, 3, 1)  # the endline
    fw.log_visits([
        # g1 and m1 in one visit: m1 counts once; m2 left g1 before the visit.
        Visit("v1", "a", "pd-1", end - dt.timedelta(days=89), member_ids=["m1"], group_ids=["g1"]),
        Visit("v2", "a", "pd-1", end - dt.timedelta(days=90), group_ids=["g2"]),  # just out
        Visit("v3", "a", "pd-1", end - dt.timedelta(days=364), member_ids=["m4"]),  # in window
        Visit("v4", "a", "pd-1", end - dt.timedelta(days=365), member_ids=["m4"]),  # out of it
        Visit("v5", "a", "pd-2", D(2011, 5, 1), group_ids=["g1"]),  # m1 and m2 (in g1 then)
    ])  # fmt: skip
    obs = Observations(program, variable_catalogue(klaster.plugins.get_host()))
    obs.add_round(Round("a-bl", "a", "baseline", D(2011, 1, 1)))
    obs.add_round(Round("a-el", "a", "endline", end))
    obs.add_round(Round("b-bl", "b", "baseline", D(2011, 1, 1)))
    obs.add_round(Round("b-el", "b", "endline", end))
    return program, obs


class TestDefinitions:
    @pytest.mark.parametrize("backend", ["python", "polars"])
    def test_figures_of_a_known_log(self, backend: str) -> None:
        program, obs = _fixed()
        results = Measurement(program, obs, backend=backend).report(MENTORING_CODES, by=BY)

        def value(code: str, **by: str) -> Any:
            return results.value(code, "endline", cluster="a", **by)

        # m1: v1 (once); m2: none in window (v5 is older, left g1); m3: v2; m4: v3 only.
        assert value("visits_per_member_month") == Decimal(3) / Decimal(4 * 12)
        row = results.row("days_since_last_visit", "endline", cluster="a")
        assert (row.value, row.n, row.missing) == (Decimal(89 + 670 + 90 + 364) / 4, 4, 0)
        assert value("members_visited_90d") == Decimal(1) / 4  # m1 only: 89 days
        assert value("groups_visited_90d") == Decimal(1) / 2  # g1 (89 days), not g2 (90)
        assert value("months_since_mentoring_ended") == 2  # 2012-12-02 → 2013-03-01
        # pd-1: g1's m1, g2's m3 and m4 (m2 left g1); pd-2: the whole cluster's 4 members.
        assert value("members_per_facilitator") == Decimal(7) / 2
        assert results.value("members_visited_90d", "endline", group="g1") == 1

    def test_months_are_whole_calendar_months(self) -> None:
        assert months_between(D(2013, 9, 5), D(2014, 3, 4)) == 5
        assert months_between(D(2013, 9, 5), D(2014, 3, 5)) == 6
        assert months_between(D(2014, 1, 31), D(2014, 2, 28)) == 0

    @pytest.mark.parametrize("backend", ["python", "polars"])
    def test_no_log_is_not_available_with_the_reason(self, backend: str) -> None:
        program, obs = _fixed()
        results = Measurement(program, obs, backend=backend).report(MENTORING_CODES, by=BY)
        for code in MENTORING_CODES:
            found = results.value(code, "endline", cluster="b")
            assert isinstance(found, NotAvailable), code
            assert "cluster 'b'" in found.reason, (code, found)
        na = results.value("visits_per_member_month", "endline", cluster="b")
        assert isinstance(na, NotAvailable)
        assert "no mentoring visits are logged" in na.reason
        # The program total reads cluster a's members (b's one member is left out as missing).
        total = results.row("members_visited_90d", "endline")
        assert (total.value, total.n, total.missing) == (Decimal(1) / 4, 4, 1)

    def test_a_cluster_with_visits_counts_unvisited_members_as_zero(self) -> None:
        program, obs = _fixed()
        results = Measurement(program, obs).report(["visits_per_member_month"], by=[("cluster",)])
        assert results.value("visits_per_member_month", "baseline", cluster="a") == 0

    def test_they_are_in_the_default_report(self) -> None:
        program, obs = _fixed()
        engine = Measurement(program, obs)
        assert set(MENTORING_CODES) <= set(engine.codes())
        codes = {row.indicator for row in engine.report(by=[()])}
        assert set(MENTORING_CODES) <= codes


class TestReadiness:
    def test_criteria_through_readiness(self) -> None:
        program, obs = _fixed()
        engine = Measurement(program, obs)
        visited, ended = mentoring_criteria()
        (decision,) = engine.readiness(AllOf([visited]), "a-el")
        (line,) = decision.results
        assert (line.value, line.passed, line.round_id) == (Decimal("0.5"), False, "a-el")
        (decision,) = engine.readiness(AllOf([ended]), "a-el")
        assert decision.results[0].value == 2
        assert not decision.ready
        (lenient,) = engine.readiness(AllOf(mentoring_criteria(months_since_mentoring=2)), "a-el")
        assert [r.passed for r in lenient.results] == [False, True]
        # No log for cluster b: the criterion does not apply, and says why.
        (none,) = engine.readiness(AllOf([ended]), "b-el")
        assert none.results[0].passed is None
        assert "no mentoring visits are logged for cluster 'b'" in none.results[0].value.reason

    def test_mentoring_ended_guards_the_move_to_independence(self) -> None:
        program, obs = _fixed()
        engine = Measurement(program, obs)
        cluster = program.clusters["a"]
        guard = engine.guard(AllOf([mentoring_criteria()[1]]), "a-el")
        with pytest.raises(klaster.ReadinessError):
            cluster.advance(D(2013, 3, 25), reason="exit", decided_by="d", guards=[guard])
        assert cluster.phase is klaster.Phase.STRENGTHENING
        guard = engine.guard(AllOf([mentoring_criteria(months_since_mentoring=2)[1]]), "a-el")
        change = cluster.advance(D(2013, 3, 25), reason="exit", decided_by="d", guards=[guard])
        (check,) = change.checks
        assert check.passed
        assert "months_since_mentoring_ended = 2 >= 2: met (round a-el)" in check.detail


class TestTable:
    @pytest.mark.parametrize("backend", ["python", "polars"])
    def test_months_of_a_known_log(self, backend: str) -> None:
        program, _ = _fixed()
        rows = mentoring_table(program, backend=backend)
        assert {r.cluster_id for r in rows} == {"a"}
        assert rows[0].period == "2011-05"
        assert rows[-1].period == "2012-12"
        (may,) = [r for r in rows if r.period == "2011-05"]
        assert (may.visits, may.members, may.members_visited) == (1, 5, 2)
        assert may.share_visited == Decimal(2) / 5
        assert (may.facilitators_active, may.facilitators_assigned) == (1, 2)
        assert may.caseload_per_facilitator == Decimal(4 + 5) / 2
        assert may.days_since_last_visit == 30  # m1 and m2, visited on 1 May
        (june,) = [r for r in rows if r.period == "2011-06"]
        assert (june.visits, june.members_visited) == (0, 0)
        assert june.days_since_last_visit == 60
        quarters = mentoring_table(program, "quarter", backend=backend)
        assert quarters[0].period == "2011-Q2"
        assert quarters[0].end == D(2011, 6, 30)

    def test_bad_arguments_are_refused(self) -> None:
        program, _ = _fixed()
        with pytest.raises(klaster.ValidationError, match="period"):
            mentoring_table(program, "week")
        with pytest.raises(klaster.ValidationError, match="backend"):
            mentoring_table(program, backend="spark")


# -- both backends on random logs --------------------------------------------------------------


@st.composite
def programs(draw: st.DrawFn, fieldwork: bool = True) -> tuple[Program, Observations]:
    """``fieldwork=False``: no assignment, so no visit (a visit needs one): no log at all."""
    n = draw(st.integers(1, 8))
    members = []
    for i in range(n):
        joined = START + dt.timedelta(days=draw(st.integers(0, 700)))
        stay = draw(st.none() | st.integers(1, 900))
        left = None if stay is None else joined + dt.timedelta(days=stay)
        members.append(_member(f"m{i}", joined, left))
    groups = []
    for g in range(draw(st.integers(1, 3))):
        spells = []
        for m in members:
            if draw(st.booleans()):
                joined = m.joined + dt.timedelta(days=draw(st.integers(0, 200)))
                if m.left is not None and joined >= m.left:
                    continue
                stop = draw(st.none() | st.integers(1, 600))
                left = None if stop is None else joined + dt.timedelta(days=stop)
                if m.left is not None and (left is None or left > m.left):
                    left = m.left
                spells.append(Membership(m.id, joined, left=left))
        groups.append(Group(f"g{g}", f"G{g}", "umkm", START, spells))
    program = _program([_cluster("a", members, groups), _cluster("b", [_member("b1", START)], [])])
    if fieldwork:
        program.fieldwork.assign(Assignment("pd-1", "a", START))
    if fieldwork and draw(st.booleans()):
        program.fieldwork.assign(Assignment("pd-2", "a", START, D(2012, 6, 30), group_ids=["g0"]))
    # Round dates first: visits are drawn at, or just either side of, the windows' edges.
    offsets = draw(st.lists(st.integers(400, 1800), min_size=1, max_size=3, unique=True))
    edges = [0, 1, 88, 89, 90, 91, 363, 364, 365, 366]
    visits = []
    for v in range(draw(st.integers(0, 25)) if fieldwork else 0):
        if draw(st.booleans()):
            offset = draw(st.sampled_from(offsets)) - draw(st.sampled_from(edges))
        else:
            offset = draw(st.integers(0, 1500))
        day = START + dt.timedelta(days=offset)
        who = draw(st.lists(st.sampled_from([m.id for m in members]), max_size=3, unique=True))
        into = draw(st.lists(st.sampled_from([g.id for g in groups]), max_size=2, unique=True))
        if who or into:
            visits.append(Visit(f"v{v}", "a", "pd-1", day, member_ids=who, group_ids=into))
    program.fieldwork.log_visits(visits)
    obs = _rounds(program, "a", [START + dt.timedelta(days=k) for k in offsets])
    obs.add_round(Round("b-bl", "b", "baseline", START + dt.timedelta(days=offsets[0])))
    return program, obs


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs())
def test_both_backends_give_the_same_figures(data: tuple[Program, Observations]) -> None:
    program, obs = data
    exact = Measurement(program, obs).report(MENTORING_CODES, by=BY)
    fast = Measurement(program, obs, backend="polars").report(MENTORING_CODES, by=BY)
    assert fast == exact
    for period in ("month", "quarter"):
        assert mentoring_table(program, period, backend="polars") == mentoring_table(
            program, period
        )


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs(fieldwork=False))
def test_without_assignments_no_spell_is_read(
    data: tuple[Program, Observations],
) -> None:
    # The spells are read only for group visits and assignments (a visit needs one): a program
    # without fieldwork gives the same figures without them (and builds no group when loaded).
    from klaster.measurement._backends.polars import mentoring as fast_mentoring

    program, obs = data
    read: list[int] = []
    spells = fast_mentoring.Tables._read_spells

    def counted(tables: fast_mentoring.Tables) -> Any:
        read.append(1)
        return spells(tables)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(fast_mentoring.Tables, "_read_spells", counted)
        fast = Measurement(program, obs, backend="polars").report(MENTORING_CODES, by=BY)
    assert not read
    assert fast == Measurement(program, obs).report(MENTORING_CODES, by=BY)
