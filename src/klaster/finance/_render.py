"""Statements as text and as notebook HTML, in both languages or in one.

Behind :func:`~klaster.finance.statements.render_statement`,
:func:`~klaster.finance.statements.render_aging`,
:func:`~klaster.finance.budget_statements.render_budget` and the statements' ``_repr_html_``.
With ``lang=None`` a label is written in both languages (``"Saldo kas awal / Opening cash"``)
and amounts the Indonesian way (``Rp 1.700.000``); with ``"id"`` or ``"en"`` both follow that
language (``IDR 1,700,000``). Every amount goes through :mod:`klaster.formatting`.
The statements are read through their public fields (typed ``Any`` here: the statement modules
import this one).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from klaster._support import html as _html
from klaster.finance.money import format_rupiah
from klaster.formatting import Lang, check_lang, format_count, format_date, format_percent

__all__ = [
    "aging_html",
    "aging_rows",
    "budget_html",
    "budget_table",
    "budget_totals",
    "fund_html",
    "fund_rows",
    "ratio_html",
    "say",
    "text_table",
]


def say(id_text: str, en_text: str, lang: Lang | None) -> str:
    """A label in ``lang``, or in both languages for ``None``."""
    if lang is None:
        return f"{id_text} / {en_text}"
    return id_text if check_lang(lang) == "id" else en_text


def money(amount: Decimal | int, lang: Lang | None) -> str:
    """An amount in ``lang`` (Indonesian when both languages are shown)."""
    return format_rupiah(amount, lang or "id")


def fund_rows(statement: Any, lang: Lang | None) -> list[tuple[str, str]]:
    """A fund statement's labelled lines (label, amount)."""
    held = statement.held_by
    period = (
        f"{statement.start} – {statement.end}"
        if lang is None
        else f"{format_date(statement.start, lang)} – {format_date(statement.end, lang)}"
    )
    rows = [
        (f"{say('Laporan dana', 'Fund statement', lang)} {statement.fund_id}", ""),
        (f"{say('Periode', 'Period', lang)} {period}", ""),
        (
            f"{say('Dikelola oleh', 'Held by', lang)} "
            f"{say(held.kind.label_id, held.kind.label_en, lang)} {held.id}",
            "",
        ),
        (say("Saldo kas awal", "Opening cash", lang), money(statement.opening_cash, lang)),
    ]
    rows += [(f"  + {_line(x, lang)}", money(x.amount, lang)) for x in statement.receipts]
    rows += [(f"  - {_line(x, lang)}", money(x.amount, lang)) for x in statement.payments]
    rows.append((say("Saldo kas akhir", "Closing cash", lang), money(statement.closing_cash, lang)))
    opening = say("Piutang awal", "Loans outstanding, opening", lang)
    rows.append((opening, money(statement.loans_opening, lang)))
    rows += [(f"  {_line(x, lang)}", money(x.amount, lang)) for x in statement.non_cash]
    closing = say("Piutang akhir", "Loans outstanding, closing", lang)
    rows.append((closing, money(statement.loans_closing, lang)))
    rows.append(
        (say("Aset bersih dana", "Fund net assets", lang), money(statement.net_assets, lang))
    )
    return rows


def _line(line: Any, lang: Lang | None) -> str:
    return say(line.label_id, line.label_en, lang)


def text_table(rows: Sequence[tuple[str, str]]) -> str:
    """Labels left, amounts right."""
    width = max(len(a) for a, _ in rows)
    amounts = max(len(b) for _, b in rows)
    return "\n".join(f"{a:<{width}}  {b:>{amounts}}".rstrip() for a, b in rows)


def fund_html(statement: Any, lang: Lang) -> str:
    """A fund statement as a two-column HTML table."""
    rows = fund_rows(statement, lang)
    head = [rows[0][0], ""]
    return _html.table(head, [list(r) for r in rows[1:]], right={1})


def aging_rows(buckets: Iterable[Any], lang: Lang | None) -> list[tuple[str, str]]:
    """Aging buckets: label, then loans, principal and share."""
    rows = [
        (
            say("Umur tunggakan", "Days late", lang),
            say("Pinjaman", "Loans", lang).replace(" / ", "/")
            + "  "
            + say("Pokok", "Principal", lang).replace(" / ", "/")
            + "  %",
        )
    ]
    for b in buckets:
        share = _share(b.share, lang)
        rows.append(
            (
                say(b.label_id, b.label_en, lang),
                f"{b.loans:>5}  {money(b.outstanding, lang):>18}  {share:>6}",
            )
        )
    return rows


def _share(share: Decimal, lang: Lang | None) -> str:
    if lang is None:  # the bilingual table's plain percent, as it always was
        return str((share * 100).quantize(Decimal("0.01")))
    return format_percent(share, lang, digits=2)


def aging_html(buckets: Iterable[Any], lang: Lang) -> str:
    """Aging buckets as an HTML table."""
    head = [say("Umur tunggakan", "Days late", lang), say("Pinjaman", "Loans", lang)]
    head += [say("Pokok", "Principal", lang), "%"]
    body = [
        [
            say(b.label_id, b.label_en, lang),
            format_count(b.loans, lang),
            money(b.outstanding, lang),
            format_percent(b.share, lang, digits=2),
        ]
        for b in buckets
    ]
    return _html.table(head, body, right={1, 2, 3})


def ratio_html(ratio: Any, lang: Lang) -> str:
    """A portfolio ratio with its parts."""
    head = [say("Rasio", "Ratio", lang), say("Pembilang", "Numerator", lang)]
    head += [say("Penyebut", "Denominator", lang), say("Pinjaman", "Loans", lang)]
    row = [
        format_percent(ratio.value, lang, digits=2),
        money(ratio.numerator, lang),
        money(ratio.denominator, lang),
        f"{format_count(ratio.count, lang)} / {format_count(ratio.total, lang)}",
    ]
    return _html.table(head, [row], right={0, 1, 2, 3})


_BUDGET_KEYS = (
    ("Klaster", "Cluster"),
    ("Komponen", "Component"),
    ("Sumber", "Source"),
    ("Periode", "Period"),
)
_BUDGET_AMOUNTS = (
    ("Anggaran", "Budget"),
    ("Realisasi", "Actual"),
    ("Selisih", "Variance"),
    ("Serapan", "Execution"),
)


def budget_table(statement: Any, lang: Lang | None, shown: Sequence[bool]) -> list[list[str]]:
    """The budget statement's head and rows, the key columns ``shown`` only."""
    head = [say(i, e, lang) for i, e in (*_BUDGET_KEYS, *_BUDGET_AMOUNTS)]
    body = []
    for row in statement.rows:
        body.append(
            [
                row.cluster or "",
                "" if row.component is None else _label(row.component, lang),
                "" if row.source is None else _label(row.source, lang),
                "" if row.start is None else f"{row.start} – {row.end}",
                money(row.budget, lang),
                money(row.actual, lang),
                money(row.variance, lang),
                "–" if row.execution is None else _percent(row.execution, lang),
            ]
        )
    return [[cell for cell, keep in zip(r, shown, strict=True) if keep] for r in [head, *body]]


def _label(value: Any, lang: Lang | None) -> str:
    return str(value.label_en if lang == "en" else value.label_id)


def _percent(points: Decimal, lang: Lang | None) -> str:
    """A figure already in percent (``87.5``)."""
    return f"{points}%" if lang is None else format_percent(points / 100, lang)


def budget_totals(statement: Any, lang: Lang | None) -> list[str]:
    """The lines under the budget table: totals, costs per member and graduate, source shares."""
    lines = [
        f"{say('Total anggaran', 'Total budget', lang)}: {money(statement.budget, lang)}; "
        f"{say('realisasi', 'actual', lang)}: {money(statement.actual, lang)}"
    ]
    if statement.cost_per_member is not None:
        lines.append(
            f"{say('Biaya per mitra', 'Cost per member', lang)}: "
            f"{money(statement.cost_per_member, lang)}"
        )
    if statement.cost_per_graduate is not None:
        label = say("Biaya per rumah tangga lulus", "Cost per graduated household", lang)
        lines.append(f"{label}: {money(statement.cost_per_graduate, lang)}")
    if statement.source_shares:
        shares = ", ".join(
            f"{_label(x.source, lang)} {_percent(x.percent, lang)}" for x in statement.source_shares
        )
        lines.append(f"{say('Porsi sumber dana', 'Fund source shares', lang)}: {shares}")
    return lines


def budget_html(statement: Any, lang: Lang, shown: Sequence[bool]) -> str:
    """The budget statement as an HTML table with its totals below."""
    head, *body = budget_table(statement, lang, shown)
    amounts = set(range(len(head) - 4, len(head)))
    notes = "".join(f"<p>{_html.escape(line)}</p>" for line in budget_totals(statement, lang))
    return _html.table(head, body, right=amounts) + notes
