"""Readiness for independence: each cluster's exit criteria with the evidence behind them.

Each cluster is judged on its latest round in scope by ``AllOf(cluster_exit_criteria(cluster))``,
the rule ``klaster advance`` applies, with :func:`klaster.measurement.readiness.evaluate`. The
evidence is read the way :meth:`klaster.measurement.Measurement.readiness` reads it (a core
criterion reads the cluster's figure, a sector's criterion on a member or group indicator the
cluster's cell of that sector) but from figures computed once for every cluster, so a program of
a thousand clusters costs one report, not a thousand.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from klaster.catalogue.criterion import ReadinessCriterion
from klaster.catalogue.variable import Level
from klaster.errors import KlasterError
from klaster.label import Label
from klaster.measurement import AllOf, Evidence, cluster_exit_criteria
from klaster.measurement.na import NotAvailable, bilingual
from klaster.measurement.readiness import Lookup, evaluate
from klaster.observations.core_variables import CORE_SECTOR
from klaster.reports.context import ReportData, round_key
from klaster.reports.display import display_of
from klaster.reports.document import Block, Column, Kind, Paragraph, Section, Table, Value
from klaster.reports.sections.indicators import no_observations

if TYPE_CHECKING:
    from klaster.measurement import Measurement, Row
    from klaster.observations import Round

__all__ = ["build", "cluster_lookup"]

TITLE = Label("Kesiapan mandiri", "Readiness for independence")
_PASSED = {
    True: Label("terpenuhi", "met"),
    False: Label("belum terpenuhi", "not met"),
    None: Label("tidak berlaku (tidak ada angka)", "does not apply (no figure)"),
}
Figures = dict[tuple[str, str, str, str | None], "Decimal | NotAvailable"]


def build(data: ReportData) -> Section:
    """Per cluster, on its latest round in scope: every criterion, its value and the round."""
    if data.engine is None or data.observations is None:
        return no_observations("readiness", TITLE)
    engine = data.engine
    latest: dict[str, Round] = {}
    for cluster_id in data.clusters():
        rounds = data.observations.rounds(cluster_id)
        if data.scope.round is not None:
            rounds = tuple(r for r in rounds if data.scope.round in (r.id, _key(data, r)))
        if rounds:
            latest[cluster_id] = rounds[-1]
    rules = {c: AllOf(cluster_exit_criteria(data.program.clusters[c])) for c in latest}
    reads = {part.reads for rule in rules.values() for c in rule.criteria for part in _parts(c)}
    figures = _figures(engine, sorted(r for r in reads if r and r in engine.codes()))
    blocks: list[Block] = []
    rows: list[tuple[Value, ...]] = []
    formats: list[tuple[Kind, int] | None] = []
    for cluster_id, rnd in latest.items():
        lookup = cluster_lookup(engine, figures, rnd, _key(data, rnd))
        try:
            readiness = evaluate(rules[cluster_id], cluster_id, lookup)
        except KlasterError as exc:  # a criterion the data cannot answer: said, not raised
            blocks.append(Paragraph(Label(f"{cluster_id}: {exc}", f"{cluster_id}: {exc}")))
            continue
        decision = Label(
            "siap" if readiness.ready else "belum siap", "ready" if readiness.ready else "not ready"
        )
        for result in readiness.results:
            value = result.value
            number = isinstance(value, Decimal | int | NotAvailable)
            shown: Value = value if number and not isinstance(value, bool) else str(value)
            rows.append(
                (
                    cluster_id,
                    decision,
                    result.label,
                    result.reads,
                    f"{result.operator} {result.threshold}".strip(),
                    shown,
                    _PASSED[result.passed],
                    result.round_id or rnd.id,
                )
            )
            known = result.reads in engine.codes()
            formats.append(display_of(engine.indicator(result.reads)) if known else None)
            data.define(result.reads)
    if rows:
        blocks.insert(0, _table(rows, formats))
    if not blocks:
        return Section(
            "readiness",
            TITLE,
            missing=Label("belum ada putaran survei", "no survey round recorded yet"),
        )
    return Section("readiness", TITLE, blocks)


def _key(data: ReportData, rnd: Round) -> str:
    assert data.observations is not None
    return round_key(data.observations, rnd)


def _parts(criterion: object) -> tuple[ReadinessCriterion, ...]:
    return criterion.parts() if isinstance(criterion, ReadinessCriterion) else ()


def _figures(engine: Measurement, codes: list[str]) -> Figures:
    """Every cluster's figure, and each of its sectors', of ``codes`` in every round."""
    if not codes:
        return {}
    found: Figures = {}
    row: Row
    for row in engine.report(codes, by=[("cluster",), ("cluster", "sector")]):
        cluster = row.dimension("cluster")
        if cluster is not None and row.round_id is not None:
            found[(row.indicator, cluster, row.round_id, row.dimension("sector"))] = row.value
    return found


def cluster_lookup(engine: Measurement, figures: Figures, rnd: Round, key: str) -> Lookup:
    """A readiness lookup of one cluster's round reading ``figures`` (variables: the engine's)."""
    fallback: list[Lookup] = []

    def find(criterion: ReadinessCriterion, unit_id: str) -> Evidence | NotAvailable:
        reads = criterion.reads
        if reads is None or reads not in engine.codes():
            if not fallback:  # a variable, or a composite: as the engine reads it
                fallback.append(engine.lookup(rnd.id, Level.CLUSTER))
            return fallback[0](criterion, unit_id)
        sector = None
        level = engine.indicator(reads).level
        if criterion.sector != CORE_SECTOR and level in (Level.MEMBER, Level.GROUP):
            sector = criterion.sector
        value = figures.get((reads, unit_id, key, sector))
        if value is None:
            of = f" for sector {sector!r}" if sector is not None else ""
            of_id = f" untuk sektor {sector!r}" if sector is not None else ""
            return bilingual(
                f"no value of {reads!r}{of} in round {rnd.id!r}",
                f"tidak ada nilai {reads!r}{of_id} pada putaran {rnd.id!r}",
            )
        if isinstance(value, NotAvailable):
            return value
        return Evidence(value, rnd.id, sector)

    return find


def _table(rows: list[tuple[Value, ...]], formats: list[tuple[Kind, int] | None]) -> Table:
    return Table(
        "readiness",
        TITLE,
        [
            Column("cluster", Label("Klaster", "Cluster")),
            Column("decision", Label("Keputusan", "Decision")),
            Column("criterion", Label("Kriteria", "Criterion")),
            Column("reads", Label("Indikator", "Indicator")),
            Column("threshold", Label("Ambang", "Threshold")),
            Column("value", Label("Nilai", "Value"), Kind.NUMBER, 2),
            Column("passed", Label("Hasil", "Outcome")),
            Column("evidence", Label("Bukti (putaran)", "Evidence (round)")),
        ],
        rows,
        notes=[
            Label(
                "Aturan: semua kriteria keluar klaster (inti dan sektor) harus terpenuhi "
                "(AllOf), dinilai pada putaran terakhir tiap klaster.",
                "Rule: every cluster exit criterion (core and the sectors') must be met "
                "(AllOf), judged on each cluster's latest round.",
            )
        ],
        formats=formats,
    )
