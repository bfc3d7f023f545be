"""Strategies for lifecycles: guard check results, overrides, single events, whole histories.

Requires `hypothesis <https://hypothesis.readthedocs.io>`_ (``pip install klaster[test]``).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable

from hypothesis import strategies as st

from klaster.model.lifecycle import CheckResult, Lifecycle, Override, Phase, PhaseChange
from klaster.testing._drawing import check_size, later, maybe
from klaster.testing.basic_strategies import codes, dates, texts

__all__ = ["check_results", "lifecycles", "overrides", "phase_changes"]


def check_results(*, passed: bool | None = None) -> st.SearchStrategy[CheckResult]:
    """Results of a guard check (a readiness criterion) as kept in the history.

    Args:
        passed: Force the outcome; ``None`` for either.

    Returns:
        A strategy of valid :class:`~klaster.CheckResult` records.
    """
    return st.builds(
        CheckResult,
        name=codes(),
        passed=st.booleans() if passed is None else st.just(passed),
        detail=st.just("") | texts(),
    )


def overrides() -> st.SearchStrategy[Override]:
    """Overrides of failed guard checks, with the reason and approver they require.

    Returns:
        A strategy of valid :class:`~klaster.Override` records.
    """
    return st.builds(Override, reason=texts(), approved_by=texts())


@st.composite
def _phase_changes(draw: st.DrawFn, phase: Phase | None, on: _dt.date | None) -> PhaseChange:
    checks = draw(st.lists(check_results(), max_size=3))
    failed = any(not c.passed for c in checks)
    return PhaseChange(
        on=on if on is not None else draw(dates()),
        phase=phase if phase is not None else draw(st.sampled_from(Phase)),
        reason=draw(texts()),
        decided_by=draw(texts()),
        checks=checks,
        override=draw(overrides()) if failed else maybe(draw, overrides()),
    )


def phase_changes(
    *, phase: Phase | str | None = None, on: _dt.date | None = None
) -> st.SearchStrategy[PhaseChange]:
    """Single lifecycle events; failed checks always come with an override.

    Use :func:`lifecycles` for whole histories: a sequence of these is not necessarily legal.

    Args:
        phase: The phase entered (default: any).
        on: The date (default: any).

    Returns:
        A strategy of valid :class:`~klaster.PhaseChange` records.
    """
    return _phase_changes(Phase(phase) if phase is not None else None, on)


def _returning(checks: list[CheckResult]) -> Callable[[object, _dt.date], list[CheckResult]]:
    """A guard that reports ``checks``, whatever it is asked."""

    def guard(_subject: object, _on: _dt.date) -> list[CheckResult]:
        return checks

    return guard


@st.composite
def _lifecycles(
    draw: st.DrawFn, min_moves: int, max_moves: int, started_after: _dt.date
) -> Lifecycle:
    life = Lifecycle()
    day = draw(dates(min_value=started_after, max_value=max(started_after, _dt.date(2025, 1, 1))))
    first = draw(st.sampled_from(life.allowed_moves()))
    life.move(first, day, reason=draw(texts()), decided_by=draw(texts()))
    for step in range(draw(st.integers(min_moves, max_moves))):
        allowed = life.allowed_moves()
        if not allowed:
            break
        target = draw(st.sampled_from(allowed))
        day = later(draw, day, max_days=200 if step % 2 else 500)
        checks = draw(st.lists(check_results(), max_size=3)) if target is Phase.INDEPENDENCE else []
        failed = any(not c.passed for c in checks)
        override = draw(overrides()) if failed else maybe(draw, overrides())
        life.move(
            target,
            day,
            reason=draw(texts()),
            decided_by=draw(texts()),
            guards=[_returning(checks)],
            override=override,
        )
    return life


def lifecycles(
    *, min_moves: int = 0, max_moves: int = 6, started_after: _dt.date = _dt.date(2005, 1, 1)
) -> st.SearchStrategy[Lifecycle]:
    """Lifecycle histories made by driving random legal moves from a random first phase.

    Moves include suspension and resumption, cancellation, and guarded moves to independence
    whose checks sometimes fail (then with an override). Several moves may fall on one day.

    Args:
        min_moves: Fewest moves after the first event (fewer when a final phase is reached).
        max_moves: Most moves after the first event.
        started_after: Earliest date of the first event.

    Returns:
        A strategy of non-empty, valid :class:`~klaster.Lifecycle` objects (replaying the
        history of each gives it back).
    """
    check_size(min_moves=min_moves, max_moves=max_moves)
    if min_moves > max_moves:
        raise ValueError(f"min_moves ({min_moves}) exceeds max_moves ({max_moves})")
    return _lifecycles(min_moves, max_moves, started_after)
