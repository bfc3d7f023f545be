"""Budget vs actual: figures, periods, roll-up, costs, both engines against the ledger."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from klaster.errors import ValidationError
from klaster.finance import (
    BudgetLine,
    Component,
    EntryKind,
    Finance,
    Fund,
    FundSource,
    Party,
    Spending,
    SpendingPolicy,
    budget_vs_actual,
    render_budget,
)
from klaster.finance._budget_periods import bucket_of, buckets, share
from klaster.testing.samples import sample_program

D = dt.date
YEAR = (D(2012, 1, 1), D(2012, 12, 31))


def _book(cluster: str = "lebak") -> Finance:
    book = Finance(cluster, "klaster-mandiri", policy=SpendingPolicy(over_budget="allow"))
    for fund_id, source in (("F-Z", "zakat"), ("F-I", "infaq_sadaqah"), ("F-C", "grant")):
        book.add_fund(
            Fund(fund_id, fund_id, source, Party.program("klaster-mandiri"), D(2012, 1, 1))
        )
    return book


def _lebak() -> Finance:
    book = _book()
    book.revise_budget(
        D(2012, 1, 1),
        "initial budget",
        [
            BudgetLine("capital", "zakat", 900_000_000, *YEAR),
            BudgetLine("training", "infaq_sadaqah", 120_000_000, *YEAR),
            BudgetLine("training", "grant", 60_000_000, D(2012, 7, 1), D(2012, 12, 31)),
        ],
    )
    book.receive("F-Z", D(2012, 1, 5), 500_000_000)
    book.receive("F-I", D(2012, 1, 5), 200_000_000, for_spending=True)
    book.receive("F-C", D(2012, 1, 5), 100_000_000, for_spending=True)
    book.spend(Spending("S-1", "expense", D(2012, 3, 1), "F-I", 15_000_000, "training"))
    book.spend(
        Spending(
            "S-3",
            "grant",
            D(2012, 4, 1),
            "F-Z",
            750_000,
            "education_support",
            Party.member("M-1"),
            asnaf="miskin",
        )
    )
    book.spend(Spending("S-2", "expense", D(2012, 8, 1), "F-C", 30_000_000, "training"))
    return book


@pytest.mark.parametrize("engine", ["python", "polars"])
def test_by_component(engine: str) -> None:
    statement = budget_vs_actual(_lebak(), engine=engine)
    rows = {row.component: row for row in statement.rows}
    capital = rows[Component.CAPITAL]
    # Money received into the revolving fund is capital; money received for spending is not.
    assert (int(capital.budget), int(capital.actual)) == (900_000_000, 500_000_000)
    assert int(capital.variance) == 400_000_000
    assert capital.execution == Decimal("55.56")
    training = rows[Component.TRAINING]
    assert (int(training.budget), int(training.actual), training.execution) == (
        180_000_000, 45_000_000, Decimal("25.00"),
    )  # fmt: skip
    education = rows[Component.EDUCATION_SUPPORT]
    assert (int(education.budget), int(education.actual), education.execution) == (
        0, 750_000, None,
    )  # fmt: skip
    assert statement.actual == 545_750_000
    shares = {s.source: s.percent for s in statement.source_shares}
    assert shares == {
        FundSource.ZAKAT: Decimal("91.75"),
        FundSource.INFAQ_SADAQAH: Decimal("2.75"),
        FundSource.GRANT: Decimal("5.50"),
    }


def test_by_budget_period_and_unbudgeted() -> None:
    book = _lebak()
    book.spend(Spending("S-4", "expense", D(2013, 2, 1), "F-I", 1_000_000, "training"))
    rows = budget_vs_actual(book, by=("component", "source", "period")).rows
    keyed = {(r.component, r.source, r.start): (int(r.budget), int(r.actual)) for r in rows}
    assert keyed[(Component.TRAINING, FundSource.GRANT, D(2012, 7, 1))] == (60_000_000, 30_000_000)
    # Spending no line covers is still actual, with no period.
    assert keyed[(Component.TRAINING, FundSource.INFAQ_SADAQAH, None)] == (0, 1_000_000)
    assert "Rp 60.000.000" in render_budget(budget_vs_actual(book, by="period"))


@pytest.mark.parametrize("engine", ["python", "polars"])
def test_month_window_is_straight_line(engine: str) -> None:
    window = (D(2012, 3, 15), D(2012, 4, 30))
    rows = budget_vs_actual(_lebak(), by=("component", "month"), period=window, engine=engine).rows
    keyed = {(r.component, r.start, r.end): (int(r.budget), int(r.actual)) for r in rows}
    # Straight line: the share up to 31 March (91 of the year's 366 days) less that up to
    # 14 March (74 days), each rounded half up, so the parts of a line add up to it.
    march = keyed[(Component.TRAINING, D(2012, 3, 15), D(2012, 3, 31))]
    upto = [round(Decimal(120_000_000 * days) / 366) for days in (91, 74)]
    assert march == (upto[0] - upto[1], 0) == (5_573_771, 0)
    april = keyed[(Component.EDUCATION_SUPPORT, D(2012, 4, 1), D(2012, 4, 30))]
    assert april == (0, 750_000)
    assert all(r.start is not None and window[0] <= r.start <= window[1] for r in rows)


def test_program_roll_up_and_costs() -> None:
    program = sample_program()
    cluster = "bantaeng"
    lebak, other, own = _lebak(), _book(cluster), _book("klaster-mandiri")
    other.receive("F-Z", D(2012, 2, 1), 10_000_000)
    own.receive("F-Z", D(2012, 2, 1), 5_000_000)
    books = [lebak, other, own]
    by_cluster = budget_vs_actual(books, by=("cluster",), program=program, graduated=4)
    assert [(r.cluster, int(r.actual)) for r in by_cluster.rows] == [
        ("bantaeng", 10_000_000), ("klaster-mandiri", 5_000_000), ("lebak", 545_750_000),
    ]  # fmt: skip
    total = budget_vs_actual(books, by=(), program=program, graduated=4)
    assert [(int(r.budget), int(r.actual)) for r in total.rows] == [(1_080_000_000, 560_750_000)]
    # Members served: the sample cluster's three members (one left in October 2012, inside the
    # span); the lebak and program books have no members in the program.
    assert total.members_served == 3
    assert total.cost_per_member == round(Decimal(560_750_000) / 3)
    assert total.cost_per_graduate == Decimal(140_187_500)


def test_members_active_in_window_only() -> None:
    program = sample_program()
    book = _book("bantaeng")
    book.receive("F-Z", D(2013, 2, 1), 10_000_000)
    statement = budget_vs_actual(book, program=program, period=(D(2013, 1, 1), D(2013, 12, 31)))
    assert statement.members_served == 2  # the member who left in October 2012 is not counted


def test_frames_and_records() -> None:
    statement = budget_vs_actual(_lebak(), by=("component", "source"))
    records = statement.to_records()
    assert records[0]["component"] == "capital"
    assert set(records[0]) >= {"budget", "actual", "variance", "execution"}
    frame = statement.to_polars()
    assert frame.height == len(statement.rows)
    pytest.importorskip("pandas")
    assert len(statement.to_pandas()) == len(statement.rows)


@pytest.mark.parametrize(
    ("kwargs", "path"),
    [
        ({"by": "fund"}, "by[0]"),
        ({"by": ("month", "year")}, "by"),
        ({"by": ("source", "source")}, "by"),
        ({"period": (D(2013, 1, 1), D(2012, 1, 1))}, "period"),
        ({"engine": "spark"}, "engine"),
        ({"graduated": -1}, "graduated"),
        ({"graduated": True}, "graduated"),
    ],
)
def test_bad_arguments_are_located(kwargs: dict[str, object], path: str) -> None:
    with pytest.raises(ValidationError) as caught:
        budget_vs_actual(_lebak(), **kwargs)  # type: ignore[arg-type]
    assert caught.value.path == path


@given(
    st.integers(0, 10**12),
    st.dates(D(2010, 1, 1), D(2016, 12, 31)),
    st.integers(0, 800),
    st.sampled_from(["month", "quarter", "year"]),
)
def test_line_shares_add_up(amount: int, start: dt.date, days: int, grain: str) -> None:
    line = (start, start + dt.timedelta(days=days))
    parts = list(buckets(grain, line))
    assert sum(share(amount, line, part) for part in parts) == amount
    assert all(
        bucket_of(grain, p[0])[0] <= p[0] <= p[1] <= bucket_of(grain, p[0])[1] for p in parts
    )


_SOURCES = {"F-Z": "zakat", "F-I": "infaq_sadaqah", "F-C": "grant"}
_operation = st.tuples(
    st.sampled_from(["receive", "receive_for_spending", "spend"]),
    st.sampled_from(sorted(_SOURCES)),
    st.integers(0, 900),
    st.integers(1, 5_000_000),
    st.sampled_from(list(Component)),
)


def _recomputed(book: Finance) -> dict[tuple[Component, FundSource], int]:
    # From the Entry records themselves: receipts into capital, and each spending's component.
    spendings = {s.id: s for s in book.spendings}
    sums: dict[tuple[Component, FundSource], int] = {}
    for entry in book.ledger:
        source = book.fund(entry.fund_id).source
        if entry.kind is EntryKind.FUNDING and entry.postings[0].credit.kind.value == "capital":
            key = (Component.CAPITAL, source)
        elif entry.spending_id is not None:
            key = (spendings[entry.spending_id].component, source)
        else:
            continue
        sums[key] = sums.get(key, 0) + int(entry.amount)
    return sums


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(_operation, max_size=25),
    st.sampled_from([(), ("component",), ("source", "month"), ("cluster", "quarter"), ("period",)]),
    st.none() | st.tuples(st.integers(0, 400), st.integers(0, 500)),
)
def test_engines_agree_with_the_ledger(
    operations: list[tuple[str, str, int, int, Component]],
    by: tuple[str, ...],
    window: tuple[int, int] | None,
) -> None:
    book = _book()
    book.revise_budget(
        D(2012, 1, 1),
        "initial",
        [
            BudgetLine(c, s, 10_000_000 * (i + 1), *YEAR)
            for i, c in enumerate(Component)
            for s in ("zakat", "grant")
        ],
    )
    day = D(2012, 1, 1)
    for number, (kind, fund, step, amount, component) in enumerate(
        sorted(operations, key=lambda o: o[2])
    ):
        day = D(2012, 1, 1) + dt.timedelta(days=step)
        if kind == "spend":
            if book.cash(fund) < amount:
                continue
            zakat = _SOURCES[fund] == "zakat"
            book.spend(
                Spending(
                    f"S-{number}",
                    "grant",
                    day,
                    fund,
                    amount,
                    component,
                    Party.member("M-1"),
                    asnaf="miskin" if zakat else None,
                )
            )
        else:
            book.receive(fund, day, amount, for_spending=kind == "receive_for_spending")
    period = None
    if window is not None:
        start = D(2012, 1, 1) + dt.timedelta(days=window[0])
        period = (start, start + dt.timedelta(days=window[1]))
    python = budget_vs_actual(book, by=by, period=period)
    polars = budget_vs_actual(book, by=by, period=period, engine="polars")
    assert python == polars
    # Cut by any period, the budget's parts add up to the budget of the whole window.
    assert python.budget == budget_vs_actual(book, by=(), period=period).budget
    if period is None:
        by_source = budget_vs_actual(book, by=("component", "source"))
        found = {(r.component, r.source): int(r.actual) for r in by_source.rows if r.actual}
        assert found == _recomputed(book)
        assert python.actual == sum(found.values())
