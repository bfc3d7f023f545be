"""Cooperatives (*koperasi*) the members form, and their legal status (*berbadan hukum*)."""

from __future__ import annotations

import datetime as _dt
from typing import Any

from attrs import field, frozen

from klaster._support.validate import (
    check_date,
    check_id,
    check_optional_date,
    check_optional_text,
    check_text,
    require_code,
    require_id,
    to_date,
    to_optional_date,
    to_str_tuple,
)
from klaster.errors import ValidationError
from klaster.model._bulk_checks import all_ids
from klaster.model.board import BoardTerm, check_board, to_board

__all__ = ["Cooperative", "LegalStatus"]


@frozen
class LegalStatus:
    """Legal registration of a cooperative (*badan hukum koperasi*).

    Args:
        registration_number: Number of the legal-entity decree (*nomor badan hukum*).
        registered_on: Date of the decree.
        form: Legal form, e.g. ``"Koperasi Serba Usaha"`` or ``"Koperasi Syariah"``.
    """

    registration_number: str = field(validator=check_text)
    registered_on: _dt.date = field(converter=to_date, validator=check_date)
    form: str | None = field(default=None, validator=check_optional_text)


def _check_codes(_inst: object, attribute: Any, value: tuple[str, ...]) -> None:
    if not value:
        raise ValidationError("a cooperative serves at least one sector", path=attribute.name)
    for index, code in enumerate(value):
        require_code(code, f"{attribute.name}[{index}]")
    if len(set(value)) != len(value):
        raise ValidationError("lists a sector twice", path=attribute.name)


def _check_member_ids(_inst: object, attribute: Any, value: tuple[str, ...]) -> None:
    try:  # the usual case, a column at a time: distinct well-formed IDs
        if len(set(value)) == len(value) and all_ids(value):
            return
    except TypeError:  # an unhashable value: the loop says where
        pass
    seen: set[str] = set()
    for index, member_id in enumerate(value):
        where = f"{attribute.name}[{index}]"
        require_id(member_id, where)
        if member_id in seen:
            raise ValidationError(f"member {member_id!r} is listed twice", path=where)
        seen.add(member_id)


def _check_legal(inst: Cooperative, attribute: Any, value: LegalStatus | None) -> None:
    if value is not None and not isinstance(value, LegalStatus):
        raise ValidationError(
            f"must be a LegalStatus or None, got {type(value).__name__}", path=attribute.name
        )
    if value is not None and inst.founded is not None and value.registered_on < inst.founded:
        raise ValidationError(
            f"registered on {value.registered_on}, before the cooperative was founded on "
            f"{inst.founded}",
            path=f"{attribute.name}.registered_on",
        )


@frozen
class Cooperative:
    """A cooperative (*koperasi*) formed by the members of a cluster.

    At independence (*pemandirian*) the program's assets are handed over to it, which needs legal
    status (:attr:`is_legal`).

    Args:
        id: Stable ID, unique in the program.
        name: Name (``"Koperasi Ikhtiar Rezeki Mandiri (IRMAN)"``).
        sectors: Sector codes it serves (one cooperative per sector is common).
        member_ids: IDs of members of the same cluster, each working in one of ``sectors``.
        founded: Date it was founded.
        legal: :class:`LegalStatus` once *berbadan hukum*, else ``None``.
        board: The board (*pengurus*, *pengawas*): members' terms in its seats.

    Example:
        >>> import datetime
        >>> c = Cooperative(id="irman", name="Koperasi IRMAN", sectors=["umkm"])
        >>> c.is_legal(datetime.date(2014, 3, 25))
        False
    """

    id: str = field(validator=check_id)
    name: str = field(validator=check_text)
    sectors: tuple[str, ...] = field(converter=to_str_tuple, validator=_check_codes)
    member_ids: tuple[str, ...] = field(
        default=(), converter=to_str_tuple, validator=_check_member_ids
    )
    founded: _dt.date | None = field(
        default=None, converter=to_optional_date, validator=check_optional_date
    )
    legal: LegalStatus | None = field(default=None, validator=_check_legal)
    board: tuple[BoardTerm, ...] = field(default=(), converter=to_board, validator=check_board)

    def board_on(self, on: _dt.date) -> tuple[BoardTerm, ...]:
        """The board terms running on ``on``."""
        return tuple(term for term in self.board if term.covers(on))

    def is_legal(self, on: _dt.date | None = None) -> bool:
        """Whether the cooperative has legal status (on ``on``, if given)."""
        if self.legal is None:
            return False
        return on is None or self.legal.registered_on <= on
