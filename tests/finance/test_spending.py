"""Budgets and spending in a book: the ledger entries, each rule, atomic refusals, the replay."""

from __future__ import annotations

import datetime as dt
import warnings
from decimal import Decimal
from typing import Any

import attrs
import pytest

from klaster.errors import KlasterError, ValidationError
from klaster.finance import (
    Account,
    Asset,
    BudgetLine,
    DateOrderError,
    Entry,
    Finance,
    FinanceRuleError,
    Fund,
    InsufficientFundsError,
    LedgerError,
    OverBudgetWarning,
    Party,
    Posting,
    Spending,
    SpendingPolicy,
    UnknownRecordError,
)
from klaster.finance.statements import fund_statement
from klaster.finance.testing import PROGRAM, START, fingerprint, make_book

DAY = dt.date(2012, 2, 1)
YEAR = (dt.date(2012, 1, 1), dt.date(2012, 12, 31))


def line(component: str, amount: int, source: str = "zakat") -> BudgetLine:
    return BudgetLine(component, source, amount, *YEAR)


def grant(spending_id: str = "S-1", amount: int = 750_000, **changes: Any) -> Spending:
    fields: dict[str, Any] = {
        "id": spending_id,
        "kind": "grant",
        "on": DAY,
        "fund_id": "F-1",
        "amount": amount,
        "component": "education_support",
        "recipient": Party.member("M-1"),
        "asnaf": "miskin",
    }
    fields.update(changes)
    return Spending(**fields)


def budgeted(policy: str = "warn", **lines: int) -> Finance:
    """A zakat book of Rp 10,000,000 for spending, with a budget (education support 1,000,000
    by default)."""
    book = make_book(0)
    book.receive("F-1", START, 10_000_000, for_spending=True)
    book.policy = SpendingPolicy(over_budget=policy)
    amounts = lines or {"education_support": 1_000_000}
    book.revise_budget(START, "initial budget", [line(c, a) for c, a in amounts.items()])
    return book


def refused(
    book: Finance, spending: object, error: type[KlasterError], path: str, rule: str
) -> str:
    before = fingerprint(book)
    with pytest.raises(error) as info:
        book.spend(spending)  # type: ignore[arg-type]
    message = str(info.value)
    assert message.startswith(f"{path}: ")
    assert f"[{rule}]" in message if rule else True
    if isinstance(info.value, FinanceRuleError):
        assert info.value.rule == rule
    assert fingerprint(book) == before
    return message


class TestLedger:
    def test_a_grant_is_one_entry_from_cash_to_grants_paid_of_its_component(self) -> None:
        book = budgeted()
        index = book.spend(grant())
        entry = book.ledger[index]
        assert entry.kind.value == "grant"
        assert entry.spending_id == "S-1"
        assert entry.postings == (
            Posting(
                Account("F-1", "grants_paid", "education_support"), Account("F-1", "cash"), 750_000
            ),
        )
        assert book.cash("F-1") == 10_000_000 - 750_000
        assert book.spendings.ids() == ("S-1",)
        book.check()

    @pytest.mark.parametrize(
        ("kind", "account"),
        [("in_kind", "in_kind_given"), ("expense", "expenses")],
    )
    def test_each_kind_posts_to_its_account(self, kind: str, account: str) -> None:
        book = make_book(source="grant")
        book.policy = SpendingPolicy(over_budget="allow")
        recipient = Party.group("G-1") if kind == "in_kind" else None
        book.spend(grant(kind=kind, component="training", recipient=recipient, asnaf=None))
        assert book.ledger.balance(Account("F-1", account, "training")) == 750_000

    def test_entries_name_their_spending_and_loan_entries_none(self) -> None:
        cash = Account("F-1", "cash")
        paid = Account("F-1", "grants_paid", "training")
        with pytest.raises(ValidationError, match="names its spending"):
            Entry(DAY, "grant", None, [Posting(paid, cash, 1)])
        with pytest.raises(ValidationError, match="has no spending"):
            Entry(DAY, "funding", None, [Posting(cash, Account("F-1", "capital"), 1)], None, "S-1")
        with pytest.raises(ValidationError, match="ref is a component"):
            Account("F-1", "expenses", "bogus")
        with pytest.raises(ValidationError, match="names its component"):
            Account("F-1", "expenses")

    def test_the_fund_statement_lists_spending_as_payments(self) -> None:
        book = budgeted()
        book.spend(grant())
        statement = fund_statement(book, "F-1", *YEAR)
        assert statement.closing_cash == 9_250_000
        assert statement.payments[-1].label_en == "Grants paid"
        assert statement.payments[-1].amount == 750_000


class TestRules:
    def test_zakat_needs_an_asnaf(self) -> None:
        book = budgeted()
        message = refused(
            book, grant(asnaf=None), FinanceRuleError, "spendings[0].asnaf", "zakat-asnaf"
        )
        assert "fakir, miskin" in message
        assert "M-1" not in message

    def test_the_amil_share_is_cumulative(self) -> None:
        book = budgeted(operations=5_000_000)
        amil: dict[str, Any] = {
            "kind": "expense",
            "component": "operations",
            "recipient": None,
            "asnaf": "amil",
        }
        book.spend(grant("S-1", 1_000_000, **amil))  # 1/8 of 10,000,000 is 1,250,000
        message = refused(
            book,
            grant("S-2", 250_001, **amil),
            FinanceRuleError,
            "spendings[1].amount",
            "amil-share",
        )
        assert "1,250,000" in message
        book.spend(grant("S-2", 250_000, **amil))
        book.receive("F-1", DAY, 8)  # one more rupiah of share
        book.spend(grant("S-3", 1, **amil))

    def test_the_amil_share_is_a_policy(self) -> None:
        book = budgeted(operations=5_000_000)
        book.policy = SpendingPolicy(amil_share=Decimal("0.05"), over_budget="warn")
        amil: dict[str, Any] = {
            "kind": "expense",
            "component": "operations",
            "recipient": None,
            "asnaf": "amil",
        }
        refused(
            book,
            grant("S-1", 500_001, **amil),
            FinanceRuleError,
            "spendings[0].amount",
            "amil-share",
        )

    @pytest.mark.parametrize(
        "changes",
        [
            {"kind": "expense", "recipient": None},
            {"recipient": Party.provider("dd")},
        ],
    )
    def test_zakat_reaches_members_groups_or_cooperatives(self, changes: dict[str, Any]) -> None:
        book = budgeted()
        refused(
            book, grant(**changes), FinanceRuleError, "spendings[0].recipient", "zakat-recipient"
        )

    @pytest.mark.parametrize(
        ("changes", "fragment"),
        [
            ({"recipient": Party.program(PROGRAM)}, "a grant may not go to a program"),
            ({"kind": "expense", "recipient": Party.member("M-1")}, "reaches provider (or nobody)"),
        ],
    )
    def test_recipients(self, changes: dict[str, Any], fragment: str) -> None:
        book = make_book(source="infaq_sadaqah")
        book.policy = SpendingPolicy(over_budget="allow")
        message = refused(
            book,
            grant(asnaf=None, **changes),
            FinanceRuleError,
            "spendings[0].recipient",
            "recipient",
        )
        assert fragment in message

    def test_an_in_kind_asset_is_one_of_the_register(self) -> None:
        book = budgeted(capital=9_000_000)
        goat: dict[str, Any] = {
            "kind": "in_kind",
            "component": "capital",
            "recipient": Party.group("G-1"),
        }
        refused(
            book,
            grant(asset_id="GOAT-1", **goat),
            FinanceRuleError,
            "spendings[0].asset_id",
            "asset",
        )
        refused(book, grant(asset_id="GOAT-1"), FinanceRuleError, "spendings[0].asset_id", "asset")
        book.assets.add(
            Asset(
                "GOAT-1",
                "livestock",
                "Kambing",
                10,
                7_000_000,
                DAY,
                Party.group("G-1"),
                Party.program(PROGRAM),
            )
        )
        book.spend(grant(amount=7_000_000, asset_id="GOAT-1", **goat))

    def test_cash(self) -> None:
        book = budgeted(education_support=10**10)
        refused(
            book, grant(amount=10_000_001), InsufficientFundsError, "spendings[0].amount", "cash"
        )

    def test_other_bad_input_changes_nothing(self) -> None:
        book = budgeted()
        book.spend(grant())
        refused(book, grant(), ValidationError, "spendings[1].id", "")
        refused(book, grant("S-2", fund_id="F-9"), UnknownRecordError, "spendings[1].fund_id", "")
        refused(book, "S-2", ValidationError, "spendings[1]", "")
        refused(book, grant("S-2", on=START), DateOrderError, "entries[2].on", "")

    def test_money_as_float_is_refused(self) -> None:
        with pytest.raises(ValidationError, match=r"^amount: got the float"):
            grant(amount=750_000.0)  # type: ignore[arg-type]
        with pytest.raises(ValidationError, match=r"^amount: got the float"):
            BudgetLine("training", "zakat", 1.5e6, *YEAR)  # type: ignore[arg-type]


class TestBudget:
    def test_over_budget_warns_and_records(self) -> None:
        book = budgeted()
        book.spend(grant())
        with pytest.warns(OverBudgetWarning, match=r"spendings\[1\].amount: \[over-budget\]"):
            book.spend(grant("S-2"))
        assert book.actual("education_support", "zakat", *YEAR) == 1_500_000

    def test_warnings_as_errors_refuse_it_whole(self) -> None:
        import warnings

        from klaster.finance.testing import fingerprint

        book = budgeted()
        book.spend(grant())
        before = fingerprint(book)
        with warnings.catch_warnings():
            warnings.simplefilter("error", OverBudgetWarning)
            with pytest.raises(OverBudgetWarning):
                book.spend(grant("S-2"))
        assert fingerprint(book) == before
        assert "S-2" not in book.spendings

    def test_over_budget_refused_changes_nothing(self) -> None:
        book = budgeted("refuse")
        book.spend(grant())
        message = refused(
            book, grant("S-2"), FinanceRuleError, "spendings[1].amount", "over-budget"
        )
        assert "750,000 spent + 750,000 is over the line of 1,000,000" in message
        book.spend(grant("S-2", 250_000))  # exactly the line

    def test_no_line_is_over(self) -> None:
        book = budgeted("refuse")
        message = refused(
            book,
            grant(component="training"),
            FinanceRuleError,
            "spendings[0].amount",
            "over-budget",
        )
        assert "no line of the current budget covers training/zakat" in message
        with pytest.warns(OverBudgetWarning):
            make_book().spend(grant())

    def test_allow_is_silent(self) -> None:
        book = budgeted("allow")
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            book.spend(grant(amount=5_000_000))

    def test_the_line_of_the_period_counts_only_its_period(self) -> None:
        book = make_book()
        book.policy = SpendingPolicy(over_budget="refuse")
        book.revise_budget(
            START,
            "by half year",
            [
                BudgetLine("training", "zakat", 100, dt.date(2012, 1, 1), dt.date(2012, 6, 30)),
                BudgetLine("training", "zakat", 100, dt.date(2012, 7, 1), dt.date(2012, 12, 31)),
            ],
        )
        members: dict[str, Any] = {"component": "training", "amount": 100}
        book.spend(grant("S-1", **members))
        book.spend(grant("S-2", on=dt.date(2012, 7, 1), **members))
        assert book.actual("training", "zakat", *YEAR) == 200

    def test_revisions_are_kept_and_the_current_one_applies(self) -> None:
        book = budgeted("refuse")
        book.spend(grant())
        revision = book.revise_budget(
            DAY, "mid-term review", [line("education_support", 2_000_000)]
        )
        assert revision.number == 2
        assert len(book.budget.revisions) == 2
        assert book.budget.revisions[0].total == 1_000_000
        book.spend(grant("S-2"))

    def test_bad_revisions_are_located_and_change_nothing(self) -> None:
        book = budgeted()
        before = book.budget
        with pytest.raises(ValidationError) as info:
            book.revise_budget(DAY, "twice", [line("training", 1), line("training", 2)])
        assert str(info.value).startswith("budget.revisions[1].lines[1]: ")
        with pytest.raises(ValidationError) as info:
            book.revise_budget(dt.date(2011, 1, 1), "back", [])
        assert str(info.value).startswith("budget.revisions[1].recorded_on: ")
        assert book.budget == before

    def test_receipts_count_as_capital(self) -> None:
        book = make_book()
        book.add_fund(Fund("F-2", "CSR", "grant", Party.program(PROGRAM), START))
        book.receive("F-2", DAY, 3_000_000)
        book.receive("F-2", DAY, 5_000_000, for_spending=True)  # counts when spent
        assert book.actual("capital", "zakat", *YEAR) == 10_000_000
        assert book.actual("capital", "grant", *YEAR) == 3_000_000
        assert book.actual("capital", "grant", dt.date(2012, 3, 1), dt.date(2012, 12, 31)) == 0
        with pytest.raises(ValidationError, match="component"):
            book.actual("bogus", "grant", *YEAR)


class TestReplay:
    def parts(self, book: Finance) -> dict[str, Any]:
        return {
            "cluster_id": book.cluster_id,
            "program_id": book.program_id,
            "funds": list(book.funds),
            "ledger": type(book.ledger)(book.ledger.entries),
            "budget": book.budget,
            "spendings": list(book.spendings),
            "policy": book.policy,
        }

    def test_the_replay_rebuilds_what_was_spent(self) -> None:
        book = budgeted()
        book.spend(grant())
        again = Finance(**self.parts(book))
        assert again == book
        assert fingerprint(again) == fingerprint(book)
        assert again.actual("education_support", "zakat", *YEAR) == 750_000

    def test_a_spending_without_its_entry_is_refused(self) -> None:
        book = budgeted()
        book.spend(grant())
        parts = self.parts(book)
        parts["spendings"].append(grant("S-2"))
        with pytest.raises(LedgerError, match=r"^spendings\[1\]: spending 'S-2' has no ledger"):
            Finance(**parts)

    def test_an_entry_that_disagrees_with_its_spending_is_refused(self) -> None:
        book = budgeted()
        book.spend(grant())
        parts = self.parts(book)
        parts["spendings"] = [grant(amount=1)]
        with pytest.raises(LedgerError, match=r"^entries\[1\]: pays 750,000"):
            Finance(**parts)

    def test_a_stored_zakat_spending_without_asnaf_is_refused(self) -> None:
        book = make_book(source="infaq_sadaqah")
        book.policy = SpendingPolicy(over_budget="allow")
        book.spend(grant(asnaf=None))
        parts = self.parts(book)
        parts["funds"] = [attrs.evolve(book.funds["F-1"], source="zakat")]
        with pytest.raises(FinanceRuleError, match=r"^spendings\[0\].asnaf: \[zakat-asnaf\]"):
            Finance(**parts)

    def test_the_replay_does_not_judge_the_budget_again(self) -> None:
        book = budgeted()
        with pytest.warns(OverBudgetWarning):
            book.spend(grant(amount=2_000_000))
        parts = self.parts(book)
        parts["policy"] = SpendingPolicy(over_budget="refuse")
        assert Finance(**parts).spendings.ids() == ("S-1",)

    def test_a_book_that_spent_all_its_cash_replays(self) -> None:
        # Found by the state machine: the replay judged cash and the amil share on the final
        # balances instead of those at each entry.
        book = budgeted(education_support=10**9, operations=10**9)
        amil: dict[str, Any] = {"kind": "expense", "component": "operations", "recipient": None}
        book.spend(grant("S-1", 1_250_000, asnaf="amil", **amil))
        book.spend(grant("S-2", 8_750_000))
        book.receive("F-1", DAY, 8_000_000, for_spending=True)
        again = Finance(**self.parts(book))
        assert fingerprint(again) == fingerprint(book)

    def test_a_stricter_policy_that_the_spending_breaks_is_refused(self) -> None:
        book = budgeted(operations=10**9)
        amil: dict[str, Any] = {"kind": "expense", "component": "operations", "recipient": None}
        book.spend(grant("S-1", 1_000_000, asnaf="amil", **amil))
        before = book.policy
        with pytest.raises(FinanceRuleError, match=r"^spendings\[0\].amount: \[amil-share\]"):
            book.policy = SpendingPolicy(amil_share=Decimal("0.05"))
        assert book.policy is before
        book.policy = SpendingPolicy(amil_share=Decimal("0.1"), over_budget="refuse")
        with pytest.raises(ValidationError, match="must be a SpendingPolicy"):
            book.policy = "refuse"  # type: ignore[assignment]
