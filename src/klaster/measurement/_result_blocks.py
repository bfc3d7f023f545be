"""How a results table is held: one block per indicator and round, its rows as columns.

A national report has 155,000 rows; making each a :class:`~klaster.measurement.results.Row`
object costs more than computing its figure. The engines fill blocks (a list per field), the table
answers lookups, filters, records and comparisons from them, and a ``Row`` is made only when
one is asked for.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from klaster.label import Label
from klaster.measurement._backends.figures import FigureColumns
from klaster.measurement.na import NotAvailable
from klaster.measurement.rows import Row

__all__ = ["Block", "Combo", "blocks_of"]

Combo = tuple[tuple[str, str], ...]


class Block:
    """The rows of one indicator in one round (what every row of it shares, then columns)."""

    __slots__ = (
        "by",
        "days",
        "denominator",
        "indicator",
        "label",
        "missing",
        "n",
        "numerator",
        "on",
        "round_id",
        "target",
        "unit",
        "value",
    )

    def __init__(
        self,
        head: tuple[str, Label, str | None, str | None, _dt.date | None, Decimal | None],
        by: list[Combo],
        figures: FigureColumns,
    ) -> None:
        self.indicator, self.label, self.unit, self.round_id, self.on, self.target = head
        self.by = by
        self.value: list[Decimal | NotAvailable] = figures.value
        self.numerator: list[Decimal | None] = figures.numerator
        self.denominator: list[Decimal | None] = figures.denominator
        self.n: list[int] = figures.n
        self.missing: list[int] = figures.missing
        # Each row's date where they differ (a round key of several days: a cluster's rows carry
        # its own day), else None: every row's is ``on``.
        self.days: list[_dt.date | None] | None = None

    @property
    def head(self) -> tuple[str, Label, str | None, str | None, _dt.date | None, Decimal | None]:
        """What every row of the block shares."""
        return self.indicator, self.label, self.unit, self.round_id, self.on, self.target

    def __len__(self) -> int:
        return len(self.by)

    def day(self, index: int) -> _dt.date | None:
        """The date of row ``index``."""
        return self.on if self.days is None else self.days[index]

    def row(self, index: int) -> Row:
        """Row ``index`` as a :class:`Row`."""
        return Row(
            self.indicator,
            self.label,
            self.unit,
            self.round_id,
            self.day(index),
            self.by[index],
            self.value[index],
            self.numerator[index],
            self.denominator[index],
            self.n[index],
            self.missing[index],
            self.target,
        )

    def rows(self) -> list[Row]:
        """Every row, in order."""
        code, label, unit, key, on, target = self.head
        days = [on] * len(self.by) if self.days is None else self.days
        columns = (days, self.by, self.value, self.numerator, self.denominator, self.n)
        return [
            Row(code, label, unit, key, day, by, value, top, bottom, n, missing, target)
            for day, by, value, top, bottom, n, missing in zip(*columns, self.missing, strict=True)
        ]

    def take(self, index: Sequence[int]) -> Block:
        """The rows at ``index``, as a new block."""
        figures = FigureColumns([self.n[i] for i in index], [self.missing[i] for i in index])
        figures.value = [self.value[i] for i in index]
        figures.numerator = [self.numerator[i] for i in index]
        figures.denominator = [self.denominator[i] for i in index]
        taken = Block(self.head, [self.by[i] for i in index], figures)
        taken.days = None if self.days is None else [self.days[i] for i in index]
        return taken

    def joined(self, other: Block) -> Block:
        """This block's rows and ``other``'s (same head) in the order of their disaggregation."""
        by = self.by + other.by
        order = sorted(range(len(by)), key=lambda i: (len(by[i]), by[i]))
        both = FigureColumns(self.n + other.n, self.missing + other.missing)
        both.value = self.value + other.value
        both.numerator = self.numerator + other.numerator
        both.denominator = self.denominator + other.denominator
        joined = Block(self.head, by, both)
        if self.days is not None or other.days is not None:
            joined.days = [self.day(i) for i in range(len(self))]
            joined.days += [other.day(i) for i in range(len(other))]
        return joined.take(order)

    def dated(self, frames: Sequence[Any]) -> Block:
        """This block, its rows of one cluster dated by that cluster's round (``frames``).

        Only when the round key has no one date (``on`` is ``None``: its clusters surveyed it
        on different days); a row over several clusters keeps none.
        """
        if self.on is not None or self.round_id is None:
            return self
        day_of = {frame.cluster.id: frame.round.on for frame in frames}
        days = [day_of.get(dict(by).get("cluster", "")) for by in self.by]
        if any(day is not None for day in days):
            self.days = days
        return self

    def record(self, index: int, dims: Sequence[str]) -> dict[str, Any]:
        """Row ``index`` as a plain dict (see :meth:`Results.to_records`)."""
        value = self.value[index]
        found = dict(self.by[index])
        record: dict[str, Any] = {
            "indicator": self.indicator,
            "label_id": self.label.id,
            "label_en": self.label.en,
            "unit": self.unit,
            "round": self.round_id,
            "date": self.day(index),
        }
        record.update({dim: found.get(dim) for dim in dims})
        record.update(
            value=None if isinstance(value, NotAvailable) else value,
            numerator=self.numerator[index],
            denominator=self.denominator[index],
            n=self.n[index],
            missing=self.missing[index],
            target=self.target,
            reason=value.reason if isinstance(value, NotAvailable) else None,
        )
        return record

    def columns(self, dims: Sequence[str]) -> dict[str, list[Any]]:
        """Every row as :meth:`record` gives it, column-wise (no dict per row)."""
        count, found = len(self.by), [dict(combo) for combo in self.by]
        reasons = [v.reason if isinstance(v, NotAvailable) else None for v in self.value]
        return {
            "indicator": [self.indicator] * count,
            "label_id": [self.label.id] * count,
            "label_en": [self.label.en] * count,
            "unit": [self.unit] * count,
            "round": [self.round_id] * count,
            "date": [self.on] * count if self.days is None else list(self.days),
            **{dim: [f.get(dim) for f in found] for dim in dims},
            "value": [None if isinstance(v, NotAvailable) else v for v in self.value],
            "numerator": list(self.numerator),
            "denominator": list(self.denominator),
            "n": list(self.n),
            "missing": list(self.missing),
            "target": [self.target] * count,
            "reason": reasons,
        }


def blocks_of(rows: Sequence[Row]) -> list[Block]:
    """Rows made into blocks: each run of rows sharing indicator, round and target.

    Rows of one run with different dates (a round its clusters surveyed on different days,
    each cluster's rows dated by its own) are one block with a date per row, not a block each.
    """
    blocks: list[Block] = []
    start = 0
    for end in range(1, len(rows) + 1):
        if end < len(rows) and _head(rows[end]) == _head(rows[start]):
            continue
        part = rows[start:end]
        figures = FigureColumns([r.n for r in part], [r.missing for r in part])
        figures.value = [r.value for r in part]
        figures.numerator = [r.numerator for r in part]
        figures.denominator = [r.denominator for r in part]
        days = [r.on for r in part]
        one = days[0] if days.count(days[0]) == len(days) else None
        code, label, unit, key, target = _head(rows[start])
        block = Block((code, label, unit, key, one, target), [r.by for r in part], figures)
        block.days = None if one is not None or not any(days) else days
        blocks.append(block)
        start = end
    return blocks


def _head(row: Row) -> tuple[str, Label, str | None, str | None, Decimal | None]:
    return row.indicator, row.label, row.unit, row.round_id, row.target
