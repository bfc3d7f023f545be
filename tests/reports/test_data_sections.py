"""Sections that appear when their data exists: finance, fieldwork and plans, targets."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

import klaster.examples
from klaster.finance import aging, par
from klaster.model.results_framework import Result, ResultIndicator, Target
from klaster.reports import Report, Section, Table, build_report

DAY = dt.date(2014, 12, 31)


def section(report: Report, key: str) -> Section:
    return next(s for s in report.sections if s.key == key)


def table(found: Section, key: str) -> Table:
    return next(b for b in found.blocks if isinstance(b, Table) and b.key == key)


@pytest.fixture(scope="module")
def lebak() -> object:
    return klaster.examples.script("finance_lebak").simulate()


class TestFinance:
    def test_portfolio_quality_equals_the_finance_figures(self, lebak: object) -> None:
        found = build_report(lebak.program, None, lebak.book, made_on=DAY)  # type: ignore[attr-defined]
        portfolio = table(section(found, "portfolio"), "portfolio")
        at_risk = par(lebak.book, 30, DAY)  # type: ignore[attr-defined]
        assert portfolio.rows[0][1:] == (
            at_risk.value,
            at_risk.numerator,
            at_risk.denominator,
            at_risk.count,
            at_risk.total,
        )
        buckets = aging(lebak.book, DAY)[None]  # type: ignore[attr-defined]
        rows = table(section(found, "portfolio"), "aging").rows
        assert [r[1:3] for r in rows] == [(b.loans, b.outstanding) for b in buckets]

    def test_the_handover_lists_each_item_and_the_total(self, lebak: object) -> None:
        found = build_report(lebak.program, None, [lebak.book], made_on=DAY)  # type: ignore[attr-defined]
        rows = table(section(found, "handover"), "handover").rows
        handover = lebak.book.handover  # type: ignore[attr-defined]
        assert len(rows) == len(handover.items) + 1
        assert rows[-1][-1] == handover.total
        assert {r[4] for r in rows[:-1]} == set(handover.recipients())

    def test_budget_vs_actual_when_the_book_has_a_budget(self) -> None:
        outcome = klaster.examples.script("budget_lebak").build()
        found = build_report(outcome.program, None, outcome.book, made_on=DAY)
        rows = table(section(found, "budget"), "budget").rows
        assert rows[-1][1] == outcome.by_component.budget
        assert rows[-1][2] == outcome.by_component.actual

    def test_a_book_without_loans_says_so(self, lebak: object) -> None:
        from klaster.finance import Finance

        empty = Finance("lebak", lebak.program.id)  # type: ignore[attr-defined]
        found = build_report(lebak.program, None, empty, made_on=DAY)  # type: ignore[attr-defined]
        missing = section(found, "portfolio").missing
        assert missing is not None
        assert missing.en == "no loans yet"


class TestFieldwork:
    def test_activities_per_kind_and_plans_against_dates(self) -> None:
        program = klaster.examples.fieldwork()
        found = build_report(program, None, made_on=DAY)
        activities = table(section(found, "activities"), "activities")
        assert activities.rows[-1][1:-1] == tuple(
            sum(1 for a in program.fieldwork.activities if a.status.value == column.key)
            for column in activities.columns[1:-1]
        )
        plans = table(section(found, "lifecycle"), "plans")
        (status,) = program.fieldwork.planned_vs_actual()
        assert plans.rows[0][1:4] == (status.milestone, status.first_planned, status.planned)


class TestTargets:
    def test_targets_against_actuals_with_their_rule(self) -> None:
        program, observations = klaster.examples.bantaeng()
        program.revise_framework(
            [
                Result(
                    "op1",
                    "output",
                    "Mitra terbentuk",
                    [ResultIndicator("members", [Target(180, round_key="endline")])],
                    statement_en="Members enrolled",
                )
            ],
            recorded_on=dt.date(2011, 1, 1),
            reason="test",
        )
        found = build_report(program, observations, made_on=DAY)
        (row,) = table(section(found, "targets"), "targets").rows
        assert row[1] == "members"
        assert row[6] == Decimal(180)
        assert row[7] == Decimal(188)
        assert row[8].en == "Achieved"  # type: ignore[union-attr]
        assert "180" in str(row[9])
        assert "members" in {d.code for d in found.definitions}
