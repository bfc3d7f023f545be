"""Reports people read: a program, cluster, sector or round as HTML, XLSX, PDF or Markdown.

Sections turn the program's records and figures into a neutral :class:`Report` tree
(:mod:`klaster.reports.document`); renderers write it in Indonesian or English. See
docs/reports.md.
"""

from __future__ import annotations

from klaster.reports.build import build_report
from klaster.reports.cells import cell_text, text
from klaster.reports.charts import chart_alt, chart_png, chart_svg
from klaster.reports.context import Scope
from klaster.reports.document import (
    Block,
    Chart,
    ChartKind,
    Column,
    Definition,
    Kind,
    Paragraph,
    Report,
    Section,
    Series,
    Table,
    Value,
)
from klaster.reports.html import render_html
from klaster.reports.markdown import render_markdown
from klaster.reports.output import FORMATS, Format, render, write_report
from klaster.reports.pdf import render_pdf
from klaster.reports.xlsx import render_xlsx

__all__ = [
    "FORMATS",
    "Block",
    "Chart",
    "ChartKind",
    "Column",
    "Definition",
    "Format",
    "Kind",
    "Paragraph",
    "Report",
    "Scope",
    "Section",
    "Series",
    "Table",
    "Value",
    "build_report",
    "cell_text",
    "chart_alt",
    "chart_png",
    "chart_svg",
    "render",
    "render_html",
    "render_markdown",
    "render_pdf",
    "render_xlsx",
    "text",
    "write_report",
]
