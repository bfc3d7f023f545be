"""Screening applicants against eligibility rules: one decision per applicant, with its evidence.

:func:`screen` applies :class:`~klaster.targeting.eligibility_rules.EligibilityRules` (and the
sector plugins' eligibility criteria, for applicants of their sector) to applicants and returns a
:class:`Screening`: an :class:`EligibilityDecision` per applicant listing every criterion with
its value, threshold (a BPS line or had kifayah resolved for the applicant's area and date, with
which one was used) and outcome. Two backends give the same decisions: ``"python"`` (exact
``Decimal``) and ``"polars"`` (the rules compiled to one lazy query over exact integers;
``pip install klaster[columnar]``). Given the program, an applicant must also live in its
sector's area (``ClusterSector.areas``): the core check ``sector_area``, which no rule can set
aside, unless the cluster records an area override for the member it was enrolled as.
:meth:`Screening.changes` turns decisions into :class:`~klaster.model.applicant.StatusChange`
records for ``program.intake``.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Literal

from klaster.catalogue.variable import Variable
from klaster.errors import KlasterError, ValidationError
from klaster.measurement.methods.poverty_lines import PovertyLines
from klaster.model.applicant import Applicant
from klaster.model.sector_areas import AreaRecord
from klaster.targeting._evaluate import (
    Place,
    Plan,
    Row,
    area_of,
    area_result,
    decide,
    results_of,
)
from klaster.targeting.decisions import EligibilityDecision, Screening
from klaster.targeting.eligibility_rules import EligibilityRules, rule_problems
from klaster.targeting.had_kifayah import HadKifayah

if TYPE_CHECKING:
    from klaster.model.program import Program
    from klaster.plugins.host import PluginHost

__all__ = ["Backend", "screen"]

Backend = Literal["auto", "python", "polars"]
"""Which engine screens: ``auto`` takes polars when it is installed and the input is large."""

_AUTO_ROWS = 5_000  # below this, building frames costs more than it saves


def make_plan(
    rules: EligibilityRules,
    *,
    lines: PovertyLines | None,
    kifayah: HadKifayah | None,
    host: PluginHost | None,
    catalogue: Mapping[str, Variable] | None,
) -> Plan:
    """Check ``rules`` against the screening variables and make them ready (internal)."""
    from klaster.plugins.default import get_host
    from klaster.targeting.screening_variables import screening_catalogue

    if not isinstance(rules, EligibilityRules):
        raise ValidationError(
            f"must be EligibilityRules (see load_rules), got {type(rules).__name__}",
            path="rules",
        )
    found = host if host is not None else get_host()
    variables = dict(catalogue) if catalogue is not None else screening_catalogue(found)
    problems = [f"rules.{p}" for p in rule_problems(rules.items, variables)]
    if problems:
        lines_text = "".join(f"\n  - {p}" for p in problems)
        raise ValidationError(
            f"the eligibility rules do not fit the screening variables:{lines_text}", path="rules"
        )
    sector_items: dict[str, tuple[Any, ...]] = {}
    if rules.sector_criteria:
        plugin_problems = []
        for criterion in found.eligibility_criteria():
            assert criterion.sector is not None
            sector_items[criterion.sector] = (*sector_items.get(criterion.sector, ()), criterion)
            for problem in rule_problems([criterion], variables):
                owner = ", ".join(found.sector_plugins(criterion.sector)) or "?"
                where = problem.removeprefix("criteria[0].")
                plugin_problems.append(f"criterion {criterion.code!r} of plugin {owner}: {where}")
        if plugin_problems:
            lines_text = "".join(f"\n  - {p}" for p in plugin_problems)
            raise ValidationError(
                f"a sector plugin's eligibility criteria do not fit the screening variables "
                f"(set sector_criteria = false to screen without them):{lines_text}",
                path="sector_criteria",
            )
    return Plan(
        rules,
        variables,
        sector_items,
        lines if lines is not None else PovertyLines.bps_national(),
        kifayah if kifayah is not None else HadKifayah.bundled(),
    )


def place_of(program: Program, applicant: Applicant) -> Place | None:
    """Where ``applicant`` lives against its sector's area in ``program`` (internal).

    ``None`` when its cluster is not the program's or its sector works in the whole region.
    An applicant enrolled before passes outside the area when the cluster records an area
    override for its member (the override enrolment's ``outside_area=`` records).
    """
    cluster = program.clusters.get(applicant.cluster_id)
    if cluster is None:
        return None
    area = cluster.areas.area_of(applicant.sector)
    if area is None:
        return None
    inside = cluster.areas.inside(applicant.sector, applicant.village)
    unknown = None
    if not inside:
        try:
            cluster.areas.desa(applicant.village)
        except KlasterError as exc:  # no desa of the region (or several): say so, not "outside"
            unknown = exc.message
    override = None
    if not inside and applicant.id in program.intake.applicants:
        member = program.intake.member_of(applicant.id)
        if member is not None and cluster.area_override(AreaRecord.MEMBER, member) is not None:
            override = member
    return Place(applicant.village, area, inside, override, unknown)


def rows_of(
    applicants: Iterable[Applicant],
    *,
    on: _dt.date | None,
    areas: Mapping[str, str] | None,
    program: Program | None = None,
) -> list[Row]:
    """The applicants as rows (internal): area from ``areas`` by cluster, date ``on`` or applied.

    With ``program``, each row knows its :class:`Place` (the ``sector_area`` check).
    """
    rows = []
    for index, applicant in enumerate(applicants):
        if not isinstance(applicant, Applicant):
            raise ValidationError(
                f"must be an Applicant, got {type(applicant).__name__}",
                path=f"applicants[{index}]",
            )
        area = area_of(applicant.village, (areas or {}).get(applicant.cluster_id))
        rows.append(
            Row(
                applicant.id,
                applicant.sector,
                applicant.household_size,
                area,
                on or applicant.applied_on,
                applicant.answer_map,
                f"applicants[{index}]",
                None if program is None else place_of(program, applicant),
            )
        )
    return rows


def python_decision(plan: Plan, row: Row) -> EligibilityDecision:
    """The exact decision on one row (internal)."""
    results, sector, notes = results_of(plan, row)
    area, note = area_result(row)
    eligible, reason = decide(plan, row.sector, results, sector, area)
    checked = (*results, *sector) if area is None else (*results, *sector, area)
    return EligibilityDecision(
        row.id, row.sector, eligible, reason, checked, (*notes, *([note] if note else []))
    )


def screen(
    rules: EligibilityRules,
    applicants: Iterable[Applicant],
    *,
    lines: PovertyLines | None = None,
    kifayah: HadKifayah | None = None,
    on: _dt.date | None = None,
    areas: Mapping[str, str] | None = None,
    backend: Backend = "auto",
    host: PluginHost | None = None,
    catalogue: Mapping[str, Variable] | None = None,
    program: Program | None = None,
) -> Screening:
    """Screen applicants: one :class:`EligibilityDecision` each, with its evidence.

    Args:
        rules: The rules (:func:`~klaster.targeting.eligibility_file.load_rules`).
        applicants: The :class:`~klaster.model.applicant.Applicant` records.
        lines: BPS poverty lines (default: the national lines klaster ships).
        kifayah: Had kifayah figures (default: :meth:`HadKifayah.bundled`).
        on: The screening date for lines; default each applicant's ``applied_on``.
        areas: Cluster ID to a Kemendagri code (kabupaten or province) whose lines apply; an
            applicant of another cluster uses its village if that is a code, else the nation's.
        backend: ``"python"``, ``"polars"`` or ``"auto"``.
        host: The plugin host (sector criteria, variables); default the installed plugins.
        catalogue: The screening variables (default: core and plugin member variables).
        program: The program the applicants apply to. Given, an applicant of one of its
            clusters whose sector lists ``areas`` must live in them: else the core check
            ``sector_area`` fails (the village and the area in the evidence) and it is not
            eligible, whatever the rules' form, unless the cluster records an area override
            for the member it was enrolled as. Without it, areas are not checked (enrolment
            still checks them).

    Raises:
        ValidationError: Rules that do not fit the variables (``rules.criteria[2].reads: ...``),
            an answer of the wrong kind (``applicants[3].answers.asnaf: ...``), an unknown
            backend. Nothing is changed.
    """
    if backend not in ("auto", "python", "polars"):
        raise ValidationError(
            f"unknown backend {backend!r}: use auto, python or polars", path="backend"
        )
    _check_program(program)
    plan = make_plan(rules, lines=lines, kifayah=kifayah, host=host, catalogue=catalogue)
    rows = rows_of(applicants, on=on, areas=areas, program=program)
    if backend == "polars" or (backend == "auto" and len(rows) >= _AUTO_ROWS and _has_polars()):
        from klaster.targeting._columnar_screening import screen_rows

        return screen_rows(plan, rows, program=program)
    decisions = [python_decision(plan, row) for row in rows]
    return Screening(
        rules,
        tuple(d.applicant_id for d in decisions),
        tuple(d.eligible for d in decisions),
        decisions.__getitem__,
        program=program,
    )


def _check_program(program: object) -> None:
    from klaster.model.program import Program

    if program is not None and not isinstance(program, Program):
        raise ValidationError(
            f"must be a Program (or None), got {type(program).__name__}", path="program"
        )


def _has_polars() -> bool:
    try:
        import polars  # noqa: F401
    except ImportError:
        return False
    return True
