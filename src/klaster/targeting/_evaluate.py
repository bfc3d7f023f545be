"""The exact, pure-Python screening of one applicant, and what both backends share.

A :class:`Plan` is the rules made ready for one screening: the screening variables each item
reads, the sector plugins' criteria by sector, and a cache of resolved lines per area and date.
:func:`results_of` gives an applicant's criterion results; :func:`decide` combines them.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from attrs import frozen

from klaster.catalogue.eligibility import EligibilityCriterion, Line, LineRef
from klaster.catalogue.scorecard import Scorecard
from klaster.catalogue.variable import ValueType, Variable
from klaster.errors import ValidationError
from klaster.label import Label
from klaster.measurement.division import divide
from klaster.measurement.methods.poverty_lines import PovertyLines
from klaster.measurement.methods.poverty_records import NATIONAL, code_level
from klaster.measurement.na import NotAvailable
from klaster.measurement.readiness import CriterionResult, EssentialPlusConditional, Rule
from klaster.targeting.eligibility_rules import EligibilityRules
from klaster.targeting.had_kifayah import HadKifayah, KifayahBasis
from klaster.targeting.screening_variables import HOUSEHOLD_SIZE

SECTOR_AREA = "sector_area"
"""The code of the core check that an applicant lives in its sector's area."""

_AREA_LABEL = Label(
    "Tinggal di wilayah kerja sektornya", "Lives in the area where its sector works"
)


@frozen
class Place:
    """An applicant's village against its sector's area (when the program is known).

    Args:
        village: The applicant's village (as given: a desa name or code).
        area: The areas the sector lists (``"Bantaeng, Bissappu"``).
        inside: Whether the village is a desa of that area.
        override: The member whose recorded :class:`~klaster.model.sector_areas.AreaOverride`
            keeps it there (an applicant enrolled before), else ``None``.
        unknown: Why the village is no desa of the cluster's region (so in no sector's area),
            else ``None``.
    """

    village: str
    area: str
    inside: bool
    override: str | None = None
    unknown: str | None = None

    @property
    def passed(self) -> bool:
        """Inside the area, or kept outside it by an override."""
        return self.inside or self.override is not None


@frozen
class Row:
    """One applicant as screening reads it (from an ``Applicant`` or a table row)."""

    id: str
    sector: str
    household_size: int
    area: str
    on: _dt.date
    answers: Mapping[str, Any]
    where: str
    place: Place | None = None  # None: no program, or a sector working in the whole region


@frozen
class Resolved:
    """A line resolved for an area and date: its value (or why not) and the explanation."""

    value: Decimal | NotAvailable
    note: str


class Plan:
    """The rules made ready for one screening (internal)."""

    def __init__(
        self,
        rules: EligibilityRules,
        catalogue: Mapping[str, Variable],
        sector_items: Mapping[str, tuple[EligibilityCriterion, ...]],
        lines: PovertyLines,
        kifayah: HadKifayah,
    ) -> None:
        self.rules = rules
        self.catalogue = catalogue
        self.sector_items = dict(sector_items)
        self.sector_rules: dict[str, Rule] = {
            s: EssentialPlusConditional(items) for s, items in sector_items.items() if items
        }
        self.lines = lines
        self.kifayah = kifayah
        self._cache: dict[tuple[str, LineRef, bool, str, _dt.date, bool], Resolved] = {}

    def resolve(
        self,
        criterion: EligibilityCriterion,
        where: str,
        area: str,
        on: _dt.date,
        *,
        explain: bool = True,
    ) -> Resolved:
        """The line of ``criterion`` for ``area`` on ``on`` (cached; ``explain``: with notes)."""
        ref = criterion.threshold
        assert isinstance(ref, LineRef)
        key = (criterion.code, ref, criterion.per_capita, area, on, explain)
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = self._resolve(criterion, ref, where, area, on, explain)
        return found

    def _resolve(
        self,
        criterion: EligibilityCriterion,
        ref: LineRef,
        where: str,
        area: str,
        on: _dt.date,
        explain: bool,
    ) -> Resolved:
        if ref.line is Line.POVERTY_LINE:
            match = self.lines.lookup(area, on)
            if isinstance(match, NotAvailable):
                return Resolved(match, match.reason)
            note = match.explanation.en if explain else ""
            return Resolved(match.rupiah * ref.multiple, note)
        kifayah = self.kifayah.lookup(area, on)
        if isinstance(kifayah, NotAvailable):
            return Resolved(kifayah, kifayah.reason)
        per_capita = kifayah.value.basis is KifayahBasis.CAPITA_MONTH
        if per_capita != criterion.per_capita:
            wanted = "per_capita = true" if per_capita else "per_capita = false"
            raise ValidationError(
                f"{kifayah.value.describe()} is {kifayah.value.basis.value}: the criterion "
                f"compares with it, so it needs {wanted}",
                path=f"{where}.per_capita",
            )
        return Resolved(kifayah.rupiah * ref.multiple, kifayah.explanation.en)


def area_of(village: str, cluster_area: str | None) -> str:
    """The area a line is looked up for: the cluster's, a village given as a code, or national."""
    if cluster_area is not None:
        return cluster_area
    return village if code_level(village) is not None else NATIONAL


def read(plan: Plan, row: Row, code: str) -> Decimal | bool | str | NotAvailable:
    """The value of variable ``code`` for ``row``, checked against its variable."""
    if code == HOUSEHOLD_SIZE:
        return Decimal(row.household_size)
    answer = row.answers.get(code)
    if answer is None:
        return NotAvailable(f"{code} not answered")
    variable = plan.catalogue[code]
    checked = variable.check_value(answer, path=f"{row.where}.answers.{code}")
    if variable.type is ValueType.INTEGER:
        return Decimal(checked)
    return checked  # type: ignore[no-any-return]


def criterion_result(
    plan: Plan, row: Row, c: EligibilityCriterion, where: str
) -> tuple[CriterionResult, str | None]:
    """One criterion's result for ``row`` and, for a line, the note on which line was used."""
    reads = f"{c.reads} / household_size" if c.per_capita else c.reads
    value: Any
    threshold: Any = c.threshold
    note = None
    other = c.sector is not None and c.sector != row.sector
    if other:
        value = NotAvailable(f"for applicants of sector {c.sector}")
    else:
        value = read(plan, row, c.reads)
        if c.per_capita and isinstance(value, Decimal):
            value = divide(value, row.household_size)
        if isinstance(threshold, LineRef):
            resolved = plan.resolve(c, where, row.area, row.on)
            threshold, note = resolved.value, f"{c.code}: {resolved.note}"
    passed = None
    if not isinstance(value, NotAvailable) and not isinstance(threshold, NotAvailable):
        passed = c.compare(value, threshold)
    result = CriterionResult(
        code=c.code,
        label=c.label,
        reads=reads,
        operator=c.operator.value,
        threshold=threshold,
        value=value,
        passed=passed,
        round_id=None,
        essential=c.essential and not other,  # never essential where it does not apply
        weight=c.weight,
        sector=c.sector,
    )
    return result, note


def scorecard_result(plan: Plan, row: Row, card: Scorecard) -> CriterionResult:
    """A scorecard's total for ``row`` as one result (not applicable if an item is missing)."""
    total: Decimal | NotAvailable = Decimal(0)
    other = card.sector is not None and card.sector != row.sector
    if other:
        total = NotAvailable(f"for applicants of sector {card.sector}")
    else:
        for item in card.items:
            value = read(plan, row, item.reads)
            if isinstance(value, NotAvailable):
                total = NotAvailable(f"item {item.code} not answered")
                break
            if item.per_capita:
                assert isinstance(value, Decimal)
                value = divide(value, row.household_size)
            assert isinstance(total, Decimal)
            total += item.score(value)
    passed = None if isinstance(total, NotAvailable) else card.is_met(total)
    return CriterionResult(
        code=card.code,
        label=card.label,
        reads="score",
        operator=card.operator.value,
        threshold=card.cut_off,
        value=total,
        passed=passed,
        round_id=None,
        essential=card.essential and not other,
        weight=card.weight,
        sector=card.sector,
    )


def results_of(
    plan: Plan, row: Row
) -> tuple[list[CriterionResult], list[CriterionResult], list[str]]:
    """The rules' results, the sector criteria's results and the line notes of ``row``."""
    notes: list[str] = []
    results: list[CriterionResult] = []
    index = 0
    for item in plan.rules.items:
        if isinstance(item, EligibilityCriterion):
            result, note = criterion_result(plan, row, item, f"rules.criteria[{index}]")
            index += 1
            if note:
                notes.append(note)
        else:
            result = scorecard_result(plan, row, item)
        results.append(result)
    sector: list[CriterionResult] = []
    for position, c in enumerate(plan.sector_items.get(row.sector, ())):
        result, note = criterion_result(plan, row, c, f"sector_criteria[{position}]")
        sector.append(result)
        if note:
            notes.append(note)
    return results, sector, notes


def area_result(row: Row) -> tuple[CriterionResult | None, str | None]:
    """The core check ``sector_area`` of ``row`` and its note (``None``: not checked).

    Place names and a member ID only: never a person's name.
    """
    place = row.place
    if place is None:
        return None, None
    note = None
    if not place.inside and place.override is not None:
        note = f"{SECTOR_AREA}: kept outside by the area override of member {place.override}"
    elif place.unknown is not None:
        note = f"{SECTOR_AREA}: {place.unknown}"
    result = CriterionResult(
        code=SECTOR_AREA,
        label=_AREA_LABEL,
        reads="village",
        operator="in",
        threshold=place.area,
        value=place.village,
        passed=place.passed,
        round_id=None,
        essential=True,
        weight=Decimal(0),
        sector=row.sector,
    )
    return result, note


def decide(
    plan: Plan,
    sector_code: str,
    results: Sequence[CriterionResult],
    sector: Sequence[CriterionResult],
    area: CriterionResult | None = None,
) -> tuple[bool, str]:
    """Combine the results with the rules' form, the sector's criteria and its area."""
    eligible, reason = plan.rules.rule.decide(results)
    rule = plan.sector_rules.get(sector_code)
    if rule is not None and sector:
        ok, why = rule.decide(sector)
        eligible = eligible and ok
        reason = f"{reason}; sector {sector_code}: {why}"
    if area is not None and area.passed is False:
        eligible = False
        reason = (
            f"{reason}; {SECTOR_AREA}: village {area.value!r} is outside the area of sector "
            f"{sector_code!r} ({area.threshold})"
        )
    return eligible, reason


def shown(value: Any) -> str:
    """A value as evidence shows it: numbers without trailing zeros, n/a, codes."""
    if isinstance(value, NotAvailable):
        return "n/a"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        text = f"{value.normalize():f}"
        return text
    if isinstance(value, tuple):
        return "[" + ", ".join(value) + "]"
    return str(value)


def evidence_line(results: Sequence[CriterionResult], notes: Sequence[str]) -> str:
    """Every result in one line, then the lines used: values and codes, never names."""
    outcome = {True: "met", False: "not met", None: "n/a"}
    parts = [
        f"{r.code}: {r.reads} = {shown(r.value)} {r.operator} {shown(r.threshold)}: "
        f"{outcome[r.passed]}"
        for r in results
    ]
    text = "; ".join(parts)
    return f"{text} ({'; '.join(notes)})" if notes else text
