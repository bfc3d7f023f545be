"""Strategies for budgets and spending: budget lines, budgets with revisions, spendings, books.

:func:`budget_lines`, :func:`budgets` and :func:`spendings` draw valid records on their own;
:func:`books_with_spending` builds a :class:`~klaster.finance.Finance` book (of the cluster
``lebak`` of :func:`klaster.finance.testing.make_cluster`) whose budget and spending went in
through the public API (``revise_budget``, ``spend``), so that it fits that cluster.

Requires `hypothesis <https://hypothesis.readthedocs.io>`_ (``pip install klaster[test]``).
"""

from __future__ import annotations

import datetime as _dt
import warnings
from decimal import Decimal

from hypothesis import strategies as st

from klaster.finance.book import Finance
from klaster.finance.budget import Budget, BudgetLine, Component
from klaster.finance.fund import Fund, FundSource
from klaster.finance.money import MAX_RUPIAH
from klaster.finance.party import Party
from klaster.finance.spending import Asnaf, OverBudget, Spending, SpendingKind, SpendingPolicy
from klaster.testing._drawing import maybe
from klaster.testing.basic_strategies import ids, texts

__all__ = ["books_with_spending", "budget_lines", "budgets", "spending_policies", "spendings"]

_START = _dt.date(2010, 1, 1)
_END = _dt.date(2030, 12, 31)
# Any whole rupiah, small ones more often (a single line of the whole MAX_RUPIAH is allowed).
_AMOUNTS = st.one_of(
    st.integers(0, 10**10), st.integers(0, int(MAX_RUPIAH)), st.just(int(MAX_RUPIAH))
).map(Decimal)
_ASNAF = tuple(a for a in Asnaf if a is not Asnaf.AMIL)  # amil spending is limited by policy


@st.composite
def budget_lines(
    draw: st.DrawFn,
    *,
    component: Component | None = None,
    source: FundSource | None = None,
) -> BudgetLine:
    """A budget line: any component, source, whole-rupiah amount and period from 2010 to 2030.

    Args:
        draw: Given by hypothesis.
        component: Draw only lines for this component.
        source: Draw only lines from this fund source.
    """
    start = draw(st.dates(_START, _END))
    end = draw(st.dates(start, min(_END, start + _dt.timedelta(days=1500))))
    return BudgetLine(
        component if component is not None else draw(st.sampled_from(Component)),
        source if source is not None else draw(st.sampled_from(FundSource)),
        draw(_AMOUNTS),
        start,
        end,
        maybe(draw, texts(max_size=30)),
    )


@st.composite
def budgets(draw: st.DrawFn, *, max_revisions: int = 3, max_lines: int = 6) -> Budget:
    """A budget with up to ``max_revisions`` revisions (none: an empty budget), in date order.

    Lines of one revision never overlap: one per component and source.
    """
    budget = Budget()
    on = draw(st.dates(_START, _END - _dt.timedelta(days=400)))
    for _ in range(draw(st.integers(0, max_revisions))):
        lines = draw(st.lists(budget_lines(), max_size=max_lines, unique_by=lambda x: x.key[:2]))
        budget = budget.revised(on, draw(texts(max_size=30)), lines)
        on += _dt.timedelta(days=draw(st.integers(0, 200)))
    return budget


def spending_policies() -> st.SearchStrategy[SpendingPolicy]:
    """Any spending policy: an amil share from 0 to 1 (in thousandths), any over-budget rule."""
    return st.builds(
        SpendingPolicy,
        st.integers(0, 1000).map(lambda n: Decimal(n) / 1000),
        st.sampled_from(OverBudget),
    )


@st.composite
def spendings(draw: st.DrawFn, *, fund_id: str | None = None) -> Spending:
    """A spending record on its own (not checked against a book): any kind, component, date."""
    kind = draw(st.sampled_from(SpendingKind))
    recipient = draw(
        st.builds(Party, st.sampled_from(("member", "group", "provider", "cooperative")), ids())
    )
    return Spending(
        draw(ids()),
        kind,
        draw(st.dates(_START, _END)),
        fund_id if fund_id is not None else draw(ids()),
        draw(st.integers(1, 10**12)),
        draw(st.sampled_from(Component)),
        maybe(draw, st.just(recipient)) if kind is SpendingKind.EXPENSE else recipient,
        maybe(draw, st.sampled_from(Asnaf)),
        None,
        maybe(draw, texts(max_size=30)),
    )


@st.composite
def books_with_spending(draw: st.DrawFn, *, max_spendings: int = 8) -> Finance:
    """A book of cluster ``lebak`` (program ``km``) with two funds, a budget and spending.

    Everything goes in through the API with the policy ``allow`` (so no warning is issued; any
    policy may be set at the end): grants from the zakat fund ``F-Z`` (with a non-amil asnaf)
    or the infak fund ``F-I`` to members ``M-1``/``M-2`` or group ``G-1`` of
    :func:`klaster.finance.testing.make_cluster`, and expenses from ``F-I``.
    """
    book = Finance("lebak", "km", policy=SpendingPolicy(over_budget="allow"))
    opened = _dt.date(2012, 1, 2)
    for fund_id, source in (("F-Z", "zakat"), ("F-I", "infaq_sadaqah")):
        book.add_fund(Fund(fund_id, f"Dana {source}", source, Party.program("km"), opened))
        book.receive(fund_id, opened, 10**12)
    for revision in draw(budgets(max_revisions=2)).revisions:
        book.revise_budget(revision.recorded_on, revision.reason, revision.lines)
    recipients = (Party.member("M-1"), Party.member("M-2"), Party.group("G-1"))
    day = opened
    for number in range(draw(st.integers(0, max_spendings))):
        day += _dt.timedelta(days=draw(st.integers(0, 60)))
        grant = draw(st.booleans())
        zakat = grant and draw(st.booleans())
        spending = Spending(
            f"S-{number + 1}",
            SpendingKind.GRANT if grant else SpendingKind.EXPENSE,
            day,
            "F-Z" if zakat else "F-I",
            draw(st.integers(1, 10**9)),
            draw(st.sampled_from(Component)),
            draw(st.sampled_from(recipients)) if grant else None,
            draw(st.sampled_from(_ASNAF)) if zakat else None,
            None,
            maybe(draw, texts(max_size=30)),
        )
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # the policy allows: nothing to warn about
            book.spend(spending)
    if draw(st.booleans()):
        book.policy = draw(spending_policies())
    return book
