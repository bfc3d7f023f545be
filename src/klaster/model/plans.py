"""Plans: the dates a program intends for lifecycle moves and milestones, kept apart from facts.

A :class:`Plan` says "cluster X should reach milestone M on D", recorded on a day. A milestone
is a phase value (``"independence"``: the move into that phase) or a code of the program's own
(``"handover"``, ``"end_of_mentoring"``). Plans are history: a revised date is a new plan
recorded later, and the latest recorded one is current. A plan never moves a lifecycle; what
happened comes from the lifecycle (phase milestones) or from the held activity that realised
the milestone (:attr:`Activity.milestone <klaster.model.activity.Activity.milestone>`).
"""

from __future__ import annotations

import datetime as _dt

from attrs import field, frozen

from klaster._support.validate import (
    check_bool,
    check_code,
    check_date,
    check_optional_id,
    check_optional_text,
    to_date,
)

__all__ = ["Plan", "PlanStatus"]


@frozen
class Plan:
    """A planned date for a milestone of a cluster (or of the program).

    Args:
        milestone: A phase value (``"independence"``) or a milestone code (``"handover"``).
        on: The planned date.
        recorded_on: The day the plan was made (revisions are later plans).
        cluster_id: The cluster; ``None`` for a program-wide milestone.
        after_the_fact: Say ``True`` to record a plan for a milestone that had already been
            reached when it was recorded (entering an old plan from a report); otherwise such a
            plan is refused.
        note: Free text (``"Serah terima direncanakan 25 Maret 2014"``).

    Example:
        >>> import datetime
        >>> p = Plan("independence", datetime.date(2014, 3, 25),
        ...          recorded_on=datetime.date(2014, 1, 10), cluster_id="bantaeng")
        >>> p.milestone
        'independence'
    """

    milestone: str = field(validator=check_code)
    on: _dt.date = field(converter=to_date, validator=check_date)
    recorded_on: _dt.date = field(converter=to_date, validator=check_date)
    cluster_id: str | None = field(default=None, validator=check_optional_id)
    after_the_fact: bool = field(default=False, validator=check_bool)
    note: str | None = field(default=None, validator=check_optional_text)


@frozen
class PlanStatus:
    """A milestone's current plan beside what happened (see ``Fieldwork.planned_vs_actual``).

    Args:
        cluster_id: The cluster, or ``None`` for the program.
        milestone: The milestone.
        planned: The current plan's date (the latest recorded plan).
        first_planned: The first plan's date.
        revisions: How many plans were recorded for it.
        actual: The date it was reached, or ``None``.
        source: Where ``actual`` comes from (``"lifecycle"``, ``"activity <id>"``) or ``None``.
    """

    cluster_id: str | None
    milestone: str
    planned: _dt.date
    first_planned: _dt.date
    revisions: int
    actual: _dt.date | None
    source: str | None

    @property
    def delay_days(self) -> int | None:
        """Days between the current plan and what happened (positive: late); ``None`` if not yet."""
        return None if self.actual is None else (self.actual - self.planned).days
