"""Budgets: what a program or cluster plans to spend, by component, fund source and period.

A :class:`Budget` is the history of its :class:`BudgetRevision` s (append-only: a revision
replaces the lines, never edits them in place); the current lines are the last revision's. Each
:class:`BudgetLine` is an amount in whole rupiah for one :class:`Component` from one
:class:`~klaster.finance.fund.FundSource` over one period (first to last day).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from attrs import field, frozen

from klaster._support.validate import (
    check_date,
    check_enum,
    check_optional_text,
    check_order,
    check_text,
    enum_value,
    int_at_least,
    to_date,
)
from klaster.errors import ValidationError
from klaster.finance.fund import FundSource
from klaster.finance.money import check_rupiah, to_rupiah
from klaster.label import LabelledEnum, labelled

__all__ = ["Budget", "BudgetLine", "BudgetRevision", "Component"]


class Component(LabelledEnum):
    """What money is for: the components of a program's budget and of its spending."""

    CAPITAL = labelled("capital", "Bantuan modal / dana produktif", "Capital assistance")
    """Bantuan modal: productive funds, revolving-fund capital, capital grants to groups."""
    TRAINING = labelled("training", "Pelatihan", "Training")
    """Pelatihan: trainings of members and cooperative boards."""
    MENTORING = labelled("mentoring", "Pendampingan", "Mentoring")
    """Pendampingan: field facilitators and their visits."""
    EDUCATION_SUPPORT = labelled("education_support", "Bantuan pendidikan", "Education support")
    """Bantuan pendidikan: school fees and supplies for members' children."""
    HEALTH_SUPPORT = labelled("health_support", "Bantuan kesehatan", "Health support")
    """Bantuan kesehatan: health care and insurance for members' households."""
    OPERATIONS = labelled("operations", "Operasional", "Operations")
    """Operasional: running costs of the program (the amil share when paid from zakat)."""


def _to_component(value: Component | str) -> Component:
    return enum_value(Component, value)


def _to_source(value: FundSource | str) -> FundSource:
    return enum_value(FundSource, value)


@frozen
class BudgetLine:
    """An amount planned for one component from one fund source over one period.

    Args:
        component: :class:`Component`.
        source: The :class:`~klaster.finance.fund.FundSource` it is paid from.
        amount: Whole rupiah (``Decimal``, ``int`` or a numeric string; never a float).
        start: First day of the period.
        end: Last day of the period; not before ``start``.
        note: Free text (``"synthetic: the reports give no split"``).

    Example:
        >>> import datetime as dt
        >>> line = BudgetLine("training", "zakat", 150_000_000, dt.date(2012, 1, 1),
        ...                   dt.date(2012, 12, 31))
        >>> line.amount
        Decimal('150000000')
    """

    component: Component = field(converter=_to_component, validator=check_enum(Component))
    source: FundSource = field(converter=_to_source, validator=check_enum(FundSource))
    amount: Decimal = field(converter=to_rupiah, validator=check_rupiah)
    start: _dt.date = field(converter=to_date, validator=check_date)
    end: _dt.date = field(converter=to_date, validator=[check_date, check_order("start", "end")])
    note: str | None = field(default=None, validator=check_optional_text)

    def covers(self, on: _dt.date) -> bool:
        """Whether ``on`` falls in the line's period."""
        return self.start <= on <= self.end

    @property
    def key(self) -> tuple[Component, FundSource, _dt.date, _dt.date]:
        """What identifies the line within a revision: component, source and period."""
        return (self.component, self.source, self.start, self.end)


def _to_lines(value: Iterable[BudgetLine]) -> tuple[BudgetLine, ...]:
    return tuple(value)


def _check_lines(_inst: object, attribute: Any, value: tuple[BudgetLine, ...]) -> None:
    seen: dict[tuple[Any, ...], int] = {}
    for index, line in enumerate(value):
        where = f"{attribute.name}[{index}]"
        if not isinstance(line, BudgetLine):
            raise ValidationError(f"must be a BudgetLine, got {type(line).__name__}", path=where)
        for other_key, other in seen.items():
            same = other_key[:2] == line.key[:2]
            if same and line.start <= other_key[3] and other_key[2] <= line.end:
                raise ValidationError(
                    f"{line.component.value}/{line.source.value} from {line.start} to {line.end} "
                    f"overlaps lines[{other}]; one line per component, source and period",
                    path=where,
                )
        seen[line.key] = index


@frozen
class BudgetRevision:
    """One version of a budget: its lines as set on a day, and why.

    Args:
        number: 1 for the first budget, then 2, 3...
        recorded_on: When it was set.
        reason: Why (``"initial budget"``, ``"mid-term review"``).
        lines: The budget's lines in this version.
    """

    number: int = field(validator=int_at_least(1))
    recorded_on: _dt.date = field(converter=to_date, validator=check_date)
    reason: str = field(validator=check_text)
    lines: tuple[BudgetLine, ...] = field(converter=_to_lines, validator=_check_lines)

    @property
    def total(self) -> Decimal:
        """The sum of the lines."""
        return sum((line.amount for line in self.lines), Decimal(0))

    def line_for(self, component: Component, source: FundSource, on: _dt.date) -> BudgetLine | None:
        """The line for a component and source whose period covers ``on``, if any."""
        for line in self.lines:
            if line.component is component and line.source is source and line.covers(on):
                return line
        return None


def _to_revisions(value: Iterable[BudgetRevision]) -> tuple[BudgetRevision, ...]:
    return tuple(value)


def _check_revisions(_inst: object, attribute: Any, value: tuple[BudgetRevision, ...]) -> None:
    for index, revision in enumerate(value):
        where = f"{attribute.name}[{index}]"
        if not isinstance(revision, BudgetRevision):
            raise ValidationError(
                f"must be a BudgetRevision, got {type(revision).__name__}", path=where
            )
        if revision.number != index + 1:
            raise ValidationError(
                f"revision number {revision.number}; revisions are numbered 1, 2, ... in order "
                f"(this one is {index + 1})",
                path=f"{where}.number",
            )
        if index and revision.recorded_on < value[index - 1].recorded_on:
            raise ValidationError(
                f"recorded on {revision.recorded_on}, before revision {index} "
                f"({value[index - 1].recorded_on}); revisions are in date order",
                path=f"{where}.recorded_on",
            )


@frozen
class Budget:
    """A budget's history of revisions; the current lines are the last revision's.

    Args:
        revisions: Every revision, oldest first (append-only: :meth:`revised` adds one).

    Example:
        >>> import datetime as dt
        >>> b = Budget().revised(dt.date(2012, 1, 2), "initial budget", [
        ...     BudgetLine("capital", "zakat", 900_000_000, dt.date(2012, 1, 1),
        ...                dt.date(2014, 3, 31))])
        >>> b.current.total
        Decimal('900000000')
    """

    revisions: tuple[BudgetRevision, ...] = field(
        default=(), converter=_to_revisions, validator=_check_revisions
    )

    @property
    def current(self) -> BudgetRevision | None:
        """The latest revision, or ``None`` before the first."""
        return self.revisions[-1] if self.revisions else None

    def as_of(self, on: _dt.date) -> BudgetRevision | None:
        """The revision in force on ``on`` (the last recorded on or before it)."""
        found = None
        for revision in self.revisions:
            if revision.recorded_on <= on:
                found = revision
        return found

    def revised(self, recorded_on: _dt.date, reason: str, lines: Iterable[BudgetLine]) -> Budget:
        """A budget with one more revision (the next number) holding ``lines``."""
        revision = BudgetRevision(len(self.revisions) + 1, recorded_on, reason, tuple(lines))
        return Budget((*self.revisions, revision))
