"""The history of a lifecycle: phase changes, the guard checks run on them and overrides."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable
from typing import Any, Protocol

from attrs import field, frozen

from klaster._support.validate import (
    check_bool,
    check_date,
    check_each,
    check_enum,
    check_optional_instance,
    check_str,
    check_text,
    to_date,
)
from klaster.errors import KlasterError, ReadinessError
from klaster.model.phases import Phase, to_phase

__all__ = ["CheckResult", "Guard", "Override", "PhaseChange", "PhaseSpan"]


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
    phase: Phase = field(converter=to_phase, validator=check_enum(Phase))
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


def run_guard(guard: Guard, subject: object, on: _dt.date) -> list[CheckResult]:
    """Run one guard; its results, or a ReadinessError naming the guard that broke (internal)."""
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
