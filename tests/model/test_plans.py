"""Plans: kept apart from what happened; a plan never moves a lifecycle."""

from __future__ import annotations

import attrs
import pytest
from tests.model.fieldwork_builders import TOMORROW, D, program, refused

from klaster import Activity, Override, Phase, Plan, dumps, loads


class TestPlan:
    def test_for_a_milestone_already_reached_without_saying_so(self) -> None:
        p = program()  # the cluster reached growth on 2011-04-04 (and again on 2011-09-01)
        plan = Plan("growth", D(2011, 4, 1), recorded_on=D(2012, 1, 1), cluster_id="bantaeng")
        refused(
            p,
            p.fieldwork.plan,
            plan,
            where="fieldwork.plans[2].milestone",
            match="already reached on 2011-04-04 (lifecycle)",
        )

    def test_after_the_fact_is_accepted(self) -> None:
        p = program()
        plan = Plan(
            "growth",
            D(2011, 4, 1),
            recorded_on=D(2012, 1, 1),
            cluster_id="bantaeng",
            after_the_fact=True,
        )
        assert p.fieldwork.plan(plan) is plan

    def test_milestone_reached_by_a_held_activity(self) -> None:
        p = program()
        p.fieldwork.add_activity(
            Activity(
                "ho",
                "ceremony",
                "Serah terima",
                "held",
                cluster_id="bantaeng",
                held_on=D(2014, 3, 25),
                milestone="handover",
            )
        )
        plan = Plan("handover", D(2014, 3, 1), recorded_on=D(2014, 4, 1), cluster_id="bantaeng")
        refused(
            p, p.fieldwork.plan, plan, where="fieldwork.plans[2].milestone", match="(activity ho)"
        )
        earlier = Plan("handover", D(2014, 3, 1), recorded_on=D(2014, 1, 2), cluster_id="bantaeng")
        p.fieldwork.plan(earlier)  # recorded before the fact: fine

    def test_recorded_in_the_future(self) -> None:
        p = program()
        plan = Plan("handover", TOMORROW, recorded_on=TOMORROW, cluster_id="bantaeng")
        refused(
            p, p.fieldwork.plan, plan, where="fieldwork.plans[2].recorded_on", match="after today"
        )

    def test_unknown_cluster(self) -> None:
        p = program()
        plan = Plan("handover", D(2014, 3, 1), recorded_on=D(2014, 1, 2), cluster_id="x")
        refused(
            p, p.fieldwork.plan, plan, where="fieldwork.plans[2].cluster_id", match="cluster 'x'"
        )


class TestPlannedVsActual:
    def test_a_plan_never_moves_the_lifecycle(self) -> None:
        p = program()
        cluster = p.clusters["bantaeng"]
        history = list(cluster.lifecycle.history)
        p.fieldwork.plan(
            Plan("strengthening", D(2012, 6, 1), recorded_on=D(2011, 10, 1), cluster_id="bantaeng")
        )
        assert list(cluster.lifecycle.history) == history
        assert cluster.phase is not None
        assert cluster.phase.value == "growth"

    def test_current_plan_revisions_and_what_happened(self) -> None:
        p = program()
        (row,) = p.fieldwork.planned_vs_actual("bantaeng")
        assert (row.milestone, row.planned, row.first_planned, row.revisions) == (
            "independence",
            D(2014, 3, 25),
            D(2014, 1, 31),
            2,
        )
        assert row.actual is None
        assert row.delay_days is None
        cluster = p.clusters["bantaeng"]
        cluster.advance(D(2012, 1, 2), reason="r", decided_by="DD")
        cluster.advance(
            D(2014, 4, 1),
            reason="r",
            decided_by="DD",
            override=Override(reason="test", approved_by="DD"),
        )
        (row,) = p.fieldwork.planned_vs_actual("bantaeng")
        assert (row.actual, row.source, row.delay_days) == (D(2014, 4, 1), "lifecycle", 7)

    def test_current_plans(self) -> None:
        work = program().fieldwork
        (plan,) = work.current_plans()
        assert plan.on == D(2014, 3, 25)
        assert work.current_plans("other") == ()


class TestActivityAgainstPlans:
    def test_held_activity_realising_a_milestone_before_its_plan_was_recorded(self) -> None:
        # The plan for independence was recorded on 2013-11-04: an activity that realised
        # independence before then would make that plan one recorded after the fact.
        p = program()
        activity = Activity(
            "ind",
            "workshop",
            "Workshop Pemandirian",
            "held",
            cluster_id="bantaeng",
            held_on=D(2013, 6, 1),
            milestone="independence",
        )
        refused(
            p,
            p.fieldwork.add_activity,
            activity,
            where="fieldwork.activities[2].milestone",
            match="before fieldwork.plans[1] was recorded (2013-11-04)",
        )
        p.fieldwork.add_activity(attrs.evolve(activity, held_on=D(2014, 3, 25)))

    def test_holding_it_is_checked_too(self) -> None:
        p = program()
        p.fieldwork.add_activity(
            Activity(
                "ind",
                "workshop",
                "W",
                "planned",
                cluster_id="bantaeng",
                planned_on=D(2014, 3, 25),
                milestone="independence",
            )
        )
        refused(
            p,
            p.fieldwork.hold,
            "ind",
            D(2013, 11, 4),
            where="fieldwork.activities[2].milestone",
            match="plans[1]",
        )
        assert p.fieldwork.hold("ind", D(2013, 11, 5)).happened


class TestMovesAgainstPlans:
    """A lifecycle move dated before a plan that recorded it as still to come is refused."""

    def test_a_backdated_move_is_refused_and_changes_nothing(self) -> None:
        import datetime as dt

        from klaster import LifecycleError, Plan
        from klaster.testing.samples import sample_program

        p = sample_program()
        cluster = p.clusters["bantaeng"]
        p.fieldwork.plan(
            Plan(
                "strengthening",
                dt.date(2013, 1, 1),
                recorded_on=dt.date(2012, 6, 1),
                cluster_id="bantaeng",
            )
        )
        before = cluster.lifecycle.history
        with pytest.raises(LifecycleError, match=r"fieldwork.plans\[0\]") as exc:
            cluster.advance(dt.date(2012, 5, 1), reason="backdated", decided_by="DD")
        assert exc.value.path == "on"
        assert cluster.lifecycle.history == before
        assert cluster.phase is Phase.GROWTH
        cluster.advance(dt.date(2012, 7, 1), reason="on time", decided_by="DD")
        assert p.fieldwork.planned_vs_actual("bantaeng")[0].actual == dt.date(2012, 7, 1)
        assert loads(dumps(p)) == p
