"""The record of the handover at independence (*serah terima aset*).

Everything the program holds goes to the cooperative(s) in one dated :class:`Handover`: a line
(:class:`HandoverItem`) per fund's cash, per fund's loans outstanding and per asset.
:func:`klaster.finance.hand_over` (module :mod:`klaster.finance.independence`) takes stock, checks
and records it together with the cluster's move to independence.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable
from decimal import Decimal

from attrs import field, frozen

from klaster._support.validate import (
    check_date,
    check_enum,
    check_id,
    check_optional_text,
    check_text,
    enum_value,
    int_at_least,
    to_date,
)
from klaster.finance.money import check_rupiah, to_rupiah
from klaster.label import LabelledEnum, labelled

__all__ = ["Handover", "HandoverItem", "HandoverItemKind"]


class HandoverItemKind(LabelledEnum):
    """What a handover line transfers."""

    CASH = labelled("cash", "Kas dana bergulir", "Revolving fund cash")
    """Kas dana bergulir: a fund's cash."""
    LOANS = labelled("loans", "Piutang dana bergulir", "Revolving fund loans outstanding")
    """Piutang dana bergulir: a fund's loans outstanding (principal)."""
    ASSET = labelled("asset", "Aset", "Asset")
    """Aset: one registered asset."""


def _to_item_kind(value: HandoverItemKind | str) -> HandoverItemKind:
    return enum_value(HandoverItemKind, value)


@frozen
class HandoverItem:
    """One line of the handover.

    Args:
        kind: :class:`HandoverItemKind`.
        ref: The fund ID (cash, loans) or asset ID.
        to: ID of the receiving cooperative.
        amount: Value transferred (whole rupiah).
        count: Loans outstanding (loans), head or units (asset), 0 for cash.
    """

    kind: HandoverItemKind = field(converter=_to_item_kind, validator=check_enum(HandoverItemKind))
    ref: str = field(validator=check_id)
    to: str = field(validator=check_id)
    amount: Decimal = field(converter=to_rupiah, validator=check_rupiah)
    count: int = field(default=0, validator=int_at_least(0))


def _to_items(value: Iterable[HandoverItem]) -> tuple[HandoverItem, ...]:
    return tuple(value)


@frozen
class Handover:
    """The record of the handover at independence.

    Args:
        id: Stable ID (``"LBK-SERAH-2014"``), named in the lifecycle's reason.
        on: Date of the closing workshop.
        cluster_id: The cluster.
        program_id: The program handing over.
        items: Every :class:`HandoverItem`.
        decided_by: Who decided (a role or organisation).
        note: Free text.
    """

    id: str = field(validator=check_id)
    on: _dt.date = field(converter=to_date, validator=check_date)
    cluster_id: str = field(validator=check_id)
    program_id: str = field(validator=check_id)
    items: tuple[HandoverItem, ...] = field(converter=_to_items)
    decided_by: str = field(validator=check_text)
    note: str | None = field(default=None, validator=check_optional_text)

    @property
    def total(self) -> Decimal:
        """Total value handed over."""
        return sum((i.amount for i in self.items), Decimal(0))

    def recipients(self) -> tuple[str, ...]:
        """The receiving cooperatives' IDs."""
        return tuple(dict.fromkeys(i.to for i in self.items))

    def total_to(self, cooperative_id: str) -> Decimal:
        """Value handed to one cooperative."""
        return sum((i.amount for i in self.items if i.to == cooperative_id), Decimal(0))

    def fund_ids(self) -> tuple[str, ...]:
        """The funds handed over."""
        return tuple(
            dict.fromkeys(i.ref for i in self.items if i.kind is not HandoverItemKind.ASSET)
        )

    def recipient_of(self, fund_id: str) -> str | None:
        """The cooperative that received fund ``fund_id`` (``None`` if it was not handed over)."""
        for item in self.items:
            if item.kind is HandoverItemKind.CASH and item.ref == fund_id:
                return item.to
        return None
