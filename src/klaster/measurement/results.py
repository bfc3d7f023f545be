"""Indicator results as a tidy table: one row per indicator × disaggregation × round.

Analysts get plain records (:meth:`Results.to_records`), a pandas or polars frame when those are
installed (:meth:`Results.to_pandas`, :meth:`Results.to_polars`), an HTML table in notebooks and a
baseline-versus-endline comparison (:meth:`Results.compare`).

The table holds its rows as columns, one block per indicator and round; a :class:`Row` is made
when one is asked for (:meth:`Results.row`, iterating, :attr:`Results.rows`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from typing import Any

from klaster._support import dataframes as _dataframes
from klaster._support.gc import gc_paused
from klaster.catalogue.display import Display
from klaster.errors import NotFoundError
from klaster.formatting import Lang, check_lang, default_lang
from klaster.measurement import _results_view as view
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
        displays: How each indicator's figures are shown (what
            :meth:`~klaster.measurement.Measurement.report` sets from the indicators); an
            indicator not in it is shown as its unit says.
    """

    __slots__ = ("_blocks", "_displays", "_rows")

    def __init__(
        self, rows: Iterable[Row] = (), *, displays: Mapping[str, Display] | None = None
    ) -> None:
        listed = tuple(rows)
        self._rows: tuple[Row, ...] | None = listed
        self._blocks: tuple[Block, ...] = tuple(blocks_of(listed))
        self._displays = view.display_of(displays or {}, self._blocks)

    @classmethod
    def of_blocks(
        cls, blocks: Iterable[Block], *, displays: Mapping[str, Display] | None = None
    ) -> Results:
        """A table of blocks (what the engine builds; internal); rows are made on first use."""
        table = cls.__new__(cls)
        table._blocks = tuple(b for b in blocks if len(b))
        table._rows = None
        table._displays = view.display_of(displays or {}, table._blocks)
        return table

    @property
    def displays(self) -> Mapping[str, Display]:
        """How each indicator's figures are shown (kind and decimals), by indicator code."""
        return dict(self._displays)

    def display(self, indicator: str) -> Display:
        """How ``indicator``'s figures are shown (a percentage, Rupiah, a count, a number).

        Raises:
            NotFoundError: The table has no such indicator (with the closest codes).
        """
        found = self._displays.get(indicator)
        if found is None:
            raise NotFoundError(_unknown(indicator, self._displays), path="indicator")
        return found

    @property
    def rounds(self) -> tuple[str | None, ...]:
        """The rounds, by date (the earliest first; not alphabetical)."""
        return tuple(view.round_order(self._blocks))

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
        return view.describe(self._blocks, self.dimensions, len(self))

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
        return Results.of_blocks(kept, displays=self._displays)

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

    def to_columns(self) -> dict[str, list[Any]]:
        """:meth:`to_records` column-wise: one list per key, the rows in the same order.

        What a data frame or a CSV writer takes, without a dict per row (a national report
        has 155,000 rows). A table without rows has no columns.

        Example:
            >>> from klaster.examples import bantaeng
            >>> from klaster.measurement import Measurement
            >>> program, observations = bantaeng()
            >>> table = Measurement(program, observations).report("members", by="sector")
            >>> columns = table.to_columns()
            >>> list(columns)[:6], columns["sector"][:2]
            (['indicator', 'label_id', 'label_en', 'unit', 'round', 'date'], [None, 'umkm'])
            >>> [dict(zip(columns, row)) for row in zip(*columns.values())] == table.to_records()
            True
        """
        columns: dict[str, list[Any]] = {}
        dims = self.dimensions
        for block in self._blocks:
            for key, values in block.columns(dims).items():
                columns.setdefault(key, []).extend(values)
        return columns

    def _records(self, limit: int | None) -> list[dict[str, Any]]:
        dims = self.dimensions
        records: list[dict[str, Any]] = []
        for block in self._blocks:
            for index in range(len(block)):
                if limit is not None and len(records) >= limit:
                    return records
                records.append(block.record(index, dims))
        return records

    def wide(self) -> list[dict[str, Any]]:
        """Rounds as columns, in date order: one dict per indicator and disaggregation.

        Each has ``indicator``, ``label_id``, ``label_en``, ``unit``, one key per dimension
        (``None`` for the total over it), then per round its value (``Decimal``, ``None`` when
        not available) under the round's key and its ``n`` under ``n_<round>``.
        """
        return view.wide_records(self._blocks, self.dimensions)

    def to_pandas(self, *, wide: bool = False) -> Any:
        """A ``pandas.DataFrame`` of :meth:`to_records` (numbers as ``float`` for analysis).

        Args:
            wide: Rounds as columns, in date order (:meth:`wide`).

        Raises:
            KlasterError: pandas is not installed (``pip install 'klaster[pandas]'``).
        """
        return _dataframes.to_pandas(self.wide() if wide else self.to_records())

    def to_polars(self, *, wide: bool = False) -> Any:
        """A ``polars.DataFrame`` of :meth:`to_records` (numbers as ``Float64`` for analysis).

        Args:
            wide: Rounds as columns, in date order (:meth:`wide`).

        Raises:
            KlasterError: polars is not installed (``pip install 'klaster[columnar]'``).
        """
        return _dataframes.to_polars(self.wide() if wide else self.to_records())

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

    def to_html(self, lang: Lang | None = None, *, max_lines: int = _HTML_ROWS) -> str:
        """The compact table a notebook shows, escaped.

        Rounds are columns in date order, each figure rounded to its indicator's display with
        its ``n``, and the totals labelled.

        Args:
            lang: ``"id"`` or ``"en"`` (default: ``KLASTER_LANG``, else English).
            max_lines: Lines shown; the rest are counted below the table.
        """
        chosen = default_lang() if lang is None else check_lang(lang)
        if not self._blocks:
            return "<p>no results</p>"
        return view.html_table(
            self._blocks, self.dimensions, self.display, chosen, max(0, max_lines)
        )

    def _repr_html_(self) -> str:
        return self.to_html()


def _unknown(code: str, known: Iterable[str]) -> str:
    from klaster._support.suggest import did_you_mean

    codes = sorted(known)
    hint = did_you_mean(code, codes) or f"indicators here: {', '.join(codes) or 'none'}"
    return f"no indicator {code!r} in the results; {hint}"


def _matches(combo: Combo, by: dict[str, str], excluded: set[str]) -> bool:
    found = dict(combo)
    return all(found.get(k) == v for k, v in by.items()) and not any(k in found for k in excluded)
