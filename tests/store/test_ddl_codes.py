"""The finance codes the store's DDL checks, copied so that opening a store imports no finance."""

from __future__ import annotations

import enum
import sqlite3

import pytest

from klaster.finance.assets import AssetEventKind, AssetKind
from klaster.finance.budget import Component
from klaster.finance.entry import AccountKind, EntryKind
from klaster.finance.fund import FundSource
from klaster.finance.handover import HandoverItemKind
from klaster.finance.loan import Product
from klaster.finance.party import PartyKind
from klaster.finance.schedule import Frequency, Method
from klaster.finance.spending import Asnaf, OverBudget, SpendingKind
from klaster.store._ddl_budget import budget_ddl
from klaster.store._ddl_codes import FINANCE_CODES
from klaster.store._ddl_finance import finance_ddl

ENUMS: tuple[type[enum.Enum], ...] = (
    AccountKind,
    Asnaf,
    AssetEventKind,
    AssetKind,
    Component,
    EntryKind,
    Frequency,
    FundSource,
    HandoverItemKind,
    Method,
    OverBudget,
    PartyKind,
    Product,
    SpendingKind,
)


class TestFinanceCodes:
    def test_every_enum_the_tables_check_is_copied(self) -> None:
        assert sorted(FINANCE_CODES) == sorted(kind.__name__ for kind in ENUMS)

    @pytest.mark.parametrize("kind", ENUMS, ids=lambda kind: kind.__name__)
    def test_the_codes_are_the_enums_values_in_order(self, kind: type[enum.Enum]) -> None:
        # A new member fails here: copy it, and plan the store migration its CHECK needs.
        assert FINANCE_CODES[kind.__name__] == tuple(member.value for member in kind)

    def test_the_checks_accept_every_member_and_nothing_else(self) -> None:
        conn = sqlite3.connect(":memory:")
        for table in ("clusters (id TEXT PRIMARY KEY)", "program (id TEXT)"):
            conn.execute(f"CREATE TABLE {table}")
        conn.executescript(finance_ddl() + budget_ddl())
        conn.execute("INSERT INTO clusters VALUES ('c')")
        conn.execute("INSERT INTO finance_books VALUES ('c', 0, 'km')")
        conn.execute("INSERT INTO spending_policies VALUES ('c', '0.125', 'warn')")
        for policy in OverBudget:
            conn.execute("UPDATE spending_policies SET over_budget = ?", (policy.value,))
        with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
            conn.execute("UPDATE spending_policies SET over_budget = 'maybe'")
