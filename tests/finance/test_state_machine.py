"""Random sequences of funding, lending, repaying, writing off, recovering and handing over.

After every step: money is conserved, no balance is below zero, PAR is within [0, 1] (and the
polars engine agrees with the pure-Python one), replaying the stored records gives the same book,
and every refused operation left the book exactly as it was.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import hypothesis.strategies as st
from hypothesis import HealthCheck, event, settings
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from klaster import Organisation, Program
from klaster.errors import KlasterError
from klaster.finance import AccountKind, Finance, Fund, Loan, LoanStatus, Party, hand_over
from klaster.finance import document as finance_document
from klaster.finance.money import rupiah
from klaster.finance.portfolio import cumulative_repayment_rate, par, par_by
from klaster.finance.testing import PROGRAM, START, fingerprint, make_cluster

FUNDS = ("F-Z", "F-I")
HAS_POLARS = importlib.util.find_spec("polars") is not None


def _is_amount(text: str) -> bool:
    try:
        rupiah(text)
    except KlasterError:
        return False
    return True


bad_amounts = st.one_of(
    st.floats(allow_nan=True),
    st.integers(max_value=0),
    st.text(max_size=5).filter(lambda t: not _is_amount(t)),  # "1" is a good amount
    st.none(),
    st.decimals(allow_nan=False, allow_infinity=False).filter(lambda d: d != d.to_integral_value()),
)


huge_amounts = st.one_of(
    st.integers(2**62, 2**64),
    st.integers(min_value=2**63 - 10**6, max_value=2**63 + 10**6),
    st.sampled_from(
        [
            2**63 - 1,
            2**63,
            -(2**63),
            10**4000,
            "1E+999999999",
            "-1E+999999999",
            "1E+19",
            "9" * 40,
            Decimal("9.3E+18"),
            Decimal("1E+999999"),
        ]
    ),
)


class FinanceMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.cluster = make_cluster()
        self.program = Program(
            PROGRAM, "Klaster Mandiri", "dd", [Organisation("dd", "DD", "ngo")], [self.cluster]
        )
        self.book = Finance("lebak", PROGRAM)
        self.book.add_fund(Fund("F-Z", "Zakat", "zakat", Party.program(PROGRAM), START))
        self.book.add_fund(Fund("F-I", "Infak", "infaq_sadaqah", Party.program(PROGRAM), START))
        self.today = START
        self.loans: list[str] = []
        self.counter = 0
        # Money in and out of the funds as the operations report it (not read from the ledger).
        self.model = dict.fromkeys(
            ("funded", "margin", "profit", "recovered", "written", "zakat", "savings"), 0
        )

    # -- helpers -------------------------------------------------------------------------------
    def attempt(self, operation: Callable[[], Any], name: str) -> Any:
        before = fingerprint(self.book)
        history = self.cluster.lifecycle.history
        try:
            result = operation()
        except KlasterError as exc:
            event(f"{name}: refused ({type(exc).__name__})")
            assert fingerprint(self.book) == before
            assert self.cluster.lifecycle.history == history
            return None
        event(f"{name}: done")
        return result

    def pick(self, data: st.DataObject) -> str:
        choices = [*self.loans, "L-unknown"]
        return str(data.draw(st.sampled_from(choices)))

    # -- rules ---------------------------------------------------------------------------------
    @initialize(zakat=st.integers(1_000_000, 30_000_000), infaq=st.integers(0, 30_000_000))
    def open_funds(self, zakat: int, infaq: int) -> None:
        for fund, amount in (("F-Z", zakat), ("F-I", infaq)):
            if amount:
                self.book.receive(fund, self.today, amount)
                self.model["funded"] += amount

    @rule(days=st.integers(0, 75))
    def advance(self, days: int) -> None:
        self.today += dt.timedelta(days=days)

    @rule(fund=st.sampled_from(FUNDS), amount=st.integers(1, 20_000_000))
    def receive(self, fund: str, amount: int) -> None:
        if self.attempt(lambda: self.book.receive(fund, self.today, amount), "receive") is not None:
            self.model["funded"] += amount

    @rule(
        fund=st.sampled_from(FUNDS),
        principal=st.one_of(
            st.sampled_from([500_000, 1_200_000, 2_500_000]), st.integers(1, 8_000_000)
        ),
        product=st.sampled_from(["qard_hasan", "murabahah"]),
        instalments=st.integers(1, 12),
        frequency=st.sampled_from(["weekly", "monthly"]),
        group=st.booleans(),
    )
    def disburse(
        self,
        fund: str,
        principal: int,
        product: str,
        instalments: int,
        frequency: str,
        group: bool,
    ) -> None:
        self.counter += 1
        loan = Loan(
            f"L-{self.counter}",
            fund,
            # Members of make_cluster(): the handover checks the book against the cluster.
            Party.group("G-1") if group else Party.member(f"M-{1 + self.counter % 2}"),
            product,
            principal,
            self.today,
            instalments,
            frequency,
            margin=principal // 10 + 1 if product == "murabahah" else 0,
            group_id=None if group else "G-1",
        )
        if self.attempt(lambda: self.book.disburse(loan), "disburse") is not None:
            self.loans.append(loan.id)

    @precondition(lambda self: self.loans)
    @rule(data=st.data())
    def repay(self, data: st.DataObject) -> None:
        loan_id = self.pick(data)
        state = self.book.derived.states.get(loan_id)
        owed = max(1, state.segment.total - state.paid) if state else 1_000
        # Mostly what is owed or part of it (an instalment, partial, early); sometimes more.
        amount = data.draw(
            st.one_of(st.just(owed), st.integers(1, owed), st.integers(1, owed + 100_000))
        )
        result = self.attempt(lambda: self.book.repay(loan_id, self.today, amount), "repay")
        if result is not None:
            self.model["margin"] += int(result.margin)

    @precondition(lambda self: self.loans)
    @rule(data=st.data(), bad=bad_amounts)
    def bad_amount(self, data: st.DataObject, bad: object) -> None:
        loan_id = self.pick(data)
        operation = data.draw(st.sampled_from(["repay", "recover", "receive"]))
        if operation == "receive":
            result = self.attempt(
                lambda: self.book.receive("F-Z", self.today, bad),  # type: ignore[arg-type]
                "bad amount",
            )
        else:
            method = getattr(self.book, operation)
            result = self.attempt(lambda: method(loan_id, self.today, bad), "bad amount")
        assert result is None

    @rule(data=st.data(), amount=huge_amounts)
    def huge_amount(self, data: st.DataObject, amount: Any) -> None:
        # Amounts at and beyond the bound, through every operation that takes one: refused
        # ones change nothing, and the book still lists, saves and reloads equal.
        loan_id = self.pick(data)
        operation = data.draw(st.sampled_from(["receive", "repay", "recover", "lend", "save"]))
        if operation == "receive":
            done = self.attempt(lambda: self.book.receive("F-Z", self.today, amount), "huge")
            if done is not None:
                self.model["funded"] += int(rupiah(amount))
        elif operation == "lend":
            self.counter += 1
            lend = lambda: self.book.disburse(  # noqa: E731
                Loan(
                    f"L-{self.counter}",
                    "F-Z",
                    Party.member("M-1"),
                    "qard_hasan",
                    amount,
                    self.today,
                    12,
                )
            )
            if self.attempt(lend, "huge") is not None:
                self.loans.append(f"L-{self.counter}")
        elif operation == "save":
            save = lambda: self.book.deposit_savings(  # noqa: E731
                "F-Z", "M-1", "sukarela", self.today, amount
            )
            if self.attempt(save, "huge") is not None:
                self.model["savings"] += int(rupiah(amount))
        else:
            method = getattr(self.book, operation)
            assert self.attempt(lambda: method(loan_id, self.today, amount), "huge") is None
        assert len(list(self.book.ledger)) == len(self.book.ledger)
        text = finance_document.dumps(self.book)
        again = finance_document.loads(text, self.program)["lebak"]
        assert again == self.book
        assert fingerprint(again) == fingerprint(self.book)

    @precondition(lambda self: self.loans)
    @rule(data=st.data(), zakat=st.booleans())
    def close(self, data: st.DataObject, zakat: bool) -> None:
        loan_id = self.pick(data)
        state = self.book.derived.states.get(loan_id)
        amount = state.outstanding if state else 0
        action = self.book.convert_to_zakat if zakat else self.book.write_off
        if self.attempt(lambda: action(loan_id, self.today, "x"), action.__name__) is not None:
            self.model["zakat" if zakat else "written"] += amount

    @precondition(lambda self: self.loans)
    @rule(data=st.data())
    def recover(self, data: st.DataObject) -> None:
        loan_id = self.pick(data)
        state = self.book.derived.states.get(loan_id)
        left = max(1, state.written_off - state.recovered) if state else 1_000
        amount = data.draw(st.one_of(st.integers(1, left), st.integers(1, left + 1_000)))
        if (
            self.attempt(lambda: self.book.recover(loan_id, self.today, amount), "recover")
            is not None
        ):
            self.model["recovered"] += amount

    @precondition(lambda self: self.loans)
    @rule(data=st.data(), instalments=st.integers(1, 8), rebate=st.integers(0, 50_000))
    def restructure(self, data: st.DataObject, instalments: int, rebate: int) -> None:
        loan_id = self.pick(data)
        state = self.book.derived.states.get(loan_id)
        margin = None
        if state is not None and state.loan.product.value == "murabahah":
            from klaster.finance._rules import remaining_margin

            margin = max(0, remaining_margin(self.book, state) - rebate)
        self.attempt(
            lambda: self.book.restructure(
                loan_id, self.today, instalments=instalments, reason="banjir", margin=margin
            ),
            "restructure",
        )

    @rule(amount=st.integers(1, 100_000))
    def savings(self, amount: int) -> None:
        # Refused while the program holds the fund; accepted after the handover.
        if (
            self.attempt(
                lambda: self.book.deposit_savings("F-Z", "M-1", "sukarela", self.today, amount),
                "savings",
            )
            is not None
        ):
            self.model["savings"] += amount

    @rule(days=st.integers(0, 400))
    def handover(self, days: int) -> None:
        on = max(self.today, dt.date(2012, 6, 1)) + dt.timedelta(days=days)
        done = self.attempt(
            lambda: hand_over(
                self.cluster, self.book, "coop", on, handover_id="H-1", decided_by="DD"
            ),
            "handover",
        )
        if done is not None:
            self.today = on
            assert self.book.holder_of("F-Z") == Party.cooperative("coop")

    # -- invariants ----------------------------------------------------------------------------
    @invariant()
    def money_is_conserved(self) -> None:
        balances = self.book.ledger.balances()
        held = sum(
            (b for a, b in balances.items() if a.kind in (AccountKind.CASH, AccountKind.LOANS)),
            Decimal(0),
        )
        m = self.model
        expected = (
            m["funded"] + m["margin"] + m["recovered"] + m["savings"] - m["written"] - m["zakat"]
        )
        assert held == expected

    @invariant()
    def no_balance_below_zero(self) -> None:
        assert all(b >= 0 for b in self.book.ledger.balances().values())
        for state in self.book.derived.by_number:
            assert state.outstanding >= 0
            assert state.paid <= state.segment.total
            if state.status is not LoanStatus.ACTIVE:
                assert state.outstanding == 0 or state.status is LoanStatus.REPAID

    @invariant()
    def par_is_a_share(self) -> None:
        for n in (0, 30):
            assert 0 <= par(self.book, n, self.today).value <= 1

    @precondition(lambda self: HAS_POLARS and self.loans)
    @rule(n=st.sampled_from([0, 1, 30, 90]), back=st.integers(0, 200))
    def engines_agree(self, n: int, back: int) -> None:
        # A rule rather than an invariant: polars costs milliseconds a call.
        on = self.today - dt.timedelta(days=back)
        for policy in ("at_risk", "by_arrears"):
            expected = par_by(self.book, n, on, "group", restructured=policy)
            assert (
                par_by(self.book, n, on, "group", restructured=policy, engine="polars") == expected
            )
        for by in (None, "group", "fund"):
            expected_rate = cumulative_repayment_rate(self.book, on, by=by)
            assert cumulative_repayment_rate(self.book, on, by=by, engine="polars") == expected_rate

    @invariant()
    def replay_gives_the_same_book(self) -> None:
        book = self.book
        self.book.ledger.check()
        again = Finance(
            book.cluster_id,
            book.program_id,
            list(book.funds),
            list(book.loans),
            type(book.ledger)(book.ledger.entries),
            book.restructurings,
            handover=book.handover,
        )
        assert fingerprint(again)[:-4] == fingerprint(book)[:-4]  # assets kept apart
        assert again.ledger.balances() == book.ledger.balances()


FinanceMachine.TestCase.settings = settings(
    max_examples=150,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestFinanceMachine = FinanceMachine.TestCase
