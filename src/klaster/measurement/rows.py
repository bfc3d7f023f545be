"""One figure of a report (:class:`Row`) and one line of a comparison (:class:`Comparison`)."""

from __future__ import annotations

import datetime as _dt
from decimal import Decimal

from attrs import frozen

from klaster.label import Label
from klaster.measurement.na import NotAvailable, bilingual

__all__ = ["Comparison", "Row"]


@frozen
class Row:
    """One figure of a report.

    Args:
        indicator: Indicator code.
        label: Bilingual indicator name.
        unit: Unit of the value.
        round_id: Survey round, or ``None`` for figures not tied to a round.
        on: Date of the round (or of the figure): the round key's day when every cluster
            surveyed it on one day; else a row of one cluster (``by`` names it) its cluster's
            day, and a row over clusters of different days ``None`` (their days:
            :func:`klaster.measurement.round_dates`).
        by: Disaggregation as ``(dimension, category)`` pairs, e.g.
            ``(("cluster", "bantaeng"), ("sex", "female"))``; ``()`` for the total.
        value: The figure, or :class:`NotAvailable` with the reason.
        numerator: Top of the fraction (or the sum) it was computed from.
        denominator: Bottom of the fraction (or ``n`` for means).
        n: Units that contributed.
        missing: Units left out for missing values.
        target: The target for this round, when one is set.
    """

    indicator: str
    label: Label
    unit: str | None
    round_id: str | None
    on: _dt.date | None
    by: tuple[tuple[str, str], ...]
    value: Decimal | NotAvailable
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    n: int = 0
    missing: int = 0
    target: Decimal | None = None

    @property
    def available(self) -> bool:
        """Whether :attr:`value` is a number."""
        return not isinstance(self.value, NotAvailable)

    def dimension(self, name: str) -> str | None:
        """The category of dimension ``name`` in this row, or ``None`` (the total over it)."""
        return dict(self.by).get(name)


@frozen
class Comparison:
    """A baseline-versus-endline line of :meth:`~klaster.measurement.results.Results.compare`."""

    indicator: str
    label: Label
    by: tuple[tuple[str, str], ...]
    before: Decimal | NotAvailable
    after: Decimal | NotAvailable
    n_before: int
    n_after: int

    @property
    def change(self) -> Decimal | NotAvailable:
        """``after - before``, or why not."""
        if isinstance(self.before, NotAvailable):
            return self.before
        if isinstance(self.after, NotAvailable):
            return self.after
        return self.after - self.before

    @property
    def change_percent(self) -> Decimal | NotAvailable:
        """Change as a percentage of ``before``, or why not."""
        change = self.change
        if isinstance(change, NotAvailable):
            return change
        assert isinstance(self.before, Decimal)
        if self.before == 0:
            return bilingual("the baseline value is zero", "nilai awalnya nol")
        return change / self.before * 100
