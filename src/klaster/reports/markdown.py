"""A report as Markdown: headings, pipe tables, charts as their description and data table.

Markdown is for pasting into a wiki, an issue or an e-mail: it has no pictures, so a chart is
written as its title, its alt text in words and the table of its data. Cells are formatted by
:func:`klaster.reports.cells.cell_text` in the report's language; pipes, backslashes and line
breaks in text are escaped so a value never breaks a table.
"""

from __future__ import annotations

from klaster.formatting import Lang, check_lang, format_date, format_not_available
from klaster.reports.cells import NUMERIC_KINDS, cell_text, text, word
from klaster.reports.document import Block, Chart, Paragraph, Report, Section, Table

__all__ = ["render_markdown"]


def render_markdown(report: Report, lang: Lang = "id") -> str:
    """The report as Markdown text in ``lang`` (charts need no extra: they are written as text).

    Raises:
        ValidationError: An unknown language.
    """
    lang = check_lang(lang)
    lines = [
        f"# {_inline(text(report.title, lang))}",
        "",
        _inline(text(report.subtitle, lang)),
        "",
        f"{word('made_on', lang)} {format_date(report.made_on, lang)}",
        "",
    ]
    for section in report.sections:
        lines += _section(section, lang)
    lines += [f"## {word('definitions', lang)}", ""]
    if not report.definitions:
        lines += [word("no_definitions", lang), ""]
    for definition in report.definitions:
        lines += [
            f"- **{_inline(text(definition.label, lang))}** (`{definition.code}`): "
            + _inline(text(definition.text, lang)),
        ]
    return "\n".join(lines).rstrip() + "\n"


def _inline(value: str) -> str:
    return " ".join(value.replace("\\", "\\\\").split())


def _cell(value: str) -> str:
    return _inline(value).replace("|", "\\|")


def _section(section: Section, lang: Lang) -> list[str]:
    lines = [f"## {_inline(text(section.title, lang))}", ""]
    if section.missing is not None:
        return [
            *lines,
            "_" + _inline(format_not_available(text(section.missing, lang), lang)) + "_",
            "",
        ]
    for block in section.blocks:
        # A section's one table under the same title needs no second heading.
        same = isinstance(block, Table) and block.title == section.title
        lines += table_markdown(block, lang, title=False) if same else _block(block, lang)  # type: ignore[arg-type]
    return lines


def _block(block: Block, lang: Lang) -> list[str]:
    if isinstance(block, Paragraph):
        return [_inline(text(block.text, lang)), ""]
    if isinstance(block, Table):
        return table_markdown(block, lang)
    return _chart(block, lang)


def table_markdown(table: Table, lang: Lang, *, title: bool = True) -> list[str]:
    """One table as Markdown lines: its title, the pipe table (totals in bold), its notes."""
    head = "| " + " | ".join(_cell(text(c.label, lang)) for c in table.columns) + " |"
    rule = (
        "| "
        + " | ".join("---:" if c.kind in NUMERIC_KINDS else "---" for c in table.columns)
        + " |"
    )
    lines = [f"### {_inline(text(table.title, lang))}", ""] if title else []
    lines += [head, rule]
    first_total = len(table.rows) - table.total_rows
    for index, row in enumerate(table.rows):
        cells = [
            _cell(cell_text(value, table.column_at(index, position), lang))
            for position, value in enumerate(row)
        ]
        if index >= first_total:
            cells = [f"**{c}**" if c else c for c in cells]
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    for note in table.notes:
        lines.append(f"> {_inline(text(note, lang))}")
    if table.notes:
        lines.append("")
    return lines


def _chart(chart: Chart, lang: Lang) -> list[str]:
    from klaster.reports.charts import chart_alt

    lines = [f"### {word('chart', lang)}: {_inline(text(chart.title, lang))}", ""]
    lines += [_inline(chart_alt(chart, lang)), ""]
    return lines + table_markdown(chart.as_table(), lang, title=False)
