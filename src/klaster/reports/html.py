"""A report as one offline HTML file: inline CSS, charts as inline SVG, no script, no network.

The page opens anywhere (a USB stick at the Bupati's office, an e-mail attachment): everything is
in the file. Each chart is a ``<figure>`` with a ``<figcaption>``, an accessible SVG
(``role="img"``, ``<title>``, ``<desc>``: see :func:`klaster.reports.charts.chart_svg`) and its
data table; every cell is formatted by :func:`klaster.reports.cells.cell_text` in the page's
language and every text is escaped.
"""

from __future__ import annotations

from html import escape
from typing import Final

from klaster.formatting import Lang, check_lang, format_date, format_not_available
from klaster.measurement.na import NotAvailable
from klaster.reports.cells import NUMERIC_KINDS, cell_text, text, word
from klaster.reports.document import Block, Chart, Paragraph, Report, Section, Table

__all__ = ["render_html"]

_CSS: Final = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;
color:#1a1a1a;max-width:72rem;margin:2rem auto;padding:0 1rem;line-height:1.45}
h1{font-size:1.7rem;margin-bottom:.2rem}h2{margin-top:2.2rem;border-bottom:2px solid #0072b2;
padding-bottom:.2rem}h3{font-size:1.05rem;margin:1.4rem 0 .4rem}
.subtitle,.made{color:#444;margin:.1rem 0}
nav ol{columns:2;padding-left:1.2rem}
table{border-collapse:collapse;margin:.4rem 0 .3rem;font-size:.9rem}
caption{text-align:left;font-weight:600;padding:.3rem 0}
th,td{border:1px solid #bbb;padding:.25rem .5rem;vertical-align:top}
th{background:#eef3f8;text-align:left}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.na{color:#8a4b00;font-style:italic;white-space:normal;min-width:8rem;max-width:16rem;
text-align:left;font-size:.8rem}
.scroll{overflow-x:auto}
tr.total td{font-weight:600;border-top:2px solid #555}
.notes{font-size:.85rem;color:#333;margin:.2rem 0 1rem}
.missing{background:#fff6e5;border-left:4px solid #e69f00;padding:.5rem .8rem}
figure{margin:1rem 0}figcaption{font-weight:600;margin-bottom:.3rem}
figure svg{max-width:100%;height:auto}
details{margin:.3rem 0 1rem}
dl.definitions dt{font-weight:600;margin-top:.6rem}dl.definitions dd{margin-left:1rem}
@media print{nav{display:none}h2{break-before:auto}figure,table{break-inside:avoid}}
"""


def render_html(report: Report, lang: Lang = "id") -> str:
    """The report as the text of one self-contained HTML page in ``lang``.

    Charts need matplotlib (the ``reports`` extra); a report without charts renders without it.

    Raises:
        ValidationError: An unknown language.
        KlasterError: A chart and no matplotlib (``pip install 'klaster[reports]'``).
    """
    lang = check_lang(lang)
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{lang}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(text(report.title, lang))}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        "<header>",
        f"<h1>{_e(text(report.title, lang))}</h1>",
        f'<p class="subtitle">{_e(text(report.subtitle, lang))}</p>',
        f'<p class="made">{word("made_on", lang)} {_e(format_date(report.made_on, lang))}</p>',
        "</header>",
        _contents(report, lang),
        "<main>",
    ]
    parts += [_section(section, lang) for section in report.sections]
    parts.append(_definitions(report, lang))
    parts += ["</main>", "</body>", "</html>", ""]
    return "\n".join(parts)


def _e(value: str) -> str:
    return escape(value, quote=True)


def _contents(report: Report, lang: Lang) -> str:
    items = [
        f'<li><a href="#s-{s.key}">{_e(text(s.title, lang))}</a></li>' for s in report.sections
    ]
    items.append(f'<li><a href="#definitions">{word("definitions", lang)}</a></li>')
    return (
        f'<nav aria-label="{word("contents", lang)}"><h2>{word("contents", lang)}</h2>'
        f"<ol>{''.join(items)}</ol></nav>"
    )


def _section(section: Section, lang: Lang) -> str:
    head = f'<section id="s-{section.key}"><h2>{_e(text(section.title, lang))}</h2>'
    if section.missing is not None:
        why = format_not_available(text(section.missing, lang), lang)
        return f'{head}<p class="missing">{_e(why)}</p></section>'
    return head + "".join(_block(block, lang) for block in section.blocks) + "</section>"


def _block(block: Block, lang: Lang) -> str:
    if isinstance(block, Paragraph):
        return f"<p>{_e(text(block.text, lang))}</p>"
    if isinstance(block, Table):
        return table_html(block, lang)
    return _chart(block, lang)


def table_html(table: Table, lang: Lang, *, caption: bool = True) -> str:
    """One table as HTML: caption, header, body (totals apart) and its notes."""
    head = "".join(f'<th scope="col">{_e(text(c.label, lang))}</th>' for c in table.columns)
    first_total = len(table.rows) - table.total_rows
    body = []
    for index, row in enumerate(table.rows):
        cells = []
        for position, value in enumerate(row):
            column = table.column_at(index, position)
            shown = cell_text(value, column, lang)
            classes = []
            if column.kind in NUMERIC_KINDS and not isinstance(value, str):
                classes.append("num")
            if isinstance(value, NotAvailable):
                classes.append("na")
            attribute = f' class="{" ".join(classes)}"' if classes else ""
            cells.append(f"<td{attribute}>{_e(shown)}</td>")
        total = ' class="total"' if index >= first_total else ""
        body.append(f"<tr{total}>{''.join(cells)}</tr>")
    title = f"<caption>{_e(text(table.title, lang))}</caption>" if caption else ""
    notes = "".join(f"<li>{_e(text(note, lang))}</li>" for note in table.notes)
    noted = f'<ul class="notes">{notes}</ul>' if notes else ""
    return (
        f'<div class="scroll"><table id="t-{table.key}">{title}<thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>{noted}"
    )


def _chart(chart: Chart, lang: Lang) -> str:
    from klaster.reports.charts import chart_svg

    data = table_html(chart.as_table(), lang, caption=False)
    return (
        f'<figure id="c-{chart.key}"><figcaption>{_e(text(chart.title, lang))}</figcaption>'
        f"{chart_svg(chart, lang)}"
        f"<details open><summary>{word('chart_data', lang)}</summary>{data}</details></figure>"
    )


def _definitions(report: Report, lang: Lang) -> str:
    head = f'<section id="definitions"><h2>{word("definitions", lang)}</h2>'
    if not report.definitions:
        return f"{head}<p>{word('no_definitions', lang)}</p></section>"
    items = "".join(
        f'<dt id="d-{d.code}">{_e(text(d.label, lang))} <code>{_e(d.code)}</code></dt>'
        f"<dd>{_e(text(d.text, lang))}</dd>"
        for d in report.definitions
    )
    return f'{head}<dl class="definitions">{items}</dl></section>'
