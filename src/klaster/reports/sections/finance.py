"""Money: portfolio quality and aging, the asset handover, budget vs actual."""

from __future__ import annotations

from decimal import Decimal

from klaster.errors import KlasterError
from klaster.formatting import format_date
from klaster.label import Label
from klaster.measurement.na import NotAvailable
from klaster.reports.context import ReportData
from klaster.reports.document import Block, Column, Kind, Section, Table, Value

__all__ = ["build_budget", "build_handover", "build_portfolio"]

PORTFOLIO = Label("Kualitas portofolio dana bergulir", "Revolving fund portfolio quality")
HANDOVER = Label("Serah terima aset", "Asset handover")
BUDGET = Label("Anggaran vs realisasi", "Budget vs actual")
_NO_BOOK = Label("tidak ada buku keuangan klaster", "no finance book for the clusters")


def _books(data: ReportData) -> list[object]:
    clusters = set(data.clusters())
    return [b for b in data.finance if b.cluster_id in clusters or data.scope.cluster is None]


def build_portfolio(data: ReportData) -> Section:
    """PAR 30, repayment and the aging buckets of the loans outstanding on the report's date."""
    from klaster.finance import Finance, aging, cumulative_repayment_rate, par

    books = [b for b in _books(data) if isinstance(b, Finance) and len(b.loans)]
    if not books:
        why = _NO_BOOK if not data.finance else Label("belum ada pinjaman", "no loans yet")
        return Section("portfolio", PORTFOLIO, missing=why)
    on = data.made_on
    at_risk = par(books, 30, on)
    repaid = cumulative_repayment_rate(books, on)
    day_id, day_en = format_date(on, "id"), format_date(on, "en")
    quality: list[tuple[Value, ...]] = [
        (
            Label("PAR 30 (pokok berisiko)", "PAR 30 (principal at risk)"),
            at_risk.value,
            at_risk.numerator,
            at_risk.denominator,
            at_risk.count,
            at_risk.total,
        )
    ]
    if not isinstance(repaid, dict):
        quality.append(
            (
                Label("Tingkat pengembalian kumulatif", "Cumulative repayment rate"),
                repaid.value,
                repaid.numerator,
                repaid.denominator,
                repaid.count,
                repaid.total,
            )
        )
    blocks: list[Block] = [
        Table(
            "portfolio",
            PORTFOLIO,
            [
                Column("figure", Label("Ukuran", "Figure")),
                Column("value", Label("Nilai", "Value"), Kind.PERCENT, 1),
                Column("numerator", Label("Pembilang (Rp)", "Numerator (IDR)"), Kind.MONEY),
                Column("denominator", Label("Penyebut (Rp)", "Denominator (IDR)"), Kind.MONEY),
                Column("count", Label("Pinjaman (pembilang)", "Loans (numerator)"), Kind.COUNT),
                Column("n", Label("n pinjaman", "n loans"), Kind.COUNT),
            ],
            quality,
            notes=[
                Label(
                    f"Per {day_id}. PAR 30 = pokok pinjaman dengan angsuran terlambat "
                    "lebih dari 30 hari / pokok beredar; pengembalian = dibayar (maks. jatuh "
                    "tempo) / jatuh tempo.",
                    f"On {day_en}. PAR 30 = principal of loans with an instalment more "
                    "than 30 days late / principal outstanding; repayment = paid (capped at "
                    "due) / fallen due.",
                )
            ],
        )
    ]
    buckets = aging(books, on).get(None, ())
    if buckets:
        blocks.append(
            Table(
                "aging",
                Label("Umur tunggakan", "Aging of arrears"),
                [
                    Column("bucket", Label("Kelompok umur", "Bucket")),
                    Column("loans", Label("Pinjaman", "Loans"), Kind.COUNT),
                    Column("outstanding", Label("Pokok beredar", "Outstanding"), Kind.MONEY),
                    Column("share", Label("Porsi", "Share"), Kind.PERCENT, 1),
                    Column("restructured", Label("Direstrukturisasi", "Restructured"), Kind.COUNT),
                ],
                [
                    (
                        Label(b.label_id, b.label_en),
                        b.loans,
                        b.outstanding,
                        b.share,
                        b.restructured,
                    )
                    for b in buckets
                ],
            )
        )
    return Section("portfolio", PORTFOLIO, blocks)


def build_handover(data: ReportData) -> Section:
    """What each cluster handed over at independence, to whom, and its value."""
    from klaster.finance import Finance

    books = [b for b in _books(data) if isinstance(b, Finance)]
    if not books:
        return Section("handover", HANDOVER, missing=_NO_BOOK)
    rows: list[tuple[Value, ...]] = []
    total = Decimal(0)
    for book in books:
        handover = book.handover
        if handover is None:
            continue
        for item in handover.items:
            rows.append(
                (
                    book.cluster_id,
                    handover.on,
                    item.kind.label,
                    item.ref,
                    item.to,
                    item.count,
                    item.amount,
                )
            )
            total += item.amount
    if not rows:
        return Section(
            "handover",
            HANDOVER,
            missing=Label("belum ada serah terima tercatat", "no handover recorded yet"),
        )
    rows.append((Label("Jumlah", "Total"), None, None, None, None, None, total))
    return Section(
        "handover",
        HANDOVER,
        [
            Table(
                "handover",
                HANDOVER,
                [
                    Column("cluster", Label("Klaster", "Cluster")),
                    Column("on", Label("Tanggal", "Date"), Kind.DATE),
                    Column("kind", Label("Jenis", "Kind")),
                    Column("ref", Label("Rujukan", "Reference")),
                    Column("to", Label("Penerima", "Recipient")),
                    Column("count", Label("Jumlah pinjaman", "Loans"), Kind.COUNT),
                    Column("amount", Label("Nilai", "Value"), Kind.MONEY),
                ],
                rows,
                total_rows=1,
            )
        ],
    )


def _execution(value: Decimal | None) -> Value:
    return (
        NotAvailable("no budget", label=Label("tidak ada anggaran", "no budget"))
        if value is None
        else value
    )


def build_budget(data: ReportData) -> Section:
    """Budget vs actual by component (when the books have a budget or spending)."""
    from klaster.finance import Finance, budget_vs_actual

    books = [b for b in _books(data) if isinstance(b, Finance)]
    if not books:
        return Section("budget", BUDGET, missing=_NO_BOOK)
    try:
        statement = budget_vs_actual(books, program=data.program)
    except KlasterError as exc:
        return Section("budget", BUDGET, missing=Label(str(exc), str(exc)))
    if not statement.rows or not (statement.budget or statement.actual):
        return Section(
            "budget", BUDGET, missing=Label("belum ada anggaran tercatat", "no budget recorded yet")
        )
    rows: list[tuple[Value, ...]] = [
        (
            r.component.label if r.component is not None else Label("lainnya", "other"),
            r.budget,
            r.actual,
            r.variance,
            _execution(r.execution),
        )
        for r in statement.rows
    ]
    rows.append(
        (
            Label("Jumlah", "Total"),
            statement.budget,
            statement.actual,
            statement.variance,
            _execution(statement.execution),
        )
    )
    notes = []
    if statement.members_served:
        notes.append(
            Label(
                f"n = {statement.members_served} mitra dilayani.",
                f"n = {statement.members_served} members served.",
            )
        )
    return Section(
        "budget",
        BUDGET,
        [
            Table(
                "budget",
                BUDGET,
                [
                    Column("component", Label("Komponen", "Component")),
                    Column("budget", Label("Anggaran", "Budget"), Kind.MONEY),
                    Column("actual", Label("Realisasi", "Actual"), Kind.MONEY),
                    Column("variance", Label("Selisih", "Variance"), Kind.MONEY),
                    Column("execution", Label("Serapan (%)", "Execution (%)"), Kind.NUMBER, 1),
                ],
                rows,
                notes=notes,
                total_rows=1,
            )
        ],
    )
