"""The lifecycle of a cluster: phases, the moves between them, and the append-only history.

A cluster runs for about three years: planning, growth (*penumbuhan*), strengthening
(*penguatan*), independence (*pemandirian*, exit with the asset handover) and monitoring after
exit. It can be suspended and resumed, or cancelled. Every move is a :class:`PhaseChange` with a
date, a reason and who decided; the current state is always the replay of that history.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

from attrs import define, field, frozen

from klaster._support.validate import (
    check_bool,
    check_date,
    check_each,
    check_enum,
    check_optional_instance,
    check_str,
    check_text,
    enum_value,
    to_date,
)
from klaster.errors import KlasterError, LifecycleError, ReadinessError, ValidationError
from klaster.label import LabelledEnum, labelled

__all__ = [
    "CheckResult",
    "Guard",
    "Lifecycle",
    "Override",
    "Phase",
    "PhaseChange",
    "PhaseSpan",
]


class Phase(LabelledEnum):
    """A phase of a cluster's lifecycle.

    The main path is ``PLANNING → GROWTH → STRENGTHENING → INDEPENDENCE → MONITORING``.
    ``SUSPENDED`` pauses any phase before independence and resumes to the phase it paused;
    ``CANCELLED`` ends a cluster that never reached independence.
    """

    PLANNING = labelled("planning", "Perencanaan", "Planning")
    """Perencanaan: location study, poverty data, choice of kecamatan and desa."""
    GROWTH = labelled("growth", "Penumbuhan", "Growth")
    """Penumbuhan: socialisation, opening workshop, forming groups, first financing."""
    STRENGTHENING = labelled("strengthening", "Penguatan", "Strengthening")
    """Penguatan: group financing (revolving fund), capacity, markets, the legal cooperative."""
    INDEPENDENCE = labelled("independence", "Pemandirian", "Independence")
    """Pemandirian: exit; assets are handed over to the cooperative at the closing workshop."""
    MONITORING = labelled("monitoring", "Pemantauan pasca-pemandirian", "Post-exit monitoring")
    """Pemantauan pasca-pemandirian: monitoring after exit, by the NGO or local government."""
    SUSPENDED = labelled("suspended", "Dihentikan sementara", "Suspended")
    """Dihentikan sementara: paused; resumes to the phase it paused."""
    CANCELLED = labelled("cancelled", "Dibatalkan", "Cancelled")
    """Dibatalkan: ended before independence."""

    @property
    def iati_status(self) -> int:
        """The IATI ActivityStatus code (1 pipeline ... 6 suspended) this phase maps to."""
        return _IATI_STATUS[self]


_IATI_STATUS: Mapping[Phase, int] = {
    Phase.PLANNING: 1,
    Phase.GROWTH: 2,
    Phase.STRENGTHENING: 2,
    Phase.INDEPENDENCE: 3,
    Phase.MONITORING: 4,
    Phase.CANCELLED: 5,
    Phase.SUSPENDED: 6,
}
_NEXT: Mapping[Phase, Phase] = {
    Phase.PLANNING: Phase.GROWTH,
    Phase.GROWTH: Phase.STRENGTHENING,
    Phase.STRENGTHENING: Phase.INDEPENDENCE,
    Phase.INDEPENDENCE: Phase.MONITORING,
}
_PAUSABLE = frozenset({Phase.PLANNING, Phase.GROWTH, Phase.STRENGTHENING})
# A history may start part-way for a cluster adopted from older records.
_FIRST = frozenset({Phase.PLANNING, Phase.GROWTH, Phase.STRENGTHENING})
_GUARDED = frozenset({Phase.INDEPENDENCE})


def _to_phase(value: Phase | str) -> Phase:
    return enum_value(Phase, value)


@frozen
class CheckResult:
    """The outcome of one guard check on a move (one readiness criterion, say).

    Args:
        name: Short name of the check (``"legal_cooperative"``).
        passed: Whether it passed.
        detail: What was found, for the history (IDs and figures only, no personal data).
    """

    name: str = field(validator=check_text)
    passed: bool = field(validator=check_bool)
    detail: str = field(default="", validator=check_str)


@frozen
class Override:
    """Permission to make a guarded move even though checks failed.

    Args:
        reason: Why the move is made anyway; required, kept in the history.
        approved_by: Who approved it.
    """

    reason: str = field(validator=check_text)
    approved_by: str = field(validator=check_text)


class Guard(Protocol):
    """A check run before a guarded move (to independence).

    Any callable ``guard(subject, on)`` returning :class:`CheckResult` records is a guard; the
    subject is what is moving (a :class:`klaster.Cluster`). Readiness criteria plug in here.

    Example:
        >>> def has_cooperative(cluster, on):
        ...     return [CheckResult("cooperative", len(cluster.cooperatives) > 0)]
    """

    def __call__(self, subject: Any, on: _dt.date, /) -> Iterable[CheckResult]:
        """Check ``subject`` for a move on ``on``."""
        ...


def _to_checks(value: Iterable[CheckResult]) -> tuple[CheckResult, ...]:
    return tuple(value)


@frozen
class PhaseChange:
    """One event of the lifecycle history: the cluster entered ``phase`` on ``on``.

    Args:
        on: Date of the change.
        phase: The phase entered.
        reason: Why (``"opening workshop with the Bupati"``).
        decided_by: Who decided (a role or ID, not a private person's details).
        checks: Results of the guard checks run for this move.
        override: The :class:`Override` used when checks failed.
    """

    on: _dt.date = field(converter=to_date, validator=check_date)
    phase: Phase = field(converter=_to_phase, validator=check_enum(Phase))
    reason: str = field(validator=check_text)
    decided_by: str = field(validator=check_text)
    checks: tuple[CheckResult, ...] = field(
        default=(), converter=_to_checks, validator=check_each(CheckResult)
    )
    override: Override | None = field(default=None, validator=check_optional_instance(Override))

    @property
    def failed_checks(self) -> tuple[CheckResult, ...]:
        """The checks that did not pass."""
        return tuple(c for c in self.checks if not c.passed)


@frozen
class PhaseSpan:
    """A stretch of time in one phase, from :meth:`Lifecycle.timeline`.

    Args:
        phase: The phase.
        start: First day in it.
        end: Day it was left (exclusive), or ``None`` while current.
        change: The :class:`PhaseChange` that began it.
    """

    phase: Phase
    start: _dt.date
    end: _dt.date | None
    change: PhaseChange

    def days(self, as_of: _dt.date) -> int:
        """Days in this span up to ``as_of`` (exclusive); 0 if it starts later."""
        end = as_of if self.end is None else min(self.end, as_of)
        return max(0, (end - self.start).days)


@frozen
class _State:
    phase: Phase | None
    resume_to: Phase | None  # the phase a suspension paused
    last_on: _dt.date | None

    def allowed(self) -> tuple[Phase, ...]:
        if self.phase is None:
            return tuple(p for p in Phase if p in _FIRST)
        moves: list[Phase] = []
        if self.phase in _NEXT:
            moves.append(_NEXT[self.phase])
        if self.phase in _PAUSABLE:
            moves += [Phase.SUSPENDED, Phase.CANCELLED]
        if self.phase is Phase.SUSPENDED and self.resume_to is not None:
            moves += [self.resume_to, Phase.CANCELLED]
        return tuple(moves)


def _apply(state: _State, change: PhaseChange) -> _State:
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
    return _State(change.phase, resume_to, change.on)


def _replay(history: Sequence[PhaseChange]) -> _State:
    state = _State(None, None, None)
    for index, change in enumerate(history):
        if not isinstance(change, PhaseChange):
            raise ValidationError(
                f"must be a PhaseChange, got {type(change).__name__}", path=f"history[{index}]"
            )
        try:
            state = _apply(state, change)
        except LifecycleError as exc:
            raise exc.at(f"history[{index}]") from None
    return state


def _run_guard(guard: Guard, subject: object, on: _dt.date) -> list[CheckResult]:
    name = getattr(guard, "__name__", type(guard).__name__)
    try:
        results = list(guard(subject, on))
    except KlasterError:
        raise
    except Exception as exc:
        # A readiness check is third-party code: report which one broke, never half-move.
        raise ReadinessError(
            f"guard {name!r} raised {type(exc).__name__}; the move was not made"
        ) from exc
    for result in results:
        if not isinstance(result, CheckResult):
            raise ReadinessError(
                f"guard {name!r} returned {type(result).__name__}, not CheckResult records"
            )
    return results


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
    _state: _State = field(init=False, repr=False)

    def __attrs_post_init__(self) -> None:
        self._state = _replay(self._history)

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
        target = _to_phase(to)
        checks: list[CheckResult] = []
        if target in _GUARDED and target in self._state.allowed():
            for guard in guards:
                checks.extend(_run_guard(guard, subject, on))
        change = PhaseChange(
            on=on,
            phase=target,
            reason=reason,
            decided_by=decided_by,
            checks=checks,
            override=override,
        )
        self._state = _apply(self._state, change)
        self._history.append(change)
        return change

    def advance(self, on: _dt.date, **kwargs: Any) -> PhaseChange:
        """Move to the next phase of the main path (see :meth:`move` for the arguments)."""
        current = self._state.phase
        if current is None or current not in _NEXT:
            state = current.value if current else "no phase"
            raise LifecycleError(
                f"cannot advance from {state}: "
                + ("resume it first" if current is Phase.SUSPENDED else "no next phase")
            )
        return self.move(_NEXT[current], on, **kwargs)

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
