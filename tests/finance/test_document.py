"""Finance documents: round trips, exact money, strict and located reading, atomic writing."""

from __future__ import annotations

import datetime as dt
import json
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, given, settings

from klaster import (
    Cluster,
    ClusterSector,
    Lifecycle,
    Organisation,
    Program,
    Region,
)
from klaster.errors import DocumentError, KlasterError, SchemaVersionError
from klaster.finance import (
    Asset,
    AssetEvent,
    Finance,
    Fund,
    FundSource,
    Party,
    hand_over,
)
from klaster.finance import document as finance_document
from klaster.finance.testing import (
    DISBURSED,
    PROGRAM,
    START,
    fingerprint,
    make_book,
    make_cluster,
    murabahah,
    qard,
)


def make_program(*clusters: Cluster) -> Program:
    return Program(
        id=PROGRAM,
        name="Klaster Mandiri",
        organisation_id="dd",
        organisations=[Organisation("dd", "Dompet Dhuafa", "ngo")],
        clusters=list(clusters) or [make_cluster()],
    )


def busy() -> tuple[Program, Finance]:
    """A book with every kind of record: loans, restructuring, write-off, assets, handover."""
    cluster = make_cluster()
    book = make_book()
    book.disburse(murabahah("L-1", group_id="G-1", sector="umkm"))
    book.disburse(qard("L-2", product="profit_sharing", profit_share="0.25"))
    book.repay("L-1", dt.date(2012, 2, 9), 315_000)
    book.share_profit("L-2", dt.date(2012, 2, 9), 400_000)
    book.restructure("L-1", dt.date(2012, 3, 1), instalments=5, reason="banjir", margin=100_000)
    book.write_off("L-2", dt.date(2012, 8, 1), "macet")
    book.recover("L-2", dt.date(2012, 9, 1), 1_000)
    book.assets.add(
        Asset(
            "A-1",
            "livestock",
            "Kambing",
            10,
            15_000_000,
            START,
            Party.group("G-1"),
            Party.program(PROGRAM),
            unit="ekor",
        )
    )
    book.assets.record(AssetEvent("A-1", dt.date(2012, 6, 1), "born", 16_500_000, 3))
    hand_over(cluster, book, "coop", dt.date(2014, 3, 6), handover_id="H-1", decided_by="DD")
    book.deposit_savings("F-1", "M-1", "pokok", dt.date(2014, 3, 10), 50_000)
    return make_program(cluster), book


def document() -> tuple[Program, dict[str, Any]]:
    program, book = busy()
    return program, json.loads(finance_document.dumps(book))


def refused(raw: object, program: Program) -> DocumentError:
    text = raw if isinstance(raw, (str, bytes)) else json.dumps(raw)
    with pytest.raises(DocumentError) as info:
        finance_document.loads(text, program, source="lebak.finance.json")
    return info.value


# -- round trips ---------------------------------------------------------------------------------

OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(
            (
                *("qard", "murabahah", "profit", "repay", "share", "restructure"),
                *("write_off", "zakat", "recover", "asset"),
            )
        ),
        st.integers(0, 45),  # days after the previous operation
        st.integers(1, 4_000_000),  # an amount
        st.integers(0, 9),  # which loan
    ),
    max_size=30,
)


def build(cash: int, operations: list[tuple[str, int, int, int]], handover: bool) -> Finance:
    """A book from random operations through the public API; refused ones are skipped."""
    book = make_book(cash)
    day, loans = DISBURSED, list[str]()
    for name, days, amount, which in operations:
        day += dt.timedelta(days=days)
        loan_id = loans[which % len(loans)] if loans else "L-0"
        try:
            if name in ("qard", "murabahah", "profit"):
                new = f"L-{len(loans) + 1}"
                extra: dict[str, Any] = {"disbursed_on": day}
                if name == "profit":
                    extra.update(product="profit_sharing", profit_share="0.3")
                if name == "murabahah":
                    loan = murabahah(new, amount, amount // 10, **extra)
                else:
                    loan = qard(new, amount, **extra)
                book.disburse(loan)
                loans.append(new)
            elif name == "repay":
                book.repay(loan_id, day, amount)
            elif name == "share":
                book.share_profit(loan_id, day, amount)
            elif name == "restructure":
                book.restructure(loan_id, day, instalments=1 + which, reason="banjir")
            elif name == "write_off":
                book.write_off(loan_id, day, "macet")
            elif name == "zakat":
                book.convert_to_zakat(loan_id, day, "gharim")
            elif name == "recover":
                book.recover(loan_id, day, amount)
            else:
                asset = Asset(
                    f"A-{len(book.assets.assets)}",
                    "equipment",
                    "Mesin",
                    1 + which,
                    amount,
                    day,
                    Party.group("G-1"),
                    Party.program(PROGRAM),
                )
                book.assets.add(asset)
        except KlasterError:
            pass
    if handover:
        on = max(day, dt.date(2013, 7, 1))
        hand_over(make_cluster(), book, "coop", on, handover_id="H-1", decided_by="DD")
        book.deposit_savings("F-1", "M-1", "sukarela", on, 25_000)
    return book


class TestRoundTrip:
    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        cash=st.integers(1, 50_000_000),
        operations=OPERATIONS,
        handover=st.booleans(),
    )
    def test_any_book_survives(
        self, cash: int, operations: list[tuple[str, int, int, int]], handover: bool
    ) -> None:
        book = build(cash, operations, handover)
        text = finance_document.dumps(book)
        again = finance_document.loads(text, make_program())["lebak"]
        assert again == book
        assert fingerprint(again) == fingerprint(book)
        assert finance_document.dumps(again) == text

    def test_every_record_kind(self, tmp_path: Path) -> None:
        program, book = busy()
        path = tmp_path / "km.finance.json"
        finance_document.save(book, path, program=program)
        books = finance_document.load(path, program)
        assert books.ids() == ("lebak",)
        again = books["lebak"]
        assert again == book
        assert fingerprint(again) == fingerprint(book)
        assert again.handover is not None
        assert again.holder_of("F-1") == Party.cooperative("coop")
        assert again.assets.state("A-1").quantity == 13
        again.ledger.check()
        # The loaded book goes on like the live one.
        assert again.repay("L-1", dt.date(2014, 4, 1), 1_000) == book.repay(
            "L-1", dt.date(2014, 4, 1), 1_000
        )
        assert again == book

    def test_document_shape(self) -> None:
        _, raw = document()
        assert list(raw) == ["klaster", "schema_version", "program_id", "books"]
        assert raw["klaster"] == "finance"
        assert raw["schema_version"] == finance_document.FINANCE_SCHEMA_VERSION == 1
        assert raw["program_id"] == PROGRAM
        (book,) = raw["books"]
        assert book["cluster_id"] == "lebak"
        assert set(book) == {
            "cluster_id",
            "program_id",
            "funds",
            "loans",
            "ledger",
            "restructurings",
            "assets",
            "handover",
        }
        assert list(book["ledger"]) == ["entries"]
        assert book["ledger"]["entries"][0]["postings"][0]["amount"] == "10000000"
        assert "frequency" not in book["loans"][0]  # defaults are left out

    def test_several_books(self) -> None:
        lebak = make_cluster()
        other = Cluster(
            id="pandeglang",
            name="Klaster Mandiri Pandeglang",
            region=Region.province("Banten", "36", [Region.kabupaten("Pandeglang", "36.01")]),
            sectors=[ClusterSector("umkm")],
            lifecycle=Lifecycle.start(START, reason="study", decided_by="DD"),
        )
        program = make_program(lebak, other)
        second = Finance("pandeglang", PROGRAM)
        second.add_fund(Fund("F-9", "Infak", "infaq_sadaqah", Party.program(PROGRAM), START))
        second.receive("F-9", START, 7)
        books = finance_document.loads(
            finance_document.dumps([make_book(), second], program=program), program
        )
        assert books.ids() == ("lebak", "pandeglang")
        assert books["pandeglang"].cash("F-9") == 7


class TestExactness:
    def test_to_the_rupiah(self) -> None:
        big = 10**15 + 7  # a quadrillion rupiah and seven: far past a float's 2**53
        book = make_book(big)
        book.disburse(qard("L-1", 999_999_999_999_999))
        book.repay("L-1", dt.date(2012, 2, 9), 83_333_333_333_334)
        text = finance_document.dumps(book)
        assert '"1000000000000007"' in text
        assert "e+" not in text.lower()
        again = finance_document.loads(text, make_program())["lebak"]
        assert (
            again.cash("F-1")
            == book.cash("F-1")
            == Decimal(big - 999_999_999_999_999) + (Decimal(83_333_333_333_334))
        )
        position = again.position("L-1", dt.date(2012, 2, 9))
        assert position == book.position("L-1", dt.date(2012, 2, 9))
        assert position.outstanding == 999_999_999_999_999 - 83_333_333_333_334

    def test_json_integers_are_read_exactly_but_floats_never(self) -> None:
        program, raw = document()
        raw["books"][0]["funds"][0]["name"] = "Dana bergulir"
        raw["books"][0]["ledger"]["entries"][0]["postings"][0]["amount"] = 10_000_000
        assert (
            finance_document.loads(json.dumps(raw), program)["lebak"].ledger[0].amount == 10_000_000
        )
        raw["books"][0]["ledger"]["entries"][0]["postings"][0]["amount"] = 10_000_000.0
        assert "postings[0].amount: must be a decimal number" in str(refused(raw, program))


# -- strict reading ------------------------------------------------------------------------------


class TestRefused:
    def test_malformed_json(self) -> None:
        err = refused('{"klaster": "finance",', make_program())
        assert str(err).startswith("lebak.finance.json line 1 column 23: malformed JSON")

    def test_not_utf8(self) -> None:
        err = refused(b'{"klaster": "\xff"}', make_program())
        assert "not UTF-8" in str(err)

    @pytest.mark.parametrize("raw", [[], "text", 3, None])
    def test_not_an_object(self, raw: object) -> None:
        assert "is a JSON object" in str(refused(json.dumps(raw), make_program()))

    def test_unknown_fields_everywhere(self) -> None:
        program, raw = document()
        raw["colour"] = "red"
        raw["books"][0]["ledger"]["entries"][3]["postings"][0]["note"] = "x"
        raw["books"][0]["loans"][1]["rate"] = "0.1"
        err = refused(raw, program)
        assert set(err.problems) == {
            "(document): unknown field 'colour'; valid fields are 'klaster', 'schema_version', "
            "'program_id', 'books'",
            "books[0].loans[1]: unknown field 'rate'; valid fields are 'id', 'fund_id', "
            "'borrower', 'product', 'principal', 'disbursed_on', 'instalments', 'frequency', "
            "'method', 'margin', 'profit_share', 'group_id', 'sector', 'first_due', 'purpose'",
            "books[0].ledger.entries[3].postings[0]: unknown field 'note'; valid fields are "
            "'debit', 'credit', 'amount'",
        }
        assert str(err).startswith("lebak.finance.json: invalid finance document\n  - ")

    def test_every_problem_located(self) -> None:
        program, raw = document()
        book = raw["books"][0]
        book["ledger"]["entries"][3]["postings"][1]["amount"] = 315000.0
        book["loans"][0]["principal"] = "1.5"
        book["loans"][1]["instalments"] = "12"
        book["funds"][0]["opened"] = "2012-02-30"
        book["funds"][0]["source"] = "lottery"
        book["assets"]["events"][0]["quantity_change"] = True
        del book["cluster_id"]
        err = refused(raw, program)
        assert set(err.problems) == {
            "books[0].cluster_id: required field is missing",
            "books[0].funds[0].source: invalid value 'lottery': use one of "
            + ", ".join(repr(f.value) for f in FundSource),
            "books[0].funds[0].opened: invalid date '2012-02-30': use 'YYYY-MM-DD'",
            "books[0].loans[0].principal: 1.5 has a fraction of a rupiah; amounts are whole "
            "rupiah (e.g. '1200000')",
            "books[0].loans[1].instalments: must be a whole number, got a string",
            "books[0].ledger.entries[3].postings[1].amount: must be a decimal number written "
            "as a string such as '38.20', got a number",
            "books[0].assets.events[0].quantity_change: must be a whole number, got true/false",
        }

    def test_wrong_types_of_containers(self) -> None:
        program, raw = document()
        raw["books"][0]["ledger"] = [1]
        raw["books"][0]["loans"] = {"L-1": {}}
        err = refused(raw, program)
        assert any(p.startswith("books[0].ledger: ") for p in err.problems)
        assert any(p.startswith("books[0].loans") for p in err.problems)

    @pytest.mark.parametrize(
        ("version", "fragment"),
        [(2, "newer than this klaster"), (None, "must be a whole number"), ("1", "whole")],
    )
    def test_schema_version(self, version: object, fragment: str) -> None:
        program, raw = document()
        if version is None:
            del raw["schema_version"]
        else:
            raw["schema_version"] = version
        err = refused(raw, program)
        assert isinstance(err, SchemaVersionError)
        assert fragment in str(err)

    def test_not_a_finance_document(self) -> None:
        program, raw = document()
        raw["klaster"] = "program"
        err = refused(raw, program)
        assert not isinstance(err, SchemaVersionError)
        assert "not a klaster finance document" in str(err)

    def test_older_versions_are_migrated(self, monkeypatch: pytest.MonkeyPatch) -> None:
        program, raw = document()
        raw["schema_version"] = 0  # pretend the current version is 1 and 0 came before

        def rename(doc: dict[str, Any]) -> dict[str, Any]:
            doc["program_id"] = doc.pop("program")
            return doc

        raw["program"] = raw.pop("program_id")
        monkeypatch.setattr(finance_document, "FINANCE_SCHEMA_VERSION", 1)
        assert "from 1 to 1" in str(refused(raw, program))  # no version 0 without a migration
        raw["schema_version"] = 1
        monkeypatch.setattr(finance_document, "FINANCE_SCHEMA_VERSION", 2)
        monkeypatch.setattr(finance_document, "_MIGRATIONS", {1: rename})
        text = json.dumps(raw)
        assert finance_document.loads(text, program)["lebak"] == busy()[1]

    def test_entry_that_breaks_the_replay(self) -> None:
        program, raw = document()
        entries = raw["books"][0]["ledger"]["entries"]
        assert entries[3]["kind"] == "repayment"
        entries[3]["postings"] = [
            {
                "debit": {"fund_id": "F-1", "kind": "cash"},
                "credit": {"fund_id": "F-1", "kind": "loans", "ref": "L-1"},
                "amount": "315000",
            }
        ]  # all principal: the allocation order takes the margin first
        err = refused(raw, program)
        assert len(err.problems) == 1
        assert err.problems[0].startswith("books[0].ledger.entries[3] (loan 'L-1'): splits ")

    def test_entry_the_ledger_refuses(self) -> None:
        program, raw = document()
        entries = raw["books"][0]["ledger"]["entries"]
        entries[3]["on"] = "2011-12-31"  # before the previous entry
        err = refused(raw, program)
        assert err.problems[0].startswith("books[0].ledger.entries[3].on: dated 2011-12-31")

    def test_record_the_book_refuses(self) -> None:
        program, raw = document()
        raw["books"][0]["restructurings"][0]["margin"] = "999999"
        raw["books"][0]["assets"]["events"][0]["on"] = "2011-01-01"
        err = refused(raw, program)
        assert err.problems == (
            "books[0].assets.events[0].on: dated 2011-01-01, before the asset's last event or "
            "acquisition (2012-01-02)",
        )
        raw["books"][0]["assets"]["events"][0]["on"] = "2012-06-01"
        (problem,) = refused(raw, program).problems
        assert problem.startswith("books[0].restructurings[0].margin: new margin 999,999")

    def test_unknown_cluster(self) -> None:
        program, raw = document()
        raw["books"][0]["cluster_id"] = "serang"
        (problem,) = refused(raw, program).problems
        assert (
            problem == "books[0].cluster_id: program 'km' has no cluster 'serang'; clusters: lebak"
        )

    def test_unknown_cooperative_and_program(self) -> None:
        program, raw = document()
        raw["books"][0]["handover"]["items"][0]["to"] = "kopsyah"
        raw["books"][0]["assets"]["assets"][0]["owner"]["id"] = "other"
        err = refused(raw, program)
        assert set(err.problems) >= {
            "books[0].handover.items[0].to: cluster 'lebak' has no cooperative 'kopsyah'; "
            "cooperatives: coop, ternak",
            "books[0].assets.assets[0].owner: program 'other' is not this program ('km')",
        }

    def test_books_of_another_program(self) -> None:
        program, raw = document()
        raw["program_id"] = "other"
        assert "books of program 'other', not 'km'" in str(refused(raw, program))
        raw["program_id"] = PROGRAM
        raw["books"][0]["program_id"] = "other"
        assert "books[0].program_id" in str(refused(raw, program))

    def test_one_book_per_cluster(self) -> None:
        program, raw = document()
        raw["books"].append(raw["books"][0])
        assert "books[1].id: duplicate ID 'lebak'" in str(refused(raw, program))
        with pytest.raises(DocumentError, match="one book per cluster"):
            finance_document.dumps([make_book(), make_book()])

    def test_loading_changes_nothing(self, tmp_path: Path) -> None:
        program, raw = document()
        raw["books"][0]["cluster_id"] = "serang"
        path = tmp_path / "bad.json"
        path.write_text(json.dumps(raw), encoding="utf-8")
        cluster = program.clusters["lebak"]
        history, coops = cluster.lifecycle.history, cluster.cooperatives.ids()
        with pytest.raises(DocumentError, match=r"bad\.json"):
            finance_document.load(path, program)
        assert cluster.lifecycle.history == history
        assert cluster.cooperatives.ids() == coops
        assert path.read_text(encoding="utf-8") == json.dumps(raw)

    def test_missing_file(self, tmp_path: Path) -> None:
        with pytest.raises(DocumentError, match="cannot read the file"):
            finance_document.load(tmp_path / "none.json", make_program())


# -- writing -------------------------------------------------------------------------------------


class TestWriting:
    def test_refuses_what_is_not_a_book(self) -> None:
        for bad in ("book", [], [make_book(), "x"], 3):
            with pytest.raises(DocumentError):
                finance_document.dumps(bad)  # type: ignore[arg-type]

    def test_refuses_books_of_two_programs(self) -> None:
        other = Finance("serang", "other")
        with pytest.raises(DocumentError, match="books of one program"):
            finance_document.dumps([make_book(), other])

    def test_refuses_a_book_the_program_would_not_load(self) -> None:
        with pytest.raises(DocumentError, match="has no cluster 'serang'"):
            finance_document.dumps(Finance("serang", PROGRAM), program=make_program())

    def test_old_file_intact_when_the_write_fails(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        program, book = busy()
        path = tmp_path / "km.finance.json"
        finance_document.save(make_book(), path)
        before = path.read_bytes()

        def broken(src: object, dst: object) -> None:
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(os, "replace", broken)
        with pytest.raises((OSError, DocumentError), match="No space"):
            finance_document.save(book, path)
        monkeypatch.undo()
        with pytest.raises(DocumentError):
            finance_document.save(Finance("serang", PROGRAM), path, program=program)
        assert path.read_bytes() == before
        assert sorted(p.name for p in tmp_path.iterdir()) == ["km.finance.json"]
        assert finance_document.loads(before, program)["lebak"] == make_book()


class TestDeprecatedNames:
    @pytest.mark.parametrize("verb", ["dumps", "loads", "save", "load"])
    def test_old_verbs_warn_and_name_the_new_one(self, verb: str) -> None:
        import klaster.finance

        with pytest.warns(DeprecationWarning, match=f"use klaster.finance.{verb}$"):
            old = getattr(klaster.finance, f"{verb}_finance")
        assert old is getattr(klaster.finance, verb)

    def test_old_verbs_work(self) -> None:
        import klaster.finance

        with pytest.warns(DeprecationWarning, match="dumps_finance"):
            text = klaster.finance.dumps_finance(make_book())
        assert text == klaster.finance.dumps(make_book())
