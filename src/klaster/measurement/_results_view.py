"""A results table as a reader sees it: rounds as columns in date order, figures rounded for show.

Behind :meth:`Results.wide <klaster.measurement.results.Results.wide>` and the notebook's
HTML table: one line per indicator and disaggregation, one column per round (sorted by the
round's date, not its name), each figure written with its indicator's
:class:`~klaster.catalogue.display.Display` and its ``n``; the total over a dimension says so.
"""

from __future__ import annotations

import datetime as _dt
import html
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from klaster._support import html as _html
from klaster.catalogue.display import Display, default_display
from klaster.formatting import (
    Lang,
    format_count,
    format_date,
    format_not_available,
    format_percent,
)
from klaster.measurement._result_blocks import Block, Combo
from klaster.measurement.na import NotAvailable

__all__ = [
    "Line",
    "describe",
    "display_of",
    "html_table",
    "lines_of",
    "round_order",
    "transitions_html",
    "wide_records",
]

_TOTAL = {"id": "Total", "en": "Total"}
_ALL = {"id": "semua", "en": "all"}
_INDICATOR = {"id": "Indikator", "en": "Indicator"}

Cell = tuple[Decimal | NotAvailable, int]
Line = tuple[Block, Combo, dict[str | None, Cell]]


def round_order(blocks: Sequence[Block]) -> list[str | None]:
    """The rounds of ``blocks`` by date (the earliest first), ties as they come.

    A round key whose clusters surveyed it on different days has no date (``on`` is ``None``):
    it keeps its place after the round the blocks list before it (the engine lists rounds by
    their earliest day), rather than going last (a midline after the endline). Figures not tied
    to a round come last.
    """
    first: dict[str | None, tuple[_dt.date, int]] = {}
    listed: list[str] = []  # the round keys in the order the blocks first list them
    for index, block in enumerate(blocks):
        key = block.round_id
        if key is None:
            first.setdefault(None, (_dt.date.max, index))
            continue
        if key not in first:
            listed.append(key)
        seen = first.get(key)
        day = block.on or _dt.date.max
        found = (day, seen[1] if seen else index)
        if seen is None or found < seen:
            first[key] = found
    order = sorted((k for k in listed if first[k][0] != _dt.date.max), key=first.__getitem__)
    for at, key in enumerate(listed):
        if first[key][0] == _dt.date.max:
            order.insert(order.index(listed[at - 1]) + 1 if at else 0, key)
    return [*order, *([None] if None in first else [])]


def round_dates(blocks: Sequence[Block]) -> dict[str | None, _dt.date | None]:
    """The earliest date of each round."""
    found: dict[str | None, _dt.date | None] = {}
    for block in blocks:
        old = found.get(block.round_id)
        found[block.round_id] = block.on if old is None or (block.on and block.on < old) else old
    return found


def lines_of(blocks: Sequence[Block]) -> list[Line]:
    """One line per indicator and disaggregation, its cells by round."""
    lines: dict[tuple[str, Combo], Line] = {}
    for block in blocks:
        for combo, value, n in zip(block.by, block.value, block.n, strict=True):
            line = lines.setdefault((block.indicator, combo), (block, combo, {}))
            line[2][block.round_id] = (value, n)
    return list(lines.values())


def wide_records(blocks: Sequence[Block], dims: Sequence[str]) -> list[dict[str, Any]]:
    """Rounds as columns: ``<round>`` the value (``None`` when not available), ``n_<round>``."""
    rounds = round_order(blocks)
    records = []
    for block, combo, cells in lines_of(blocks):
        found = dict(combo)
        record: dict[str, Any] = {
            "indicator": block.indicator,
            "label_id": block.label.id,
            "label_en": block.label.en,
            "unit": block.unit,
        }
        record.update({dim: found.get(dim) for dim in dims})
        for key in rounds:
            value, n = cells.get(key, (None, 0))
            name = key or "-"
            record[name] = None if isinstance(value, NotAvailable) else value
            record[f"n_{name}"] = n if key in cells else None
        records.append(record)
    return records


def html_table(
    blocks: Sequence[Block],
    dims: Sequence[str],
    display: Callable[[str], Display],
    lang: Lang,
    limit: int,
) -> str:
    """The compact notebook table (escaped; at most ``limit`` lines, the rest counted)."""
    rounds = round_order(blocks)
    dates = round_dates(blocks)
    lines = lines_of(blocks)
    head = [_INDICATOR[lang], *dims]
    head_cells = "".join(f"<th>{_e(h)}</th>" for h in head)
    for key in rounds:
        day = dates.get(key)
        when = f"<br><small>{_e(format_date(day, lang, style='medium'))}</small>" if day else ""
        head_cells += f'<th style="text-align:right">{_e(key or "-")}{when}</th>'
    body = []
    for block, combo, cells in lines[:limit]:
        found = dict(combo)
        label = block.label.id if lang == "id" else block.label.en
        row = f'<td title="{_e(block.indicator)}">{_e(label)}</td>'
        for dim in dims:
            category = found.get(dim)
            row += (
                f"<td>{_e(category)}</td>"
                if category is not None
                else f"<td><em>{_e(_TOTAL[lang] if not combo else _ALL[lang])}</em></td>"
            )
        shown = display(block.indicator)
        for key in rounds:
            row += _figure(cells.get(key), shown, lang)
        body.append(f"<tr>{row}</tr>")
    more = len(lines) - limit
    note = f"<p>… {_e(format_count(more, lang))} more lines</p>" if more > 0 else ""
    return (
        '<table class="klaster-results">'
        f"<thead><tr>{head_cells}</tr></thead><tbody>{''.join(body)}</tbody></table>{note}"
    )


def _figure(cell: Cell | None, shown: Display, lang: Lang) -> str:
    if cell is None:
        return "<td></td>"
    value, n = cell
    count = f"<br><small>n={_e(format_count(n, lang))}</small>"
    if isinstance(value, NotAvailable):
        text = format_not_available(value.reason, lang)
        return f'<td style="text-align:right"><small>{_e(text)}</small>{count}</td>'
    return f'<td style="text-align:right">{_e(shown.show(value, lang))}{count}</td>'


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def describe(blocks: Sequence[Block], dims: Sequence[str], rows: int) -> str:
    """A one-line summary: rows, indicators, rounds in date order, dimensions."""
    codes = list(dict.fromkeys(b.indicator for b in blocks))
    rounds = [r or "-" for r in round_order(blocks)]
    shown = ", ".join(codes[:4]) + (f", … {len(codes) - 4} more" if len(codes) > 4 else "")
    parts = [
        f"{rows} rows",
        f"{len(codes)} indicator{'s' if len(codes) != 1 else ''} ({shown or 'none'})",
        f"rounds {', '.join(rounds) or 'none'}",
    ]
    if dims:
        parts.append(f"by {', '.join(dims)}")
    return "Results(" + "; ".join(parts) + ")"


def display_of(displays: Mapping[str, Display], blocks: Sequence[Block]) -> dict[str, Display]:
    """Each indicator's display: the engine's, else decided from the rows' unit.

    A count unit such as ``member`` is read as a count, as the core indicators count them.
    """
    found = dict(displays)
    for block in blocks:
        if block.indicator not in found:
            found[block.indicator] = default_display(block.unit, "sum")
    return found


def transitions_html(table: Any, quadrants: Sequence[Any], lang: Lang) -> str:
    """Each cell's CIBEST cross-tabulation, escaped.

    A line per quadrant before: counts with the share of those who started there; the paired
    ``n`` and the attrition in the caption.
    """
    parts = []
    names = [q.label.id if lang == "id" else q.label.en for q in quadrants]
    corner = {"id": "awal \\ akhir", "en": "before \\ after"}[lang]
    for combo, found in table.cells:
        where = ", ".join(f"{k}={v}" for k, v in combo) or _TOTAL[lang]
        caption = (
            f"{where}: {table.from_round} → {table.to_round}, n={format_count(found.paired, lang)}"
            f" ({format_count(found.only_a, lang)} / {format_count(found.only_b, lang)} "
            + {"id": "hanya di satu putaran", "en": "in one round only"}[lang]
            + ")"
        )
        rows = []
        for quadrant, name in zip(quadrants, names, strict=True):
            counts = found.row(quadrant)
            started = sum(counts)
            rows.append(
                [name]
                + [
                    format_count(c, lang)
                    + (f" ({format_percent(Decimal(c) / started, lang)})" if started else "")
                    for c in counts
                ]
            )
        parts.append(_html.table([corner, *names], rows, caption=caption, right={1, 2, 3, 4}))
    return "".join(parts) or "<p>no transitions</p>"
