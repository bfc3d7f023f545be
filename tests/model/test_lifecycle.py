"""The lifecycle: legal and illegal moves, suspension, guards and overrides, queries, replay."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from klaster import (
    CheckResult,
    Cluster,
    ClusterSector,
    Cooperative,
    KlasterError,
    LegalStatus,
    Lifecycle,
    LifecycleError,
    Override,
    Phase,
    PhaseChange,
    ReadinessError,
    Region,
    ValidationError,
)
from klaster.testing import strategies as kst

D = dt.date
P = Phase
WHO = "Dompet Dhuafa"


START = D(2011, 1, 1)


def life_at(*phases: Phase, start: dt.date = START, step: int = 30) -> Lifecycle:
    """A lifecycle that went through ``phases``, one every ``step`` days from ``start``."""
    life = Lifecycle()
    for index, phase in enumerate(phases):
        life.move(phase, start + dt.timedelta(days=step * index), reason="r", decided_by=WHO)
    return life


def current(life: Lifecycle) -> Phase | None:
    """The phase now (a call, so that type checkers do not keep an earlier narrowing)."""
    return life.phase


def passing(_subject: object, _on: dt.date) -> list[CheckResult]:
    return [CheckResult("legal_cooperative", True, "irman")]


def failing(_subject: object, _on: dt.date) -> list[CheckResult]:
    return [
        CheckResult("legal_cooperative", True),
        CheckResult("revolving_fund", False, "repayment 61%"),
    ]


def assert_unchanged(life: Lifecycle, history: tuple[PhaseChange, ...]) -> None:
    assert life.history == history
    assert life == Lifecycle(history)
    assert life.phase == (history[-1].phase if history else None)


# -- moves ----------------------------------------------------------------------------------------
class TestMoves:
    def test_main_path(self) -> None:
        life = Lifecycle.start(D(2010, 9, 1), reason="poverty map", decided_by=WHO)
        assert life.phase is P.PLANNING
        assert life.started == D(2010, 9, 1)
        for day, phase in [
            (D(2011, 4, 4), P.GROWTH),
            (D(2012, 1, 9), P.STRENGTHENING),
            (D(2014, 3, 25), P.INDEPENDENCE),
            (D(2014, 6, 1), P.MONITORING),
        ]:
            change = life.advance(day, reason="next", decided_by=WHO)
            assert (change.on, change.phase, life.phase) == (day, phase, phase)
        assert life.allowed_moves() == ()
        assert [c.phase for c in life.history] == [
            P.PLANNING,
            P.GROWTH,
            P.STRENGTHENING,
            P.INDEPENDENCE,
            P.MONITORING,
        ]

    def test_adopted_cluster_starts_later_in_the_path(self) -> None:
        assert Lifecycle().allowed_moves() == (P.PLANNING, P.GROWTH, P.STRENGTHENING)
        life = Lifecycle.start(D(2011, 1, 1), reason="adopted", decided_by=WHO, phase="growth")
        assert life.phase is P.GROWTH
        with pytest.raises(LifecycleError) as exc:
            Lifecycle.start(D(2011, 1, 1), reason="x", decided_by=WHO, phase=P.MONITORING)
        assert "no phase (empty history)" in str(exc.value)
        assert "allowed moves: planning, growth, strengthening" in str(exc.value)

    @pytest.mark.parametrize(
        ("path", "target", "allowed"),
        [
            ((P.PLANNING,), P.STRENGTHENING, "growth, suspended, cancelled"),
            ((P.PLANNING,), P.INDEPENDENCE, "growth, suspended, cancelled"),
            ((P.PLANNING, P.GROWTH), P.PLANNING, "strengthening, suspended, cancelled"),
            ((P.PLANNING, P.GROWTH), P.GROWTH, "strengthening, suspended, cancelled"),
            ((P.GROWTH, P.STRENGTHENING), P.MONITORING, "independence, suspended, cancelled"),
            ((P.STRENGTHENING, P.INDEPENDENCE), P.SUSPENDED, "monitoring"),
            ((P.STRENGTHENING, P.INDEPENDENCE), P.CANCELLED, "monitoring"),
            ((P.GROWTH, P.SUSPENDED), P.STRENGTHENING, "growth, cancelled"),
            ((P.GROWTH, P.SUSPENDED), P.SUSPENDED, "growth, cancelled"),
            ((P.STRENGTHENING, P.SUSPENDED), P.GROWTH, "strengthening, cancelled"),
            ((P.PLANNING, P.CANCELLED), P.PLANNING, "none (this phase is final)"),
            ((P.STRENGTHENING, P.INDEPENDENCE, P.MONITORING), P.GROWTH, "none (this phase"),
        ],
    )
    def test_illegal_move_names_allowed_ones_and_changes_nothing(
        self, path: tuple[Phase, ...], target: Phase, allowed: str
    ) -> None:
        life = life_at(*path)
        history = life.history
        with pytest.raises(LifecycleError) as exc:
            life.move(target, D(2015, 1, 1), reason="r", decided_by=WHO)
        assert type(exc.value) is LifecycleError
        message = str(exc.value)
        assert f"cannot move from {path[-1].value} to {target.value} on 2015-01-01" in message
        assert f"allowed moves: {allowed}" in message
        assert_unchanged(life, history)

    def test_move_by_name_and_unknown_phase(self) -> None:
        life = life_at(P.PLANNING)
        life.move("growth", D(2011, 2, 1), reason="r", decided_by=WHO)
        assert life.phase is P.GROWTH
        history = life.history
        with pytest.raises(ValidationError) as exc:
            life.move("exit", D(2011, 3, 1), reason="r", decided_by=WHO)
        assert exc.value.path == "phase"
        assert "'planning', 'growth', 'strengthening'" in str(exc.value)
        assert_unchanged(life, history)

    @pytest.mark.parametrize(
        ("field", "value"), [("reason", ""), ("reason", "  "), ("decided_by", ""), ("on", "x")]
    )
    def test_invalid_fields_change_nothing(self, field: str, value: Any) -> None:
        life = life_at(P.PLANNING)
        history = life.history
        kwargs: dict[str, Any] = {"on": D(2011, 2, 1), "reason": "r", "decided_by": WHO}
        kwargs[field] = value
        with pytest.raises(ValidationError) as exc:
            life.move(P.GROWTH, **kwargs)
        assert exc.value.path == field
        assert_unchanged(life, history)

    def test_date_before_previous_event(self) -> None:
        life = life_at(P.PLANNING, P.GROWTH, start=D(2011, 1, 1), step=100)  # growth 2011-04-11
        history = life.history
        with pytest.raises(LifecycleError) as exc:
            life.advance(D(2011, 4, 10), reason="r", decided_by=WHO)
        message = str(exc.value)
        assert "date 2011-04-10 is before the previous event (2011-04-11, growth)" in message
        assert "date order" in message
        assert_unchanged(life, history)
        life.advance(D(2011, 4, 11), reason="same day is fine", decided_by=WHO)
        assert life.phase is P.STRENGTHENING

    def test_advance_from_final_or_empty(self) -> None:
        for life in (Lifecycle(), life_at(P.PLANNING, P.CANCELLED)):
            with pytest.raises(LifecycleError, match=r"cannot advance from .*no next phase"):
                life.advance(D(2020, 1, 1), reason="r", decided_by=WHO)

    def test_history_is_read_only(self) -> None:
        life = life_at(P.PLANNING)
        assert isinstance(life.history, tuple)
        with pytest.raises(AttributeError):
            life.history = ()  # type: ignore[misc]


class TestSuspension:
    def test_started_2011_stopped_restarted_2012(self) -> None:
        life = Lifecycle.start(D(2011, 3, 1), reason="adopted", decided_by=WHO, phase=P.GROWTH)
        life.suspend(D(2011, 9, 1), reason="funding stopped", decided_by=WHO)
        assert life.phase == P.SUSPENDED
        assert life.allowed_moves() == (P.GROWTH, P.CANCELLED)
        with pytest.raises(LifecycleError, match="resume it first"):
            life.advance(D(2012, 1, 1), reason="r", decided_by=WHO)
        change = life.resume(D(2012, 2, 1), reason="restarted", decided_by=WHO)
        assert change.phase is P.GROWTH
        assert current(life) is P.GROWTH
        life.advance(D(2012, 6, 1), reason="financing", decided_by=WHO)
        assert current(life) is P.STRENGTHENING
        assert [c.phase for c in life.history] == [
            P.GROWTH,
            P.SUSPENDED,
            P.GROWTH,
            P.STRENGTHENING,
        ]

    @pytest.mark.parametrize("paused", [P.PLANNING, P.GROWTH, P.STRENGTHENING])
    def test_resume_returns_to_the_paused_phase(self, paused: Phase) -> None:
        path = [P.PLANNING, P.GROWTH, P.STRENGTHENING]
        life = life_at(*path[: path.index(paused) + 1])
        life.suspend(D(2013, 1, 1), reason="r", decided_by=WHO)
        life.resume(D(2013, 2, 1), reason="r", decided_by=WHO)
        assert life.phase is paused

    def test_suspend_twice_in_a_row_is_illegal(self) -> None:
        life = life_at(P.GROWTH, P.SUSPENDED)
        history = life.history
        with pytest.raises(LifecycleError, match="allowed moves: growth, cancelled"):
            life.suspend(D(2013, 1, 1), reason="r", decided_by=WHO)
        assert_unchanged(life, history)

    @pytest.mark.parametrize(
        "path", [(P.PLANNING,), (P.STRENGTHENING, P.INDEPENDENCE), (P.GROWTH, P.CANCELLED)]
    )
    def test_resume_when_not_suspended(self, path: tuple[Phase, ...]) -> None:
        life = life_at(*path)
        history = life.history
        with pytest.raises(LifecycleError) as exc:
            life.resume(D(2013, 1, 1), reason="r", decided_by=WHO)
        assert f"cannot resume: the cluster is in {path[-1].value}, not suspended" in str(exc.value)
        assert_unchanged(life, history)
        with pytest.raises(LifecycleError, match="no phase"):
            Lifecycle().resume(D(2013, 1, 1), reason="r", decided_by=WHO)

    def test_suspension_after_independence_is_illegal(self) -> None:
        life = life_at(P.STRENGTHENING, P.INDEPENDENCE)
        with pytest.raises(LifecycleError, match="allowed moves: monitoring"):
            life.suspend(D(2015, 1, 1), reason="r", decided_by=WHO)

    @pytest.mark.parametrize(
        "path", [(P.PLANNING,), (P.GROWTH,), (P.STRENGTHENING,), (P.GROWTH, P.SUSPENDED)]
    )
    def test_cancel(self, path: tuple[Phase, ...]) -> None:
        life = life_at(*path)
        life.cancel(D(2015, 1, 1), reason="district withdrew", decided_by=WHO)
        assert life.phase is P.CANCELLED
        assert life.allowed_moves() == ()

    def test_cancel_after_independence_is_illegal(self) -> None:
        life = life_at(P.STRENGTHENING, P.INDEPENDENCE)
        history = life.history
        with pytest.raises(LifecycleError, match="allowed moves: monitoring"):
            life.cancel(D(2015, 1, 1), reason="r", decided_by=WHO)
        assert_unchanged(life, history)


# -- guards and overrides -------------------------------------------------------------------------
class TestGuards:
    def test_passing_guard_is_recorded(self) -> None:
        life = life_at(P.GROWTH, P.STRENGTHENING)
        change = life.advance(D(2014, 3, 25), reason="handover", decided_by=WHO, guards=[passing])
        assert change.phase is P.INDEPENDENCE
        assert change.checks == (CheckResult("legal_cooperative", True, "irman"),)
        assert change.override is None
        assert change.failed_checks == ()

    def test_failing_guard_without_override_changes_nothing(self) -> None:
        life = life_at(P.GROWTH, P.STRENGTHENING)
        history = life.history
        with pytest.raises(ReadinessError) as exc:
            life.advance(
                D(2014, 3, 25), reason="handover", decided_by=WHO, guards=[passing, failing]
            )
        err = exc.value
        assert "failed checks (revolving_fund)" in str(err)
        assert "no override" in str(err)
        assert err.failures == (CheckResult("revolving_fund", False, "repayment 61%"),)
        assert isinstance(err, LifecycleError)
        assert_unchanged(life, history)

    def test_override_is_kept_in_history(self) -> None:
        life = life_at(P.GROWTH, P.STRENGTHENING)
        override = Override("Bupati asked for the handover before Ramadan", "director")
        change = life.advance(
            D(2014, 3, 25), reason="handover", decided_by=WHO, guards=[failing], override=override
        )
        assert change.override == override
        assert [c.name for c in change.failed_checks] == ["revolving_fund"]
        assert life.history[-1] is change
        assert Lifecycle(life.history) == life  # the override survives replay

    @pytest.mark.parametrize(("reason", "approved_by"), [("", "director"), (" ", "x"), ("r", "")])
    def test_override_needs_a_reason_and_approver(self, reason: str, approved_by: str) -> None:
        with pytest.raises(ValidationError) as exc:
            Override(reason, approved_by)
        assert exc.value.path == ("reason" if not reason.strip() else "approved_by")

    def test_guard_that_raises_changes_nothing(self) -> None:
        def broken(_subject: object, _on: dt.date) -> list[CheckResult]:
            raise ZeroDivisionError("no members")

        life = life_at(P.GROWTH, P.STRENGTHENING)
        history = life.history
        with pytest.raises(ReadinessError) as exc:
            life.advance(D(2014, 3, 25), reason="r", decided_by=WHO, guards=[passing, broken])
        assert "guard 'broken' raised ZeroDivisionError; the move was not made" in str(exc.value)
        assert isinstance(exc.value.__cause__, ZeroDivisionError)
        assert_unchanged(life, history)

    def test_guard_raising_a_klaster_error_passes_it_on(self) -> None:
        def strict(_subject: object, _on: dt.date) -> list[CheckResult]:
            raise ValidationError("indicator data missing", path="indicators")

        life = life_at(P.GROWTH, P.STRENGTHENING)
        history = life.history
        with pytest.raises(ValidationError, match="indicator data missing"):
            life.advance(D(2014, 3, 25), reason="r", decided_by=WHO, guards=[strict])
        assert_unchanged(life, history)

    def test_guard_returning_something_else(self) -> None:
        def sloppy(_subject: object, _on: dt.date) -> Iterable[Any]:
            return [True]

        life = life_at(P.GROWTH, P.STRENGTHENING)
        with pytest.raises(ReadinessError, match="guard 'sloppy' returned bool, not CheckResult"):
            life.advance(D(2014, 3, 25), reason="r", decided_by=WHO, guards=[sloppy])
        assert life.phase is P.STRENGTHENING

    def test_guards_only_run_for_legal_guarded_moves(self) -> None:
        calls: list[dt.date] = []

        def counting(_subject: object, on: dt.date) -> list[CheckResult]:
            calls.append(on)
            return [CheckResult("x", False)]

        life = life_at(P.PLANNING)
        life.advance(D(2011, 3, 1), reason="r", decided_by=WHO, guards=[counting])
        with pytest.raises(LifecycleError) as exc:
            life.move(P.INDEPENDENCE, D(2011, 4, 1), reason="r", decided_by=WHO, guards=[counting])
        assert type(exc.value) is LifecycleError  # the illegal move, not a readiness failure
        assert calls == []

    def test_replayed_history_with_failed_checks_needs_the_override(self) -> None:
        history = [
            PhaseChange(D(2012, 1, 1), P.STRENGTHENING, "r", WHO),
            PhaseChange(D(2014, 1, 1), P.INDEPENDENCE, "r", WHO, [CheckResult("fund", False)]),
        ]
        with pytest.raises(ReadinessError) as exc:
            Lifecycle(history)
        assert exc.value.path == "history[1]"

    def test_cluster_guards_see_the_cluster(self) -> None:
        region = Region.province("Sulawesi Selatan", "73", [Region.kabupaten("Bantaeng", "73.03")])
        cluster = Cluster(
            id="bantaeng",
            name="Klaster Mandiri Bantaeng",
            region=region,
            sectors=[ClusterSector("umkm")],
            lifecycle=life_at(P.GROWTH, P.STRENGTHENING),
        )

        def legal_cooperative(subject: Cluster, on: dt.date) -> list[CheckResult]:
            legal = [c.id for c in subject.cooperatives if c.is_legal(on)]
            return [CheckResult("legal_cooperative", bool(legal), f"legal: {legal}")]

        with pytest.raises(ReadinessError):
            cluster.advance(D(2014, 3, 25), reason="r", decided_by=WHO, guards=[legal_cooperative])
        cluster.add_cooperative(
            Cooperative("irman", "IRMAN", ["umkm"], legal=LegalStatus("518/BH", D(2013, 6, 14)))
        )
        cluster.advance(D(2014, 3, 25), reason="r", decided_by=WHO, guards=[legal_cooperative])
        assert cluster.phase is P.INDEPENDENCE
        assert cluster.lifecycle.history[-1].checks[0].detail == "legal: ['irman']"


# -- queries --------------------------------------------------------------------------------------
def bantaeng_like() -> Lifecycle:
    life = Lifecycle.start(D(2011, 1, 1), reason="study", decided_by=WHO)  # planning 31 days
    life.advance(D(2011, 2, 1), reason="r", decided_by=WHO)  # growth 28 days
    life.suspend(D(2011, 3, 1), reason="r", decided_by=WHO)  # suspended 306 days
    life.resume(D(2012, 1, 1), reason="r", decided_by=WHO)  # growth again 60 days (2012 leap)
    life.advance(D(2012, 3, 1), reason="r", decided_by=WHO)  # strengthening ...
    return life


class TestQueries:
    def test_phase_on(self) -> None:
        life = bantaeng_like()
        assert life.phase_on(D(2010, 12, 31)) is None
        assert life.phase_on(D(2011, 1, 1)) is P.PLANNING
        assert life.phase_on(D(2011, 1, 31)) is P.PLANNING
        assert life.phase_on(D(2011, 2, 1)) is P.GROWTH
        assert life.phase_on(D(2011, 12, 31)) is P.SUSPENDED
        assert life.phase_on(D(2012, 1, 1)) is P.GROWTH
        assert life.phase_on(D(2030, 1, 1)) is P.STRENGTHENING
        assert Lifecycle().phase_on(D(2011, 1, 1)) is None

    def test_phase_on_a_day_with_several_changes(self) -> None:
        life = life_at(P.PLANNING, P.GROWTH, P.STRENGTHENING, step=0)
        assert life.phase_on(D(2011, 1, 1)) is P.STRENGTHENING

    def test_days_in_phases_excludes_suspension(self) -> None:
        days = bantaeng_like().days_in_phases(D(2012, 4, 1))
        assert days[P.PLANNING] == 31
        assert days[P.GROWTH] == 28 + 60
        assert days[P.SUSPENDED] == 306
        assert days[P.STRENGTHENING] == 31
        assert days[P.INDEPENDENCE] == days[P.MONITORING] == days[P.CANCELLED] == 0
        assert sum(days.values()) == (D(2012, 4, 1) - D(2011, 1, 1)).days

    def test_days_in_phases_part_way_and_before(self) -> None:
        life = bantaeng_like()
        days = life.days_in_phases(D(2011, 2, 15))
        assert (days[P.PLANNING], days[P.GROWTH], days[P.SUSPENDED]) == (31, 14, 0)
        assert sum(life.days_in_phases(D(2010, 1, 1)).values()) == 0

    def test_cancelled_cluster_stops_counting(self) -> None:
        life = life_at(P.PLANNING, P.GROWTH, P.CANCELLED, step=10)
        days = life.days_in_phases(D(2020, 1, 1))
        assert days[P.PLANNING] == days[P.GROWTH] == 10
        assert days[P.CANCELLED] == 0

    def test_timeline(self) -> None:
        life = bantaeng_like()
        spans = life.timeline()
        assert [(s.phase, s.start, s.end) for s in spans] == [
            (P.PLANNING, D(2011, 1, 1), D(2011, 2, 1)),
            (P.GROWTH, D(2011, 2, 1), D(2011, 3, 1)),
            (P.SUSPENDED, D(2011, 3, 1), D(2012, 1, 1)),
            (P.GROWTH, D(2012, 1, 1), D(2012, 3, 1)),
            (P.STRENGTHENING, D(2012, 3, 1), None),
        ]
        assert [s.change for s in spans] == list(life.history)
        assert spans[-1].days(D(2012, 3, 11)) == 10
        assert spans[0].days(D(2010, 1, 1)) == 0
        assert Lifecycle().timeline() == ()

    def test_labels_and_iati_codes(self) -> None:
        assert P.GROWTH.label_id == "Penumbuhan"
        assert P.GROWTH.label_en == "Growth"
        assert [p.iati_status for p in Phase] == [1, 2, 2, 3, 3, 6, 5]


# -- replay ---------------------------------------------------------------------------------------
class TestReplay:
    def test_replay_equals_state(self) -> None:
        life = bantaeng_like()
        again = Lifecycle(life.history)
        assert again == life
        assert again.phase is life.phase
        assert again.allowed_moves() == life.allowed_moves()
        assert again.days_in_phases(D(2013, 1, 1)) == life.days_in_phases(D(2013, 1, 1))

    def test_illegal_history_is_located(self) -> None:
        history = [
            PhaseChange(D(2011, 1, 1), P.PLANNING, "r", WHO),
            PhaseChange(D(2011, 2, 1), P.INDEPENDENCE, "r", WHO),
        ]
        with pytest.raises(LifecycleError) as exc:
            Lifecycle(history)
        assert exc.value.path == "history[1]"
        assert "allowed moves: growth, suspended, cancelled" in str(exc.value)

    def test_unordered_history_is_located(self) -> None:
        history = [
            PhaseChange(D(2011, 1, 1), P.PLANNING, "r", WHO),
            PhaseChange(D(2010, 2, 1), P.GROWTH, "r", WHO),
        ]
        with pytest.raises(LifecycleError) as exc:
            Lifecycle(history)
        assert exc.value.path == "history[1]"
        assert "before the previous event" in str(exc.value)

    def test_history_items_must_be_phase_changes(self) -> None:
        with pytest.raises(ValidationError) as exc:
            Lifecycle([{"on": "2011-01-01", "phase": "planning"}])  # type: ignore[list-item]
        assert exc.value.path == "history[0]"
        assert "must be a PhaseChange, got dict" in str(exc.value)

    def test_lifecycles_are_not_hashable(self) -> None:
        with pytest.raises(TypeError):
            hash(Lifecycle())

    @settings(max_examples=60, deadline=None)
    @given(kst.lifecycles(max_moves=10), st.integers(0, 3_000))
    def test_generated_lifecycles_replay(self, life: Lifecycle, extra: int) -> None:
        assert Lifecycle(life.history) == life
        assert life.history
        assert life.phase is life.history[-1].phase
        start = life.history[0].on
        as_of = life.history[-1].on + dt.timedelta(days=extra)
        days = life.days_in_phases(as_of)
        cancelled = [c.on for c in life.history if c.phase is P.CANCELLED]
        end = cancelled[0] if cancelled else as_of
        assert sum(days.values()) == (end - start).days


# -- random sequences of legal and illegal moves --------------------------------------------------
# The reference model: what the issue says is legal, written independently of
# klaster.model.lifecycle.
_MAIN = [P.PLANNING, P.GROWTH, P.STRENGTHENING, P.INDEPENDENCE, P.MONITORING]
_PAUSABLE = {P.PLANNING, P.GROWTH, P.STRENGTHENING}


def expected_moves(phase: Phase | None, paused: Phase | None) -> set[Phase]:
    if phase is None:
        return set(_PAUSABLE)
    if phase is P.SUSPENDED:
        assert paused is not None
        return {paused, P.CANCELLED}
    moves = set()
    if phase in _MAIN[:-1]:
        moves.add(_MAIN[_MAIN.index(phase) + 1])
    if phase in _PAUSABLE:
        moves |= {P.SUSPENDED, P.CANCELLED}
    return moves


class LifecycleMachine(RuleBasedStateMachine):
    """Random legal and illegal moves, checked against the reference model above."""

    def __init__(self) -> None:
        super().__init__()
        self.life = Lifecycle()
        self.phase: Phase | None = None
        self.paused: Phase | None = None
        self.last = D(2011, 1, 1)

    @initialize(start=st.dates(D(2005, 1, 1), D(2020, 1, 1)))
    def set_start(self, start: dt.date) -> None:
        self.last = start

    def attempt(self, target: Phase, gap: int, **kwargs: Any) -> None:
        on = self.last + dt.timedelta(days=gap)
        legal = target in expected_moves(self.phase, self.paused) and (
            gap >= 0 or not self.life.history
        )
        before = self.life.history
        if legal:
            change = self.life.move(target, on, reason="r", decided_by=WHO, **kwargs)
            assert change.phase is target
            assert self.life.history == (*before, change)
            if target is P.SUSPENDED:
                self.paused = self.phase
            self.phase, self.last = target, on
        else:
            with pytest.raises(LifecycleError) as exc:
                self.life.move(target, on, reason="r", decided_by=WHO, **kwargs)
            assert type(exc.value) is LifecycleError
            if target not in expected_moves(self.phase, self.paused):
                allowed = self.life.allowed_moves()
                listed = ", ".join(p.value for p in allowed) or "none (this phase is final)"
                assert f"allowed moves: {listed}" in str(exc.value)
            assert self.life.history == before

    @rule(phase=st.sampled_from(Phase), gap=st.integers(-20, 120))
    def any_move(self, phase: Phase, gap: int) -> None:
        self.attempt(phase, gap)

    @rule(data=st.data(), gap=st.integers(0, 120))
    def legal_move(self, data: st.DataObject, gap: int) -> None:
        # Random moves are mostly illegal: walk the legal ones too, to reach every phase.
        moves = sorted(expected_moves(self.phase, self.paused) - {P.INDEPENDENCE})
        if moves:
            self.attempt(data.draw(st.sampled_from(moves)), gap)

    @rule(gap=st.integers(0, 60), override=st.booleans())
    def guarded_independence(self, gap: int, override: bool) -> None:
        legal = P.INDEPENDENCE in expected_moves(self.phase, self.paused)
        if legal and not override:
            before = self.life.history
            with pytest.raises(ReadinessError):
                self.life.move(
                    P.INDEPENDENCE,
                    self.last + dt.timedelta(days=gap),
                    reason="r",
                    decided_by=WHO,
                    guards=[failing],
                )
            assert self.life.history == before
            return
        self.attempt(
            P.INDEPENDENCE,
            gap,
            guards=[failing],
            override=Override("handover agreed", "director") if override else None,
        )

    @rule(gap=st.integers(0, 60))
    def resume(self, gap: int) -> None:
        before = self.life.history
        on = self.last + dt.timedelta(days=gap)
        if self.phase is P.SUSPENDED:
            self.life.resume(on, reason="r", decided_by=WHO)
            self.phase, self.paused, self.last = self.paused, None, on
        else:
            with pytest.raises(LifecycleError):
                self.life.resume(on, reason="r", decided_by=WHO)
            assert self.life.history == before

    @rule()
    def empty_reason(self) -> None:
        before = self.life.history
        for target in Phase:
            with pytest.raises(KlasterError):
                self.life.move(target, self.last, reason=" ", decided_by=WHO)
        assert self.life.history == before

    @precondition(lambda self: bool(self.life.history))
    @rule(extra=st.integers(0, 200))
    def days_add_up(self, extra: int) -> None:
        # Count day by day with phase_on, independently of days_in_phases.
        as_of = self.last + dt.timedelta(days=extra)
        start = self.life.history[0].on
        counted: Counter[Phase] = Counter()
        for offset in range((as_of - start).days):
            phase = self.life.phase_on(start + dt.timedelta(days=offset))
            assert phase is not None
            if phase is not P.CANCELLED:
                counted[phase] += 1
        days = self.life.days_in_phases(as_of)
        assert {p: n for p, n in days.items() if n} == dict(counted)

    @invariant()
    def replay_gives_the_same_state(self) -> None:
        again = Lifecycle(self.life.history)
        assert again == self.life
        assert again.phase is self.life.phase is self.phase
        assert again.allowed_moves() == self.life.allowed_moves()
        assert set(self.life.allowed_moves()) == expected_moves(self.phase, self.paused)

    @invariant()
    def history_in_date_order(self) -> None:
        dates = [c.on for c in self.life.history]
        assert dates == sorted(dates)


LifecycleMachine.TestCase.settings = settings(
    max_examples=150, stateful_step_count=30, deadline=None
)
TestLifecycleMachine = LifecycleMachine.TestCase
