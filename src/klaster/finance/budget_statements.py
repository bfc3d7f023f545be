"""Budget vs actual: what was planned and what was spent, by component, source, cluster and period.

:func:`budget_vs_actual` reads one book (a cluster) or several (a program: the clusters' books and
the program's own book, if any) and returns a :class:`BudgetStatement`. The rules (also in
``docs/finance.md``):

* **Budget**: the lines of each book's current budget revision (:attr:`Finance.budget`). Cut by
  month, quarter, year or a chosen window, a line counts *straight-line*: its share of a period is
  the share of its days in it (rounded half up so that the parts add up to the line).
* **Actual**: recomputed from the ledger's entries each time (never a running total). Money
  received into a fund (:meth:`Finance.receive`) counts as ``capital``; each grant, in-kind
  transfer or expense counts under its component. The fund source is that of the fund. Spending
  that no budget line covers is still actual (by ``period`` its period is left empty).
* **Variance** is budget − actual; the **execution rate** is actual ÷ budget (none without a
  budget).
* **Cost per member** is the actual ÷ the members served: the members of the books' clusters who
  were members on some day of the statement's window (joined by its end, not left before its
  start; the whole span of the budget and the entries when no window is given). **Cost per
  graduated household** is the actual ÷ the number of graduated households the caller gives:
  a number, or a count per cluster (summed over the books' clusters), such as
  :func:`klaster.measurement.graduated_households` makes from the survey rounds (finance never
  reads observations itself). Both are rounded half up to whole rupiah.
* **Fund source shares**: each source's part of the actual (for audits and IATI transactions).

``engine="polars"`` (the ``columnar`` extra) sums the entries with polars; the figures are the
same as the pure-Python path's (the test suite compares them).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from attrs import frozen

from klaster._support import dataframes as _dataframes
from klaster.errors import NotFoundError, ValidationError
from klaster.finance import _budget_actuals, _budget_periods, _budget_rows, _render
from klaster.finance._budget_periods import Span
from klaster.finance._select import Books, as_books
from klaster.finance.budget import Component
from klaster.finance.fund import FundSource
from klaster.finance.money import round_rupiah
from klaster.formatting import Lang, default_lang
from klaster.model.program import Program

__all__ = [
    "DIMENSIONS",
    "BudgetRow",
    "BudgetStatement",
    "SourceShare",
    "budget_vs_actual",
    "render_budget",
]

DIMENSIONS = ("component", "source", "cluster", *_budget_periods.GRAINS)
"""What a statement can be broken down by (at most one of the periods)."""
_ENGINES = ("python", "polars")
_HUNDRED = Decimal(100)


def _percent(part: Decimal, whole: Decimal) -> Decimal | None:
    if not whole:
        return None
    return (part * _HUNDRED / whole).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@frozen
class BudgetRow:
    """One line of a statement: budget and actual for one key (``None``: not broken down by it).

    Args:
        cluster: The book's cluster ID.
        component: The :class:`~klaster.finance.budget.Component`.
        source: The :class:`~klaster.finance.fund.FundSource`.
        start: First day of the period (``None`` without a period, or for unbudgeted spending).
        end: Last day of the period.
        budget: Planned, whole rupiah.
        actual: Spent, whole rupiah (recomputed from the ledger).
    """

    cluster: str | None
    component: Component | None
    source: FundSource | None
    start: _dt.date | None
    end: _dt.date | None
    budget: Decimal
    actual: Decimal

    @property
    def variance(self) -> Decimal:
        """Budget − actual (negative: over budget)."""
        return self.budget - self.actual

    @property
    def execution(self) -> Decimal | None:
        """Actual ÷ budget in percent, half up to two decimals (``None`` without a budget)."""
        return _percent(self.actual, self.budget)


@frozen
class SourceShare:
    """A fund source's part of the actual.

    Args:
        source: The :class:`~klaster.finance.fund.FundSource`.
        actual: Spent from it, whole rupiah.
        percent: Its share of the whole actual, half up to two decimals.
    """

    source: FundSource
    actual: Decimal
    percent: Decimal


@frozen(repr=False)
class BudgetStatement:
    """A budget vs actual statement (see the module doc for every rule).

    Args:
        by: What the rows are broken down by.
        window: The days covered (``None``: everything).
        rows: One :class:`BudgetRow` per key, in key order.
        members_served: Members served (``None`` without a program).
        graduated: Graduated households given by the caller (``None`` if not given); with a
            count per cluster, their sum over the books' clusters.
        source_shares: Each source's part of the actual, largest first.
        graduated_by_cluster: The count of each book's cluster, when given per cluster
            (``(cluster ID, households)`` in book order; empty otherwise).
    """

    by: tuple[str, ...]
    window: Span | None
    rows: tuple[BudgetRow, ...]
    members_served: int | None
    graduated: int | None
    source_shares: tuple[SourceShare, ...]
    graduated_by_cluster: tuple[tuple[str, int], ...] = ()

    @property
    def budget(self) -> Decimal:
        """The total budget."""
        return sum((row.budget for row in self.rows), Decimal(0))

    @property
    def actual(self) -> Decimal:
        """The total actual."""
        return sum((row.actual for row in self.rows), Decimal(0))

    @property
    def variance(self) -> Decimal:
        """Total budget − total actual."""
        return self.budget - self.actual

    @property
    def execution(self) -> Decimal | None:
        """Total actual ÷ total budget in percent (``None`` without a budget)."""
        return _percent(self.actual, self.budget)

    @property
    def cost_per_member(self) -> Decimal | None:
        """Actual ÷ members served, whole rupiah (``None`` without members)."""
        return round_rupiah(self.actual / self.members_served) if self.members_served else None

    @property
    def cost_per_graduate(self) -> Decimal | None:
        """Actual ÷ graduated households, whole rupiah (``None`` if not given or none)."""
        return round_rupiah(self.actual / self.graduated) if self.graduated else None

    def cost_per_graduate_in(self, cluster: str) -> Decimal | None:
        """One cluster's actual ÷ its graduated households, whole rupiah.

        Needs ``"cluster"`` in ``by`` and the graduated households given per cluster; ``None``
        when the cluster has none.

        Raises:
            ValidationError: The statement is not by cluster, or has no count per cluster.
            NotFoundError: ``cluster`` has no count in the statement (the message lists them).
        """
        if "cluster" not in self.by or not self.graduated_by_cluster:
            raise ValidationError(
                "needs a statement by cluster with graduated households per cluster "
                "(by=('cluster', ...), graduated={cluster: households})",
                path="cluster",
            )
        counts = dict(self.graduated_by_cluster)
        if cluster not in counts:
            known = ", ".join(map(repr, counts))
            raise NotFoundError(f"no cluster {cluster!r} in the statement; clusters: {known}")
        actual = sum((row.actual for row in self.rows if row.cluster == cluster), Decimal(0))
        return round_rupiah(actual / counts[cluster]) if counts[cluster] else None

    def __repr__(self) -> str:
        by = ", ".join(self.by) or "total"
        return (
            f"BudgetStatement(by {by}, {len(self.rows)} rows, budget "
            f"{_render.money(self.budget, 'en')}, actual {_render.money(self.actual, 'en')})"
        )

    def _repr_html_(self) -> str:
        return _render.budget_html(self, default_lang(), _shown(self))

    def to_records(self) -> list[dict[str, Any]]:
        """One dict per row (tidy: keys, budget, actual, variance, execution in percent)."""
        return [
            {
                "cluster": row.cluster,
                "component": None if row.component is None else row.component.value,
                "source": None if row.source is None else row.source.value,
                "start": row.start,
                "end": row.end,
                "budget": row.budget,
                "actual": row.actual,
                "variance": row.variance,
                "execution": row.execution,
            }
            for row in self.rows
        ]

    def to_pandas(self) -> Any:
        """The rows as a ``pandas.DataFrame`` (the ``pandas`` extra; amounts as floats)."""
        return _dataframes.to_pandas(self.to_records())

    def to_polars(self) -> Any:
        """The rows as a ``polars.DataFrame`` (the ``columnar`` extra; amounts as floats)."""
        return _dataframes.to_polars(self.to_records())


def _check_by(by: str | Iterable[str]) -> tuple[str, ...]:
    chosen = (by,) if isinstance(by, str) else tuple(by)
    for index, name in enumerate(chosen):
        if name not in DIMENSIONS:
            raise ValidationError(
                f"cannot break down by {name!r}; use any of {', '.join(DIMENSIONS)}",
                path=f"by[{index}]",
            )
    grains = [name for name in chosen if name in _budget_periods.GRAINS]
    if len(grains) > 1 or len(set(chosen)) < len(chosen):
        raise ValidationError(
            f"{', '.join(chosen)}: each dimension once, and one of "
            f"{', '.join(_budget_periods.GRAINS)} at most",
            path="by",
        )
    return chosen


def _check_window(period: Span | None) -> Span | None:
    if period is None:
        return None
    start, end = period
    if not isinstance(start, _dt.date) or not isinstance(end, _dt.date) or end < start:
        raise ValidationError("must be two dates (first day, last day), in order", path="period")
    return start, end


def budget_vs_actual(
    books: Books,
    *,
    by: str | Iterable[str] = ("component",),
    period: Span | None = None,
    program: Program | None = None,
    graduated: int | Mapping[str, int] | None = None,
    engine: str = "python",
) -> BudgetStatement:
    """Budget vs actual of one book or of several (a program), broken down by ``by``.

    Args:
        books: A :class:`~klaster.finance.Finance` book, or several (the clusters' and the
            program's own): without ``"cluster"`` in ``by`` they are rolled up.
        by: Any of :data:`DIMENSIONS` (``"component"``, ``"source"``, ``"cluster"``, and one of
            ``"period"`` (the budget lines' periods), ``"month"``, ``"quarter"``, ``"year"``).
        period: Only these days (first, last): entries dated in it and the budget's share of it.
        program: The program, to count the members served (cost per member).
        graduated: Households graduated, given by the caller (cost per graduated household):
            a number, or ``{cluster ID: households}`` with a count for each book's cluster (the
            program's own book, whose ID is not a cluster of ``program``, needs none; other
            keys are ignored), e.g. from :func:`klaster.measurement.graduated_households`.
        engine: ``"python"`` or ``"polars"`` (same figures).

    Returns:
        The :class:`BudgetStatement`.
    """
    chosen = _check_by(by)
    window = _check_window(period)
    if engine not in _ENGINES:
        raise ValidationError(f"unknown engine {engine!r}: use 'python' or 'polars'", path="engine")
    found = as_books(books)
    total, per_cluster = _budget_rows.graduated_counts(graduated, found, program)
    sums = _budget_actuals.polars_sums if engine == "polars" else _budget_actuals.python_sums
    inputs = [_budget_actuals.inputs_of(book) for book in found]
    grain = next((name for name in chosen if name in _budget_periods.GRAINS), None)
    lines = [_lines_of(book) for book in found]
    return statement(
        [book.cluster_id for book in found],
        lines,
        sums(inputs, grain, window),
        chosen,
        window,
        _budget_rows.members_served(program, found, window, inputs, lines),
        total,
        per_cluster,
    )


def _lines_of(book: Any) -> list[_budget_rows.Line]:
    current = book.budget.current
    if current is None:
        return []
    components, sources = _budget_actuals.COMPONENTS, _budget_actuals.SOURCES
    return [
        (components.index(x.component), sources.index(x.source), (x.start, x.end), int(x.amount))
        for x in current.lines
    ]


def statement(
    clusters: Sequence[str],
    lines: Sequence[list[_budget_rows.Line]],
    actuals: Sequence[_budget_actuals.Sums],
    by: tuple[str, ...],
    window: Span | None,
    members_served: int | None = None,
    graduated: int | None = None,
    graduated_by_cluster: tuple[tuple[str, int], ...] = (),
) -> BudgetStatement:
    """The statement from each book's budget lines and actual sums (internal: the bench uses it)."""
    found, shares = _budget_rows.cells(clusters, lines, actuals, by, window)
    total = Decimal(sum(shares.values()))
    components, sources = _budget_actuals.COMPONENTS, _budget_actuals.SOURCES
    rows = tuple(
        BudgetRow(
            key[0],
            None if key[1] is None else components[key[1]],
            None if key[2] is None else sources[key[2]],
            key[3],
            key[4],
            Decimal(budget),
            Decimal(actual),
        )
        for key, (budget, actual) in found
    )
    source_shares = tuple(
        SourceShare(sources[s], Decimal(a), _percent(Decimal(a), total) or Decimal(0))
        for s, a in sorted(shares.items(), key=lambda item: (-item[1], item[0]))
    )
    return BudgetStatement(
        by, window, rows, members_served, graduated, source_shares, graduated_by_cluster
    )


def render_budget(statement: BudgetStatement, lang: Lang | None = None) -> str:
    """The statement as text.

    Args:
        statement: The statement.
        lang: ``None`` (the default) for headings in both languages and amounts as
            ``Rp 1.700.000``; ``"id"`` or ``"en"`` for one language (``IDR 1,700,000``).
    """
    table = _render.budget_table(statement, lang, _shown(statement))
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
    lines = [
        "  ".join(
            cell.rjust(w) if i >= len(widths) - 4 else cell.ljust(w)
            for i, (cell, w) in enumerate(zip(r, widths, strict=True))
        ).rstrip()
        for r in table
    ]
    return "\n".join(lines + _render.budget_totals(statement, lang))


def _shown(statement: BudgetStatement) -> list[bool]:
    # Only the keys the statement is broken down by, then the four amounts.
    grain = any(name in _budget_periods.GRAINS for name in statement.by)
    shown = [n in statement.by for n in ("cluster", "component", "source")] + [grain]
    return shown + [True] * 4
