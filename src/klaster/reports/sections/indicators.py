"""Indicator tables: each figure per round with its n; the targets against the actuals."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from klaster.formatting import format_date
from klaster.label import Label
from klaster.measurement.na import NotAvailable
from klaster.reports.cells import unit_label
from klaster.reports.context import Cell, ReportData
from klaster.reports.display import display_of
from klaster.reports.document import Column, Kind, Section, Table, Value

if TYPE_CHECKING:
    from klaster.measurement import Row

__all__ = [
    "build",
    "build_targets",
    "figure_table",
    "heading_of",
    "no_observations",
    "round_label",
]

TITLE = Label("Indikator", "Indicators")
TARGETS = Label("Target dan capaian", "Targets and actuals")
N_NOTE = Label(
    "n = unit (mitra, kelompok, koperasi) yang ikut dihitung; definisi tiap indikator ada di "
    "lampiran Definisi (menurut kodenya).",
    "n = units (members, groups, cooperatives) counted in the figure; each indicator is defined "
    "in the Definitions appendix (by its code).",
)


def no_observations(key: str, title: Label) -> Section:
    """The section of a report made without survey data."""
    return Section(
        key,
        title,
        missing=Label("tidak ada data survei (observasi)", "no survey data (observations) given"),
    )


_ROUND_WORDS = {
    "baseline": ("Awal", "Baseline"),
    "midline": ("Tengah", "Midline"),
    "endline": ("Akhir", "Endline"),
    "monitoring": ("Pemantauan", "Monitoring"),
}


def round_label(key: str, on: _dt.date | None, until: _dt.date | None = None) -> Label:
    """A round's column heading in each language: its kind (and number) and its date.

    ``until``: the last day of a round its clusters surveyed on different days (``on`` the
    first); the heading then shows the span.

    Example:
        >>> round_label("midline_2", _dt.date(2013, 1, 5)).id
        'Tengah 2 (5 Januari 2013)'
        >>> round_label("baseline", _dt.date(2011, 6, 15), _dt.date(2011, 7, 1)).en
        'Baseline (June 15, 2011 – July 1, 2011)'
    """
    kind, _, number = key.partition("_")
    words = _ROUND_WORDS.get(kind, (key, key))
    suffix = f" {number}" if number else ""
    id_, en = words[0] + suffix, words[1] + suffix
    if on is None:
        return Label(id_, en)
    if until is None or until == on:
        return Label(f"{id_} ({format_date(on, 'id')})", f"{en} ({format_date(on, 'en')})")
    return Label(
        f"{id_} ({format_date(on, 'id')} – {format_date(until, 'id')})",
        f"{en} ({format_date(on, 'en')} – {format_date(until, 'en')})",
    )


def heading_of(data: ReportData, key: str, on: _dt.date | None) -> Label:
    """Round ``key``'s heading in ``data``'s report: the days its clusters in scope surveyed it.

    ``on`` (the figures' date) is used when the observations do not name the key's days.
    """
    days = data.round_days(key)
    return round_label(key, on) if days is None else round_label(key, *days)


def figure_table(
    data: ReportData,
    key: str,
    title: Label,
    codes: Sequence[str],
    notes: Sequence[Label] = (),
    *,
    cell: Cell | None = None,
    rows: Sequence[Row] | None = None,
) -> Table | None:
    """Indicators as rows, each round (in date order) a value column and an ``n`` column.

    ``cell`` and ``rows``: another cell than the scope's, from figures computed apart.
    """
    assert data.engine is not None
    rounds = data.rounds()
    columns = [
        Column("code", Label("Kode", "Code")),
        Column("indicator", Label("Indikator", "Indicator")),
        Column("unit", Label("Satuan", "Unit")),
    ]
    for round_key, on in rounds:
        columns.append(Column(f"v_{round_key}", heading_of(data, round_key, on), Kind.NUMBER, 2))
        columns.append(Column(f"n_{round_key}", Label("n", "n"), Kind.COUNT))
    body: list[tuple[Value, ...]] = []
    formats: list[tuple[Kind, int] | None] = []
    for code in codes:
        found = data.headline(code, cell, rows)
        if not found:
            continue
        indicator = data.engine.indicator(code)
        data.define(code)
        cells: list[Value] = [code, indicator.name, unit_label(indicator.unit)]
        for round_key, _ in rounds:
            row = found.get(round_key)
            if row is None:
                cells += [
                    NotAvailable(
                        "no figure for this round",
                        label=Label(
                            "tidak ada angka untuk putaran ini", "no figure for this round"
                        ),
                    ),
                    None,
                ]
            else:
                cells += [row.value, row.n]
        body.append(tuple(cells))
        formats.append(display_of(indicator))
    if not body:
        return None
    return Table(key, title, columns, body, notes=[N_NOTE, *notes], formats=formats)


def build(data: ReportData) -> Section:
    """Every indicator of the scope per round, with n."""
    if data.engine is None:
        return no_observations("indicators", TITLE)
    table = figure_table(data, "indicators", TITLE, data.indicator_codes())
    if table is None:
        return Section(
            "indicators",
            TITLE,
            missing=Label("belum ada putaran survei", "no survey round recorded yet"),
        )
    return Section("indicators", TITLE, [table])


def build_targets(data: ReportData) -> Section:
    """The results framework's targets against the actuals, with the rule behind the status."""
    if not data.program.results:
        return Section(
            "targets",
            TARGETS,
            missing=Label(
                "program belum punya kerangka hasil (target)",
                "the program has no results framework (targets)",
            ),
        )
    if data.engine is None:
        return no_observations("targets", TARGETS)
    from klaster.measurement import assess

    targets = [
        t
        for t in assess(data.engine)
        if (data.scope.cluster is None or t.cluster_id == data.scope.cluster)
        and (data.scope.sector is None or dict(t.by).get("sector") in (None, data.scope.sector))
    ]
    if not targets:
        return Section(
            "targets",
            TARGETS,
            missing=Label("tidak ada target dalam cakupan ini", "no target in this scope"),
        )
    rows: list[tuple[Value, ...]] = []
    formats: list[tuple[Kind, int] | None] = []
    for t in targets:
        data.define(t.indicator)
        where = ", ".join(f"{k}={v}" for k, v in t.by)
        period = t.round_key or f"{t.start} – {t.end}"
        actual: Value = t.actual if isinstance(t.actual, Decimal | NotAvailable) else None
        if t.actual is None:
            actual = NotAvailable("no figure yet", label=Label("belum ada angka", "no figure yet"))
        rows.append(
            (
                t.result_id,
                t.indicator,
                t.label,
                t.cluster_id or Label("program", "program"),
                where or Label("semua", "all"),
                period,
                t.target if t.target is not None else NotAvailable(t.target_source),
                actual,
                t.status.label,
                t.rule,
            )
        )
        formats.append(display_of(data.engine.indicator(t.indicator)))
    table = Table(
        "targets",
        TARGETS,
        [
            Column("result", Label("Hasil", "Result")),
            Column("code", Label("Kode", "Code")),
            Column("indicator", Label("Indikator", "Indicator")),
            Column("cluster", Label("Klaster", "Cluster")),
            Column("cell", Label("Rincian", "Disaggregation")),
            Column("period", Label("Periode", "Period")),
            Column("target", Label("Target", "Target"), Kind.NUMBER, 2),
            Column("actual", Label("Capaian", "Actual"), Kind.NUMBER, 2),
            Column("status", Label("Status", "Status")),
            Column("rule", Label("Aturan", "Rule")),
        ],
        rows,
        notes=[
            Label(
                "Status menurut klaster.measurement.assess: tercapai bila capaian memenuhi "
                "target searah indikatornya; kolom Aturan menyebut angka yang dipakai.",
                "Status as klaster.measurement.assess gives it: achieved when the actual meets "
                "the target in the indicator's direction; the Rule column states the figures.",
            )
        ],
        formats=formats,
    )
    return Section("targets", TARGETS, [table])
