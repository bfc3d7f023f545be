"""Budgets, spending and the spending policy in finance documents: round trips, strict reading."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from klaster import Organisation, Program
from klaster.errors import DocumentError
from klaster.finance import Finance, Fund, Party
from klaster.finance import document as finance_document
from klaster.finance.budget import Budget, BudgetLine
from klaster.finance.spending import Spending, SpendingPolicy
from klaster.finance.testing import PROGRAM, make_cluster
from klaster.testing.finance_strategies import books_with_spending, budgets, spendings

D = dt.date


def program() -> Program:
    return Program(
        id=PROGRAM,
        name="Klaster Mandiri",
        organisation_id="dd",
        organisations=[Organisation("dd", "Dompet Dhuafa", "ngo")],
        clusters=[make_cluster()],
    )


def spent_book() -> Finance:
    book = Finance("lebak", PROGRAM, policy=SpendingPolicy("0.1", "allow"))
    book.add_fund(Fund("F-Z", "Zakat", "zakat", Party.program(PROGRAM), D(2012, 1, 2)))
    book.receive("F-Z", D(2012, 1, 2), 50_000_000)
    lines = [BudgetLine("education_support", "zakat", 10_000_000, D(2012, 1, 1), D(2012, 12, 31))]
    book.revise_budget(D(2012, 1, 2), "initial budget", lines)
    book.revise_budget(D(2012, 6, 1), "mid-term review", [*lines, BudgetLine(
        "capital", "zakat", 30_000_000, D(2012, 1, 1), D(2013, 12, 31), "synthetic")])  # fmt: skip
    book.spend(Spending("S-1", "grant", D(2012, 7, 1), "F-Z", 750_000, "education_support",
                        Party.member("M-1"), asnaf="miskin", memo="SPP"))  # fmt: skip
    return book


def raw_of(book: Finance) -> dict[str, Any]:
    raw: dict[str, Any] = json.loads(finance_document.dumps(book))
    return raw


def refused(raw: dict[str, Any]) -> DocumentError:
    with pytest.raises(DocumentError) as info:
        finance_document.loads(json.dumps(raw), program(), source="lebak.finance.json")
    return info.value


class TestRoundTrip:
    def test_budget_spending_and_policy_survive(self) -> None:
        book = spent_book()
        raw = raw_of(book)["books"][0]
        assert raw["budget"]["revisions"][1]["lines"][1] == {
            "component": "capital", "source": "zakat", "amount": "30000000",
            "start": "2012-01-01", "end": "2013-12-31", "note": "synthetic",
        }  # fmt: skip
        assert raw["spendings"] == [{
            "id": "S-1", "kind": "grant", "on": "2012-07-01", "fund_id": "F-Z",
            "amount": "750000", "component": "education_support",
            "recipient": {"kind": "member", "id": "M-1"}, "asnaf": "miskin", "memo": "SPP",
        }]  # fmt: skip
        assert raw["policy"] == {"amil_share": "0.1", "over_budget": "allow"}
        again = finance_document.loads(finance_document.dumps(book), program())["lebak"]
        assert again == book
        assert again.budget == book.budget
        assert list(again.spendings) == list(book.spendings)
        assert again.policy == book.policy
        assert again.actual("education_support", "zakat", D(2012, 1, 1), D(2012, 12, 31)) == 750_000

    def test_empty_parts_are_left_out(self) -> None:
        book = Finance("lebak", PROGRAM)
        book.add_fund(Fund("F-Z", "Zakat", "zakat", Party.program(PROGRAM), D(2012, 1, 2)))
        raw = raw_of(book)["books"][0]
        assert not {"budget", "spendings", "policy"} & set(raw)
        assert finance_document.loads(json.dumps(raw_of(book)), program())["lebak"] == book

    def test_older_book_without_the_parts_reads(self) -> None:
        # A document written before budgets existed has none of the keys: the defaults.
        raw = raw_of(spent_book())
        book = raw["books"][0]
        for key in ("budget", "spendings", "policy"):
            del book[key]
        book["ledger"]["entries"] = book["ledger"]["entries"][:1]
        loaded = finance_document.loads(json.dumps(raw), program())["lebak"]
        assert loaded.budget == Budget()
        assert loaded.policy == SpendingPolicy()
        assert not loaded.spendings

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(book=books_with_spending())
    def test_any_book_round_trips(self, book: Finance) -> None:
        text = finance_document.dumps(book)
        again = finance_document.loads(text, program())["lebak"]
        assert again == book
        assert finance_document.dumps(again) == text

    @settings(max_examples=60, deadline=None)
    @given(budget=budgets())
    def test_any_budget_round_trips(self, budget: Budget) -> None:
        conv = finance_document._converter(detailed=True)
        assert conv.structure(conv.unstructure(budget, Budget), Budget) == budget

    @settings(max_examples=60, deadline=None)
    @given(spending=spendings())
    def test_any_spending_round_trips(self, spending: Spending) -> None:
        conv = finance_document._converter(detailed=True)
        assert conv.structure(conv.unstructure(spending, Spending), Spending) == spending


class TestStrict:
    def test_money_as_float_is_refused_and_located(self) -> None:
        raw = raw_of(spent_book())
        raw["books"][0]["budget"]["revisions"][1]["lines"][0]["amount"] = 10000000.0
        raw["books"][0]["spendings"][0]["amount"] = 750000.5
        found = refused(raw).problems
        assert any(
            p.startswith("books[0].budget.revisions[1].lines[0].amount: must be a decimal")
            for p in found
        ), found
        assert any(p.startswith("books[0].spendings[0].amount: must be a decimal") for p in found)

    def test_bad_line_is_located(self) -> None:
        raw = raw_of(spent_book())
        line = raw["books"][0]["budget"]["revisions"][1]["lines"][1]
        line["amount"] = "1.5"
        raw["books"][0]["budget"]["revisions"][1]["lines"][0]["colour"] = "red"
        raw["books"][0]["budget"]["revisions"][0]["lines"][0]["end"] = "2011-01-01"
        found = refused(raw).problems
        assert "books[0].budget.revisions[1].lines[1].amount: 1.5 has a fraction of a rupiah" in (
            "\n".join(found)
        )
        assert any("revisions[1].lines[0]: unknown field 'colour'" in p for p in found)
        assert any(p.startswith("books[0].budget.revisions[0].lines[0].end: ") for p in found)

    def test_revision_history_is_checked(self) -> None:
        raw = raw_of(spent_book())
        raw["books"][0]["budget"]["revisions"][1]["number"] = 5
        assert "books[0].budget.revisions[1].number: revision number 5" in str(refused(raw))

    def test_overlapping_lines_are_located(self) -> None:
        raw = raw_of(spent_book())
        lines = raw["books"][0]["budget"]["revisions"][1]["lines"]
        lines.append(dict(lines[0], start="2012-06-01"))
        assert "books[0].budget.revisions[1].lines[2]: education_support/zakat" in str(refused(raw))

    def test_spending_rules_run_on_reading(self) -> None:
        # A zakat grant without asnaf: the rule of the live operation refuses it on replay.
        raw = raw_of(spent_book())
        del raw["books"][0]["spendings"][0]["asnaf"]
        message = str(refused(raw))
        assert "books[0].spendings[0].asnaf" in message
        assert "asnaf" in message

    def test_spending_without_its_entry_is_refused(self) -> None:
        raw = raw_of(spent_book())
        raw["books"][0]["ledger"]["entries"].pop()
        assert "S-1" in str(refused(raw))

    def test_bad_policy_is_located(self) -> None:
        raw = raw_of(spent_book())
        raw["books"][0]["policy"] = {"amil_share": "2"}
        assert "books[0].policy.amil_share: must be a share from 0 to 1" in str(refused(raw))
        raw["books"][0]["policy"] = {"amil_share": 0.125}
        assert "books[0].policy.amil_share: must be a decimal number" in str(refused(raw))
        raw["books"][0]["policy"] = {"over_budget": "maybe"}
        assert "books[0].policy.over_budget: invalid value 'maybe'" in str(refused(raw))
