"""The lifecycle's move rules: which phase may follow which, checked by replaying the history.

Internal interface of :mod:`klaster.model.lifecycle`: the phase sets, :class:`MoveState`,
:func:`apply_change` and :func:`replay`.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence

from attrs import frozen

from klaster.errors import LifecycleError, ReadinessError, ValidationError
from klaster.model.phase_changes import PhaseChange
from klaster.model.phases import Phase

__all__ = ["FIRST", "GUARDED", "NEXT", "PAUSABLE", "MoveState", "apply_change", "replay"]

# The main path, one phase to the next.
NEXT: Mapping[Phase, Phase] = {
    Phase.PLANNING: Phase.GROWTH,
    Phase.GROWTH: Phase.STRENGTHENING,
    Phase.STRENGTHENING: Phase.INDEPENDENCE,
    Phase.INDEPENDENCE: Phase.MONITORING,
}
PAUSABLE = frozenset({Phase.PLANNING, Phase.GROWTH, Phase.STRENGTHENING})
# A history may start part-way for a cluster adopted from older records.
FIRST = frozenset({Phase.PLANNING, Phase.GROWTH, Phase.STRENGTHENING})
GUARDED = frozenset({Phase.INDEPENDENCE})


@frozen
class MoveState:
    """Where a lifecycle stands: its phase, the phase a suspension paused, the last date."""

    phase: Phase | None
    resume_to: Phase | None  # the phase a suspension paused
    last_on: _dt.date | None

    def allowed(self) -> tuple[Phase, ...]:
        """The phases a move could go to now."""
        if self.phase is None:
            return tuple(p for p in Phase if p in FIRST)
        moves: list[Phase] = []
        if self.phase in NEXT:
            moves.append(NEXT[self.phase])
        if self.phase in PAUSABLE:
            moves += [Phase.SUSPENDED, Phase.CANCELLED]
        if self.phase is Phase.SUSPENDED and self.resume_to is not None:
            moves += [self.resume_to, Phase.CANCELLED]
        return tuple(moves)


def apply_change(state: MoveState, change: PhaseChange) -> MoveState:
    """The state after ``change``, or a :class:`LifecycleError` saying what would be legal."""
    allowed = state.allowed()
    if change.phase not in allowed:
        current = state.phase.value if state.phase else "no phase (empty history)"
        legal = ", ".join(p.value for p in allowed) or "none (this phase is final)"
        raise LifecycleError(
            f"cannot move from {current} to {change.phase.value} on {change.on}; "
            f"allowed moves: {legal}"
        )
    if state.last_on is not None and change.on < state.last_on:
        raise LifecycleError(
            f"date {change.on} is before the previous event ({state.last_on}, "
            f"{state.phase.value if state.phase else '-'}); events must be in date order"
        )
    if change.failed_checks and change.override is None:
        names = ", ".join(c.name for c in change.failed_checks)
        raise ReadinessError(
            f"the move to {change.phase.value} on {change.on} failed checks ({names}) "
            "and carries no override",
            failures=change.failed_checks,
        )
    resume_to = state.phase if change.phase is Phase.SUSPENDED else None
    return MoveState(change.phase, resume_to, change.on)


def replay(history: Sequence[PhaseChange]) -> MoveState:
    """The state after every change of ``history``, checking each move in turn."""
    state = MoveState(None, None, None)
    for index, change in enumerate(history):
        if not isinstance(change, PhaseChange):
            raise ValidationError(
                f"must be a PhaseChange, got {type(change).__name__}", path=f"history[{index}]"
            )
        try:
            state = apply_change(state, change)
        except LifecycleError as exc:
            raise exc.at(f"history[{index}]") from None
    return state
