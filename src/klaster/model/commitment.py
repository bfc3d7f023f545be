"""Stakeholder commitments: who promised what, by when, and what became of it.

Government offices promise trainings, to take cooperative proposals, to follow up a workshop's
recommendations after exit. A :class:`Commitment` records the promise; its status is the last
of its :class:`CommitmentUpdate` history (append-only), and it is overdue when its due date has
passed while it is still open.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable
from typing import Any

from attrs import field, frozen

from klaster._support.validate import (
    check_date,
    check_enum,
    check_id,
    check_optional_date,
    check_optional_id,
    check_optional_text,
    check_order,
    check_text,
    enum_value,
    to_date,
    to_optional_date,
)
from klaster.errors import ValidationError
from klaster.label import LabelledEnum, labelled

__all__ = ["Commitment", "CommitmentStatus", "CommitmentUpdate"]


class CommitmentStatus(LabelledEnum):
    """Where a commitment stands."""

    OPEN = labelled("open", "Belum dipenuhi", "Open")
    """Promised, not yet fulfilled."""
    IN_PROGRESS = labelled("in_progress", "Sedang dipenuhi", "In progress")
    """Being fulfilled."""
    FULFILLED = labelled("fulfilled", "Dipenuhi", "Fulfilled")
    """Done, with evidence."""
    BROKEN = labelled("broken", "Tidak dipenuhi", "Not fulfilled")
    """Will not be fulfilled."""
    CANCELLED = labelled("cancelled", "Dibatalkan", "Cancelled")
    """Withdrawn by agreement."""

    @property
    def is_open(self) -> bool:
        """Whether the commitment is still to be fulfilled."""
        return self in (CommitmentStatus.OPEN, CommitmentStatus.IN_PROGRESS)


def _to_status(value: CommitmentStatus | str) -> CommitmentStatus:
    return enum_value(CommitmentStatus, value)


@frozen
class CommitmentUpdate:
    """A change of a commitment's status.

    Args:
        on: The day.
        status: The new :class:`CommitmentStatus`.
        evidence: What shows it (a letter's number, a training's activity ID, a link).
        note: Free text.
    """

    on: _dt.date = field(converter=to_date, validator=check_date)
    status: CommitmentStatus = field(converter=_to_status, validator=check_enum(CommitmentStatus))
    evidence: str | None = field(default=None, validator=check_optional_text)
    note: str | None = field(default=None, validator=check_optional_text)


def _to_updates(value: Iterable[CommitmentUpdate]) -> tuple[CommitmentUpdate, ...]:
    return tuple(value)


def _check_updates(inst: Commitment, attribute: Any, value: tuple[CommitmentUpdate, ...]) -> None:
    previous = inst.made_on
    for index, update in enumerate(value):
        where = f"{attribute.name}[{index}]"
        if not isinstance(update, CommitmentUpdate):
            raise ValidationError(
                f"must be a CommitmentUpdate, got {type(update).__name__}", path=where
            )
        if update.on < previous:
            raise ValidationError(
                f"dated {update.on}, before {previous}; updates are in date order from made_on",
                path=f"{where}.on",
            )
        previous = update.on


@frozen
class Commitment:
    """A promise made by an organisation to a cluster or the program.

    Args:
        id: Stable ID, unique in the program.
        organisation_id: The organisation that promised (a *dinas*, the district).
        promise: What was promised (``"Dinas Koperasi menerima proposal koperasi"``).
        made_on: When.
        cluster_id: The cluster it is for; ``None`` for the program.
        due: The day it is due, if one was set; not before ``made_on``.
        person_id: The person who made it (an official of the program's ``people``).
        activity_id: The activity where it was made (a closing workshop).
        updates: Status history, in date order; the status is the last update's (open if none).
        note: Free text.

    Example:
        >>> import datetime
        >>> c = Commitment("c-1", "dinkop-lebak", "Pelatihan pengurus koperasi",
        ...                made_on=datetime.date(2014, 3, 6), due=datetime.date(2014, 12, 31))
        >>> c.is_overdue(datetime.date(2015, 1, 1))
        True
    """

    id: str = field(validator=check_id)
    organisation_id: str = field(validator=check_id)
    promise: str = field(validator=check_text)
    made_on: _dt.date = field(converter=to_date, validator=check_date)
    cluster_id: str | None = field(default=None, validator=check_optional_id)
    due: _dt.date | None = field(
        default=None,
        converter=to_optional_date,
        validator=[check_optional_date, check_order("made_on", "due")],
    )
    person_id: str | None = field(default=None, validator=check_optional_id)
    activity_id: str | None = field(default=None, validator=check_optional_id)
    updates: tuple[CommitmentUpdate, ...] = field(
        default=(), converter=_to_updates, validator=_check_updates
    )
    note: str | None = field(default=None, validator=check_optional_text)

    @property
    def status(self) -> CommitmentStatus:
        """The current status: the last update's, or open."""
        return self.updates[-1].status if self.updates else CommitmentStatus.OPEN

    def status_on(self, on: _dt.date) -> CommitmentStatus | None:
        """The status on ``on`` (``None`` before it was made)."""
        if on < self.made_on:
            return None
        status = CommitmentStatus.OPEN
        for update in self.updates:
            if update.on > on:
                break
            status = update.status
        return status

    def is_overdue(self, on: _dt.date) -> bool:
        """Whether it is past due on ``on`` and still open then."""
        status = self.status_on(on)
        return self.due is not None and on > self.due and status is not None and status.is_open
