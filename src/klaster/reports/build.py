"""``build_report``: a program's report as a neutral :class:`~klaster.reports.document.Report`."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from klaster.label import Label
from klaster.measurement import ACTIVITY_CODES, MENTORING_CODES
from klaster.reports.context import ReportData, Scope
from klaster.reports.document import Report, Section
from klaster.reports.plugin_sections import plugin_sections
from klaster.reports.sections import SECTIONS

if TYPE_CHECKING:
    from klaster.finance import Finance
    from klaster.model.program import Program
    from klaster.observations import Observations

__all__ = ["build_report"]


def build_report(
    program: Program,
    observations: Observations | None = None,
    finance: Finance | Iterable[Finance] | None = None,
    *,
    cluster: str | None = None,
    sector: str | None = None,
    round: str | None = None,
    made_on: _dt.date | None = None,
    sections: Sequence[str] | None = None,
    backend: str = "python",
) -> Report:
    """Build the report of a program, a cluster, a sector or a round.

    The figures are computed once with :class:`~klaster.measurement.Measurement` (the same
    figures as :meth:`~klaster.measurement.Measurement.report`); each section reads them. A
    section whose data does not exist (no finance book, one survey round, no results framework)
    says why in :attr:`Section.missing` instead of failing. Sections the installed plugins
    declare (``klaster_report_sections``) follow the built-in ones; a plugin section that cannot
    be built says so under its own name and the others are kept.

    Args:
        program: The program.
        observations: Its survey rounds and values (``None``: the sections on figures say
            there is no survey data).
        finance: One finance book or several (one per cluster), for portfolio quality, the
            handover and budget vs actual.
        cluster: Only this cluster.
        sector: Only this sector.
        round: Only this round (a key such as ``"endline"``, or a round ID).
        made_on: The report's date (default: today): counts and the portfolio are as of it.
        sections: Only these section keys (default: all), in reading order.
        backend: How the figures are computed: ``"python"``, ``"polars"`` (the ``columnar``
            extra; the same figures, faster on large programs), ``"auto"`` (polars when it is
            installed), ``"duckdb"`` (the ``sql`` extra) or ``"spark"`` (see
            :class:`~klaster.measurement.Measurement`).

    Returns:
        The :class:`~klaster.reports.document.Report`; write it with
        :func:`klaster.reports.write_report`.

    Raises:
        NotFoundError: An unknown cluster, sector, round or section key (with did-you-mean).

    Example:
        >>> import datetime as dt
        >>> import klaster.examples
        >>> program, observations = klaster.examples.bantaeng()
        >>> report = build_report(program, observations, made_on=dt.date(2014, 4, 1))
        >>> [s.key for s in report.sections][:3]
        ['lifecycle', 'counts', 'indicators']
        >>> next(s for s in report.sections if s.key == "portfolio").missing.en
        'no finance book for the clusters'
    """
    data = ReportData(
        program,
        observations,
        finance,
        Scope(cluster, sector, round),
        made_on if made_on is not None else _dt.date.today(),
        backend,
    )
    extra = (
        (*ACTIVITY_CODES, *MENTORING_CODES)
        if len(program.fieldwork.activities) or len(program.fieldwork.visits)
        else ()
    )
    declared = plugin_sections(data)
    data.compute([*extra, *declared.codes()])
    built: list[Section] = []
    wanted = _wanted(sections, [key for key, _ in SECTIONS] + declared.keys())
    for key, builder in SECTIONS:
        if key in wanted:
            built.append(builder(data))
    built += [s for s in declared.build() if s.key in wanted]
    title, subtitle = _titles(data)
    definitions = [data.definitions[code] for code in sorted(data.definitions)]
    return Report(title, subtitle, data.made_on, built, definitions)


def _wanted(asked: Sequence[str] | None, known: list[str]) -> set[str]:
    if asked is None:
        return set(known)
    from klaster._support.suggest import did_you_mean
    from klaster.errors import NotFoundError

    for key in asked:
        if key not in known:
            hint = did_you_mean(key, known) or f"sections: {', '.join(known)}"
            raise NotFoundError(f"no report section {key!r}; {hint}")
    return set(asked)


def _titles(data: ReportData) -> tuple[Label, Label]:
    program = data.program
    title = Label(f"Laporan {program.name}", f"{program.name} report")
    scope = data.scope
    parts_id = [f"program {program.id}"]
    parts_en = [f"program {program.id}"]
    if scope.cluster is not None:
        name = program.clusters[scope.cluster].name
        parts_id.append(f"klaster {name}")
        parts_en.append(f"cluster {name}")
    if scope.sector is not None:
        parts_id.append(f"sektor {scope.sector}")
        parts_en.append(f"sector {scope.sector}")
    if scope.round is not None:
        parts_id.append(f"putaran {scope.round}")
        parts_en.append(f"round {scope.round}")
    return title, Label(" · ".join(parts_id), " · ".join(parts_en))
