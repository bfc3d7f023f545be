"""A report as a PDF: title page, sections, tables, charts, page numbers, definitions appendix.

Written with fpdf2, a pure-Python library that installs from PyPI with no system packages, so
the PDF path works wherever ``pip install 'klaster[reports]'`` does. The text is set in DejaVu
Sans, the Unicode font matplotlib ships (already installed with the extra), so Indonesian text,
``→`` and ``—`` print as written; the font is embedded (subset) in the file.

A title page, then a contents page (each section with its page number, linked; the same
sections are the viewer's outline), the sections, the definitions appendix.

Tables repeat their header row on every page they run over and right-align their figures;
total rows are bold. Charts are PNG images drawn by :mod:`klaster.reports.charts`, carrying the
alt text, with the alt text printed under them and the data table after. A section without data
says "not available (why)". The PDF's creation date is the report's date, so one report gives
the same file each time.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Final

from attrs import evolve

from klaster.errors import KlasterError
from klaster.formatting import Lang, check_lang, format_date, format_not_available
from klaster.label import Label
from klaster.reports.cells import NUMERIC_KINDS, WORDS, cell_text, text, word
from klaster.reports.charts import chart_alt, chart_png
from klaster.reports.document import Chart, Paragraph, Report, Section, Table

__all__ = ["render_pdf"]

_FONT: Final = "DejaVu"
_WORDS: Final[dict[str, tuple[str, str]]] = {
    **WORDS,
    "page": ("Halaman {page} dari {{nb}}", "Page {page} of {{nb}}"),
}


def _say(key: str, lang: Lang) -> str:
    return word(key, lang, _WORDS)


def render_pdf(report: Report, lang: Lang) -> bytes:
    """``report`` as a PDF in ``lang`` (``"id"`` or ``"en"``).

    Raises:
        ValidationError: An unknown language.
        KlasterError: fpdf2 or matplotlib is not installed (``pip install 'klaster[reports]'``).
    """
    lang = check_lang(lang)
    pdf = _document(report, lang)
    _title_page(pdf, report, lang)
    pdf.add_page()
    pdf.insert_toc_placeholder(
        _contents(lang), pages=1, allow_extra_pages=True, reset_page_indices=False
    )
    for section in report.sections:
        _section(pdf, section, lang)
    if report.definitions:
        _definitions(pdf, report, lang)
    return bytes(pdf.output())


def _document(report: Report, lang: Lang) -> Any:
    try:
        from fpdf import FPDF
    except ImportError:
        raise KlasterError(
            "writing PDF reports needs fpdf2: pip install 'klaster[reports]'", path="format"
        ) from None
    footer_text = _say("page", lang)

    class _Pages(FPDF):
        def footer(self) -> None:
            if self.page_no() == 1:
                return  # the title page carries no number
            self.set_y(-12)
            self.set_font(_FONT, "", 8)
            self.set_text_color(90)
            self.cell(0, 8, footer_text.format(page=self.page_no()), align="C")
            self.set_text_color(0)

    pdf = _Pages(format="A4")
    fonts = _fonts()
    for style, name in (("", "DejaVuSans"), ("B", "DejaVuSans-Bold"), ("I", "DejaVuSans-Oblique")):
        pdf.add_font(_FONT, style, str(fonts / f"{name}.ttf"))
    pdf.add_font(_FONT, "BI", str(fonts / "DejaVuSans-BoldOblique.ttf"))
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.set_margins(18, 18, 18)
    pdf.alias_nb_pages()
    pdf.set_lang(lang)
    pdf.set_title(text(report.title, lang))
    pdf.set_subject(text(report.subtitle, lang))
    pdf.set_creator("klaster")
    pdf.set_creation_date(_dt.datetime.combine(report.made_on, _dt.time(), tzinfo=_dt.UTC))
    return pdf


def _fonts() -> Path:
    try:
        import matplotlib
    except ImportError:
        raise KlasterError(
            "writing PDF reports needs matplotlib (charts and the DejaVu font): "
            "pip install 'klaster[reports]'",
            path="format",
        ) from None
    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


def _title_page(pdf: Any, report: Report, lang: Lang) -> None:
    pdf.add_page()
    pdf.set_y(80)
    pdf.set_font(_FONT, "B", 24)
    pdf.multi_cell(0, 11, text(report.title, lang), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font(_FONT, "", 14)
    pdf.multi_cell(0, 8, text(report.subtitle, lang), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(10)
    pdf.set_font(_FONT, "I", 11)
    made = f"{_say('made_on', lang)}: {format_date(report.made_on, lang)}"
    pdf.multi_cell(0, 7, made, align="C", new_x="LMARGIN", new_y="NEXT")


def _contents(lang: Lang) -> Callable[[Any, Sequence[Any]], None]:
    """Draw the contents page: each section with its page number, linked to it."""

    def draw(pdf: Any, outline: Sequence[Any]) -> None:
        pdf.set_xy(pdf.l_margin, pdf.t_margin)
        pdf.set_font(_FONT, "B", 15)
        pdf.cell(0, 10, _say("contents", lang), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
        pdf.set_font(_FONT, "", 10.5)
        for entry in outline:
            link = pdf.add_link(page=entry.page_number)
            pdf.cell(pdf.epw - 16, 7, entry.name, link=link)
            pdf.cell(16, 7, str(entry.page_number), align="R", link=link)
            pdf.ln(7)

    return draw


def _heading(pdf: Any, title: str, size: int, *, bookmark: bool = False) -> None:
    if pdf.get_y() > pdf.h - 50:
        pdf.add_page()  # a heading is never the last line of a page
    pdf.ln(3)
    if bookmark:
        pdf.start_section(title)  # the PDF viewer's outline
    pdf.set_font(_FONT, "B", size)
    pdf.multi_cell(0, size * 0.5, title, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1.5)


def _section(pdf: Any, section: Section, lang: Lang) -> None:
    _heading(pdf, text(section.title, lang), 15, bookmark=True)
    if section.missing is not None:
        pdf.set_font(_FONT, "I", 10)
        why = format_not_available(text(section.missing, lang), lang)
        pdf.multi_cell(0, 5.5, why, new_x="LMARGIN", new_y="NEXT")
    for block in section.blocks:
        if isinstance(block, Paragraph):
            pdf.set_font(_FONT, "", 10)
            pdf.multi_cell(0, 5.5, text(block.text, lang), new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
        elif isinstance(block, Table):
            _table(pdf, block, lang)
        else:
            _chart(pdf, block, lang)


def _table(pdf: Any, table: Table, lang: Lang) -> None:
    from fpdf.fonts import FontFace

    _heading(pdf, text(table.title, lang), 11)
    heads = [text(c.label, lang) for c in table.columns]
    body = [
        [cell_text(value, table.column_at(r, c), lang) for c, value in enumerate(row)]
        for r, row in enumerate(table.rows)
    ]
    # Share the width by content: a figure never wraps, long text (a reason) may.
    widths = [
        2 + max([5, *(len(word) for word in heads[i].split())] + [min(len(r[i]), 32) for r in body])
        for i in range(len(heads))
    ]
    aligns = ["RIGHT" if c.kind in NUMERIC_KINDS else "LEFT" for c in table.columns]
    pdf.set_font(_FONT, "", 8 if len(heads) > 5 else 9)
    first_total = len(body) - table.total_rows
    with pdf.table(
        col_widths=widths,
        text_align=aligns,
        repeat_headings=1,
        headings_style=FontFace(emphasis="BOLD", fill_color=(232, 238, 244)),
        line_height=pdf.font_size * 1.6,
        width=pdf.epw,
    ) as grid:
        header = grid.row()
        for head in heads:
            header.cell(head, align="LEFT")
        for index, values in enumerate(body):
            row = grid.row()
            style = FontFace(emphasis="BOLD") if index >= first_total else None
            for value in values:
                row.cell(value, style=style)
    pdf.set_font(_FONT, "I", 8)
    for note in table.notes:
        pdf.multi_cell(0, 4.5, text(note, lang), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)


def _chart(pdf: Any, chart: Chart, lang: Lang) -> None:
    import io

    alt = chart_alt(chart, lang)
    width = pdf.epw
    height = width * 3.6 / 6.4
    if pdf.get_y() + height + 15 > pdf.h - 20:
        pdf.add_page()  # the title stays with its chart
    _heading(pdf, text(chart.title, lang), 11)
    pdf.image(io.BytesIO(chart_png(chart, lang, dpi=150)), w=width, h=height, alt_text=alt)
    pdf.set_font(_FONT, "I", 8)
    pdf.multi_cell(0, 4.5, alt, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    data = chart.as_table()
    title = Label(*(f"{_say('chart_data', w)}: {data.title.get(w)}" for w in ("id", "en")))
    _table(pdf, evolve(data, title=title), lang)


def _definitions(pdf: Any, report: Report, lang: Lang) -> None:
    pdf.add_page()
    _heading(pdf, _say("definitions", lang), 15, bookmark=True)
    for definition in report.definitions:
        pdf.set_font(_FONT, "B", 10)
        title = f"{text(definition.label, lang)} ({definition.code})"
        pdf.multi_cell(0, 5.5, title, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(_FONT, "", 9.5)
        pdf.multi_cell(0, 5, text(definition.text, lang), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
