"""The asset register: livestock, equipment, buildings, stock... who keeps them, who owns them.

Every asset has an **owner** (the program until the handover, or a cooperative) and a
**custodian** who keeps it (a member raising the program's goats, a group using a shared machine,
the cooperative's warehouse). What happens to it afterwards is an append-only list of
:class:`AssetEvent` s (births, deaths, sales, transfers, revaluations, the handover); its state on
any date is the replay of its events.

A fund's cash and its loans outstanding are *not* registered here: they come from the ledger, and
the handover counts them from there. Register ``cash`` or ``receivable`` assets only for money
outside the funds (a group's own till, a buyer's unpaid invoice), so nothing is counted twice.
"""

from __future__ import annotations

import datetime as _dt
import enum
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

import attrs
from attrs import define, field, frozen

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
from klaster.errors import ValidationError
from klaster.finance.errors import DateOrderError, UnknownRecordError
from klaster.finance.money import check_rupiah, to_rupiah
from klaster.finance.party import Party, PartyKind
from klaster.label import LabelledEnum, labelled
from klaster.model.records import Records, put_record

__all__ = [
    "Asset",
    "AssetEvent",
    "AssetEventKind",
    "AssetKind",
    "AssetRegister",
    "AssetState",
    "AssetStatus",
]


class AssetKind(LabelledEnum):
    """What an asset is."""

    LIVESTOCK = labelled("livestock", "Ternak", "Livestock")
    """Ternak: goats, sheep, cattle (a lot of ``quantity`` head)."""
    EQUIPMENT = labelled("equipment", "Peralatan", "Equipment")
    """Peralatan: machines, tools, boats."""
    BUILDING = labelled("building", "Bangunan", "Buildings")
    """Bangunan: sheds, kiosks, warehouses."""
    STOCK = labelled("stock", "Persediaan", "Stock")
    """Persediaan: seed, feed, goods for sale."""
    CASH = labelled("cash", "Kas di luar dana", "Cash outside funds")
    """Kas di luar dana: cash outside the funds (a group's till)."""
    RECEIVABLE = labelled("receivable", "Piutang di luar dana", "Receivables outside funds")
    """Piutang di luar dana: money owed outside the loan book (a buyer's invoice)."""


class AssetEventKind(LabelledEnum):
    """What happened to an asset."""

    BORN = labelled("born", "Lahir", "Born")
    """Lahir: livestock births (quantity up)."""
    DIED = labelled("died", "Mati", "Died")
    """Mati: deaths (quantity down)."""
    SOLD = labelled("sold", "Dijual", "Sold")
    """Dijual: sold (quantity down; proceeds noted)."""
    TRANSFERRED = labelled("transferred", "Dipindahtangankan", "Transferred")
    """Dipindahtangankan: a new custodian and/or owner."""
    REVALUED = labelled("revalued", "Dinilai ulang", "Revalued")
    """Dinilai ulang: a new value."""
    HANDED_OVER = labelled("handed_over", "Diserahterimakan", "Handed over")
    """Diserahterimakan: handed over to the cooperative at independence."""


_OWNERS = (PartyKind.PROGRAM, PartyKind.COOPERATIVE)


def _to_asset_kind(value: AssetKind | str) -> AssetKind:
    return enum_value(AssetKind, value)


def _to_event_kind(value: AssetEventKind | str) -> AssetEventKind:
    return enum_value(AssetEventKind, value)


def _check_optional_party(inst: object, attribute: Any, value: Any) -> None:
    if value is not None:
        _check_party(inst, attribute, value)


def _check_party(_inst: object, attribute: Any, value: Any) -> None:
    if not isinstance(value, Party):
        raise ValidationError(f"must be a Party, got {type(value).__name__}", path=attribute.name)
    if attribute.name == "owner" and value.kind not in _OWNERS:
        raise ValidationError(
            "an asset is owned by the program or a cooperative (a member or group keeps it as "
            "custodian)",
            path=attribute.name,
        )


@frozen
class Asset:
    """An asset as acquired.

    Args:
        id: Stable ID, unique in the register (``"LBK-GOAT-014"``).
        kind: :class:`AssetKind`.
        description: What it is (``"Kambing etawa betina"``; no personal data).
        quantity: How many (head of livestock, units), at least 1.
        value: Value when acquired (whole rupiah).
        acquired_on: Date acquired.
        custodian: Who keeps it (member, group, cooperative or program).
        owner: Who owns it (the program or a cooperative).
        unit: Unit of ``quantity`` (``"ekor"``/head, ``"unit"``).
        sector: Sector code it serves.
        fund_id: The fund it was bought from, if any.
    """

    id: str = field(validator=check_id)
    kind: AssetKind = field(converter=_to_asset_kind, validator=check_enum(AssetKind))
    description: str = field(validator=check_text)
    quantity: int = field(validator=int_at_least(1))
    value: Decimal = field(converter=to_rupiah, validator=check_rupiah)
    acquired_on: _dt.date = field(converter=to_date, validator=check_date)
    custodian: Party = field(validator=_check_party)
    owner: Party = field(validator=_check_party)
    unit: str = field(default="unit", validator=check_text)
    sector: str | None = field(default=None, validator=check_optional_text)
    fund_id: str | None = field(default=None, validator=check_optional_text)


def _to_optional_rupiah(value: Decimal | int | str | None) -> Decimal | None:
    return None if value is None else to_rupiah(value)


def _check_optional_rupiah(inst: object, attribute: Any, value: Any) -> None:
    if value is not None:
        check_rupiah(inst, attribute, value)


@frozen
class AssetEvent:
    """Something that happened to an asset.

    Args:
        asset_id: The asset.
        on: Date.
        kind: :class:`AssetEventKind`.
        value: The asset's whole value after the event (whole rupiah).
        quantity_change: Head or units added (births, positive) or removed (deaths, sales,
            negative); 0 for transfers and revaluations.
        custodian: The new custodian (transfers, handover), else ``None``.
        owner: The new owner (transfers, handover), else ``None``.
        proceeds: Money received for a sale.
        note: Free text (no personal data).
    """

    asset_id: str = field(validator=check_id)
    on: _dt.date = field(converter=to_date, validator=check_date)
    kind: AssetEventKind = field(converter=_to_event_kind, validator=check_enum(AssetEventKind))
    value: Decimal = field(converter=to_rupiah, validator=check_rupiah)
    quantity_change: int = field(default=0)
    custodian: Party | None = field(default=None, validator=_check_optional_party)
    owner: Party | None = field(default=None, validator=_check_optional_party)
    proceeds: Decimal | None = field(
        default=None, converter=_to_optional_rupiah, validator=_check_optional_rupiah
    )
    note: str | None = field(default=None, validator=check_optional_text)

    def __attrs_post_init__(self) -> None:
        change, kind = self.quantity_change, self.kind
        if isinstance(change, bool) or not isinstance(change, int):
            raise ValidationError("must be a whole number", path="quantity_change")
        if kind is AssetEventKind.BORN and change <= 0:
            raise ValidationError("a birth adds at least one head", path="quantity_change")
        if kind in (AssetEventKind.DIED, AssetEventKind.SOLD) and change >= 0:
            raise ValidationError(
                f"{kind.value} removes at least one (a negative change)", path="quantity_change"
            )
        moves = kind in (AssetEventKind.TRANSFERRED, AssetEventKind.HANDED_OVER)
        if not moves and change == 0 and kind is not AssetEventKind.REVALUED:
            raise ValidationError(f"{kind.value} changes the quantity", path="quantity_change")
        if moves and (self.custodian is None and self.owner is None):
            raise ValidationError(f"{kind.value} names a new custodian or owner", path="custodian")
        if moves and change != 0:
            raise ValidationError(
                f"{kind.value} does not change the quantity", path="quantity_change"
            )
        if self.proceeds is not None and kind is not AssetEventKind.SOLD:
            raise ValidationError("only a sale has proceeds", path="proceeds")


class AssetStatus(enum.StrEnum):
    """Whether an asset is still there."""

    ACTIVE = "active"
    """Ada: still held."""
    GONE = "gone"
    """Habis: none left (all died or sold)."""


@frozen
class AssetState:
    """An asset on a date (from :meth:`AssetRegister.state`).

    Args:
        asset: The asset as acquired.
        on: The date.
        quantity: How many are left.
        value: Value on that date.
        custodian: Who keeps it.
        owner: Who owns it.
        status: ``"active"`` or ``"gone"``.
        last_event: The last event on or before ``on`` (``None`` if none).
    """

    asset: Asset
    on: _dt.date | None
    quantity: int
    value: Decimal
    custodian: Party
    owner: Party
    status: AssetStatus
    last_event: AssetEvent | None


def _to_assets(value: Iterable[Asset]) -> Records[Asset]:
    return value if isinstance(value, Records) else Records("assets", value)


def _to_events(value: Iterable[AssetEvent]) -> tuple[AssetEvent, ...]:
    return tuple(value)


@define(eq=True)
class AssetRegister:
    """The register of a book's assets and their events (append-only).

    Example:
        >>> import datetime as dt
        >>> reg = AssetRegister()
        >>> _ = reg.add(Asset("G-1", "livestock", "Kambing etawa", 10, 15_000_000,
        ...                   dt.date(2012, 3, 1), Party.group("LBK-K07"), Party.program("km"),
        ...                   unit="ekor"))
        >>> _ = reg.record(AssetEvent("G-1", dt.date(2012, 9, 1), "born", 16_500_000, 3))
        >>> reg.state("G-1").quantity
        13
    """

    assets: Records[Asset] = field(factory=tuple, converter=_to_assets)
    events: tuple[AssetEvent, ...] = field(factory=tuple, converter=_to_events)

    def __attrs_post_init__(self) -> None:
        events, self.events = self.events, ()
        for event in events:
            self.record(event)

    def add(self, asset: Asset) -> Asset:
        """Register an asset (its ID must be new)."""
        if not isinstance(asset, Asset):
            raise ValidationError(f"must be an Asset, got {type(asset).__name__}", path="assets")
        if asset.id in self.assets:
            raise ValidationError(
                f"duplicate ID {asset.id!r}: an asset with that ID is registered",
                path=f"assets[{len(self.assets)}].id",
            )
        put_record(self.assets, asset)
        return asset

    def record(self, event: AssetEvent) -> AssetEvent:
        """Check ``event`` against the asset's state, then append it.

        Raises:
            UnknownRecordError: No asset has that ID.
            DateOrderError: It is dated before the acquisition or the asset's last event.
            ValidationError: It would leave a negative quantity, or the asset is gone.
        """
        self._check(event, f"events[{len(self.events)}]")
        self.events = (*self.events, event)
        return event

    def _check(self, event: AssetEvent, where: str) -> None:
        if not isinstance(event, AssetEvent):
            raise ValidationError(f"must be an AssetEvent, got {type(event).__name__}", path=where)
        if event.asset_id not in self.assets:
            raise UnknownRecordError(
                f"no asset {event.asset_id!r} in the register", path=f"{where}.asset_id"
            )
        state = self.state(event.asset_id)
        last = state.last_event.on if state.last_event else state.asset.acquired_on
        if event.on < last:
            raise DateOrderError(
                f"dated {event.on}, before the asset's last event or acquisition ({last})",
                path=f"{where}.on",
            )
        if state.status is AssetStatus.GONE:
            raise ValidationError(f"asset {event.asset_id!r} is gone (none left)", path=where)
        if event.kind is AssetEventKind.BORN and state.asset.kind is not AssetKind.LIVESTOCK:
            raise ValidationError("only livestock is born", path=f"{where}.kind")
        if state.quantity + event.quantity_change < 0:
            raise ValidationError(
                f"removes {-event.quantity_change} but asset {event.asset_id!r} has "
                f"{state.quantity}",
                path=f"{where}.quantity_change",
            )

    def state(self, asset_id: str, on: _dt.date | None = None) -> AssetState:
        """The asset ``asset_id`` at the end of ``on`` (or now)."""
        asset = self.assets[asset_id]
        quantity, value = asset.quantity, asset.value
        custodian, owner, last = asset.custodian, asset.owner, None
        for event in self.events:
            if event.asset_id != asset_id or (on is not None and event.on > on):
                continue
            quantity += event.quantity_change
            value = event.value
            custodian = event.custodian or custodian
            owner = event.owner or owner
            last = event
        status = AssetStatus.ACTIVE if quantity > 0 else AssetStatus.GONE
        return AssetState(asset, on, quantity, value, custodian, owner, status, last)

    def states(self, on: _dt.date | None = None) -> tuple[AssetState, ...]:
        """Every asset acquired by ``on`` (all if ``None``), at the end of ``on``."""
        return tuple(self.state(a.id, on) for a in self.assets if on is None or a.acquired_on <= on)

    def total_value(self, owner: Party | None = None, on: _dt.date | None = None) -> Decimal:
        """Value of the active assets (owned by ``owner``, if given) on ``on``."""
        return sum(
            (
                s.value
                for s in self.states(on)
                if s.status is AssetStatus.ACTIVE and (owner is None or s.owner == owner)
            ),
            Decimal(0),
        )

    def handover_events(
        self, on: _dt.date, program: Party, recipients: Mapping[str, Party], default: Party
    ) -> list[AssetEvent]:
        """The events handing every active program-owned asset to its recipient (not appended).

        A custodian who is the program becomes the recipient; members and groups keep theirs.
        """
        events = []
        for state in self.states(on):
            if state.status is AssetStatus.GONE or state.owner != program:
                continue
            to = recipients.get(state.asset.id, default)
            custodian = to if state.custodian == program else None
            events.append(
                AssetEvent(
                    state.asset.id,
                    on,
                    AssetEventKind.HANDED_OVER,
                    state.value,
                    custodian=custodian,
                    owner=to,
                    note="serah terima aset / asset handover",
                )
            )
        return events

    def check_all(self, events: Iterable[AssetEvent]) -> None:
        """Check ``events`` as if appended in order, without appending (for atomic handovers)."""
        trial = attrs.evolve(self, events=self.events)
        for event in events:
            trial.record(event)
