"""A program as IATI 2.03 activity XML: one activity for the program, one per cluster.

:func:`iati_activities` returns the XML; :func:`write_iati` writes it atomically (a problem
raises a located :class:`~klaster.errors.KlasterError` before anything is written). The program's
activity (``hierarchy="1"``) names each cluster's activity as a child (``related-activity`` type
2) and each cluster's names the program's as its parent (type 1); identifiers are
``{prefix}-{program id}`` and ``{prefix}-{program id}-{cluster id}``. What each element holds
and where it comes from: :mod:`klaster.exports.iati_activity` (organisations, status, dates,
locations, sectors), :mod:`klaster.exports.iati_money` (budgets and transactions from the finance
books), :mod:`klaster.exports.iati_results` (the results framework with assessed actuals).
See ``docs/exports.md``.
"""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING
from xml.etree.ElementTree import Element, indent, tostring

from klaster.documents.files import atomic_write_bytes
from klaster.errors import KlasterError, ValidationError
from klaster.exports.iati_activity import (
    ActivityDates,
    activity_dates,
    cluster_status,
    dac_codes,
    locations,
    participants,
    place_context,
    program_dates,
    program_status,
    sector_shares,
    write_head,
)
from klaster.exports.iati_money import (
    budget_periods,
    transactions,
    write_budgets,
    write_transactions,
)
from klaster.exports.iati_results import (
    Actual,
    ActualKey,
    IndicatorInfo,
    ResultScope,
    target_key,
    write_results,
)
from klaster.exports.iati_settings import IatiSettings
from klaster.exports.iati_xml import XML_LANG, check_identifier_part, element
from klaster.finance.book import Finance
from klaster.label import Label
from klaster.model.cluster import Cluster
from klaster.model.program import Program
from klaster.model.region import Region, RegionLevel
from klaster.plugins.default import get_host

if TYPE_CHECKING:
    from klaster.measurement.engine import Measurement
    from klaster.measurement.target_rows import TargetTable

__all__ = ["IATI_VERSION", "iati_activities", "write_iati"]

IATI_VERSION = "2.03"
"""The version of the IATI standard written."""


def iati_activities(
    program: Program,
    settings: IatiSettings,
    *,
    books: Iterable[Finance] = (),
    measurement: Measurement | None = None,
    targets: TargetTable | None = None,
    on: _dt.date | None = None,
) -> bytes:
    """The program's IATI activity XML (UTF-8, with its declaration).

    Args:
        program: The program (its clusters, organisations, plans and results framework).
        settings: The reporting organisation and the export's choices.
        books: The clusters' finance books (budgets and transactions).
        measurement: The program's measurement (its observations), for the actuals beside the
            results framework's targets; without one the targets go out without actuals.
        targets: The targets already assessed (:func:`klaster.measurement.assess`), instead of
            assessing them here with ``measurement``.
        on: The assessment date of the actuals (default: the latest round's).

    Returns:
        The XML document as bytes; the same input and settings always give the same bytes.

    Raises:
        ValidationError: Settings that are no :class:`IatiSettings`; a program without
            clusters; an ID that cannot be part of an identifier; a cluster whose phase has no
            IATI status or that has no date to report; a sector without a DAC code; a book of
            an unknown cluster: each located.
        NotFoundError: An indicator of the results framework the catalogue does not know.
    """
    if not isinstance(settings, IatiSettings):
        raise ValidationError(
            f"must be an IatiSettings, got {type(settings).__name__}", path="settings"
        )
    if not isinstance(program, Program):
        raise ValidationError(f"must be a Program, got {type(program).__name__}", path="program")
    if not program.clusters:
        raise ValidationError(
            "the program has no clusters: there is no activity to report", path="clusters"
        )
    root = Element(
        "iati-activities",
        {"version": IATI_VERSION, "generated-datetime": settings.generated.isoformat()},
    )
    _Builder(program, settings, list(books), measurement, targets, on).write(root)
    indent(root, space="  ")
    data: bytes = tostring(root, encoding="utf-8", xml_declaration=True)
    return data + b"\n"


def write_iati(
    path: str | os.PathLike[str],
    program: Program,
    settings: IatiSettings,
    *,
    books: Iterable[Finance] = (),
    measurement: Measurement | None = None,
    targets: TargetTable | None = None,
    on: _dt.date | None = None,
) -> None:
    """Write :func:`iati_activities` to ``path`` atomically (nothing written on an error)."""
    data = iati_activities(
        program, settings, books=books, measurement=measurement, targets=targets, on=on
    )
    atomic_write_bytes(path, data)


class _Builder:
    """One export: the program's checks and lookups made once, then an activity at a time."""

    def __init__(
        self,
        program: Program,
        settings: IatiSettings,
        books: Sequence[Finance],
        measurement: Measurement | None,
        targets: TargetTable | None,
        on: _dt.date | None,
    ) -> None:
        self.program, self.settings = program, settings
        self.prefix = f"{settings.prefix}-{check_identifier_part(program.id, 'id')}"
        self.clusters = list(enumerate(program.clusters))
        for index, cluster in self.clusters:
            check_identifier_part(cluster.id, f"clusters[{index}].id")
        self.books: dict[str, list[Finance]] = {}
        for index, book in enumerate(books):
            if not isinstance(book, Finance) or book.cluster_id not in program.clusters:
                known = ", ".join(program.clusters.ids())
                raise ValidationError(
                    f"no cluster {getattr(book, 'cluster_id', None)!r} in the program (clusters: "
                    f"{known}); export a cluster's book with its program",
                    path=f"books[{index}].cluster_id",
                )
            self.books.setdefault(book.cluster_id, []).append(book)
        self.sectors = {s.code: s for s in get_host().sectors()}
        self.names = {o.id: o.name for o in program.organisations}
        self.framework = program.results.current
        self.indicators, self.actuals = _results_inputs(program, measurement, targets, on)
        self.fallback = settings.generated.date()

    def write(self, root: Element) -> None:
        statuses = [cluster_status(c, self.settings, f"clusters[{i}]") for i, c in self.clusters]
        dates = [activity_dates(self.program, c) for _, c in self.clusters]
        codes, of = dac_codes(self.clusters, self.sectors)
        whole = program_dates(self.program, dates)
        program = self._activity(root, "1")
        shares = sector_shares(codes)
        cluster_names = ", ".join(c.name for _, c in self.clusters)
        write_head(
            program,
            identifier=self.prefix,
            title=Label(self.program.name, self.program.name),
            description=Label(
                f"{self.program.name}: program pemberdayaan masyarakat berbasis klaster, "
                f"{len(self.clusters)} klaster ({cluster_names}).",
                f"{self.program.name}: a cluster-based community empowerment program, "
                f"{len(self.clusters)} clusters ({cluster_names}).",
            ),
            settings=self.settings,
            organisations=participants(self.program, [c for _, c in self.clusters], self.settings),
            names=self.names,
            status=program_status(statuses),
            dates=whole,
            places=[],
            shares=shares,
            sectors=of,
            path="clusters",
        )
        for _, cluster in self.clusters:
            element(program, "related-activity", ref=f"{self.prefix}-{cluster.id}", type="2")
        self._results(program, None, whole)
        for (index, cluster), status, day in zip(self.clusters, statuses, dates, strict=True):
            self._cluster(root, index, cluster, status, day)

    def _cluster(
        self, root: Element, index: int, cluster: Cluster, status: str, dates: ActivityDates
    ) -> None:
        codes, of = dac_codes([(index, cluster)], self.sectors)
        phase = cluster.phase
        assert phase is not None  # cluster_status refused a cluster without one
        area = _area(cluster.region)
        sector_names = [of[code].name for code in dict.fromkeys(codes)]
        activity = self._activity(root, "2")
        write_head(
            activity,
            identifier=f"{self.prefix}-{cluster.id}",
            title=Label(cluster.name, cluster.name),
            description=Label(
                f"{cluster.name}, klaster program {self.program.name} di {area}; sektor "
                f"{', '.join(n.id for n in sector_names)}; fase {phase.label.id}.",
                f"{cluster.name}, a cluster of the {self.program.name} program in {area}; "
                f"sectors {', '.join(n.en for n in sector_names)}; phase {phase.label.en}.",
            ),
            settings=self.settings,
            organisations=participants(self.program, [cluster], self.settings),
            names=self.names,
            status=status,
            dates=dates,
            places=[(r, place_context(cluster, r)) for r in locations(cluster)],
            shares=sector_shares(codes),
            sectors=of,
            path=f"clusters[{index}]",
        )
        books = self.books.get(cluster.id, [])
        currency = self.settings.currency
        write_budgets(activity, budget_periods(books), self.settings.budget_status, currency)
        for book in books:
            write_transactions(activity, transactions(book), currency)
        element(activity, "related-activity", ref=self.prefix, type="1")
        self._results(activity, cluster.id, dates)

    def _activity(self, root: Element, hierarchy: str) -> Element:
        return element(
            root,
            "iati-activity",
            **{
                XML_LANG: self.settings.language,
                "last-updated-datetime": self.settings.generated.isoformat(),
                "default-currency": self.settings.currency,
                "hierarchy": hierarchy,
            },
        )

    def _results(self, activity: Element, cluster_id: str | None, dates: ActivityDates) -> None:
        scope = ResultScope(cluster_id, dates.start, dates.end, self.fallback)
        write_results(activity, self.framework, scope, self.indicators, self.actuals)


def _area(region: Region) -> str:
    """``"Bantaeng, Sulawesi Selatan"``: the region a cluster covers, from its province down."""
    trail = [region.name]
    while len(region.children) == 1 and region.level is not RegionLevel.KABUPATEN:
        region = region.children[0]
        trail.append(region.name)
    return ", ".join(reversed(trail))


def _results_inputs(
    program: Program,
    measurement: Measurement | None,
    targets: TargetTable | None,
    on: _dt.date | None,
) -> tuple[dict[str, IndicatorInfo], dict[ActualKey, Actual]]:
    """Each framework indicator's name, direction and unit; the assessed actuals by target."""
    framework = program.results.current
    if framework is None or not any(r.indicators for r in framework.results):
        return {}, {}
    from klaster.catalogue.indicator import Direction
    from klaster.measurement import Measurement, assess
    from klaster.observations import Observations, variable_catalogue

    engine = measurement or Measurement(program, Observations(program, variable_catalogue()))
    version = len(program.results) - 1
    infos: dict[str, IndicatorInfo] = {}
    for r_index, result in enumerate(framework.results):
        for i_index, indicator in enumerate(result.indicators):
            try:
                found = engine.indicator(indicator.indicator)
            except KlasterError as err:
                raise err.at(
                    f"results.versions[{version}].results[{r_index}].indicators[{i_index}]"
                    ".indicator"
                ) from None
            infos[indicator.indicator] = IndicatorInfo(
                found.name, found.direction is Direction.HIGHER, found.unit
            )
    if targets is None:
        if measurement is None:
            return infos, {}
        targets = assess(measurement, on=on)
    rows = {
        (r.result_id, r.indicator, r.cluster_id, r.by, r.start, r.end, r.round_key): r
        for r in targets
        if r.version == framework.version and r.target_source == "stated"
    }
    actuals: dict[ActualKey, Actual] = {}
    for result in framework.results:
        for indicator in result.indicators:
            for target in indicator.targets:
                key = target_key(result, indicator, target)
                row = rows.get(key)
                if row is not None:
                    value = row.actual if isinstance(row.actual, Decimal) else None
                    actuals[key] = Actual(value, row.actual_on, row.status.label)
    return infos, actuals
