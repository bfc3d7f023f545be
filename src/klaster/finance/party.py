"""Who holds, owes or keeps something: the program, a cooperative, a group or a member."""

from __future__ import annotations

import enum
from collections.abc import Mapping

from attrs import field, frozen

from klaster._support.validate import check_enum, check_id, enum_value

__all__ = ["Party", "PartyKind"]


class PartyKind(enum.StrEnum):
    """The kind of party a fund, loan or asset belongs to."""

    PROGRAM = "program"
    """Program: the NGO's program (e.g. Klaster Mandiri), until the handover."""
    COOPERATIVE = "cooperative"
    """Koperasi: the cooperative the mitra formed."""
    GROUP = "group"
    """Kelompok: a business group (jointly liable for a group loan)."""
    MEMBER = "member"
    """Mitra: one member."""

    @property
    def label_id(self) -> str:
        """Indonesian label for reports."""
        return _LABELS[self][0]

    @property
    def label_en(self) -> str:
        """English label for reports."""
        return _LABELS[self][1]


_LABELS: Mapping[PartyKind, tuple[str, str]] = {
    PartyKind.PROGRAM: ("Program", "Program"),
    PartyKind.COOPERATIVE: ("Koperasi", "Cooperative"),
    PartyKind.GROUP: ("Kelompok", "Group"),
    PartyKind.MEMBER: ("Mitra", "Member"),
}


def _to_kind(value: PartyKind | str) -> PartyKind:
    return enum_value(PartyKind, value)


@frozen
class Party:
    """A party by kind and ID (IDs only: a party never carries a person's name).

    Args:
        kind: :class:`PartyKind`.
        id: The program's, cooperative's, group's or member's ID.

    Example:
        >>> Party.cooperative("irman")
        Party(kind=<PartyKind.COOPERATIVE: 'cooperative'>, id='irman')
    """

    kind: PartyKind = field(converter=_to_kind, validator=check_enum(PartyKind))
    id: str = field(validator=check_id)

    @classmethod
    def program(cls, id: str) -> Party:
        """The program with ID ``id``."""
        return cls(PartyKind.PROGRAM, id)

    @classmethod
    def cooperative(cls, id: str) -> Party:
        """The cooperative with ID ``id``."""
        return cls(PartyKind.COOPERATIVE, id)

    @classmethod
    def group(cls, id: str) -> Party:
        """The group with ID ``id``."""
        return cls(PartyKind.GROUP, id)

    @classmethod
    def member(cls, id: str) -> Party:
        """The member with ID ``id``."""
        return cls(PartyKind.MEMBER, id)

    def __str__(self) -> str:
        return f"{self.kind.value} {self.id!r}"
