"""Amounts are bounded before any conversion, and a refused entry never half-writes the ledger."""

from __future__ import annotations

import datetime as dt
import json
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from klaster import Organisation, Program
from klaster.errors import DocumentError, KlasterError
from klaster.finance import (
    Account,
    AmountError,
    Asset,
    Entry,
    Ledger,
    Party,
    Posting,
    rupiah,
)
from klaster.finance import document as finance_document
from klaster.finance.money import MAX_RUPIAH
from klaster.finance.testing import PROGRAM, START, fingerprint, make_book, make_cluster, qard
from klaster.store import Store

MAX = int(MAX_RUPIAH)
HUGE = ["1E+999999999", "-1E+999999999", Decimal("1E+999999999"), 10**100_000, 2**63, "9" * 40]
HUGE_IDS = ["text", "negative", "decimal", "int-100k-digits", "2**63", "40-nines"]


def make_program() -> Program:
    return Program(
        PROGRAM, "Klaster Mandiri", "dd", [Organisation("dd", "DD", "ngo")], [make_cluster()]
    )


class TestTheBound:
    def test_the_largest_amount_is_what_the_store_holds(self) -> None:
        assert MAX == 2**63 - 1
        assert rupiah(MAX) == MAX_RUPIAH
        assert rupiah(str(MAX)) == MAX_RUPIAH
        for beyond in (MAX + 1, str(MAX + 1), Decimal(MAX + 1)):
            with pytest.raises(AmountError, match=r"beyond Rp 9\.223\.372\.036\.854\.775\.807"):
                rupiah(beyond, path="loans[0].principal")

    @pytest.mark.parametrize("value", HUGE, ids=HUGE_IDS)
    def test_huge_amounts_are_refused_at_once(self, value: Any) -> None:
        for read in (
            lambda: rupiah(value, path="amount"),
            lambda: qard("L-1", value),  # a record's converter and validator
            lambda: Posting(Account("F-1", "cash"), Account("F-1", "capital"), value),
        ):
            started = time.perf_counter()
            with pytest.raises(AmountError) as info:
                read()
            assert time.perf_counter() - started < 0.5
            assert "beyond Rp 9.223.372.036.854.775.807 in size" in str(info.value)
            assert info.value.path


class TestNoHalfWrite:
    @pytest.mark.parametrize("amount", [2**63, 10**30, "1E+999999999"])
    def test_a_refused_receipt_leaves_the_book_whole(self, amount: object, tmp_path: Path) -> None:
        book = make_book()
        before = fingerprint(book)
        with pytest.raises(AmountError):
            book.receive("F-1", START, amount)  # type: ignore[arg-type]
        assert fingerprint(book) == before
        assert len(list(book.ledger)) == 1
        assert finance_document.loads(finance_document.dumps(book), make_program())["lebak"] == book

    def test_balances_stay_within_the_bound(self) -> None:
        book = make_book(0)
        book.receive("F-1", START, MAX)
        before = fingerprint(book)
        with pytest.raises(AmountError) as info:
            book.receive("F-1", START, 1)
        assert info.value.path == "entries[1]"
        assert "would take F-1:cash beyond" in str(info.value)
        assert fingerprint(book) == before
        book.disburse(qard("L-1", MAX))
        assert book.cash("F-1") == 0

    def test_prepare_checks_what_commit_relies_on(self) -> None:
        # A posting that slipped past its own validator (built without it) is refused in
        # prepare(), before anything is appended: commit() cannot fail half way.
        ledger = Ledger()
        posting = Posting(Account("F-1", "cash"), Account("F-1", "capital"), 1)
        object.__setattr__(posting, "amount", Decimal(2**63))
        entry = Entry(START, "funding", None, [Posting(posting.debit, posting.credit, 5)])
        object.__setattr__(entry, "postings", (posting,))
        with pytest.raises(AmountError, match="beyond"):
            ledger.append(entry)
        assert len(ledger) == 0
        assert ledger.columns()["on"].tolist() == []
        assert ledger.accounts() == ()

    def test_the_largest_book_saves_and_loads(self, tmp_path: Path) -> None:
        book = make_book(0)
        book.receive("F-1", START, MAX)
        book.disburse(qard("L-1", MAX))
        book.repay("L-1", dt.date(2012, 2, 9), MAX // 12)
        target = tmp_path / "km.klaster"
        with Store.create(target, make_program(), finance=book) as store:
            assert store.load_finance()["lebak"] == book
        text = finance_document.dumps(book, program=make_program())
        assert finance_document.loads(text, make_program())["lebak"] == book


class TestDocuments:
    @pytest.mark.parametrize("amount", ["1E+999999999", "9223372036854775808", 10**30])
    def test_huge_amounts_in_a_document_are_located(self, amount: object) -> None:
        doc = json.loads(finance_document.dumps(make_book()))
        doc["books"][0]["ledger"]["entries"][0]["postings"][0]["amount"] = amount
        started = time.perf_counter()
        with pytest.raises(DocumentError) as info:
            finance_document.loads(json.dumps(doc), make_program())
        assert time.perf_counter() - started < 1
        (problem,) = info.value.problems
        assert problem.startswith("books[0].ledger.entries[0].postings[0].amount: ")
        assert "beyond Rp 9.223.372.036.854.775.807" in problem

    def test_huge_asset_values_are_located(self) -> None:
        book = make_book()
        book.assets.add(
            Asset("A-1", "equipment", "Mesin", 1, 1, START, Party.group("G-1"), book.program)
        )
        doc = json.loads(finance_document.dumps(book))
        doc["books"][0]["assets"]["assets"][0]["value"] = "1E+999999999"
        with pytest.raises(DocumentError) as info:
            finance_document.loads(json.dumps(doc), make_program())
        assert "books[0].assets.assets[0].value: " in str(info.value)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    amounts=st.lists(
        st.one_of(
            st.integers(1, 2**66),
            st.sampled_from(HUGE),
            st.decimals(allow_nan=False, allow_infinity=False, places=0),
            st.text("0123456789E+-.", max_size=12),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_after_any_refusal_the_store_round_trips(tmp_path: Path, amounts: list[object]) -> None:
    book = make_book()
    for amount in amounts:
        before = fingerprint(book)
        try:
            book.receive("F-1", START, amount)  # type: ignore[arg-type]
        except KlasterError:
            assert fingerprint(book) == before
    target = tmp_path / f"km-{time.monotonic_ns()}.klaster"
    with Store.create(target, make_program(), finance=book) as store:
        assert store.load_finance(make_program())["lebak"] == book
