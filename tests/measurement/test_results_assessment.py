"""Targets against actuals: each status computed by hand from the stated rule."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from tests.model.builders import cluster, group, member, program

from klaster import (
    KlasterError,
    Label,
    Lifecycle,
    NotFoundError,
    Plan,
    Program,
    Result,
    ResultIndicator,
    Target,
    ValidationError,
)
from klaster.catalogue import Aggregation, Direction, Indicator, Level
from klaster.measurement import Measurement, TargetRow, TargetStatus, assess
from klaster.observations import Observations, Round, variable_catalogue

D = dt.date


def two_clusters() -> tuple[Program, Observations]:
    """Tuban (2 groups, 2 members) and Lamongan (1 group, 1 member), both surveyed twice."""
    tuban = cluster(
        "tuban",
        lifecycle=Lifecycle.start(D(2011, 1, 1), reason="mulai", decided_by="dd"),
        members=[member("M-1"), member("M-2")],
        groups=[group("G-1", "M-1"), group("G-2", "M-2")],
    )
    lamongan = cluster(
        "lamongan",
        lifecycle=Lifecycle.start(D(2011, 3, 1), reason="mulai", decided_by="dd"),
        members=[member("M-3")],
        groups=[group("G-3", "M-3")],
    )
    prog = program(tuban, lamongan)
    obs = Observations(prog, variable_catalogue())
    obs.add_round(Round("tb-bl", "tuban", "baseline", D(2011, 6, 1)))
    obs.add_round(Round("lm-bl", "lamongan", "baseline", D(2011, 6, 1)))
    obs.add_round(Round("tb-el", "tuban", "endline", D(2013, 12, 1)))
    obs.add_round(Round("lm-el", "lamongan", "endline", D(2014, 2, 1)))
    obs.record("tb-el", "M-1", {"monthly_income": Decimal(100)})
    obs.record("tb-el", "M-2", {"monthly_income": Decimal(300)})
    return prog, obs


def frame(*indicators: ResultIndicator) -> list[Result]:
    return [Result("oc1", "outcome", "Kelompok tumbuh", list(indicators))]


def statuses(engine: Measurement, **kwargs: object) -> list[tuple[object, ...]]:
    return [
        (r.indicator, r.cluster_id, r.period, r.target, r.actual, r.status)
        for r in assess(engine, **kwargs)  # type: ignore[arg-type]
    ]


class TestRoundTargets:
    def test_cluster_targets_and_their_sum(self) -> None:
        prog, obs = two_clusters()
        prog.revise_framework(
            frame(ResultIndicator("groups", [
                Target(2, round_key="endline", cluster_id="tuban"),
                Target(2, round_key="endline", cluster_id="lamongan"),
            ])),
            recorded_on=D(2011, 1, 10), reason="awal",
        )  # fmt: skip
        rows = list(assess(Measurement(prog, obs)))
        # groups counts (aggregation count): the program target is the clusters' sum, 2 + 2 = 4
        assert [(r.cluster_id, r.target, r.actual, r.status) for r in rows] == [
            ("tuban", Decimal(2), Decimal(2), TargetStatus.ACHIEVED),  # 2 ≥ 2
            ("lamongan", Decimal(2), Decimal(1), TargetStatus.OFF_TRACK),  # 1 < 2 at the endline
            (None, Decimal(4), Decimal(3), TargetStatus.OFF_TRACK),  # 3 < 4
        ]
        assert rows[2].target_source == "sum of 2 cluster targets (count)"
        assert rows[1].rule == "off track: actual 1 not ≥ target 2 at the endline round"

    def test_a_share_rolls_up_as_the_mean(self) -> None:
        prog, obs = two_clusters()
        prog.revise_framework(
            frame(ResultIndicator("active_group_share", [
                Target("0.5", round_key="endline", cluster_id="tuban"),
                Target("1", round_key="endline", cluster_id="lamongan"),
            ])),
            recorded_on=D(2011, 1, 10), reason="awal",
        )  # fmt: skip
        program_row = assess(Measurement(prog, obs)).rows[2]
        assert program_row.target == Decimal("0.75")  # (0.5 + 1) / 2
        assert program_row.target_source.startswith("mean of 2 cluster targets")
        assert program_row.status is TargetStatus.ACHIEVED  # every group active: 1 ≥ 0.75

    def test_a_stated_program_target_wins_and_a_missing_cluster_stops_the_roll_up(self) -> None:
        prog, obs = two_clusters()
        prog.revise_framework(
            frame(ResultIndicator("groups", [
                Target(1, round_key="endline", cluster_id="tuban"),
                Target(3, round_key="endline"),
                Target(1, round_key="midline", cluster_id="tuban"),
            ])),
            recorded_on=D(2011, 1, 10), reason="awal",
        )  # fmt: skip
        rows = statuses(Measurement(prog, obs))
        assert rows == [
            ("groups", "tuban", "endline", 1, 2, TargetStatus.ACHIEVED),
            ("groups", None, "endline", 3, 3, TargetStatus.ACHIEVED),  # stated, no roll-up
            ("groups", "tuban", "midline", 1, None, TargetStatus.NOT_YET_DUE),  # no midline yet
            ("groups", None, "midline", None, None, TargetStatus.NOT_AVAILABLE),
        ]
        assert "no target for cluster(s) lamongan" in assess(Measurement(prog, obs)).rows[3].rule

    def test_lower_is_better(self) -> None:
        prog, obs = two_clusters()
        spending = Indicator(
            "income_mean", "umkm", Label("Rata-rata", "Mean income"), Level.MEMBER,
            "monthly_income", Aggregation.MEAN, Direction.LOWER,
        )  # fmt: skip
        prog.revise_framework(
            frame(ResultIndicator("income_mean", [
                Target(250, round_key="endline", cluster_id="tuban"),
                Target(150, round_key="endline"),
            ])),
            recorded_on=D(2011, 1, 10), reason="awal",
        )  # fmt: skip
        rows = statuses(Measurement(prog, obs, [spending]))
        # Tuban's mean is (100 + 300) / 2 = 200: ≤ 250 achieved; the program's 200 > 150.
        assert [(r[1], r[4], r[5]) for r in rows] == [
            ("tuban", 200, TargetStatus.ACHIEVED),
            (None, 200, TargetStatus.OFF_TRACK),
        ]

    def test_no_figure_is_not_available_with_the_reason(self) -> None:
        prog, obs = two_clusters()
        prog.revise_framework(
            frame(ResultIndicator("income_per_capita", [Target(1, round_key="baseline")])),
            recorded_on=D(2011, 1, 10), reason="awal",
        )  # fmt: skip
        (row,) = assess(Measurement(prog, obs))
        assert row.status is TargetStatus.NOT_AVAILABLE
        assert row.rule.startswith("not available: ")
        assert len(row.rule) > len("not available: ")


class TestPeriodTargets:
    # The program's endline is its clusters' latest: 2014-02-01. The period runs 2011-01-01 to
    # 2014-12-31: 1460 days, 1127 of them elapsed at the endline (share 1127/1460 ≈ 0.772).
    def judged(self, value: str, baseline: str | None = "1", **kwargs: object) -> TargetRow:
        prog, obs = two_clusters()
        prog.fieldwork.plan(_plan())  # the program's planned end: 2014 is inside it
        prog.revise_framework(
            frame(ResultIndicator("groups", [Target(value, D(2011, 1, 1), D(2014, 12, 31))],
                                  baseline=baseline)),
            recorded_on=D(2011, 1, 10), reason="awal",
        )  # fmt: skip
        (row,) = assess(Measurement(prog, obs), **kwargs)  # type: ignore[arg-type]
        return row

    def test_on_track(self) -> None:
        # progress 3 − 1 = 2 ≥ 0.772 × (3.5 − 1) = 1.93
        row = self.judged("3.5")
        assert (row.actual, row.actual_round, row.actual_on) == (
            Decimal(3), "endline", D(2014, 2, 1),
        )  # fmt: skip
        assert row.status is TargetStatus.ON_TRACK
        assert "elapsed share 0.77" in row.rule

    def test_off_track(self) -> None:
        # progress 2 < 0.772 × (4 − 1) = 2.316
        assert self.judged("4").status is TargetStatus.OFF_TRACK

    def test_achieved_before_the_end(self) -> None:
        assert self.judged("3").status is TargetStatus.ACHIEVED

    def test_ended_and_not_met(self) -> None:
        row = self.judged("3.5", on=D(2015, 1, 1))
        assert row.status is TargetStatus.OFF_TRACK
        assert row.rule.startswith("off track: the period ended")

    def test_no_baseline_cannot_judge_progress(self) -> None:
        row = self.judged("3.5", baseline=None)
        assert row.status is TargetStatus.NOT_AVAILABLE
        assert "no baseline" in row.rule

    def test_not_yet_due_and_no_round_in_the_period(self) -> None:
        prog, obs = two_clusters()
        prog.revise_framework(
            frame(ResultIndicator("groups", [
                Target(3, D(2012, 1, 1), D(2012, 12, 31)),
                Target(3, D(2011, 7, 1), D(2011, 12, 31)),
            ])),
            recorded_on=D(2011, 1, 10), reason="awal",
        )  # fmt: skip
        rows = assess(Measurement(prog, obs), on=D(2011, 8, 1)).rows
        assert [r.status for r in rows] == [TargetStatus.NOT_YET_DUE, TargetStatus.NOT_AVAILABLE]


def _plan() -> Plan:
    return Plan("independence", D(2014, 12, 31), recorded_on=D(2011, 1, 1))


class TestRefused:
    def test_unknown_indicator_with_did_you_mean(self) -> None:
        prog, obs = two_clusters()
        prog.revise_framework(
            frame(ResultIndicator("members", []), ResultIndicator("groupz", [])),
            recorded_on=D(2011, 1, 10), reason="awal",
        )  # fmt: skip
        with pytest.raises(NotFoundError) as exc:
            assess(Measurement(prog, obs))
        assert exc.value.path == "results.versions[0].results[0].indicators[1]"
        assert "did you mean 'groups'" in str(exc.value)

    def test_unknown_dimension(self) -> None:
        prog, obs = two_clusters()
        prog.revise_framework(
            frame(ResultIndicator("members", [Target(1, round_key="endline", by={"colour": "x"})])),
            recorded_on=D(2011, 1, 10), reason="awal",
        )  # fmt: skip
        with pytest.raises(ValidationError) as exc:
            assess(Measurement(prog, obs))
        assert exc.value.path == "results.versions[0].results[0].indicators[0].targets[0].by.colour"

    def test_no_framework_no_rows_and_unknown_version(self) -> None:
        prog, obs = two_clusters()
        assert len(assess(Measurement(prog, obs))) == 0
        prog.revise_framework(frame(), recorded_on=D(2011, 1, 10), reason="awal")
        with pytest.raises(KlasterError, match="no framework version 3"):
            assess(Measurement(prog, obs), version=3)


def test_disaggregated_targets_and_tidy_records() -> None:
    prog, obs = two_clusters()
    prog.revise_framework(
        frame(ResultIndicator("members", [
            Target(2, round_key="endline", by={"sex": "female"}),
            Target(1, round_key="endline", by={"sex": "male"}, cluster_id="tuban"),
        ])),
        recorded_on=D(2011, 1, 10), reason="awal",
    )  # fmt: skip
    table = assess(Measurement(prog, obs))
    rows = table.rows
    assert (rows[0].actual, rows[0].status) == (Decimal(3), TargetStatus.ACHIEVED)  # 3 women
    # No man in Tuban: the report has no such cell, so no figure (not a silent zero).
    assert (rows[1].actual, rows[1].status) == (None, TargetStatus.NOT_AVAILABLE)
    assert rows[1].rule == "not available: the endline round has no figure for this cell"
    record = table.to_records()[0]
    assert record["sex"] == "female"
    assert (record["status"], record["status_id"], record["status_en"]) == (
        "achieved", "Tercapai", "Achieved",
    )  # fmt: skip
    assert record["label_en"] == "Members"
