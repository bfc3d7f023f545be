"""Indicator results as a tidy table: one row per indicator × disaggregation × round.

Analysts get plain records (:meth:`Results.to_records`), a pandas or polars frame when those are
installed (:meth:`Results.to_pandas`, :meth:`Results.to_polars`), an HTML table in notebooks and a
baseline-versus-endline comparison (:meth:`Results.compare`).

The table holds its rows as columns, one block per indicator and round; a :class:`Row` is made
when one is asked for (:meth:`Results.row`, iterating, :attr:`Results.rows`).
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from klaster._support import dataframes as _dataframes
from klaster._support.gc import gc_paused
from klaster.errors import NotFoundError
from klaster.measurement._result_blocks import Block, Combo, blocks_of
from klaster.measurement.na import NotAvailable
from klaster.measurement.rows import Comparison, Row

__all__ = ["Comparison", "Results", "Row"]

_HTML_ROWS = 60


class Results:
    """A tidy table of indicator figures; immutable.

    Iterate for :class:`Row` records; select with :meth:`filter`, :meth:`row` and :meth:`value`.
    Two tables are equal when their rows are.

    Args:
        rows: The rows.
    """

    __slots__ = ("_blocks", "_rows")

    def __init__(self, rows: Iterable[Row] = ()) -> None:
        listed = tuple(rows)
        self._rows: tuple[Row, ...] | None = listed
        self._blocks: tuple[Block, ...] = tuple(blocks_of(listed))

    @classmethod
    def of_blocks(cls, blocks: Iterable[Block]) -> Results:
        """A table of blocks (what the engine builds; internal); rows are made on first use."""
        table = cls.__new__(cls)
        table._blocks = tuple(b for b in blocks if len(b))
        table._rows = None
        return table

    @property
    def rows(self) -> tuple[Row, ...]:
        """Every row, in order."""
        if self._rows is None:
            with gc_paused():
                self._rows = tuple(row for block in self._blocks for row in block.rows())
        return self._rows

    def __iter__(self) -> Iterator[Row]:
        return iter(self.rows)

    def __len__(self) -> int:
        return sum(map(len, self._blocks))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Results):
            return NotImplemented
        return self.rows == other.rows

    def __hash__(self) -> int:
        return hash(self.rows)

    def __repr__(self) -> str:
        codes = dict.fromkeys(b.indicator for b in self._blocks)
        return f"Results({len(self)} rows of {', '.join(codes) or 'no indicator'})"

    @property
    def dimensions(self) -> tuple[str, ...]:
        """Every disaggregation dimension used, in order of first use."""
        return tuple(
            dict.fromkeys(name for block in self._blocks for combo in block.by for name, _ in combo)
        )

    def filter(
        self,
        indicator: str | None = None,
        round_id: str | None = None,
        *,
        total_over: Iterable[str] = (),
        **by: str,
    ) -> Results:
        """Rows of ``indicator`` in ``round_id`` whose disaggregation includes ``by``.

        Args:
            indicator: Indicator code, or ``None`` for all.
            round_id: Round, or ``None`` for all.
            total_over: Dimensions that must *not* be split (the totals over them).
            **by: Dimension categories the rows must have, e.g. ``sex="female"``.
        """
        excluded = set(total_over)
        kept = []
        for block in self._blocks:
            if indicator is not None and block.indicator != indicator:
                continue
            if round_id is not None and block.round_id != round_id:
                continue
            if by or excluded:
                block = block.take(
                    [i for i, combo in enumerate(block.by) if _matches(combo, by, excluded)]
                )
            kept.append(block)
        return Results.of_blocks(kept)

    def row(self, indicator: str, round_id: str | None = None, **by: str) -> Row:
        """The one row of ``indicator`` (in ``round_id``) with exactly the disaggregation ``by``."""
        wanted = tuple(sorted(by.items()))
        for block in self._blocks:
            if block.indicator != indicator or round_id not in (None, block.round_id):
                continue
            for index, combo in enumerate(block.by):
                if len(combo) == len(wanted) and tuple(sorted(combo)) == wanted:
                    return block.row(index)
        where = ", ".join(f"{k}={v!r}" for k, v in by.items()) or "no disaggregation"
        raise NotFoundError(
            f"no figure for indicator {indicator!r}"
            + (f" in round {round_id!r}" if round_id else "")
            + f" with {where}; indicators here: "
            + ", ".join(sorted({b.indicator for b in self._blocks}))
        )

    def value(
        self, indicator: str, round_id: str | None = None, **by: str
    ) -> Decimal | NotAvailable:
        """The value of :meth:`row`."""
        return self.row(indicator, round_id, **by).value

    def to_records(self) -> list[dict[str, Any]]:
        """Plain dicts, one per row, with one column per disaggregation dimension.

        Values are ``Decimal`` (or ``None`` with the reason in ``reason``); labels in both
        languages.
        """
        return self._records(None)

    def _records(self, limit: int | None) -> list[dict[str, Any]]:
        dims = self.dimensions
        records: list[dict[str, Any]] = []
        for block in self._blocks:
            for index in range(len(block)):
                if limit is not None and len(records) >= limit:
                    return records
                records.append(block.record(index, dims))
        return records

    def to_pandas(self) -> Any:
        """A ``pandas.DataFrame`` of :meth:`to_records` (numbers as ``float`` for analysis).

        Raises:
            KlasterError: pandas is not installed (``pip install 'klaster[pandas]'``).
        """
        return _dataframes.to_pandas(self.to_records())

    def to_polars(self) -> Any:
        """A ``polars.DataFrame`` of :meth:`to_records` (numbers as ``Float64`` for analysis).

        Raises:
            KlasterError: polars is not installed (``pip install 'klaster[columnar]'``).
        """
        return _dataframes.to_polars(self.to_records())

    def compare(self, before: str, after: str) -> tuple[Comparison, ...]:
        """Baseline-versus-endline lines: each indicator and disaggregation in both rounds."""
        first: dict[str, dict[Combo, tuple[Decimal | NotAvailable, int]]] = {}
        for block in self._blocks:
            if block.round_id == before:
                first.setdefault(block.indicator, {}).update(
                    zip(block.by, zip(block.value, block.n, strict=True), strict=True)
                )
        lines = []
        with gc_paused():
            for block in self._blocks:
                olds = first.get(block.indicator)
                if block.round_id != after or olds is None:
                    continue
                code, label = block.indicator, block.label
                for combo, value, n in zip(block.by, block.value, block.n, strict=True):
                    old = olds.get(combo)
                    if old is not None:
                        lines.append(Comparison(code, label, combo, old[0], value, old[1], n))
        return tuple(lines)

    def _repr_html_(self) -> str:
        records = self._records(_HTML_ROWS)
        if not records:
            return "<p>no results</p>"
        head = "".join(f"<th>{html.escape(str(k))}</th>" for k in records[0])
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(_cell(v))}</td>" for v in r.values()) + "</tr>"
            for r in records
        )
        more = len(self) - len(records)
        note = f"<p>… {more} more rows</p>" if more > 0 else ""
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{note}"


def _matches(combo: Combo, by: dict[str, str], excluded: set[str]) -> bool:
    found = dict(combo)
    return all(found.get(k) == v for k, v in by.items()) and not any(k in found for k in excluded)


def _cell(value: object) -> str:
    return "" if value is None else str(value)
