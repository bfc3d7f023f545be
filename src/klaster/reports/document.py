"""A report as a tree of typed blocks, before any format or language is chosen.

Sections build a :class:`Report`; renderers (HTML, Markdown, XLSX, PDF) turn it into a file in
one language. Keeping the tree neutral is what lets one report be written in Indonesian for the
Bupati's office and in English for a donor from the same figures, and lets the XLSX keep real
numbers with number formats while HTML shows them formatted: a table cell holds the value (a
``Decimal``, a count, a date, a :class:`~klaster.measurement.NotAvailable` with its reason) and
its column says how to show it.
"""

from __future__ import annotations

import datetime as _dt
import enum
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import TypeAlias

from attrs import field, frozen

from klaster._support.validate import check_code, check_date, int_at_least
from klaster.errors import ValidationError
from klaster.label import Label, to_label, to_optional_label
from klaster.measurement.na import NotAvailable

__all__ = [
    "Block",
    "Chart",
    "ChartKind",
    "Column",
    "Definition",
    "Kind",
    "Paragraph",
    "Report",
    "Section",
    "Series",
    "Table",
    "Value",
]


# One converter per field type, not a generic one: mypy's attrs plugin types the constructor's
# parameter from the converter's, and a TypeVar there accepts nothing.
def _formats(values: Iterable[tuple[Kind, int] | None]) -> tuple[tuple[Kind, int] | None, ...]:
    return tuple(values)


def _values(values: Iterable[Decimal | None]) -> tuple[Decimal | None, ...]:
    return tuple(values)


def _series(values: Iterable[Series]) -> tuple[Series, ...]:
    return tuple(values)


def _blocks(values: Iterable[Block]) -> tuple[Block, ...]:
    return tuple(values)


def _sections(values: Iterable[Section]) -> tuple[Section, ...]:
    return tuple(values)


def _definitions(values: Iterable[Definition]) -> tuple[Definition, ...]:
    return tuple(values)


def _columns(values: Iterable[Column]) -> tuple[Column, ...]:
    return tuple(values)


def _rows(rows: Iterable[Iterable[Value]]) -> tuple[tuple[Value, ...], ...]:
    return tuple(tuple(row) for row in rows)


def _labels(values: Iterable[Label | tuple[str, str]]) -> tuple[Label, ...]:
    return tuple(to_label(v) for v in values)


Value: TypeAlias = Decimal | int | str | _dt.date | Label | NotAvailable | None
"""What a table cell holds: a number, a date, text (a :class:`Label` when it is translated),
:class:`NotAvailable` with the reason, or ``None`` for a cell that has nothing to say (a total
row's label column, say — never a missing figure, which is ``NotAvailable``)."""


class Kind(enum.Enum):
    """How a column's values are shown (and typed in a spreadsheet)."""

    TEXT = "text"
    """Text or a :class:`Label`, shown in the report's language."""
    COUNT = "count"
    """Whole numbers of people, groups, rows: ``1.234`` / ``1,234``."""
    NUMBER = "number"
    """A figure with the column's ``digits`` decimals."""
    PERCENT = "percent"
    """A share between 0 and 1, shown as a percentage (``0.31`` → ``31,0%``)."""
    MONEY = "money"
    """Rupiah: ``Rp 1.700.000`` / ``IDR 1,700,000``."""
    DATE = "date"
    """A date: ``18 Februari 2014`` / ``February 18, 2014``."""


@frozen
class Column:
    """One column of a :class:`Table`.

    Args:
        key: A code naming the column (``"n"``, ``"baseline"``), unique in its table.
        label: Its heading in both languages.
        kind: How its values are shown.
        digits: Decimals shown for ``NUMBER`` and ``PERCENT`` columns (0–6).
    """

    key: str = field(validator=check_code)
    label: Label = field(converter=to_label)
    kind: Kind = Kind.TEXT
    digits: int = field(default=0, validator=int_at_least(0))


@frozen
class Table:
    """A titled table: columns, rows of values, notes under it.

    Args:
        key: A code naming the table (an XLSX sheet's name, an HTML anchor).
        title: Its title in both languages.
        columns: The columns.
        rows: One tuple of values per row, in column order.
        notes: Footnotes (definitions, the rule behind a status, what ``n`` counts).
        total_rows: How many rows at the end are totals (shown apart, labelled).
        formats: Empty, or one entry per row: ``(kind, digits)`` overriding the ``NUMBER``
            columns' kind and decimals in that row (an indicator table, where each row is an
            indicator with its own unit: a share, Rupiah, a count), or ``None`` to keep them.
            Renderers ask :meth:`column_at` for the column a cell is shown with.
    """

    key: str = field(validator=check_code)
    title: Label = field(converter=to_label)
    columns: tuple[Column, ...] = field(converter=_columns)
    rows: tuple[tuple[Value, ...], ...] = field(converter=_rows)
    notes: tuple[Label, ...] = field(default=(), converter=_labels)
    total_rows: int = field(default=0, validator=int_at_least(0))
    formats: tuple[tuple[Kind, int] | None, ...] = field(default=(), converter=_formats)

    def column_at(self, row: int, index: int) -> Column:
        """The column cell ``(row, index)`` is shown with (its row's format applied)."""
        column = self.columns[index]
        found = self.formats[row] if self.formats else None
        if found is None or column.kind is not Kind.NUMBER:
            return column
        return Column(column.key, column.label, found[0], found[1])

    def __attrs_post_init__(self) -> None:
        if self.formats and len(self.formats) != len(self.rows):
            raise ValidationError(
                f"has {len(self.formats)} formats for {len(self.rows)} rows",
                path=f"table {self.key!r}",
            )
        keys = [c.key for c in self.columns]
        if len(set(keys)) != len(keys):
            raise ValidationError("column keys must be unique", path=f"table {self.key!r}")
        for index, row in enumerate(self.rows):
            if len(row) != len(self.columns):
                raise ValidationError(
                    f"has {len(row)} values for {len(self.columns)} columns",
                    path=f"table {self.key!r} rows[{index}]",
                )
        if self.total_rows > len(self.rows):
            raise ValidationError(
                f"total_rows {self.total_rows} is more than its {len(self.rows)} rows",
                path=f"table {self.key!r}",
            )


class ChartKind(enum.Enum):
    """The charts a report draws."""

    BAR = "bar"
    """Bars side by side per category, one colour per series (e.g. baseline vs endline)."""
    LINE = "line"
    """A line per series over ordered categories (rounds in date order)."""


@frozen
class Series:
    """One series of a :class:`Chart`: its name and one value per category (``None`` = no data)."""

    name: Label = field(converter=to_label)
    values: tuple[Decimal | None, ...] = field(converter=_values)


@frozen
class Chart:
    """A chart with its alt text and the data behind it (shown as a table beside it).

    Args:
        key: A code naming the chart.
        title: Its title in both languages.
        kind: Bars or lines.
        categories: The x-axis categories (sector names, rounds in date order).
        series: The series, each with one value per category.
        value_kind: How values are shown (axis and data table): number, percent or money.
        alt: What the chart shows, in words, for a reader who cannot see it.
    """

    key: str = field(validator=check_code)
    title: Label = field(converter=to_label)
    kind: ChartKind
    categories: tuple[Label, ...] = field(converter=_labels)
    series: tuple[Series, ...] = field(converter=_series)
    value_kind: Kind = Kind.NUMBER
    alt: Label | None = field(default=None, converter=to_optional_label)

    def __attrs_post_init__(self) -> None:
        for index, series in enumerate(self.series):
            if len(series.values) != len(self.categories):
                raise ValidationError(
                    f"has {len(series.values)} values for {len(self.categories)} categories",
                    path=f"chart {self.key!r} series[{index}]",
                )

    def as_table(self, digits: int = 1) -> Table:
        """The chart's data as a table (a category column, one column per series)."""
        columns = [Column("category", Label("Kategori", "Category"))]
        columns += [
            Column(f"s{i}", s.name, self.value_kind, digits) for i, s in enumerate(self.series)
        ]
        rows = [
            (category, *(_value(s.values[i]) for s in self.series))
            for i, category in enumerate(self.categories)
        ]
        # A code is at most 40 characters: the key shortened so "_data" always fits.
        return Table(self.key[:35] + "_data", self.title, columns, rows)


_NO_DATA = Label("tidak ada data", "no data")


def _value(value: Decimal | None) -> Value:
    return NotAvailable("no data", label=_NO_DATA) if value is None else value


@frozen
class Paragraph:
    """A paragraph of text in both languages."""

    text: Label = field(converter=to_label)


Block: TypeAlias = Paragraph | Table | Chart
"""What a section holds."""


@frozen
class Section:
    """A titled part of a report.

    Args:
        key: A code naming the section (``"indicators"``, ``"handover"``); plugins' sections
            are prefixed with their plugin's name.
        title: Its title in both languages.
        blocks: Paragraphs, tables and charts in reading order.
        missing: Why the section has nothing to show (shown as "not available (why)"), when
            its data does not exist for this program; ``blocks`` is then empty.
    """

    key: str = field(validator=check_code)
    title: Label = field(converter=to_label)
    blocks: tuple[Block, ...] = field(default=(), converter=_blocks)
    missing: Label | None = field(default=None, converter=to_optional_label)


@frozen
class Definition:
    """An indicator's definition for the report's appendix: what every number means."""

    code: str = field(validator=check_code)
    label: Label = field(converter=to_label)
    text: Label = field(converter=to_label)


@frozen
class Report:
    """A whole report: title, the date it was made, sections and the definitions appendix.

    Args:
        title: The report's title in both languages.
        subtitle: What it covers (program, cluster, sector or round) in both languages.
        made_on: The date the report was made (passed in, so a report is reproducible).
        sections: The sections in reading order.
        definitions: The appendix: each indicator's definition, from the indicator records.
    """

    title: Label = field(converter=to_label)
    subtitle: Label = field(converter=to_label)
    made_on: _dt.date = field(validator=check_date)
    sections: tuple[Section, ...] = field(converter=_sections)
    definitions: tuple[Definition, ...] = field(default=(), converter=_definitions)

    def tables(self) -> Sequence[Table]:
        """Every table, charts' data tables included, in reading order (an XLSX's sheets)."""
        found: list[Table] = []
        for section in self.sections:
            for block in section.blocks:
                if isinstance(block, Table):
                    found.append(block)
                elif isinstance(block, Chart):
                    found.append(block.as_table())
        return found
