"""A cooperative's board (*pengurus* and *pengawas*): who held which seat, and when."""

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
    check_order,
    enum_value,
    to_date,
    to_optional_date,
)
from klaster.errors import ValidationError
from klaster.label import LabelledEnum, labelled

__all__ = ["BoardRole", "BoardTerm", "check_board"]


class BoardRole(LabelledEnum):
    """A seat on a cooperative's board."""

    CHAIR = labelled("chair", "Ketua", "Chair")
    """Ketua: one at a time."""
    SECRETARY = labelled("secretary", "Sekretaris", "Secretary")
    """Sekretaris: one at a time."""
    TREASURER = labelled("treasurer", "Bendahara", "Treasurer")
    """Bendahara: one at a time."""
    SUPERVISOR = labelled("supervisor", "Pengawas", "Supervisor")
    """Pengawas: the supervisory board; several at a time."""
    BOARD_MEMBER = labelled("board_member", "Anggota pengurus", "Board member")
    """Another seat of the *pengurus*; several at a time."""

    @property
    def single(self) -> bool:
        """Whether only one person holds the seat at a time."""
        return self in (BoardRole.CHAIR, BoardRole.SECRETARY, BoardRole.TREASURER)


def _to_role(value: BoardRole | str) -> BoardRole:
    return enum_value(BoardRole, value)


@frozen
class BoardTerm:
    """A member's term in a seat of the cooperative's board.

    Args:
        member_id: A member of the cooperative.
        role: :class:`BoardRole`.
        start: First day of the term.
        end: Last day, if it ended; not before ``start``.
    """

    member_id: str = field(validator=check_id)
    role: BoardRole = field(converter=_to_role, validator=check_enum(BoardRole))
    start: _dt.date = field(converter=to_date, validator=check_date)
    end: _dt.date | None = field(
        default=None,
        converter=to_optional_date,
        validator=[check_optional_date, check_order("start", "end")],
    )

    def covers(self, on: _dt.date) -> bool:
        """Whether the term includes ``on``."""
        return self.start <= on and (self.end is None or on <= self.end)


def to_board(value: Iterable[BoardTerm]) -> tuple[BoardTerm, ...]:
    """Converter: a list of terms becomes a tuple."""
    return tuple(value)


def check_board(inst: Any, attribute: Any, value: tuple[BoardTerm, ...]) -> None:
    """Validate a cooperative's board: its members, and one holder at a time of a single seat."""
    members = set(getattr(inst, "member_ids", ()))
    for index, term in enumerate(value):
        where = f"{attribute.name}[{index}]"
        if not isinstance(term, BoardTerm):
            raise ValidationError(f"must be a BoardTerm, got {type(term).__name__}", path=where)
        if term.member_id not in members:
            raise ValidationError(
                f"member {term.member_id!r} is not a member of the cooperative (member_ids); "
                "board seats are held by its members",
                path=f"{where}.member_id",
            )
        if not term.role.single:
            continue
        for other_index, other in enumerate(value[:index]):
            if other.role is term.role and _overlap(other, term):
                raise ValidationError(
                    f"two {term.role.value} terms overlap (also board[{other_index}]); "
                    f"one {term.role.value} at a time: end the earlier term first",
                    path=f"{where}.start",
                )


def _overlap(a: BoardTerm, b: BoardTerm) -> bool:
    return (a.end is None or b.start <= a.end) and (b.end is None or a.start <= b.end)
