"""Financing through the book: disbursement, repayments, arrears, write-offs, restructuring."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from klaster.errors import KlasterError, ValidationError
from klaster.finance import (
    AmountError,
    DateOrderError,
    Finance,
    FinanceError,
    Fund,
    InsufficientFundsError,
    LoanStateError,
    LoanStatus,
    OverpaymentError,
    Party,
    UnknownRecordError,
)
from klaster.finance.testing import (
    DISBURSED,
    PROGRAM,
    START,
    fingerprint,
    make_book,
    murabahah,
    qard,
)


def day(month: int, dom: int = 9, year: int = 2012) -> dt.date:
    return dt.date(year, month, dom)


class TestDisbursement:
    def test_cash_moves_to_the_loan(self) -> None:
        book = make_book(5_000_000)
        book.disburse(qard("L-1"))
        assert book.cash("F-1") == 3_800_000
        assert book.position("L-1", DISBURSED).outstanding == 1_200_000
        assert book.loans["L-1"].principal == 1_200_000

    def test_more_than_the_fund_holds(self) -> None:
        book = make_book(1_000_000)
        before = fingerprint(book)
        with pytest.raises(InsufficientFundsError, match="holds 1,000,000 rupiah") as info:
            book.disburse(qard("L-1"))
        assert "L-1" in str(info.value)
        assert fingerprint(book) == before

    def test_duplicate_and_unknown_fund(self) -> None:
        book = make_book()
        book.disburse(qard("L-1"))
        before = fingerprint(book)
        with pytest.raises(ValidationError, match="duplicate ID 'L-1'"):
            book.disburse(qard("L-1"))
        with pytest.raises(UnknownRecordError, match="no fund 'F-9'; funds: F-1"):
            book.disburse(qard("L-2", fund_id="F-9"))
        assert fingerprint(book) == before

    def test_before_the_fund_opened(self) -> None:
        book = make_book()
        with pytest.raises(DateOrderError, match="before fund 'F-1' was opened"):
            book.disburse(qard("L-1", disbursed_on=dt.date(2011, 12, 1)))

    @pytest.mark.parametrize(
        ("changes", "fragment"),
        [
            ({"principal": 1_200_000.0}, "float"),
            ({"principal": -1}, "zero or more"),
            ({"margin": 10}, "has no margin"),
            ({"product": "murabahah"}, "states its margin"),
            ({"product": "profit_sharing"}, "nisbah"),
            ({"borrower": Party.cooperative("c")}, "member or a group"),
            ({"first_due": DISBURSED}, "not after disbursement"),
            ({"instalments": 0}, "at least 1"),
            ({"borrower": Party.group("G-1"), "group_id": "G-2"}, "liable group"),
        ],
    )
    def test_bad_terms(self, changes: dict[str, Any], fragment: str) -> None:
        with pytest.raises(ValidationError, match=fragment):
            qard("L-1", **changes)


class TestRepayment:
    def test_worked_example_qard_hasan(self) -> None:
        book = make_book()
        book.disburse(qard("L-1"))
        for month in range(2, 8):  # six instalments of 100,000, Feb-Jul
            book.repay("L-1", day(month), 100_000)
        pos = book.position("L-1", day(7))
        assert (int(pos.outstanding), int(pos.paid), int(pos.due), pos.days_late) == (
            600_000,
        ) * 3 + (0,)
        assert pos.status is LoanStatus.ACTIVE
        # Nothing in August: on 1 October the August instalment is 53 days late.
        late = book.position("L-1", dt.date(2012, 10, 1))
        assert late.days_late == (dt.date(2012, 10, 1) - day(8)).days == 53
        assert late.arrears == 200_000

    def test_margin_before_principal_oldest_first(self) -> None:
        book = make_book()
        book.disburse(murabahah("L-1"))  # instalments 300,000 + 15,000
        first = book.repay("L-1", day(2), 10_000)
        assert (int(first.margin), int(first.principal)) == (10_000, 0)
        second = book.repay("L-1", day(2, 20), 400_000)
        # 5,000 margin left of instalment 1, then 300,000 principal, then 15,000 margin of
        # instalment 2, then 80,000 of its principal.
        assert (int(second.margin), int(second.principal)) == (20_000, 380_000)
        pos = book.position("L-1", day(2, 20))
        assert pos.outstanding == 3_000_000 - 380_000
        assert pos.margin_paid == 30_000
        assert pos.prepaid == 410_000 - 315_000

    def test_early_settlement_pays_the_remaining_margin(self) -> None:
        book = make_book()
        book.disburse(murabahah("L-1"))
        book.repay("L-1", day(3), 3_150_000)
        assert book.position("L-1", day(3)).status is LoanStatus.REPAID
        assert book.cash("F-1") == 10_000_000 + 150_000

    def test_overpayment_refused(self) -> None:
        book = make_book()
        book.disburse(qard("L-1"))
        book.repay("L-1", day(2), 1_000_000)
        before = fingerprint(book)
        with pytest.raises(OverpaymentError, match="owes 200,000 rupiah") as info:
            book.repay("L-1", day(3), 200_001)
        assert info.value.path == "loans['L-1']"
        assert fingerprint(book) == before

    @pytest.mark.parametrize("amount", [-100, 0, 100.0, "seratus", Decimal("99.5"), None])
    def test_bad_amounts_refused(self, amount: object) -> None:
        book = make_book()
        book.disburse(qard("L-1"))
        before = fingerprint(book)
        with pytest.raises(AmountError):
            book.repay("L-1", day(2), amount)  # type: ignore[arg-type]
        assert fingerprint(book) == before

    def test_unknown_closed_and_early_dates(self) -> None:
        book = make_book()
        book.disburse(qard("L-1"))
        book.repay("L-1", day(2), 1_200_000)
        before = fingerprint(book)
        with pytest.raises(UnknownRecordError, match=r"no loan 'L-9'.*L-1"):
            book.repay("L-9", day(3), 1)
        with pytest.raises(LoanStateError, match="it is repaid"):
            book.repay("L-1", day(3), 1)
        book2 = make_book()
        book2.disburse(qard("L-1", disbursed_on=day(3)))
        with pytest.raises(DateOrderError, match="before loan 'L-1' was disbursed"):
            book2.repay("L-1", day(2), 1)
        assert fingerprint(book) == before
        with pytest.raises(ValidationError, match="must be a date"):
            book.repay("L-1", "soon", 1)  # type: ignore[arg-type]


class TestWriteOffAndZakat:
    def test_write_off_then_recover(self) -> None:
        book = make_book()
        book.disburse(qard("L-1"))
        book.repay("L-1", day(2), 200_000)
        book.write_off("L-1", day(11), "macet 180 hari")
        pos = book.position("L-1", day(11))
        assert (pos.status, int(pos.outstanding), int(pos.written_off)) == (
            LoanStatus.WRITTEN_OFF,
            0,
            1_000_000,
        )
        before = fingerprint(book)
        with pytest.raises(LoanStateError, match="recover"):
            book.repay("L-1", day(12), 1)
        with pytest.raises(OverpaymentError, match="1,000,000 rupiah left to recover"):
            book.recover("L-1", day(12), 1_000_001)
        assert fingerprint(book) == before
        book.recover("L-1", day(12), 300_000)
        assert book.position("L-1", day(12)).recovered == 300_000
        assert book.ledger.entries[-2].memo == "macet 180 hari"

    def test_zakat_conversion_for_a_gharim(self) -> None:
        book = make_book()
        book.disburse(qard("L-1"))
        book.convert_to_zakat("L-1", day(6), "gharim: sakit")
        assert book.position("L-1", day(6)).status is LoanStatus.CONVERTED_TO_ZAKAT
        with pytest.raises(LoanStateError, match="converted_to_zakat; recoveries follow"):
            book.recover("L-1", day(7), 1)

    def test_zakat_conversion_only_from_zakat_to_a_person(self) -> None:
        book = make_book(source="grant")
        book.disburse(qard("L-1"))
        with pytest.raises(LoanStateError, match="only zakat money"):
            book.convert_to_zakat("L-1", day(6), "x")
        book = make_book()
        book.disburse(qard("L-2", borrower=Party.group("G-1")))
        before = fingerprint(book)
        with pytest.raises(LoanStateError, match="only a person can be a gharim"):
            book.convert_to_zakat("L-2", day(6), "x")
        assert fingerprint(book) == before


class TestRestructuring:
    def test_new_schedule_for_the_outstanding(self) -> None:
        book = make_book()
        book.disburse(murabahah("L-1"))  # 3,000,000 + 150,000 over 10
        book.repay("L-1", day(2), 315_000)
        record = book.restructure("L-1", day(5, 10), instalments=6, reason="banjir", margin=100_000)
        assert record.after_entry == len(book.ledger)
        schedule = book.schedule("L-1")
        assert len(schedule) == 6
        assert sum(i.principal for i in schedule) == 2_700_000
        assert sum(i.margin for i in schedule) == 100_000
        assert schedule[0].due == day(6, 10)
        # The original schedule is still the one in force before the restructuring.
        assert len(book.schedule("L-1", day(5))) == 10
        pos = book.position("L-1", day(5, 31))
        assert pos.restructured
        assert pos.days_late == 0
        assert pos.paid == 0

    def test_margin_may_not_grow(self) -> None:
        book = make_book()
        book.disburse(murabahah("L-1"))
        book.repay("L-1", day(2), 315_000)
        before = fingerprint(book)
        with pytest.raises(LoanStateError, match="135,000 left to pay"):
            book.restructure("L-1", day(5, 10), instalments=6, reason="x", margin=135_001)
        with pytest.raises(ValidationError, match="invalid value 'fortnightly'"):
            book.restructure("L-1", day(5, 10), instalments=6, reason="x", frequency="fortnightly")
        with pytest.raises(ValidationError, match="not after the restructuring"):
            book.restructure("L-1", day(5, 10), instalments=6, reason="x", first_due=day(5, 10))
        assert fingerprint(book) == before

    def test_cannot_restructure_a_closed_loan(self) -> None:
        book = make_book()
        book.disburse(qard("L-1"))
        book.write_off("L-1", day(9), "x")
        with pytest.raises(LoanStateError, match="cannot restructure"):
            book.restructure("L-1", day(10), instalments=3, reason="x")


class TestProfitSharing:
    def test_share_of_realised_profit(self) -> None:
        book = make_book()
        book.disburse(qard("L-1", product="profit_sharing", profit_share="0.30"))
        book.disburse(qard("L-2"))
        book.share_profit("L-1", day(3), 1_000_001)  # 300,000.3 → 300,000
        assert book.position("L-1", day(3)).profit_paid == 300_000
        with pytest.raises(LoanStateError, match="not profit sharing"):
            book.share_profit("L-2", day(3), 1_000)


class TestSavingsAndFunds:
    def test_savings_need_a_cooperative_fund(self) -> None:
        book = make_book()
        before = fingerprint(book)
        with pytest.raises(FinanceError, match="held by a cooperative"):
            book.deposit_savings("F-1", "M-1", "pokok", day(2), 50_000)
        assert fingerprint(book) == before
        book.add_fund(Fund("S-1", "Simpanan", "member_savings", Party.cooperative("coop"), START))
        book.deposit_savings("S-1", "M-1", "pokok", day(2), 50_000)
        book.deposit_savings("S-1", "M-1", "sukarela", day(2), 20_000)
        book.withdraw_savings("S-1", "M-1", "sukarela", day(3), 5_000)
        with pytest.raises(LoanStateError, match="only when the member leaves"):
            book.withdraw_savings("S-1", "M-1", "pokok", day(3), 50_000)
        with pytest.raises(InsufficientFundsError):
            book.withdraw_savings("S-1", "M-1", "sukarela", day(3), 15_001)
        book.withdraw_savings("S-1", "M-1", "pokok", day(4), 50_000, leaving=True)
        assert book.savings("S-1", "M-1", "sukarela") == 15_000
        assert book.savings("S-1", "M-1", "pokok") == 0
        with pytest.raises(ValidationError, match="invalid value 'wajibb'"):
            book.savings("S-1", "M-1", "wajibb")

    def test_fund_records(self) -> None:
        with pytest.raises(ValidationError, match="held by the program or a cooperative"):
            Fund("F-2", "x", "zakat", Party.member("M-1"), START)
        with pytest.raises(ValidationError, match="invalid value 'sedekah'"):
            Fund("F-2", "x", "sedekah", Party.program(PROGRAM), START)


class TestReplay:
    def test_stored_parts_rebuild_the_same_book(self) -> None:
        book = make_book()
        book.disburse(murabahah("L-1"))
        book.disburse(qard("L-2"))
        book.repay("L-1", day(2), 400_000)
        book.restructure("L-1", day(3), instalments=4, reason="x")
        book.repay("L-1", day(4), 100_000)
        book.write_off("L-2", day(5), "x")
        again = Finance(
            book.cluster_id,
            book.program_id,
            list(book.funds),
            list(book.loans),
            type(book.ledger)(book.ledger.entries),
            book.restructurings,
        )
        assert fingerprint(again) == fingerprint(book)
        again.check()

    @pytest.mark.parametrize(
        "tamper",
        [
            lambda entries, loans: (entries[:2], loans),  # a loan without its disbursement
            lambda entries, loans: (entries, loans[1:]),  # a disbursement without its loan
        ],
    )
    def test_replay_refuses_inconsistent_records(
        self, tamper: Callable[[list[object], list[object]], tuple[list[object], list[object]]]
    ) -> None:
        book = make_book()
        book.disburse(qard("L-1"))
        book.disburse(qard("L-2"))
        entries, loans = tamper(list(book.ledger.entries), list(book.loans))
        with pytest.raises(KlasterError):
            Finance(
                book.cluster_id,
                book.program_id,
                list(book.funds),
                loans,  # type: ignore[arg-type]
                type(book.ledger)(entries),  # type: ignore[arg-type]
            )
