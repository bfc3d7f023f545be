"""Activity participation indicators: definitions, both backends, readiness."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import klaster
from klaster import Label
from klaster.catalogue import Level, Operator, ReadinessCriterion
from klaster.measurement import ACTIVITY_CODES, AllOf, Measurement, NotAvailable
from klaster.model import (
    Activity,
    Cluster,
    ClusterSector,
    Group,
    Lifecycle,
    Member,
    Membership,
    Organisation,
    Participant,
    Program,
    Region,
)
from klaster.observations import Observations, Round, variable_catalogue

pytest.importorskip("polars")

D = dt.date
START = D(2010, 1, 1)
END = D(2013, 3, 1)  # the endline
BY = [(), ("cluster",), ("sector",), ("group",), ("sex",)]


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
    return Program(
        id="p",
        name="P",
        organisation_id="dd",
        organisations=[Organisation("dd", "Dompet Dhuafa", "ngo")],
        clusters=clusters,
    )


def _before(days: int) -> dt.date:
    return END - dt.timedelta(days=days)


def _held(
    aid: str, kind: str, on: dt.date, *listed: tuple[str, str, bool | None], cluster: str | None
) -> Activity:
    participants = [Participant(k, i, attended) for k, i, attended in listed]
    return Activity(
        aid, kind, aid, "held", cluster_id=cluster, held_on=on, participants=participants
    )


def _fixed() -> tuple[Program, Observations]:
    """Cluster ``a``: m1-m4 (m5 left 2012-01-01); g1 (m1, m2 until 2012-06-01), g2 (m3).

    Cluster ``b`` has no activity recorded.
    """
    a = _cluster(
        "a",
        [_member(f"m{i}", START) for i in range(1, 5)] + [_member("m5", START, D(2012, 1, 1))],
        [
            Group("g1", "G1", "umkm", START, [
                Membership("m1", START), Membership("m2", START, left=D(2012, 6, 1)),
            ]),
            Group("g2", "G2", "umkm", START, [Membership("m3", START)]),
        ],
    )  # fmt: skip
    b = _cluster("b", [_member("b1", START)], [Group("gb", "GB", "umkm", START, [])])
    program = _program([a, b])
    M, G = "member", "group"
    for activity in [
        # Trainings. g1 on 2012-08-13 reaches m1 only (m2 had left it).
        _held("t1", "training", _before(200), (G, "g1", True), (M, "m1", True), cluster="a"),
        _held("t2", "training", _before(365), (M, "m4", True), cluster="a"),  # a day too early
        _held("t3", "training", _before(364), (M, "m3", True), (M, "m2", False),
              (M, "m5", True), cluster=None),  # program-wide; m5 is no longer a member
        _held("t4", "training", END, (M, "m4", None), cluster="a"),  # attendance not recorded
        # Group meetings.
        _held("gm1", "group_meeting", _before(10), (G, "g1", True), (M, "m1", True), cluster="a"),
        _held("gm2", "group_meeting", _before(100), (M, "m3", True), (M, "m2", True),
              cluster="a"),  # g2 through m3; m2 is in no group then
        _held("gm3", "group_meeting", _before(365), (G, "g2", True), cluster="a"),
        _held("gm4", "group_meeting", _before(364), (G, "g2", False), (M, "m1", False),
              cluster="a"),
        Activity("gm5", "group_meeting", "gm5", "planned", cluster_id="a", planned_on=END,
                 participants=[Participant(G, "g1")]),
    ]:  # fmt: skip
        program.fieldwork.add_activity(activity)
    obs = Observations(program, variable_catalogue(klaster.plugins.get_host()))
    obs.add_round(Round("a-bl", "a", "baseline", D(2011, 1, 1)))
    obs.add_round(Round("a-el", "a", "endline", END))
    obs.add_round(Round("b-bl", "b", "baseline", D(2011, 1, 1)))
    obs.add_round(Round("b-el", "b", "endline", END))
    return program, obs


class TestDefinitions:
    @pytest.mark.parametrize("backend", ["python", "polars"])
    def test_figures_of_known_activities(self, backend: str) -> None:
        program, obs = _fixed()
        results = Measurement(program, obs, backend=backend).report(ACTIVITY_CODES, by=BY)

        def row(code: str, **by: str) -> Any:
            return results.row(code, "endline", **by)

        # Active on the endline: m1-m4. Trained: m1 (t1, through g1 and listed), m3 (t3).
        trained = row("members_trained_12m", cluster="a")
        assert (trained.value, trained.n) == (Decimal(1) / 2, 4)
        assert results.value("members_trained_12m", "endline", group="g1") == 1  # m1
        # g1: gm1 (listed, and m1 attended: once); g2: gm2 through m3. gm3, gm4, gm5 do not count.
        meetings = row("meetings_per_group_month", cluster="a")
        assert (meetings.value, meetings.n) == (Decimal(2) / Decimal(2 * 12), 2)
        # m1: t1, gm1 of t1, gm1, gm4; m2: gm2 of t3, gm2; m3: t3, gm2 of 2; m4: none recorded.
        rate = row("attendance_rate_12m", cluster="a")
        assert (rate.value, rate.n, rate.missing) == (Decimal(5) / 7, 3, 1)
        held = row("activities_held_12m", cluster="a")
        assert (held.value, held.n) == (Decimal(5), 1)  # t1, t4, gm1, gm2, gm4 (t3 is program-wide)

    @pytest.mark.parametrize("backend", ["python", "polars"])
    def test_no_activities_is_not_available_with_the_reason(self, backend: str) -> None:
        program, obs = _fixed()
        results = Measurement(program, obs, backend=backend).report(ACTIVITY_CODES, by=BY)
        for code in ACTIVITY_CODES:
            found = results.value(code, "endline", cluster="b")
            assert isinstance(found, NotAvailable), code
            assert found.reason == "no activities are recorded for cluster 'b'", code
        # The program totals read cluster a's units (b's are left out as missing).
        total = results.row("members_trained_12m", "endline")
        assert (total.value, total.n, total.missing) == (Decimal(1) / 2, 4, 1)
        held = results.row("activities_held_12m", "endline")
        assert (held.value, held.n, held.missing) == (Decimal(5), 1, 1)

    def test_a_cluster_with_activities_counts_zero_before_any(self) -> None:
        program, obs = _fixed()
        results = Measurement(program, obs).report(ACTIVITY_CODES, by=[("cluster",)])
        assert results.value("members_trained_12m", "baseline", cluster="a") == 0
        assert results.value("meetings_per_group_month", "baseline", cluster="a") == 0
        assert results.value("activities_held_12m", "baseline", cluster="a") == 0
        # No attendance recorded in the window: no rate (not zero), and not "no activities".
        rate = results.value("attendance_rate_12m", "baseline", cluster="a")
        assert isinstance(rate, NotAvailable)
        assert "no activities" not in rate.reason

    def test_they_are_in_the_default_report(self) -> None:
        program, obs = _fixed()
        engine = Measurement(program, obs)
        assert set(ACTIVITY_CODES) <= set(engine.codes())
        assert set(ACTIVITY_CODES) <= {row.indicator for row in engine.report(by=[()])}


TRAINED = ReadinessCriterion(
    "members_trained", "core", Level.CLUSTER,
    Label("Sedikitnya 80% mitra dilatih setahun terakhir",
          "At least 80% of members trained in the last year"),
    "members_trained_12m", Operator.GE, "0.8",
)  # fmt: skip


class TestReadiness:
    def test_members_trained_through_readiness(self) -> None:
        program, obs = _fixed()
        engine = Measurement(program, obs)
        (decision,) = engine.readiness(AllOf([TRAINED]), "a-el")
        (line,) = decision.results
        assert (line.value, line.passed, line.round_id) == (Decimal("0.5"), False, "a-el")
        program.fieldwork.add_activity(
            _held(
                "t5", "training", END, ("member", "m2", True), ("member", "m4", True), cluster="a"
            )
        )  # m1, m3 as before, and now m2 and m4
        (decision,) = Measurement(program, obs).readiness(AllOf([TRAINED]), "a-el")
        assert decision.ready
        assert decision.results[0].value == 1
        # No activities for cluster b: the criterion does not apply, and says why.
        (none,) = engine.readiness(AllOf([TRAINED]), "b-el")
        assert none.results[0].passed is None
        assert none.results[0].value.reason == "no activities are recorded for cluster 'b'"


# -- both backends on random activities --------------------------------------------------------


@st.composite
def programs(draw: st.DrawFn) -> tuple[Program, Observations]:
    n = draw(st.integers(1, 6))
    members = []
    for i in range(n):
        joined = START + dt.timedelta(days=draw(st.integers(0, 700)))
        stay = draw(st.none() | st.integers(1, 900))
        members.append(
            _member(f"m{i}", joined, None if stay is None else joined + dt.timedelta(stay))
        )
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
        formed = START + dt.timedelta(days=draw(st.integers(0, 300)))
        groups.append(Group(f"g{g}", f"G{g}", "umkm", min([formed, *(s.joined for s in spells)]),
                            spells))  # fmt: skip
    b = _cluster("b", [_member("b1", START)], [Group("gb", "GB", "umkm", START, [])])
    program = _program([_cluster("a", members, groups), b])
    # Round dates first: activities are held at, or just either side of, the window's edges.
    offsets = draw(st.lists(st.integers(400, 1800), min_size=1, max_size=3, unique=True))
    edges = [0, 1, 363, 364, 365, 366]
    attended = st.sampled_from([None, True, False])
    for k in range(draw(st.integers(0, 12))):
        if draw(st.booleans()):
            offset = draw(st.sampled_from(offsets)) - draw(st.sampled_from(edges))
        else:
            offset = draw(st.integers(0, 1900))
        day = START + dt.timedelta(days=offset)
        kind = draw(st.sampled_from(["training", "group_meeting", "workshop"]))
        cluster = draw(st.sampled_from(["a", "a", None]))
        who = draw(st.lists(st.sampled_from([m.id for m in members]), max_size=4, unique=True))
        into = draw(st.lists(st.sampled_from([g.id for g in groups]), max_size=2, unique=True))
        held = draw(st.booleans()) or draw(st.booleans())
        listed = [Participant("member", m, draw(attended) if held else None) for m in who]
        listed += [Participant("group", g, draw(attended) if held else None) for g in into]
        if cluster is None and draw(st.booleans()):  # a program-wide one with cluster b's member
            listed.append(Participant("member", "b1", draw(attended) if held else None))
        status = {"held_on": day} if held else {"planned_on": day}
        program.fieldwork.add_activity(
            Activity(f"x{k}", kind, "x", "held" if held else "planned", cluster_id=cluster,
                     participants=listed, **status)  # type: ignore[arg-type]
        )  # fmt: skip
    obs = Observations(program, variable_catalogue(klaster.plugins.get_host()))
    for kind, offset in zip(["baseline", "midline", "endline"], sorted(offsets), strict=False):
        obs.add_round(Round(f"a-{kind}", "a", kind, START + dt.timedelta(days=offset)))
    obs.add_round(Round("b-bl", "b", "baseline", START + dt.timedelta(days=offsets[0])))
    return program, obs


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs())
def test_both_backends_give_the_same_figures(data: tuple[Program, Observations]) -> None:
    program, obs = data
    exact = Measurement(program, obs).report(ACTIVITY_CODES, by=BY)
    fast = Measurement(program, obs, backend="polars").report(ACTIVITY_CODES, by=BY)
    assert fast == exact
