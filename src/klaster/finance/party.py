"""Who holds, owes, keeps or receives money: program, cooperative, group, member, provider."""

from __future__ import annotations

from attrs import field, frozen

from klaster._support.validate import check_enum, check_id, enum_value
from klaster.label import LabelledEnum, labelled

__all__ = ["Party", "PartyKind"]


class PartyKind(LabelledEnum):
    """The kind of party a fund, loan or asset belongs to."""

    PROGRAM = labelled("program", "Program", "Program")
    """Program: the NGO's program (e.g. Klaster Mandiri), until the handover."""
    COOPERATIVE = labelled("cooperative", "Koperasi", "Cooperative")
    """Koperasi: the cooperative the mitra formed."""
    GROUP = labelled("group", "Kelompok", "Group")
    """Kelompok: a business group (jointly liable for a group loan)."""
    MEMBER = labelled("member", "Mitra", "Member")
    """Mitra: one member."""
    PROVIDER = labelled("provider", "Penyedia layanan", "Service provider")
    """Penyedia layanan: an organisation of the program paid for a service (a school, a clinic,
    a trainer); it receives spending, never holds a fund or owes a loan."""


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

    @classmethod
    def provider(cls, id: str) -> Party:
        """The service provider with ID ``id`` (an organisation of the program)."""
        return cls(PartyKind.PROVIDER, id)

    def __str__(self) -> str:
        return f"{self.kind.value} {self.id!r}"
