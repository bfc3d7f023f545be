"""Fieldwork as a state machine: what is stored always fits the program; refusals change nothing.

Random sequences of adding and holding activities, assigning facilitators, logging visits (in
batches, some with a visit outside the assignment), planning and making and updating
commitments, good and bad. After every step: every stored record passes its checks against the
program (``Program.validate`` re-checks the whole fieldwork), plans and commitment updates have
only grown, and no lifecycle has moved.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)
from tests.model.fieldwork_builders import snapshot

import klaster
from klaster import (
    ActivityStatus,
    CommitmentStatus,
    CommitmentUpdate,
    KlasterError,
    Participant,
    Program,
)
from klaster.testing import strategies as kst

TODAY = dt.date.today()


class FieldworkMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.program: Program
        self.plans: tuple[Any, ...] = ()
        self.updates: dict[str, tuple[Any, ...]] = {}
        self.histories: dict[str, list[Any]] = {}

    @initialize(program=kst.programs_with_fieldwork(max_records=2, max_members=4))
    def start(self, program: Program) -> None:
        self.program = program
        self.histories = {c.id: list(c.lifecycle.history) for c in program.clusters}
        self._remember()

    def _remember(self) -> None:
        work = self.program.fieldwork
        self.plans = work.plans
        self.updates = {c.id: c.updates for c in work.commitments}

    def _try(self, call: Any, *args: Any, **kwargs: Any) -> bool:
        before = snapshot(self.program)
        error: KlasterError | None = None
        try:
            call(*args, **kwargs)
        except KlasterError as err:
            error = err
        if error is None:
            return True
        assert (error.path or "").startswith("fieldwork."), str(error)
        assert snapshot(self.program) == before  # a refused operation changes nothing
        return False

    # -- activities ---------------------------------------------------------------------------
    @rule(data=st.data())
    def add_activity(self, data: st.DataObject) -> None:
        activity = data.draw(kst.activities(self.program, today=TODAY))
        if not self._try(self.program.fieldwork.add_activity, activity):
            # Only refused when it realises a milestone before a plan for it was recorded.
            assert activity.milestone is not None
            assert activity.held_on is not None

    @precondition(lambda self: len(self.program.clusters) > 0)
    @rule(data=st.data())
    def add_activity_with_a_stranger(self, data: st.DataObject) -> None:
        activity = data.draw(kst.activities(self.program, today=TODAY))
        cluster_id = data.draw(st.sampled_from(self.program.clusters.ids()))
        stranger = Participant("member", "\u2603-not-a-member")
        bad = attrs.evolve(
            activity,
            cluster_id=cluster_id,
            sector=None,
            village=None,
            participants=[*activity.participants, stranger],
        )
        assert not self._try(self.program.fieldwork.add_activity, bad)

    @precondition(lambda self: len(self.program.fieldwork.activities) > 0)
    @rule(data=st.data(), future=st.booleans())
    def hold(self, data: st.DataObject, future: bool) -> None:
        activity = data.draw(st.sampled_from(list(self.program.fieldwork.activities)))
        on = TODAY + dt.timedelta(days=3) if future else data.draw(kst.dates(max_value=TODAY))
        held = self._try(self.program.fieldwork.hold, activity.id, on)
        assert held or future or activity.milestone is not None
        assert not (held and future)

    # -- mentoring ----------------------------------------------------------------------------
    def _clusters_with_people(self) -> list[Any]:
        return [c for c in self.program.clusters if len(c.members) or len(c.groups)]

    @precondition(lambda self: len(self.program.people) > 0)
    @rule(data=st.data())
    def assign(self, data: st.DataObject) -> None:
        clusters = self._clusters_with_people()
        if not clusters:
            return
        cluster = data.draw(st.sampled_from(clusters))
        people = list(self.program.people.ids())
        assignment = data.draw(kst.assignments(cluster, person_ids=people, today=TODAY))
        assert self._try(self.program.fieldwork.assign, assignment)

    @precondition(lambda self: len(self.program.fieldwork.assignments) > 0)
    @rule(data=st.data(), spoil=st.booleans())
    def log_visits(self, data: st.DataObject, spoil: bool) -> None:
        work = self.program.fieldwork
        assignment = data.draw(st.sampled_from(work.assignments))
        cluster = self.program.clusters[assignment.cluster_id]
        taken = set(work.visits.columns().ids)
        batch = data.draw(
            st.lists(
                kst.visits(assignment, cluster, ids=kst.ids(avoid=taken), today=TODAY),
                min_size=1,
                max_size=3,
                unique_by=lambda v: v.id,
            )
        )
        if spoil:  # one visit outside every assignment period of the facilitator: all refused
            batch.insert(
                len(batch) // 2, attrs.evolve(batch[0], id="\u2603-spoilt", on=dt.date(1990, 1, 1))
            )
        before = len(work.visits)
        logged = self._try(work.log_visits, batch)
        assert logged is not spoil
        assert len(work.visits) == before + (0 if spoil else len(batch))

    # -- plans and commitments ----------------------------------------------------------------
    @rule(data=st.data())
    def plan(self, data: st.DataObject) -> None:
        plan = data.draw(kst.plans(cluster_ids=self.program.clusters.ids(), today=TODAY))
        if not self._try(self.program.fieldwork.plan, plan):
            assert not plan.after_the_fact
            assert self._try(self.program.fieldwork.plan, attrs.evolve(plan, after_the_fact=True))

    @rule(data=st.data())
    def commit(self, data: st.DataObject) -> None:
        commitment = data.draw(kst.commitments(self.program, today=TODAY))
        assert self._try(self.program.fieldwork.add_commitment, commitment)

    @precondition(lambda self: len(self.program.fieldwork.commitments) > 0)
    @rule(data=st.data(), status=st.sampled_from(CommitmentStatus), back=st.booleans())
    def update_commitment(self, data: st.DataObject, status: CommitmentStatus, back: bool) -> None:
        commitment = data.draw(st.sampled_from(list(self.program.fieldwork.commitments)))
        last = commitment.updates[-1].on if commitment.updates else commitment.made_on
        on = (
            last - dt.timedelta(days=1)
            if back
            else data.draw(kst.dates(min_value=last, max_value=max(last, TODAY)))
        )
        accepted = self._try(
            self.program.fieldwork.update_commitment, commitment.id, CommitmentUpdate(on, status)
        )
        assert accepted is (not back and on <= TODAY)

    # -- invariants ---------------------------------------------------------------------------
    @invariant()
    def every_record_fits_the_program(self) -> None:
        self.program.validate()  # re-checks every fieldwork record in context
        for activity in self.program.fieldwork.activities:
            if activity.status is not ActivityStatus.HELD:
                assert all(p.attended is None for p in activity.participants)

    @invariant()
    def history_only_grows(self) -> None:
        work = self.program.fieldwork
        assert work.plans[: len(self.plans)] == self.plans
        for commitment_id, updates in self.updates.items():
            assert work.commitments[commitment_id].updates[: len(updates)] == updates
        self._remember()

    @invariant()
    def no_lifecycle_moves(self) -> None:
        for cluster in self.program.clusters:
            assert list(cluster.lifecycle.history) == self.histories[cluster.id]

    def teardown(self) -> None:
        if hasattr(self, "program"):
            assert klaster.loads(klaster.dumps(self.program)) == self.program


FieldworkMachine.TestCase.settings = settings(
    max_examples=40,
    stateful_step_count=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestFieldworkMachine = FieldworkMachine.TestCase
