"""A report as an XLSX workbook: one sheet per table, real numbers with number formats.

A spreadsheet reader sorts, sums and charts the figures, so every number is a number (never its
text) and the cell's number format shows it: ``#,##0`` for counts, ``#,##0.0`` for figures with
one decimal, ``0.0%`` for shares, ``"Rp" #,##0`` (``"IDR" #,##0`` in English) for money, and
dates are dates shown in the report's language (``[$-421]d mmmm yyyy`` for Indonesian). The
separators follow the reader's spreadsheet settings, as number formats do. A row of an
indicator table that has its own unit (``Table.column_at``) gets that unit's format.

Numbers are stored to 15 significant digits, the precision a spreadsheet keeps (a cell is a
binary double): a Rupiah amount or a count is exact, a ratio is exact to far more places than
any format shows. The exact Decimals stay in the JSON and CSV outputs.

A figure that cannot be computed is the text "not available (why)" in italics with a comment
saying why; the workbook opens on a contents sheet (title, subtitle, date, sections with links
to their sheets, sections with no data and why), each sheet has its title and notes, a bold
frozen header row, widths fitted to the text, a filter on the body rows and a print setup
(header repeated, fitted to the page width), a chart's data sheet carries an Excel chart,
and the definitions appendix has its own sheet. The same report gives the same bytes.

openpyxl is the ``reports`` extra (``pip install 'klaster[reports]'``), imported on first use.
"""

from __future__ import annotations

import datetime as _dt
import io
import zipfile
from collections.abc import Iterator, Sequence
from decimal import Context, Decimal
from typing import Any, Final

from klaster.errors import KlasterError
from klaster.formatting import Lang, check_lang, format_date, format_not_available
from klaster.label import Label
from klaster.measurement.na import NotAvailable
from klaster.reports.cells import WORDS, cell_text, text
from klaster.reports.document import Chart, ChartKind, Column, Kind, Report, Table, Value

__all__ = ["number_format", "render_xlsx", "sheet_names"]

_PRECISION: Final = Context(prec=15)
_MAX_NAME: Final = 31
_WORDS: Final[dict[str, tuple[str, str]]] = {
    **WORDS,
    # sheet names: short, and no ':' (Excel refuses it in a sheet's name)
    "contents": ("Isi", "Contents"),
    "definitions": ("Definisi", "Definitions"),
    "sections": ("Bagian", "Sections"),
    "sheet": ("Lembar", "Sheet"),
    "code": ("Kode", "Code"),
    "indicator": ("Indikator", "Indicator"),
    "definition": ("Definisi", "Definition"),
    "total": ("Total", "Total"),
}
_DATE_FORMATS: Final[dict[Lang, str]] = {
    "id": "[$-421]d mmmm yyyy",
    "en": "[$-409]mmmm d, yyyy",
}
_CURRENCY: Final[dict[Lang, str]] = {"id": "Rp", "en": "IDR"}
_HEADER_ROW: Final = 4


def number_format(column: Column, lang: Lang) -> str:
    """The spreadsheet number format for ``column``'s values in ``lang``.

    Example:
        >>> from klaster.label import Label
        >>> number_format(Column("p0", Label("P0", "P0"), Kind.PERCENT, 1), "id")
        '0.0%'
        >>> number_format(Column("n", Label("n", "n"), Kind.COUNT), "en")
        '#,##0'
        >>> number_format(Column("pay", Label("Bayar", "Paid"), Kind.MONEY), "id")
        '"Rp" #,##0'
    """
    decimals = "." + "0" * column.digits if column.digits else ""
    if column.kind is Kind.PERCENT:
        return f"0{decimals}%"
    if column.kind is Kind.MONEY:
        return f'"{_CURRENCY[lang]}" #,##0'
    if column.kind is Kind.DATE:
        return _DATE_FORMATS[lang]
    if column.kind in (Kind.COUNT, Kind.NUMBER):
        return f"#,##0{decimals}"
    return "General"


def sheet_names(report: Report, lang: Lang) -> list[str]:
    """The workbook's sheet names in order: contents, one per table, definitions.

    Table sheets are named by the table's key (stable across languages, so a formula or a
    script finds the same sheet in the Indonesian and the English workbook), cut to Excel's 31
    characters and made unique (Excel compares names without case).
    """
    names = [_WORDS["contents"][_index(lang)]]
    taken = {names[0].lower()}
    for table in report.tables():
        names.append(_unique(table.key, taken))
    if report.definitions:
        names.append(_unique(_WORDS["definitions"][_index(lang)], taken))
    return names


def render_xlsx(report: Report, lang: Lang) -> bytes:
    """``report`` as an XLSX workbook in ``lang`` (``"id"`` or ``"en"``).

    Raises:
        ValidationError: An unknown language.
        KlasterError: openpyxl is not installed (``pip install 'klaster[reports]'``).
    """
    lang = check_lang(lang)
    openpyxl = _openpyxl()
    workbook = openpyxl.Workbook()
    names = sheet_names(report, lang)
    contents = workbook.active
    contents.title = names[0]
    tables = report.tables()
    charts = {c.key + "_data": c for s in report.sections for c in s.blocks if isinstance(c, Chart)}
    for name, table in zip(names[1 : len(tables) + 1], tables, strict=True):
        sheet = workbook.create_sheet(name)
        _write_table(sheet, table, report, lang)
        chart = charts.get(table.key)
        if chart is not None and table.rows:
            _add_chart(sheet, chart, table, lang)
    if report.definitions:
        _write_definitions(workbook.create_sheet(names[-1]), report, lang)
    _write_contents(contents, report, names, lang)
    moment = _dt.datetime.combine(report.made_on, _dt.time())
    workbook.properties.created = moment
    workbook.properties.modified = moment
    workbook.properties.title = text(report.title, lang)
    workbook.properties.creator = "klaster"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _stable_zip(buffer.getvalue(), moment)


def _index(lang: Lang) -> int:
    return 0 if lang == "id" else 1


def _unique(name: str, taken: set[str]) -> str:
    base = name[:_MAX_NAME]
    candidate, number = base, 1
    while candidate.lower() in taken:
        number += 1
        suffix = f"~{number}"
        candidate = base[: _MAX_NAME - len(suffix)] + suffix
    taken.add(candidate.lower())
    return candidate


def _styles() -> Any:
    from openpyxl import styles

    return styles


def _write_title(sheet: Any, title: str, report: Report, lang: Lang) -> None:
    styles = _styles()
    sheet["A1"] = title
    sheet["A1"].font = styles.Font(bold=True, size=13)
    sheet["A2"] = f"{text(report.title, lang)} — {text(report.subtitle, lang)}"
    sheet["A2"].font = styles.Font(italic=True, color="555555")


def _write_table(sheet: Any, table: Table, report: Report, lang: Lang) -> None:
    from openpyxl.comments import Comment

    styles = _styles()
    _write_title(sheet, text(table.title, lang), report, lang)
    widths = [len(text(c.label, lang)) for c in table.columns]
    for col, column in enumerate(table.columns, start=1):
        cell = sheet.cell(_HEADER_ROW, col, text(column.label, lang))
        cell.font = styles.Font(bold=True)
        cell.fill = styles.PatternFill("solid", fgColor="E8EEF4")
        cell.alignment = styles.Alignment(wrap_text=True, vertical="top")
        cell.border = styles.Border(bottom=styles.Side("thin"))
    first_total = len(table.rows) - table.total_rows
    for index, row in enumerate(table.rows):
        line = _HEADER_ROW + 1 + index
        for col, value in enumerate(row, start=1):
            column = table.column_at(index, col - 1)  # an indicator row has its own format
            cell = sheet.cell(line, col, _cell_value(value, lang))
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text, never a formula (a name may start with "=")
            if isinstance(value, NotAvailable):
                cell.font = styles.Font(italic=True, color="7F7F7F")
                cell.comment = Comment(value.reason_in(lang), "klaster")
                cell.alignment = styles.Alignment(horizontal="right")
            elif isinstance(value, Decimal | int | _dt.date):
                cell.number_format = number_format(_typed(column, value), lang)
            if index >= first_total:
                cell.font = styles.Font(bold=True, italic=isinstance(value, NotAvailable))
                cell.border = styles.Border(top=styles.Side("thin"))
            widths[col - 1] = max(widths[col - 1], len(cell_text(value, column, lang)))
    line = _HEADER_ROW + len(table.rows) + 2
    for note in table.notes:
        sheet.cell(line, 1, text(note, lang)).font = styles.Font(italic=True, size=9)
        line += 1
    for col, width in enumerate(widths, start=1):
        sheet.column_dimensions[_letter(col)].width = min(max(width, 6) + 2, 60)
    sheet.freeze_panes = sheet.cell(_HEADER_ROW + 1, 1)
    last = _HEADER_ROW + len(table.rows) - table.total_rows
    if table.rows and last > _HEADER_ROW:  # filter and sort the body, never the totals
        sheet.auto_filter.ref = f"A{_HEADER_ROW}:{_letter(len(table.columns))}{last}"
    sheet.print_title_rows = f"{_HEADER_ROW}:{_HEADER_ROW}"  # the header on every printed page
    sheet.page_setup.orientation = "landscape" if len(table.columns) > 5 else "portrait"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True


def _typed(column: Column, value: Value) -> Column:
    # A date in a text column is still a date; a number in a text column a plain number.
    if isinstance(value, _dt.date) and column.kind is not Kind.DATE:
        return Column(column.key, column.label, Kind.DATE)
    return column


def _cell_value(value: Value, lang: Lang) -> object:
    if value is None:
        return None
    if isinstance(value, NotAvailable):
        return format_not_available(value.reason_in(lang), lang)
    if isinstance(value, Label):
        return value.get(lang)
    if isinstance(value, Decimal):
        # 15 significant digits: what a spreadsheet cell (a binary double) holds.
        rounded = _PRECISION.plus(value)
        return int(rounded) if rounded == rounded.to_integral_value() else float(rounded)
    return value


def _letter(col: int) -> str:
    from openpyxl.utils import get_column_letter

    return str(get_column_letter(col))


def _add_chart(sheet: Any, chart: Chart, table: Table, lang: Lang) -> None:
    """An Excel chart of ``chart``, drawn from hidden number-only copies of its columns.

    The visible table says "not available (no data)" where a value is missing; a chart would
    plot that text as zero, so the chart reads hidden columns where the gap is an empty cell.
    """
    from openpyxl.chart import BarChart, LineChart, Reference

    excel: Any = BarChart() if chart.kind is ChartKind.BAR else LineChart()
    excel.title = text(chart.title, lang)
    first = len(table.columns) + 2
    for offset, series in enumerate(chart.series):
        col = first + offset
        sheet.cell(_HEADER_ROW, col, text(series.name, lang))
        for index, value in enumerate(series.values):
            if value is not None:
                cell = sheet.cell(_HEADER_ROW + 1 + index, col, _cell_value(value, lang))
                cell.number_format = number_format(table.columns[1 + offset], lang)
        sheet.column_dimensions[_letter(col)].hidden = True
    last = _HEADER_ROW + len(table.rows)
    data = Reference(
        sheet,
        min_col=first,
        max_col=first + len(chart.series) - 1,
        min_row=_HEADER_ROW,
        max_row=last,
    )
    excel.add_data(data, titles_from_data=True)
    excel.set_categories(Reference(sheet, min_col=1, min_row=_HEADER_ROW + 1, max_row=last))
    excel.dispBlanksAs = "gap"
    excel.visible_cells_only = False  # the data columns are hidden
    excel.y_axis.numFmt = number_format(table.columns[1], lang)
    excel.y_axis.delete = False
    excel.x_axis.delete = False
    for index, series in enumerate(excel.series):
        colour = _palette()[index % len(_palette())].lstrip("#")
        if chart.kind is ChartKind.BAR:
            series.graphicalProperties.solidFill = colour
        else:
            series.graphicalProperties.line.solidFill = colour
    excel.width, excel.height = 16, 8
    sheet.add_chart(excel, _letter(first + len(chart.series) + 1) + str(_HEADER_ROW))


def _palette() -> Sequence[str]:
    from klaster.reports.charts import PALETTE

    return PALETTE


def _write_contents(sheet: Any, report: Report, names: list[str], lang: Lang) -> None:
    styles = _styles()
    sheet["A1"] = text(report.title, lang)
    sheet["A1"].font = styles.Font(bold=True, size=15)
    sheet["A2"] = text(report.subtitle, lang)
    sheet["A3"] = f"{_WORDS['made_on'][_index(lang)]}: {format_date(report.made_on, lang)}"
    sheet["A5"] = _WORDS["sections"][_index(lang)]
    sheet["A5"].font = styles.Font(bold=True)
    sheet["B5"] = _WORDS["sheet"][_index(lang)]
    sheet["B5"].font = styles.Font(bold=True)
    line = 6
    sheets = iter(names[1:])
    for title, sheet_name, missing in _contents_rows(report, sheets, lang):
        sheet.cell(line, 1, title).data_type = "s"
        if missing is not None:
            sheet.cell(line, 2, missing).font = styles.Font(italic=True, color="7F7F7F")
        elif sheet_name is None:
            sheet.cell(line, 1).font = styles.Font(bold=True)
        else:
            link = sheet.cell(line, 2, sheet_name)
            link.hyperlink = f"#'{sheet_name}'!A1"
            link.font = styles.Font(color="0563C1", underline="single")
        line += 1
    sheet.column_dimensions["A"].width = 60
    sheet.column_dimensions["B"].width = 34


def _contents_rows(
    report: Report, sheets: Iterator[str], lang: Lang
) -> Iterator[tuple[str, str | None, str | None]]:
    """(title, its sheet, why it has none) per line of the contents sheet."""
    for section in report.sections:
        missing = section.missing
        why = None if missing is None else format_not_available(text(missing, lang), lang)
        yield text(section.title, lang), None, why
        for block in section.blocks:
            if isinstance(block, Table | Chart):
                yield "    " + text(block.title, lang), next(sheets), None
    if report.definitions:
        yield _WORDS["definitions"][_index(lang)], next(sheets), None


def _write_definitions(sheet: Any, report: Report, lang: Lang) -> None:
    styles = _styles()
    _write_title(sheet, _WORDS["definitions"][_index(lang)], report, lang)
    for col, word in enumerate(("code", "indicator", "definition"), start=1):
        cell = sheet.cell(_HEADER_ROW, col, _WORDS[word][_index(lang)])
        cell.font = styles.Font(bold=True)
    for line, definition in enumerate(report.definitions, start=_HEADER_ROW + 1):
        sheet.cell(line, 1, definition.code)
        sheet.cell(line, 2, text(definition.label, lang))
        cell = sheet.cell(line, 3, text(definition.text, lang))
        cell.alignment = styles.Alignment(wrap_text=True, vertical="top")
    for letter, width in zip("ABC", (24, 36, 90), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = sheet.cell(_HEADER_ROW + 1, 1)


def _stable_zip(data: bytes, moment: _dt.datetime) -> bytes:
    """The workbook's zip with every entry dated ``moment``: the same report, the same bytes."""
    stamp = (max(moment.year, 1980), moment.month, moment.day, 0, 0, 0)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            info = zipfile.ZipInfo(item.filename, stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, source.read(item.filename))
    return out.getvalue()


def _openpyxl() -> Any:
    try:
        import openpyxl
    except ImportError:
        raise KlasterError(
            "writing XLSX reports needs openpyxl: pip install 'klaster[reports]'", path="format"
        ) from None
    return openpyxl
