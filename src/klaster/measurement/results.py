"""Indicator results as a tidy table: one row per indicator × disaggregation × round.

Analysts get plain records (:meth:`Results.to_records`), a pandas or polars frame when those are
installed (:meth:`Results.to_pandas`, :meth:`Results.to_polars`), an HTML table in notebooks and a
baseline-versus-endline comparison (:meth:`Results.compare`).
"""

from __future__ import annotations

import datetime as _dt
import html
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from attrs import frozen

from klaster.errors import KlasterError, NotFoundError
from klaster.label import Label
from klaster.measurement.na import NotAvailable

__all__ = ["Comparison", "Results", "Row"]

_HTML_ROWS = 60


@frozen
class Row:
    """One figure of a report.

    Args:
        indicator: Indicator code.
        label: Bilingual indicator name.
        unit: Unit of the value.
        round_id: Survey round, or ``None`` for figures not tied to a round.
        on: Date of the round (or of the figure).
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
    """A baseline-versus-endline line of :meth:`Results.compare`."""

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
            return NotAvailable("the baseline value is zero")
        return change / self.before * 100


@frozen
class Results:
    """A tidy table of indicator figures.

    Iterate for :class:`Row` records; select with :meth:`filter` and :meth:`value`.

    Args:
        rows: The rows.
    """

    rows: tuple[Row, ...]

    def __iter__(self) -> Iterator[Row]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def dimensions(self) -> tuple[str, ...]:
        """Every disaggregation dimension used, in order of first use."""
        return tuple(dict.fromkeys(name for row in self.rows for name, _ in row.by))

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
        return Results(
            tuple(
                row
                for row in self.rows
                if (indicator is None or row.indicator == indicator)
                and (round_id is None or row.round_id == round_id)
                and all(row.dimension(k) == v for k, v in by.items())
                and not any(row.dimension(k) is not None for k in excluded)
            )
        )

    def row(self, indicator: str, round_id: str | None = None, **by: str) -> Row:
        """The one row of ``indicator`` (in ``round_id``) with exactly the disaggregation ``by``."""
        wanted = tuple(sorted(by.items()))
        for row in self.rows:
            if (
                row.indicator == indicator
                and (round_id is None or row.round_id == round_id)
                and tuple(sorted(row.by)) == wanted
            ):
                return row
        where = ", ".join(f"{k}={v!r}" for k, v in by.items()) or "no disaggregation"
        raise NotFoundError(
            f"no figure for indicator {indicator!r}"
            + (f" in round {round_id!r}" if round_id else "")
            + f" with {where}; indicators here: "
            + ", ".join(sorted({r.indicator for r in self.rows}))
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
        dims = self.dimensions
        records = []
        for row in self.rows:
            record: dict[str, Any] = {
                "indicator": row.indicator,
                "label_id": row.label.id,
                "label_en": row.label.en,
                "unit": row.unit,
                "round": row.round_id,
                "date": row.on,
            }
            record.update({dim: row.dimension(dim) for dim in dims})
            record.update(
                value=None if isinstance(row.value, NotAvailable) else row.value,
                numerator=row.numerator,
                denominator=row.denominator,
                n=row.n,
                missing=row.missing,
                target=row.target,
                reason=row.value.reason if isinstance(row.value, NotAvailable) else None,
            )
            records.append(record)
        return records

    def to_pandas(self) -> Any:
        """A ``pandas.DataFrame`` of :meth:`to_records` (numbers as ``float`` for analysis).

        Raises:
            KlasterError: pandas is not installed (``pip install 'klaster[pandas]'``).
        """
        try:
            import pandas
        except ImportError:
            raise KlasterError("to_pandas() needs pandas: pip install 'klaster[pandas]'") from None
        return pandas.DataFrame(_floats(self.to_records()))

    def to_polars(self) -> Any:
        """A ``polars.DataFrame`` of :meth:`to_records` (numbers as ``Float64`` for analysis).

        Raises:
            KlasterError: polars is not installed (``pip install 'klaster[columnar]'``).
        """
        try:
            import polars
        except ImportError:
            raise KlasterError(
                "to_polars() needs polars: pip install 'klaster[columnar]'"
            ) from None
        return polars.DataFrame(_floats(self.to_records()), infer_schema_length=None)

    def compare(self, before: str, after: str) -> tuple[Comparison, ...]:
        """Baseline-versus-endline lines: each indicator and disaggregation in both rounds."""
        first = {(r.indicator, r.by): r for r in self.rows if r.round_id == before}
        lines = []
        for row in self.rows:
            if row.round_id != after or (row.indicator, row.by) not in first:
                continue
            old = first[(row.indicator, row.by)]
            lines.append(
                Comparison(row.indicator, row.label, row.by, old.value, row.value, old.n, row.n)
            )
        return tuple(lines)

    def _repr_html_(self) -> str:
        records = self.to_records()[:_HTML_ROWS]
        if not records:
            return "<p>no results</p>"
        head = "".join(f"<th>{html.escape(str(k))}</th>" for k in records[0])
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(_cell(v))}</td>" for v in r.values()) + "</tr>"
            for r in records
        )
        more = len(self.rows) - len(records)
        note = f"<p>… {more} more rows</p>" if more > 0 else ""
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{note}"


def _cell(value: object) -> str:
    return "" if value is None else str(value)


def _floats(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # Frames are for analysis and plotting; the exact Decimals stay in Results.
    return [
        {k: float(v) if isinstance(v, Decimal) else v for k, v in record.items()}
        for record in records
    ]
