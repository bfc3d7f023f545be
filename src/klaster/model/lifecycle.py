"""The lifecycle of a cluster: the append-only phase history and its current state.

Every move is a :class:`PhaseChange` with a date, a reason and who decided; the current state is
always the replay of that history. The phases are in :mod:`klaster.model.phases`, the history
records in :mod:`klaster.model.phase_changes`, the move rules in :mod:`klaster.model.phase_rules`;
their public names are importable from here too.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Iterable
from typing import Any

from attrs import define, field

from klaster.errors import LifecycleError
from klaster.model.phase_changes import (
    CheckResult,
    Guard,
    Override,
    PhaseChange,
    PhaseSpan,
    run_guard,
)
from klaster.model.phase_rules import GUARDED, NEXT, MoveState, apply_change, replay
from klaster.model.phases import Phase, to_phase

__all__ = [
    "CheckResult",
    "Guard",
    "Lifecycle",
    "Override",
    "Phase",
    "PhaseChange",
    "PhaseSpan",
]


def _to_history(value: Iterable[PhaseChange]) -> list[PhaseChange]:
    return list(value)


@define(eq=False)
class Lifecycle:
    """The phase history of one cluster, append-only, with its current state derived by replay.

    Build one with :meth:`start`, or from a stored history with ``Lifecycle(history)`` (which
    replays and checks it). Moves append a :class:`PhaseChange`; an illegal move raises
    :class:`~klaster.errors.LifecycleError` naming the allowed ones and changes nothing.

    Example:
        >>> import datetime as dt
        >>> life = Lifecycle.start(dt.date(2010, 6, 1), reason="poverty map", decided_by="DD")
        >>> _ = life.advance(dt.date(2011, 4, 1), reason="socialisation", decided_by="DD")
        >>> life.phase
        <Phase.GROWTH: 'growth'>
        >>> life.allowed_moves()
        (<Phase.STRENGTHENING: 'strengthening'>, <Phase.SUSPENDED: 'suspended'>, \
<Phase.CANCELLED: 'cancelled'>)
    """

    _history: list[PhaseChange] = field(factory=list, converter=_to_history, alias="history")
    _state: MoveState = field(init=False, repr=False)
    _watcher: Callable[[PhaseChange], None] | None = field(default=None, init=False, repr=False)

    def __attrs_post_init__(self) -> None:
        self._state = replay(self._history)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Lifecycle):
            return NotImplemented
        return self._history == other._history

    __hash__ = None  # type: ignore[assignment]  # mutable: appending changes equality

    @classmethod
    def start(
        cls,
        on: _dt.date,
        *,
        reason: str,
        decided_by: str,
        phase: Phase | str = Phase.PLANNING,
    ) -> Lifecycle:
        """Open a lifecycle in ``phase``: planning, or growth/strengthening for adopted clusters."""
        life = cls()
        life.move(phase, on, reason=reason, decided_by=decided_by)
        return life

    @property
    def history(self) -> tuple[PhaseChange, ...]:
        """Every change, oldest first."""
        return tuple(self._history)

    @property
    def phase(self) -> Phase | None:
        """The current phase (``None`` for an empty history)."""
        return self._state.phase

    @property
    def started(self) -> _dt.date | None:
        """Date of the first event."""
        return self._history[0].on if self._history else None

    def allowed_moves(self) -> tuple[Phase, ...]:
        """The phases a move could go to now."""
        return self._state.allowed()

    def move(
        self,
        to: Phase | str,
        on: _dt.date,
        *,
        reason: str,
        decided_by: str,
        subject: object = None,
        guards: Iterable[Guard] = (),
        override: Override | None = None,
    ) -> PhaseChange:
        """Move to phase ``to`` on ``on`` and append the change to the history.

        Moves to independence run ``guards`` against ``subject``; if a check fails the move needs an
        ``override`` (kept in the history with every check result).

        Args:
            to: The phase to enter.
            on: Date of the change; not before the previous event.
            reason: Why.
            decided_by: Who decided.
            subject: What the guards check (the cluster).
            guards: Checks for guarded moves (see :data:`Guard`).
            override: Permission to move despite failed checks.

        Returns:
            The appended :class:`PhaseChange`.

        Raises:
            LifecycleError: The move is not allowed now, or the date is out of order.
            ReadinessError: A guard check failed and no override was given.
            ValidationError: A field is invalid (empty reason, bad date...).
        """
        target = to_phase(to)
        checks: list[CheckResult] = []
        if target in GUARDED and target in self._state.allowed():
            for guard in guards:
                checks.extend(run_guard(guard, subject, on))
        change = PhaseChange(
            on=on,
            phase=target,
            reason=reason,
            decided_by=decided_by,
            checks=checks,
            override=override,
        )
        state = apply_change(self._state, change)
        if self._watcher is not None:
            self._watcher(change)  # may refuse: nothing has changed yet
        self._state = state
        self._history.append(change)
        return change

    def watch(self, check: Callable[[PhaseChange], None] | None) -> None:
        """Run ``check`` on every new move before it is appended; ``None`` stops watching.

        Internal: the program's fieldwork watches its clusters so that no move contradicts a
        recorded plan.
        """
        self._watcher = check

    def advance(self, on: _dt.date, **kwargs: Any) -> PhaseChange:
        """Move to the next phase of the main path (see :meth:`move` for the arguments)."""
        current = self._state.phase
        if current is None or current not in NEXT:
            state = current.value if current else "no phase"
            raise LifecycleError(
                f"cannot advance from {state}: "
                + ("resume it first" if current is Phase.SUSPENDED else "no next phase")
            )
        return self.move(NEXT[current], on, **kwargs)

    def suspend(self, on: _dt.date, *, reason: str, decided_by: str) -> PhaseChange:
        """Pause the cluster (a phase before independence)."""
        return self.move(Phase.SUSPENDED, on, reason=reason, decided_by=decided_by)

    def resume(self, on: _dt.date, *, reason: str, decided_by: str) -> PhaseChange:
        """Resume a suspended cluster to the phase it paused."""
        target = self._state.resume_to
        if self._state.phase is not Phase.SUSPENDED or target is None:
            current = self._state.phase.value if self._state.phase else "no phase"
            raise LifecycleError(f"cannot resume: the cluster is in {current}, not suspended")
        return self.move(target, on, reason=reason, decided_by=decided_by)

    def cancel(self, on: _dt.date, *, reason: str, decided_by: str) -> PhaseChange:
        """End the cluster before independence."""
        return self.move(Phase.CANCELLED, on, reason=reason, decided_by=decided_by)

    def timeline(self) -> tuple[PhaseSpan, ...]:
        """The history as consecutive spans; the last one is open (``end`` is ``None``)."""
        spans = []
        for index, change in enumerate(self._history):
            end = self._history[index + 1].on if index + 1 < len(self._history) else None
            spans.append(PhaseSpan(change.phase, change.on, end, change))
        return tuple(spans)

    def phase_on(self, day: _dt.date) -> Phase | None:
        """The phase on ``day`` (``None`` before the first event).

        Several changes on one day: the last of them counts.
        """
        found = None
        for change in self._history:
            if change.on > day:
                break
            found = change.phase
        return found

    def days_in_phases(self, as_of: _dt.date) -> dict[Phase, int]:
        """Days spent in each phase up to ``as_of``.

        Suspensions are not counted in the phase they paused: they have their own
        ``Phase.SUSPENDED`` entry. A cancelled cluster stops counting when cancelled.
        """
        days = dict.fromkeys(Phase, 0)
        for span in self.timeline():
            if span.phase is not Phase.CANCELLED:
                days[span.phase] += span.days(as_of)
        return days
