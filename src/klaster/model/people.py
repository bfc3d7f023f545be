"""People who are not beneficiaries: field facilitators, staff and officials, and caseloads.

A :class:`Person` works for an organisation of the program in one or more :class:`Position`
spells (a *pendamping* of the NGO from 2011 to 2014, the Bupati of Lebak...). Facilitators are
assigned to a cluster, and within it to groups or members, by :class:`Assignment` spells: their
caseload over time. Names and phones are personal data, hidden from ``repr`` and never repeated
in errors, as for members.
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
    check_optional_text,
    check_order,
    check_text,
    check_unique_ids,
    enum_value,
    to_date,
    to_optional_date,
    to_str_tuple,
)
from klaster.errors import ValidationError
from klaster.label import LabelledEnum, labelled

__all__ = ["Assignment", "Person", "PersonRole", "Position"]


class PersonRole(LabelledEnum):
    """What a person who is not a beneficiary does for the program."""

    FACILITATOR = labelled("facilitator", "Pendamping lapangan", "Field facilitator")
    """A field facilitator (*pendamping*) who mentors groups and members."""
    STAFF = labelled("staff", "Staf program", "Program staff")
    """Staff of the NGO or a partner (program director, coordinator...)."""
    OFFICIAL = labelled("official", "Pejabat pemerintah", "Government official")
    """A Bupati, a head of a *dinas*, a camat or a village head, by role."""
    TRAINER = labelled("trainer", "Narasumber / pelatih", "Trainer or speaker")
    """A trainer, speaker or panelist."""
    OTHER = labelled("other", "Lainnya", "Other")
    """Anyone else."""


def _to_role(value: PersonRole | str) -> PersonRole:
    return enum_value(PersonRole, value)


def _covers(start: _dt.date | None, end: _dt.date | None, on: _dt.date) -> bool:
    return (start is None or start <= on) and (end is None or on <= end)


@frozen
class Position:
    """A spell in which a person holds a role for an organisation.

    Args:
        organisation_id: ID of an organisation of the program.
        role: :class:`PersonRole`.
        title: The position's title (``"Bupati Lebak"``, ``"Kepala Dinas Koperasi"``).
        start: First day, if known.
        end: Last day, if it ended; not before ``start``.
    """

    organisation_id: str = field(validator=check_id)
    role: PersonRole = field(converter=_to_role, validator=check_enum(PersonRole))
    title: str | None = field(default=None, validator=check_optional_text)
    start: _dt.date | None = field(
        default=None, converter=to_optional_date, validator=check_optional_date
    )
    end: _dt.date | None = field(
        default=None,
        converter=to_optional_date,
        validator=[check_optional_date, check_order("start", "end")],
    )

    def covers(self, on: _dt.date) -> bool:
        """Whether the spell includes ``on`` (open ends included)."""
        return _covers(self.start, self.end, on)


def _to_positions(value: Iterable[Position]) -> tuple[Position, ...]:
    return tuple(value)


def _check_positions(_inst: object, attribute: Any, value: tuple[Position, ...]) -> None:
    if not value:
        raise ValidationError(
            "a person holds at least one position, e.g. [Position('dd', 'facilitator')]",
            path=attribute.name,
        )
    for index, item in enumerate(value):
        if not isinstance(item, Position):
            raise ValidationError(
                f"must be a Position, got {type(item).__name__}",
                path=f"{attribute.name}[{index}]",
            )


@frozen
class Person:
    """Someone who works with the program but is not a beneficiary.

    Args:
        id: Stable ID, unique in the program (``"pd-lebak-1"``).
        name: Full name (personal data: hidden from ``repr``, never in errors).
        positions: The roles held, for which organisation and when.
        phone: Phone number (personal data).
        note: Free text.

    Example:
        >>> import datetime
        >>> p = Person("pd-1", "Ahmad", [Position("dd", "facilitator", start="2011-07-01")])
        >>> p.role_on(datetime.date(2012, 1, 1))
        <PersonRole.FACILITATOR: 'facilitator'>
    """

    id: str = field(validator=check_id)
    name: str = field(validator=check_text, repr=False)
    positions: tuple[Position, ...] = field(converter=_to_positions, validator=_check_positions)
    phone: str | None = field(default=None, validator=check_optional_text, repr=False)
    note: str | None = field(default=None, validator=check_optional_text)

    def role_on(self, on: _dt.date) -> PersonRole | None:
        """The role of the first position covering ``on``, or ``None``."""
        for position in self.positions:
            if position.covers(on):
                return position.role
        return None

    def organisation_ids(self) -> tuple[str, ...]:
        """The organisations the person has worked for, in order of first position."""
        return tuple(dict.fromkeys(p.organisation_id for p in self.positions))


@frozen
class Assignment:
    """A facilitator's assignment to a cluster for a period: their caseload (*binaan*).

    With no ``group_ids`` and no ``member_ids`` the whole cluster is the caseload.

    Args:
        person_id: ID of a :class:`Person` of the program.
        cluster_id: ID of the cluster.
        start: First day of the assignment.
        end: Last day, if it ended.
        group_ids: Groups of the cluster the facilitator mentors.
        member_ids: Members mentored individually.
        note: Free text.
    """

    person_id: str = field(validator=check_id)
    cluster_id: str = field(validator=check_id)
    start: _dt.date = field(converter=to_date, validator=check_date)
    end: _dt.date | None = field(
        default=None,
        converter=to_optional_date,
        validator=[check_optional_date, check_order("start", "end")],
    )
    group_ids: tuple[str, ...] = field(
        default=(), converter=to_str_tuple, validator=check_unique_ids
    )
    member_ids: tuple[str, ...] = field(
        default=(), converter=to_str_tuple, validator=check_unique_ids
    )
    note: str | None = field(default=None, validator=check_optional_text)

    @property
    def whole_cluster(self) -> bool:
        """Whether the caseload is the whole cluster (no groups or members named)."""
        return not self.group_ids and not self.member_ids

    def covers(self, on: _dt.date) -> bool:
        """Whether the assignment includes ``on``."""
        return _covers(self.start, self.end, on)
