"""Funds: pools of money with a source (zakat, infaq/sadaqah, grant, government...) and a holder.

A fund's balances are never stored on the fund: they are derived from the ledger
(:meth:`klaster.finance.Finance.cash`). The source matters beyond reporting: only money that came
from zakat may end as a zakat distribution (a loan converted to zakat for a *gharim*).
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

from attrs import field, frozen

from klaster._support.validate import (
    check_date,
    check_enum,
    check_id,
    check_optional_text,
    check_text,
    enum_value,
    to_date,
)
from klaster.errors import ValidationError
from klaster.finance.party import Party, PartyKind
from klaster.label import LabelledEnum, labelled

__all__ = ["Fund", "FundSource"]


class FundSource(LabelledEnum):
    """Where a fund's money came from (*sumber dana*)."""

    ZAKAT = labelled("zakat", "Zakat", "Zakat")
    """Zakat: may only reach the eight asnaf; a loan from it may be converted to zakat."""
    INFAQ_SADAQAH = labelled("infaq_sadaqah", "Infak/sedekah", "Infaq/sadaqah")
    """Infak/sedekah: voluntary giving, fewer restrictions than zakat."""
    GRANT = labelled("grant", "Hibah", "Grant")
    """Hibah: a grant from a donor or company (CSR)."""
    GOVERNMENT = labelled("government", "Pemerintah", "Government")
    """Pemerintah: money from a government office or program."""
    MEMBER_SAVINGS = labelled("member_savings", "Simpanan anggota", "Member savings")
    """Simpanan anggota: the cooperative members' own savings."""
    OTHER = labelled("other", "Lainnya", "Other")
    """Lainnya: any other source (say which in the fund's note)."""


def _to_source(value: FundSource | str) -> FundSource:
    return enum_value(FundSource, value)


def _check_holder(_inst: object, attribute: Any, value: Any) -> None:
    if not isinstance(value, Party) or value.kind not in (
        PartyKind.PROGRAM,
        PartyKind.COOPERATIVE,
    ):
        raise ValidationError(
            "a fund is held by the program or a cooperative, e.g. Party.program('klaster-mandiri')",
            path=attribute.name,
        )


@frozen
class Fund:
    """A fund (*dana*): the revolving fund of a cluster, a cooperative's savings pool...

    Args:
        id: Stable ID, unique in the book (``"LBK-ZAKAT"``).
        name: Name shown in statements (``"Dana bergulir zakat Lebak"``).
        source: :class:`FundSource`.
        held_by: The :class:`Party` holding it when opened: the program, or a cooperative. The
            handover moves program funds to a cooperative; the fund and its accounts stay the same.
        opened: Date the fund was opened.
        note: Free text (e.g. the donor behind a grant; never personal data).

    Example:
        >>> import datetime
        >>> Fund("F-1", "Dana bergulir", "zakat", Party.program("km"), datetime.date(2011, 7, 1))
        ... # doctest: +ELLIPSIS
        Fund(id='F-1', ...)
    """

    id: str = field(validator=check_id)
    name: str = field(validator=check_text)
    source: FundSource = field(converter=_to_source, validator=check_enum(FundSource))
    held_by: Party = field(validator=_check_holder)
    opened: _dt.date = field(converter=to_date, validator=check_date)
    note: str | None = field(default=None, validator=check_optional_text)
