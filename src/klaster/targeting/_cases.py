"""The parts of a targeting-errors table: cases, villages placed in kecamatan, lines, rows.

Internal to :mod:`klaster.targeting`: :mod:`~klaster.targeting.targeting_errors` turns members
and applicants into :class:`Case` records and this module sums them into rows.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, NamedTuple

from klaster.errors import ValidationError
from klaster.label import Label
from klaster.measurement.methods.poverty_lines import PovertyLines
from klaster.measurement.na import NotAvailable
from klaster.model.region import RegionLevel
from klaster.targeting.error_table import (
    Breakdown,
    TargetingErrorRow,
    TargetingMeasure,
    share_of,
)

if TYPE_CHECKING:
    from klaster.model.cluster import Cluster


class Case(NamedTuple):
    """One member (inclusion) or applicant (exclusion) and how it counts."""

    cluster_id: str | None
    kecamatan: str | None
    desa: str
    sector: str
    observed: bool  # has the figures the measure reads
    included: bool  # in the denominator
    counted: bool  # in the numerator
    line: Label | None


Place = tuple[str | None, str]
"""A kecamatan name (``None``: not in the region tree) and a desa name."""


def places_of(cluster: Cluster) -> dict[str, Place]:
    """Village name (as given, and case-folded) or code → (kecamatan, desa) in the region."""
    places: dict[str, Place] = {}
    for kecamatan in cluster.region.at_level(RegionLevel.KECAMATAN):
        for desa in kecamatan.villages():
            for key in (desa.name, desa.name.casefold(), desa.code):
                if key is not None:
                    places.setdefault(key, (kecamatan.name, desa.name))
    for desa in cluster.region.villages():  # a desa outside any kecamatan of the tree
        for key in (desa.name, desa.name.casefold(), desa.code):
            if key is not None:
                places.setdefault(key, (None, desa.name))
    return places


def place_of(places: dict[str, Place], village: str) -> Place:
    """The kecamatan and desa of a village (name or code), else ``(None, village)``."""
    return places.get(village) or places.get(village.casefold()) or (None, village)


class LineFinder:
    """The poverty line of a cluster on a date, looked up once, with its label."""

    def __init__(self, table: PovertyLines) -> None:
        self.table = table
        self.found: dict[tuple[str, _dt.date], tuple[Decimal, Label]] = {}

    def of(self, cluster: Cluster, on: _dt.date) -> tuple[Decimal, Label]:
        """The line (Rupiah) and its label with source and fallback; refused when none."""
        key = (cluster.id, on)
        if key not in self.found:
            kabupaten = cluster.region.at_level(RegionLevel.KABUPATEN)
            area = kabupaten[0].code if kabupaten and kabupaten[0].code else "national"
            match = self.table.lookup(area, on)
            if isinstance(match, NotAvailable):
                raise ValidationError(
                    f"cluster {cluster.id!r} on {on}: no poverty line ({match.reason})",
                    path="poverty_lines",
                )
            rupiah = f"Rp {int(match.rupiah):,}".replace(",", ".")
            why, source = match.explanation, match.line.source
            label = Label(
                f"{rupiah} per kapita per bulan: {why.id} ({source})",
                f"{rupiah} per capita per month: {why.en} ({source})",
            )
            self.found[key] = (match.rupiah, label)
        return self.found[key]


_Key = tuple[str | None, str | None, str | None, str | None]
_KEYS: dict[Breakdown, Callable[[Case], _Key]] = {
    Breakdown.TOTAL: lambda c: (None, None, None, None),
    Breakdown.SECTOR: lambda c: (None, None, None, c.sector),
    Breakdown.KECAMATAN: lambda c: (c.cluster_id, c.kecamatan, None, None),
    Breakdown.DESA: lambda c: (c.cluster_id, c.kecamatan, c.desa, None),
    Breakdown.DESA_SECTOR: lambda c: (c.cluster_id, c.kecamatan, c.desa, c.sector),
}


def rows_of(
    measure: TargetingMeasure, cases: list[Case], why: str, note: str | None
) -> list[TargetingErrorRow]:
    rows = []
    for breakdown, key_of in _KEYS.items():
        groups: dict[_Key, list[Case]] = {}
        if breakdown is Breakdown.TOTAL:
            groups[(None, None, None, None)] = []  # a total even when there is no one
        for case in cases:
            groups.setdefault(key_of(case), []).append(case)
        for key in sorted(groups, key=lambda k: tuple("" if p is None else p for p in k)):
            rows.append(_row(measure, breakdown, key, groups[key], why, note))
    return rows


def _row(
    measure: TargetingMeasure,
    breakdown: Breakdown,
    key: _Key,
    cases: Iterable[Case],
    why: str,
    note: str | None,
) -> TargetingErrorRow:
    numerator = denominator = not_observed = 0
    lines: dict[Label, None] = {}
    for case in cases:
        numerator += case.counted
        denominator += case.included
        not_observed += not case.observed
        if case.line is not None:
            lines[case.line] = None
    cluster_id, kecamatan, desa, sector = key
    return TargetingErrorRow(
        measure,
        breakdown,
        cluster_id,
        kecamatan,
        desa,
        sector,
        numerator,
        denominator,
        share_of(numerator, denominator, why),
        not_observed,
        tuple(lines),
        note,
    )


def unavailable(measure: TargetingMeasure, reason: str) -> TargetingErrorRow:
    return TargetingErrorRow(
        measure, Breakdown.TOTAL, None, None, None, None, 0, 0, NotAvailable(reason), 0, ()
    )
