"""The notebook's small HTML tables (``_repr_html_``): every cell escaped, numbers right-aligned.

One helper for the programs', clusters', results' and statements' notebook views, so none of
them writes a cell unescaped. Cells are text already formatted (:mod:`klaster.formatting`).
"""

from __future__ import annotations

import html
from collections.abc import Collection, Iterable, Sequence

__all__ = ["escape", "table"]


def escape(text: object) -> str:
    """``text`` safe inside HTML text and attribute values."""
    return html.escape(str(text), quote=True)


def table(
    head: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    caption: str | None = None,
    right: Collection[int] = (),
) -> str:
    """An HTML table of text cells.

    Args:
        head: Column names.
        rows: Cells, each already formatted text.
        caption: A line above the table.
        right: Indexes of the columns aligned right (figures).

    Example:
        >>> table(["a", "n"], [["<x>", "1"]], right={1})
        '<table><thead><tr><th>a</th><th style="text-align:right">n</th></tr></thead><tbody><tr><td>&lt;x&gt;</td><td style="text-align:right">1</td></tr></tbody></table>'
    """  # noqa: E501
    align = ' style="text-align:right"'
    cap = f"<caption>{escape(caption)}</caption>" if caption else ""
    th = "".join(f"<th{align if i in right else ''}>{escape(h)}</th>" for i, h in enumerate(head))
    body = "".join(
        "<tr>"
        + "".join(f"<td{align if i in right else ''}>{escape(c)}</td>" for i, c in enumerate(row))
        + "</tr>"
        for row in rows
    )
    return f"<table>{cap}<thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"
