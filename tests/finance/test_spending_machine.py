"""Random sequences of budgets (and their revisions), grants, in-kind transfers, expenses,
receipts and loans.

After every step: the ledger balances (debits equal credits, and each fund's cash is what was
received less what went out, as the operations reported it), every refused operation left the
book exactly as it was, and the book's actual spending by component, source and period equals a
recomputation written here from the ledger entries alone. Each spending's budget verdict (within,
warned, refused) is predicted from that recomputation before the book is asked.
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import hypothesis.strategies as st
from hypothesis import HealthCheck, event, settings
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from klaster.errors import KlasterError
from klaster.finance import (
    Account,
    AccountKind,
    BudgetLine,
    Component,
    EntryKind,
    Finance,
    FinanceRuleError,
    Fund,
    FundSource,
    Loan,
    OverBudgetWarning,
    Party,
    Spending,
    SpendingPolicy,
)
from klaster.finance.testing import PROGRAM, START, fingerprint

FUNDS = {"F-Z": "zakat", "F-I": "infaq_sadaqah", "F-G": "grant"}
SOURCES = ("zakat", "infaq_sadaqah", "grant")
PERIODS = (
    (dt.date(2012, 1, 1), dt.date(2012, 12, 31)),
    (dt.date(2013, 1, 1), dt.date(2013, 12, 31)),
    (dt.date(2012, 1, 1), dt.date(2012, 6, 30)),  # overlaps the first: refused together
)
RECIPIENTS = (
    None,
    Party.member("M-1"),
    Party.group("G-1"),
    Party.cooperative("coop"),
    Party.provider("dd"),
    Party.program(PROGRAM),
)
SPENT = {
    AccountKind.GRANTS_PAID: EntryKind.GRANT,
    AccountKind.IN_KIND_GIVEN: EntryKind.IN_KIND,
    AccountKind.EXPENSES: EntryKind.EXPENSE,
}

# Most spending and lines on a few components, so that lines cover spending often.
USUAL = (Component.TRAINING, Component.EDUCATION_SUPPORT, Component.CAPITAL)
components = st.one_of(st.sampled_from(USUAL), st.sampled_from(list(Component)))
lines = st.lists(
    st.builds(
        lambda c, s, a, p: BudgetLine(c, s, a, *PERIODS[p]),
        components,
        st.sampled_from(SOURCES),
        st.integers(0, 60_000_000),
        st.integers(0, len(PERIODS) - 1),
    ),
    max_size=6,
)


def recomputed(book: Finance) -> dict[tuple[str, str], list[tuple[dt.date, int]]]:
    """(component, source) → its dated amounts, read from the ledger's entries and nothing else
    (the fund's source is the fund's)."""
    found: dict[tuple[str, str], list[tuple[dt.date, int]]] = {}
    for entry in book.ledger:
        source = book.funds[entry.fund_id].source.value
        for posting in entry.postings:
            if entry.kind is EntryKind.FUNDING and posting.credit.kind is AccountKind.CAPITAL:
                key = ("capital", source)
            elif posting.debit.kind in SPENT:
                assert SPENT[posting.debit.kind] is entry.kind
                assert posting.credit.kind is AccountKind.CASH
                key = (str(posting.debit.ref), source)
            else:
                continue
            found.setdefault(key, []).append((entry.on, int(posting.amount)))
    return found


def spent_in(
    found: dict[tuple[str, str], list[tuple[dt.date, int]]],
    key: tuple[str, str],
    start: dt.date,
    end: dt.date,
) -> int:
    return sum(amount for on, amount in found.get(key, ()) if start <= on <= end)


class SpendingMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.book = Finance("lebak", PROGRAM)
        for fund_id, source in FUNDS.items():
            self.book.add_fund(Fund(fund_id, fund_id, source, Party.program(PROGRAM), START))
        self.today = START
        self.counter = 0
        self.loans: list[str] = []
        self.cash = dict.fromkeys(FUNDS, 0)  # as the operations report it

    def attempt(self, operation: Callable[[], Any], name: str) -> Any:
        before = fingerprint(self.book)
        budget, policy = self.book.budget, self.book.policy
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                result = operation()
        except KlasterError as exc:
            event(f"{name}: refused ({type(exc).__name__} {getattr(exc, 'rule', '')})")
            assert fingerprint(self.book) == before
            assert (self.book.budget, self.book.policy) == (budget, policy)
            return None, exc
        event(f"{name}: done")
        assert all(isinstance(w.message, OverBudgetWarning) for w in caught)
        return result, caught

    # -- rules ---------------------------------------------------------------------------------
    @initialize(amounts=st.lists(st.integers(0, 30_000_000), min_size=3, max_size=3))
    def open_funds(self, amounts: list[int]) -> None:
        for (fund_id, amount), spending in zip(
            zip(FUNDS, amounts, strict=True), (False, False, True), strict=True
        ):
            if amount:
                self.book.receive(fund_id, self.today, amount, for_spending=spending)
                self.cash[fund_id] += amount

    @rule(days=st.integers(0, 90))
    def advance(self, days: int) -> None:
        self.today += dt.timedelta(days=days)

    @rule(
        fund=st.sampled_from(sorted(FUNDS)),
        amount=st.integers(1, 10_000_000),
        for_spending=st.booleans(),
    )
    def receive(self, fund: str, amount: int, for_spending: bool) -> None:
        done, _ = self.attempt(
            lambda: self.book.receive(fund, self.today, amount, for_spending=for_spending),
            "receive",
        )
        if done is not None:
            self.cash[fund] += amount

    @rule(lines=lines, back=st.integers(0, 40))
    def revise_budget(self, lines: list[BudgetLine], back: int) -> None:
        # Sometimes dated before the last revision: refused, like overlapping lines.
        on = self.today - dt.timedelta(days=back)
        count = len(self.book.budget.revisions)
        done, _ = self.attempt(lambda: self.book.revise_budget(on, "review", lines), "budget")
        if done is not None:
            assert len(self.book.budget.revisions) == count + 1
            assert self.book.budget.current is not None
            assert self.book.budget.current.lines == tuple(lines)

    @rule(
        over=st.sampled_from(["warn", "refuse", "allow"]),
        share=st.sampled_from(["0", "0.05", "0.125", "1"]),
    )
    def set_policy(self, over: str, share: str) -> None:
        # A stricter amil share than the spending recorded is refused (nothing changed).
        policy = SpendingPolicy(amil_share=Decimal(share), over_budget=over)

        def set_it() -> bool:
            self.book.policy = policy
            return True

        done, _ = self.attempt(set_it, "policy")
        if done is not None:
            assert self.book.policy == policy

    @rule(
        kind=st.sampled_from(["grant", "in_kind", "expense"]),
        fund=st.sampled_from(sorted(FUNDS)),
        amount=st.one_of(st.integers(1, 3_000_000), st.integers(1, 50_000_000)),
        component=components,
        recipient=st.one_of(st.sampled_from(RECIPIENTS[1:4]), st.sampled_from(RECIPIENTS)),
        asnaf=st.sampled_from([None, "miskin", "fakir", "amil", "gharim"]),
    )
    def spend(
        self,
        kind: str,
        fund: str,
        amount: int,
        component: Component,
        recipient: Party | None,
        asnaf: str | None,
    ) -> None:
        self.counter += 1
        try:
            spending = Spending(
                f"S-{self.counter}", kind, self.today, fund, amount, component, recipient, asnaf
            )
        except KlasterError:
            return  # an expense's recipient is optional, a grant's is not: refused by the record
        over = self.over_budget(spending)
        done, outcome = self.attempt(lambda: self.book.spend(spending), "spend")
        policy = self.book.policy.over_budget.value
        if done is None:
            if isinstance(outcome, FinanceRuleError) and outcome.rule == "over-budget":
                assert over
                assert policy == "refuse"
            return
        self.cash[fund] -= amount
        event(f"spend: recorded {'over' if over else 'within'} budget under {policy}")
        assert (policy == "refuse") <= (not over)
        assert len(outcome) == (1 if over and policy == "warn" else 0)
        zakat = FUNDS[fund] == "zakat"
        assert not zakat or asnaf is not None
        if zakat and asnaf != "amil":
            assert kind != "expense"
            assert recipient is not None
            assert recipient.kind.value in ("member", "group", "cooperative")

    @rule(amount=st.floats(1, 1e7))
    def money_as_float(self, amount: float) -> None:
        def spend() -> int:
            return self.book.spend(
                Spending(
                    "S-float",
                    "grant",
                    self.today,
                    "F-I",
                    amount,  # type: ignore[arg-type]
                    "training",
                    Party.member("M-1"),
                )
            )

        assert self.attempt(spend, "float")[0] is None

    @rule(
        fund=st.sampled_from(sorted(FUNDS)),
        principal=st.integers(1, 8_000_000),
        instalments=st.integers(1, 12),
    )
    def disburse(self, fund: str, principal: int, instalments: int) -> None:
        self.counter += 1
        loan = Loan(
            f"L-{self.counter}",
            fund,
            Party.member("M-1"),
            "qard_hasan",
            principal,
            self.today,
            instalments,
        )
        if self.attempt(lambda: self.book.disburse(loan), "disburse")[0] is not None:
            self.loans.append(loan.id)
            self.cash[fund] -= principal

    @precondition(lambda self: self.loans)
    @rule(data=st.data())
    def repay(self, data: st.DataObject) -> None:
        loan_id = data.draw(st.sampled_from(self.loans))
        state = self.book.derived.states[loan_id]
        owed = max(1, state.segment.total - state.paid)
        amount = data.draw(st.one_of(st.just(owed), st.integers(1, owed + 10_000)))
        done, _ = self.attempt(lambda: self.book.repay(loan_id, self.today, amount), "repay")
        if done is not None:
            self.cash[state.loan.fund_id] += amount

    # -- helpers -------------------------------------------------------------------------------
    def over_budget(self, spending: Spending) -> bool:
        """Whether ``spending`` is over its line, from the recomputation (not the book's)."""
        budget = self.book.budget.current
        source = FUNDS[spending.fund_id]
        for line in budget.lines if budget is not None else ():
            if (line.component, line.source.value) == (spending.component, source) and (
                line.start <= spending.on <= line.end
            ):
                key = (spending.component.value, source)
                spent = spent_in(recomputed(self.book), key, line.start, line.end)
                return spent + int(spending.amount) > line.amount
        return True

    # -- invariants ----------------------------------------------------------------------------
    @invariant()
    def the_ledger_balances(self) -> None:
        self.book.ledger.check()
        debits = credits = 0
        for entry in self.book.ledger:
            for posting in entry.postings:
                debits += int(posting.amount)
                credits += int(posting.amount)
        assert debits == credits
        for fund_id, cash in self.cash.items():
            assert self.book.cash(fund_id) == cash
            assert self.book.ledger.balance(Account(fund_id, "cash")) >= 0

    @invariant()
    def actual_equals_the_recomputation(self) -> None:
        found = recomputed(self.book)
        periods = [*PERIODS, (START, self.today), (self.today, self.today)]
        for component in Component:
            for source in SOURCES:
                for start, end in periods:
                    expected = spent_in(found, (component.value, source), start, end)
                    assert self.book.actual(component, source, start, end) == expected
                    assert self.book.actual(component, FundSource(source), start, end) == expected

    @invariant()
    def the_replay_gives_the_same_book(self) -> None:
        book = self.book
        again = Finance(
            book.cluster_id,
            book.program_id,
            list(book.funds),
            list(book.loans),
            type(book.ledger)(book.ledger.entries),
            book.restructurings,
            budget=book.budget,
            spendings=list(book.spendings),
            policy=book.policy,
        )
        assert again == book
        assert fingerprint(again) == fingerprint(book)


SpendingMachine.TestCase.settings = settings(
    max_examples=80,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestSpendingMachine = SpendingMachine.TestCase
