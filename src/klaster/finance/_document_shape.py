"""The shape of a finance document: the records it stores, and their JSON converter.

Only the stored parts of a book are written (funds, loans, ledger entries, restructurings, assets
and their events, the handover, the budget's revisions, spendings and the spending policy; the
last three left out while empty or the default); reading structures these classes first, then
replays each book through its rules (:mod:`klaster.finance.document`).
"""

from __future__ import annotations

import cattrs
from attrs import Factory, field, frozen

from klaster.documents.converter import make_converter
from klaster.finance.assets import Asset, AssetEvent, AssetRegister
from klaster.finance.book import Finance
from klaster.finance.budget import Budget
from klaster.finance.entry import Entry
from klaster.finance.fund import Fund
from klaster.finance.handover import Handover
from klaster.finance.ledger import Ledger
from klaster.finance.loan import Loan, Restructuring
from klaster.finance.spending import Spending, SpendingPolicy

__all__ = [
    "BookFields",
    "DocumentFields",
    "LedgerFields",
    "RegisterFields",
    "fields_of",
    "make_finance_converter",
]


@frozen
class LedgerFields:
    """A ledger as stored: its entries."""

    entries: tuple[Entry, ...] = ()


@frozen
class RegisterFields:
    """An asset register as stored: its assets and events."""

    assets: tuple[Asset, ...] = ()
    events: tuple[AssetEvent, ...] = ()


@frozen
class BookFields:
    """A book as stored (its parts, before the replay)."""

    cluster_id: str
    program_id: str
    funds: tuple[Fund, ...] = ()
    loans: tuple[Loan, ...] = ()
    ledger: LedgerFields = field(default=Factory(LedgerFields))
    restructurings: tuple[Restructuring, ...] = ()
    assets: RegisterFields = field(default=Factory(RegisterFields))
    handover: Handover | None = None
    budget: Budget = field(default=Factory(Budget))
    spendings: tuple[Spending, ...] = ()
    policy: SpendingPolicy = field(default=Factory(SpendingPolicy))


@frozen
class DocumentFields:
    """A whole finance document."""

    klaster: str
    schema_version: int
    program_id: str
    books: tuple[BookFields, ...] = ()


def make_finance_converter(*, detailed: bool) -> cattrs.Converter:
    """The program document's converter plus the finance hooks.

    The shared hooks (strict str/int/bool, ``Decimal`` from strings, dates, enums, no unknown
    keys) come from :func:`klaster.documents.converter.make_converter`; the finance records are
    plain attrs classes on top of them. A :class:`Ledger` is written as its entries, an
    :class:`AssetRegister` as its assets and events, a :class:`Finance` book as its stored parts
    (nothing derived). Reading goes through the ``*Fields`` classes, then the replay.
    """
    conv = make_converter(detailed=detailed)
    conv.register_unstructure_hook(
        Ledger, lambda ledger: conv.unstructure(LedgerFields(ledger.entries), LedgerFields)
    )
    conv.register_unstructure_hook(
        AssetRegister,
        lambda register: conv.unstructure(
            RegisterFields(tuple(register.assets), register.events), RegisterFields
        ),
    )
    conv.register_unstructure_hook(
        Finance, lambda book: conv.unstructure(fields_of(book), BookFields)
    )
    return conv


def fields_of(book: Finance) -> BookFields:
    """The stored parts of ``book`` (nothing derived)."""
    return BookFields(
        cluster_id=book.cluster_id,
        program_id=book.program_id,
        funds=tuple(book.funds),
        loans=tuple(book.loans),
        ledger=LedgerFields(book.ledger.entries),
        restructurings=book.restructurings,
        assets=RegisterFields(tuple(book.assets.assets), book.assets.events),
        handover=book.handover,
        budget=book.budget,
        spendings=tuple(book.spendings),
        policy=book.policy,
    )
