"""Finance books checked in context (their cluster's members, groups, cooperatives, sectors),
on every path a book takes in: documents, the store, ``klaster init`` and the handover."""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from klaster import Organisation, Program
from klaster.errors import DocumentError, KlasterError, StoreError
from klaster.finance import (
    Asset,
    AssetEvent,
    Finance,
    Fund,
    HandoverError,
    Party,
    Spending,
    SpendingPolicy,
    hand_over,
)
from klaster.finance import document as finance_document
from klaster.finance.program_fit import BookContext, fit_problems, program_problems
from klaster.finance.testing import PROGRAM, START, make_book, make_cluster, qard
from klaster.store import Store

EXIT = dt.date(2014, 3, 6)


def make_program() -> Program:
    return Program(
        id=PROGRAM,
        name="Klaster Mandiri",
        organisation_id="dd",
        organisations=[Organisation("dd", "Dompet Dhuafa", "ngo")],
        clusters=[make_cluster()],
    )


def goats(**changes: object) -> Asset:
    fields: dict[str, object] = {
        "id": "GOAT-1",
        "kind": "livestock",
        "description": "Kambing etawa",
        "quantity": 10,
        "value": 15_000_000,
        "acquired_on": START,
        "custodian": Party.group("G-1"),
        "owner": Party.program(PROGRAM),
        "unit": "ekor",
        "sector": "livestock",
    }
    fields.update(changes)
    return Asset(**fields)  # type: ignore[arg-type]


def with_loan(**terms: Any) -> Finance:
    book = make_book()
    book.disburse(qard("L-1", **terms))
    return book


def with_asset(**changes: object) -> Finance:
    book = make_book()
    book.assets.add(goats(**changes))
    return book


def transferred_to_another_sector() -> Finance:
    book = with_asset()
    book.assets.record(
        AssetEvent(
            "GOAT-1",
            dt.date(2013, 7, 1),
            "transferred",
            15_000_000,
            owner=Party.cooperative("coop"),
        )
    )
    return book


def savings_of_a_stranger() -> Finance:
    book = make_book()
    book.add_fund(Fund("F-C", "Simpanan", "member_savings", Party.cooperative("coop"), START))
    book.deposit_savings("F-C", "M-9", "pokok", START, 50_000)
    return book


def granted_to(recipient: Party) -> Finance:
    book = make_book()
    book.policy = SpendingPolicy(over_budget="allow")
    book.spend(
        Spending("S-1", "grant", START, "F-1", 500_000, "education_support", recipient, "miskin")
    )
    return book


# (how the bad book is built, the path of the problem, a fragment of its message)
BAD: dict[str, tuple[Callable[[], Finance], str, str]] = {
    "unknown member": (
        lambda: with_loan(borrower=Party.member("M-9")),
        "books[0].loans[0].borrower",
        "has no member 'M-9'",
    ),
    "unknown group": (
        lambda: with_loan(borrower=Party.group("G-9")),
        "books[0].loans[0].borrower",
        "has no group 'G-9'",
    ),
    "unknown liable group": (
        lambda: with_loan(group_id="G-9"),
        "books[0].loans[0].group_id",
        "has no group 'G-9'",
    ),
    "unknown loan sector": (
        lambda: with_loan(sector="fishery"),
        "books[0].loans[0].sector",
        "unknown sector 'fishery' for cluster 'lebak'; its sectors are 'umkm', 'livestock'",
    ),
    "unknown keeper": (
        lambda: with_asset(custodian=Party.member("M-9")),
        "books[0].assets.assets[0].custodian",
        "has no member 'M-9'",
    ),
    "unknown asset sector": (
        lambda: with_asset(sector="fishery"),
        "books[0].assets.assets[0].sector",
        "unknown sector 'fishery'",
    ),
    "owned by another sector's cooperative": (
        lambda: with_asset(owner=Party.cooperative("coop")),
        "books[0].assets.assets[0].owner",
        "asset 'GOAT-1' serves sector 'livestock', but cooperative 'coop' serves 'umkm'",
    ),
    "transferred to another sector's cooperative": (
        transferred_to_another_sector,
        "books[0].assets.events[0].owner",
        "cooperative 'coop' serves 'umkm'",
    ),
    "a grant to a stranger": (
        lambda: granted_to(Party.member("M-9")),
        "books[0].spendings[0].recipient",
        "has no member 'M-9'",
    ),
    "savings of a stranger": (
        savings_of_a_stranger,
        "books[0].ledger",
        "names member 'M-9', who is not a member of cluster 'lebak'",
    ),
}


@pytest.fixture(params=sorted(BAD))
def bad(request: pytest.FixtureRequest) -> tuple[Finance, str, str]:
    build, path, fragment = BAD[request.param]
    return build(), path, fragment


class TestContext:
    def test_a_good_book_fits(self) -> None:
        book = make_book()
        book.disburse(qard("L-1", group_id="G-1", sector="umkm"))
        book.assets.add(goats(owner=Party.cooperative("ternak")))
        context = BookContext.of(make_cluster(), PROGRAM)
        assert fit_problems(book, context, "books[0]") == []

    def test_each_problem_is_located(self, bad: tuple[Finance, str, str]) -> None:
        book, path, fragment = bad
        (problem,) = fit_problems(book, BookContext.of(make_cluster(), PROGRAM), "books[0]")
        assert problem.startswith(f"{path}: ")
        assert fragment in problem
        assert "Nama" not in problem  # IDs only, never a member's name


class TestDocuments:
    def test_loading_refuses(self, bad: tuple[Finance, str, str]) -> None:
        book, path, fragment = bad
        text = finance_document.dumps(book)  # without a program: written as it is
        with pytest.raises(DocumentError) as info:
            finance_document.loads(text, make_program(), source="lebak.finance.json")
        assert any(p.startswith(path) and fragment in p for p in info.value.problems)

    def test_writing_against_the_program_refuses(self, bad: tuple[Finance, str, str]) -> None:
        book, path, fragment = bad
        with pytest.raises(DocumentError) as info:
            finance_document.dumps(book, program=make_program())
        assert any(p.startswith(path) and fragment in p for p in info.value.problems)


class TestStore:
    def test_creating_refuses_and_leaves_no_file(
        self, bad: tuple[Finance, str, str], tmp_path: Path
    ) -> None:
        book, path, fragment = bad
        target = tmp_path / "km.klaster"
        with pytest.raises(StoreError) as info:
            Store.create(target, make_program(), finance=book)
        assert f"{path}: " in str(info.value)
        assert fragment in str(info.value)
        assert not target.exists()

    def test_saving_refuses_and_changes_nothing(
        self, bad: tuple[Finance, str, str], tmp_path: Path
    ) -> None:
        book, path, fragment = bad
        target = tmp_path / "km.klaster"
        with Store.create(target, make_program(), finance=make_book()) as store:
            with pytest.raises(StoreError) as info:
                store.save_finance(book)
            assert f"{path}: " in str(info.value)
            assert fragment in str(info.value)
            assert store.load_finance()["lebak"] == make_book()

    @pytest.mark.parametrize(
        ("change", "fragment"),
        [
            ("UPDATE loans SET borrower_id = 'M-9'", "has no member 'M-9'"),
            ("UPDATE loans SET sector = 'fishery'", "unknown sector 'fishery'"),
            ("UPDATE assets SET custodian_id = 'G-9'", "has no group 'G-9'"),
            ("UPDATE assets SET owner_kind = 'cooperative', owner_id = 'coop'", "serves 'umkm'"),
        ],
    )
    def test_loading_a_changed_store_refuses(
        self, tmp_path: Path, change: str, fragment: str
    ) -> None:
        book = make_book()
        book.disburse(qard("L-1", sector="umkm"))
        book.assets.add(goats())
        target = tmp_path / "km.klaster"
        Store.create(target, make_program(), finance=book).close()
        with contextlib.closing(sqlite3.connect(target)) as conn, conn:
            conn.execute(change)
        with Store.open(target, readonly=True) as store:
            loads: list[Callable[[], object]] = [
                store.load_finance,
                lambda: store.load_finance(make_program()),
            ]
            for load in loads:
                with pytest.raises(StoreError, match=fragment) as info:
                    load()
                assert "books[0]." in str(info.value)


class TestHandover:
    def test_refuses_a_book_that_does_not_fit(self, bad: tuple[Finance, str, str]) -> None:
        book, _path, fragment = bad
        cluster = make_cluster()
        history = cluster.lifecycle.history
        with pytest.raises(HandoverError, match="does not fit the cluster") as info:
            hand_over(
                cluster,
                book,
                "coop",
                EXIT,
                handover_id="H-1",
                decided_by="DD",
                recipients={"GOAT-1": "ternak"} if book.assets.assets else None,
            )
        assert fragment in str(info.value)
        assert book.handover is None
        assert cluster.lifecycle.history == history

    def test_an_asset_goes_to_a_cooperative_of_its_sector(self) -> None:
        cluster, book = make_cluster(), with_asset()
        with pytest.raises(HandoverError) as info:
            hand_over(cluster, book, "coop", EXIT, handover_id="H-1", decided_by="DD")
        message = str(info.value)
        assert "handover.items[2].to: asset 'GOAT-1' serves sector 'livestock'" in message
        assert book.handover is None
        assert not book.assets.events
        handover, _ = hand_over(
            cluster,
            book,
            "coop",
            EXIT,
            handover_id="H-1",
            decided_by="DD",
            recipients={"GOAT-1": "ternak"},
        )
        assert handover.total_to("ternak") == 15_000_000


def test_errors_are_klaster_errors(bad: tuple[Finance, str, str]) -> None:
    book, _path, _fragment = bad
    with pytest.raises(KlasterError):
        finance_document.loads(finance_document.dumps(book), make_program())


class TestProviders:
    """A service provider is one of the program's organisations, on every path with a program."""

    def book(self, provider: str) -> Finance:
        book = make_book(source="grant")
        book.policy = SpendingPolicy(over_budget="allow")
        book.spend(
            Spending("S-1", "expense", START, "F-1", 400_000, "training", Party.provider(provider))
        )
        return book

    def test_a_known_provider_fits(self, tmp_path: Path) -> None:
        assert program_problems(self.book("dd"), make_program(), 0) == []
        finance_document.dumps(self.book("dd"), program=make_program())
        with Store.create(tmp_path / "km.klaster", make_program()) as store:
            store.save_finance(self.book("dd"))

    def test_an_unknown_provider_is_refused_on_every_path(self, tmp_path: Path) -> None:
        expected = (
            "books[0].spendings[0].recipient: program 'km' has no organisation 'school-9' (a "
            "service provider is one of the program's organisations); organisations: dd"
        )
        book = self.book("school-9")
        assert program_problems(book, make_program(), 0) == [expected]
        with pytest.raises(DocumentError) as info:
            finance_document.dumps(book, program=make_program())
        assert expected in info.value.problems
        with pytest.raises(StoreError, match=r"books\[0\].spendings\[0\].recipient: program"):
            Store.create(tmp_path / "km.klaster", make_program(), finance=book)
        assert not (tmp_path / "km.klaster").exists()

    def test_a_cluster_alone_does_not_know_the_providers(self) -> None:
        context = BookContext.of(make_cluster(), PROGRAM)
        assert fit_problems(self.book("school-9"), context, "book") == []
