"""The cells of a budget statement: budget and actual summed by key (internal).

:mod:`klaster.finance.budget_statements` turns them into records; the rules are in its doc.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from klaster.errors import ValidationError
from klaster.finance import _budget_actuals, _budget_periods
from klaster.finance._budget_periods import Span
from klaster.model.program import Program

__all__ = ["Key", "Line", "cells", "graduated_counts", "households", "members_served"]

Key = tuple[str | None, int | None, int | None, _dt.date | None, _dt.date | None]
"""Cluster, component code, source code, first and last day (``None``: not broken down)."""
Line = tuple[int, int, Span, int]
"""A budget line: component code, source code, its period, whole rupiah."""


def cells(
    clusters: Sequence[str],
    lines: Sequence[list[Line]],
    actuals: Sequence[_budget_actuals.Sums],
    by: tuple[str, ...],
    window: Span | None,
) -> tuple[list[tuple[Key, list[int]]], dict[int, int]]:
    """Key → [budget, actual] in key order, and the actual by source code.

    ``actuals`` are keyed as :func:`~klaster.finance._budget_actuals.key_of` keys them, already
    restricted to ``window``.
    """
    grain = next((name for name in by if name in _budget_periods.GRAINS), None)
    cells: dict[Key, list[int]] = {}
    shares: dict[int, int] = {}

    periods: dict[int, Span] = {}
    pieces: dict[tuple[Span, Span], list[_Cut]] = {}

    def calendar(ordinal: int) -> Span:
        # The calendar period of a day within the window (budget and actual share this key).
        found = periods.get(ordinal)
        if found is None:
            whole = _budget_periods.bucket_of(str(grain), _dt.date.fromordinal(ordinal))
            found = periods[ordinal] = _budget_periods.clip(whole, window) or whole
        return found

    by_cluster, by_component, by_source = ("cluster" in by), ("component" in by), ("source" in by)

    def add(cluster: str, c: int, s: int, span: Span | None, budget: int, actual: int) -> None:
        when: Span | tuple[None, None] = _NO_SPAN if span is None or grain is None else span
        key: Key = (
            cluster if by_cluster else None,
            c if by_component else None,
            s if by_source else None,
            when[0],
            when[1],
        )
        cell = cells.get(key)
        if cell is None:
            cell = cells[key] = [0, 0]
        cell[0] += budget
        cell[1] += actual

    calendar_grain = grain is not None and grain != "period"
    for cluster, book_lines, sums in zip(clusters, lines, actuals, strict=True):
        for c, s, span, amount in book_lines:
            part = _budget_periods.clip(span, window)
            if part is None:
                continue
            if not calendar_grain:
                add(cluster, c, s, span, _budget_periods.share(amount, span, part), 0)
                continue
            cuts = pieces.get((span, part))
            if cuts is None:
                cuts = pieces[span, part] = _cuts(str(grain), span, part, calendar)
            owner = cluster if by_cluster else None
            for first, last, before, through, total in cuts:
                # share(): the straight-line amount up to ``through`` less that up to ``before``
                budget = (2 * amount * through + total) // (2 * total) - (
                    2 * amount * before + total
                ) // (2 * total)
                key: Key = (
                    owner,
                    c if by_component else None,
                    s if by_source else None,
                    first,
                    last,
                )
                cell = cells.get(key)
                if cell is None:
                    cells[key] = [budget, 0]
                else:
                    cell[0] += budget
        if calendar_grain:  # the common case, inlined: one cell per component, source, period
            owner = cluster if by_cluster else None
            for (c, s, ordinal), amount in sums.items():
                shares[s] = shares.get(s, 0) + amount
                when = periods.get(ordinal) or calendar(ordinal)
                key = (
                    owner,
                    c if by_component else None,
                    s if by_source else None,
                    when[0],
                    when[1],
                )
                cell = cells.get(key)
                if cell is None:
                    cells[key] = [0, amount]
                else:
                    cell[1] += amount
            continue
        for (c, s, ordinal), amount in sums.items():
            shares[s] = shares.get(s, 0) + amount
            within: Span | None = None
            if grain == "period":
                day = _dt.date.fromordinal(ordinal)
                within = next(
                    (
                        sp
                        for lc, ls, sp, _a in book_lines
                        if (lc, ls) == (c, s) and sp[0] <= day <= sp[1]
                    ),
                    None,
                )
            add(cluster, c, s, within, 0, amount)
    return _sorted(cells), shares


_NO_SPAN: tuple[None, None] = (None, None)
_Cut = tuple[_dt.date, _dt.date, int, int, int]


def _cuts(grain: str, span: Span, part: Span, calendar: Callable[[int], Span]) -> list[_Cut]:
    """The calendar periods of ``part``, a line's ``span`` within the window.

    Each: its key's first and last day, the line's days before it and through it, and in all.
    """
    total = (span[1] - span[0]).days + 1
    found = []
    for piece in _budget_periods.buckets(grain, part):
        first, last = calendar(piece[0].toordinal())
        before = (piece[0] - span[0]).days
        found.append((first, last, before, (piece[1] - span[0]).days + 1, total))
    return found


def _sorted(cells: dict[Key, list[int]]) -> list[tuple[Key, list[int]]]:
    try:  # keys compare as they are unless unbudgeted spending (no period) meets periods
        return sorted(cells.items())
    except TypeError:
        return sorted(cells.items(), key=lambda item: _order(item[0]))


def _order(key: Key) -> tuple[Any, ...]:
    # None (not broken down; unbudgeted) sorts first, then values in their natural order.
    return tuple((value is not None, value or 0) for value in key)


def members_served(
    program: Program | None,
    books: list[Any],
    window: Span | None,
    inputs: list[_budget_actuals.ActualInputs],
    lines: list[list[tuple[int, int, Span, int]]],
) -> int | None:
    if program is None:
        return None
    span = window
    if span is None:  # the span of the budget lines and the entries (in date order)
        days = [d for i in inputs if len(i.on) for d in (i.on[0], i.on[-1])]
        firsts = [_dt.date.fromordinal(d) for d in days] + [x[2][0] for b in lines for x in b]
        lasts = [_dt.date.fromordinal(d) for d in days] + [x[2][1] for b in lines for x in b]
        if not firsts:
            return 0
        span = (min(firsts), max(lasts))
    served = 0
    for book in books:
        cluster = program.clusters.get(book.cluster_id)
        if cluster is None:  # the program's own book: its members are the clusters'
            continue
        served += sum(
            1
            for m in cluster.members
            if m.joined <= span[1] and (m.left is None or m.left >= span[0])
        )
    return served


def households(value: object, path: str) -> int:
    """``value`` checked to be a whole number of households, 0 or more."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError("must be a whole number of households", path=path)
    if value < 0:
        raise ValidationError("must be 0 or more households", path=path)
    return value


def graduated_counts(
    graduated: object, books: Sequence[Any], program: Program | None
) -> tuple[int | None, tuple[tuple[str, int], ...]]:
    """The total of ``budget_vs_actual(graduated=...)`` and each book's count if per cluster.

    A count per cluster needs one for each book's cluster but the program's own book (its ID
    is not a cluster of ``program``); other keys are ignored.
    """
    if graduated is None:
        return None, ()
    if not isinstance(graduated, Mapping):
        return households(graduated, "graduated"), ()
    counts = {k: households(v, f"graduated[{k!r}]") for k, v in graduated.items()}
    per_cluster: dict[str, int] = {}
    for book in books:
        if book.cluster_id in counts:
            per_cluster[book.cluster_id] = counts[book.cluster_id]
        elif program is None or book.cluster_id in program.clusters:
            given = ", ".join(map(repr, counts)) or "none"
            raise ValidationError(
                f"no count for cluster {book.cluster_id!r}; give one for each book's cluster "
                f"(given: {given})",
                path="graduated",
            )
    return sum(per_cluster.values()), tuple(per_cluster.items())
