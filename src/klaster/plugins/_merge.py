"""What all loaded plugins declare, merged: unique codes, resolved references, sorted.

The host hands :func:`settle` the declarations of each plugin in load order. A plugin whose codes
are already taken by an earlier one, or whose records refer to something no accepted plugin
declares, is rejected whole (a half-loaded sector would mislead its users), and the references of
the others are checked again until nothing changes: rejecting one plugin may strand another that
built on it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import TypeVar

from attrs import field, frozen

from klaster._support.suggest import did_you_mean
from klaster._support.validate import enum_value
from klaster.catalogue.criterion import Condition, ReadinessCriterion
from klaster.catalogue.eligibility import EligibilityCriterion
from klaster.catalogue.indicator import Indicator
from klaster.catalogue.report_section import ReportSection
from klaster.catalogue.sector import Sector
from klaster.catalogue.variable import Level, ValueType, Variable
from klaster.errors import NotFoundError, ValidationError
from klaster.model.activity_kinds import CORE_ACTIVITY_KINDS, MENTORING_VISIT, ActivityKind
from klaster.plugins.sectorfile import SectorData

R = TypeVar("R", Variable, Indicator, ReadinessCriterion)
S = TypeVar("S", Variable, Indicator, ReadinessCriterion)
F = TypeVar("F", Variable, Indicator)


@frozen(eq=False)
class Catalogue:
    sectors: tuple[Sector, ...]
    variables: tuple[Variable, ...]
    indicators: tuple[Indicator, ...]
    criteria: tuple[ReadinessCriterion, ...]
    activity_kinds: tuple[ActivityKind, ...]
    eligibility_criteria: tuple[EligibilityCriterion, ...]
    report_sections: tuple[ReportSection, ...]
    # sector code -> names of the plugins that provide it or declare records for it, provider first
    plugins_of: Mapping[str, tuple[str, ...]]
    # report section code -> the name of the plugin declaring it (named when it cannot be built)
    section_plugins: Mapping[str, str] = field(factory=dict)

    def sector(self, code: str) -> Sector | None:
        return next((s for s in self.sectors if s.code == code), None)

    def variable(self, code: str) -> Variable | None:
        return next((v for v in self.variables if v.code == code), None)

    def indicator(self, code: str) -> Indicator | None:
        return next((i for i in self.indicators if i.code == code), None)

    def criterion(self, code: str) -> ReadinessCriterion | None:
        return next((c for c in self.criteria if c.code == code), None)

    def level_variables(self, sector: str, level: Level) -> dict[str, Variable]:
        return {v.code: v for v in self.variables if v.sector == sector and v.level is level}


EMPTY = Catalogue((), (), (), (), (), (), (), {})


def settle(
    declared: Sequence[tuple[str, SectorData]], known_names: Iterable[str] = ()
) -> tuple[Catalogue, dict[str, list[str]]]:
    """Merge the plugins' declarations; return the catalogue and the problems of rejected ones."""
    rejected: dict[str, list[str]] = {}
    accepted: list[tuple[str, SectorData]] = []
    owners: dict[tuple[str, str], str] = {}
    for name, data in declared:
        problems = _claim(name, data, owners)
        if problems:
            rejected[name] = problems
        else:
            accepted.append((name, data))
    known = frozenset(known_names)
    while True:
        stranded = {}
        for name, data in accepted:
            problems = _reference_problems(data, accepted, known)
            if problems:
                stranded[name] = problems
        if not stranded:
            break
        rejected.update(stranded)
        accepted = [(n, d) for n, d in accepted if n not in stranded]
    return _build(accepted), rejected


_KINDS = {
    "sector": "sector",
    "variable": "value",
    "indicator": "value",
    "criterion": "criterion",
    "activity kind": "activity kind",
    "eligibility criterion": "eligibility criterion",
    "report section": "report section",
}
# Codes no plugin may take: klaster's own activity kinds, and the mentoring log's visits.
_RESERVED_KINDS = frozenset({k.code for k in CORE_ACTIVITY_KINDS} | {MENTORING_VISIT})


def _claim(name: str, data: SectorData, owners: dict[tuple[str, str], str]) -> list[str]:
    """Take the plugin's codes, unless one is already taken; then take none."""
    wanted: dict[tuple[str, str], str] = {}
    problems = []
    for kind, records in (
        ("sector", data.sectors),
        ("variable", data.variables),
        ("indicator", data.indicators),
        ("criterion", data.criteria),
        ("activity kind", data.activity_kinds),
        ("eligibility criterion", data.eligibility_criteria),
        ("report section", data.report_sections),
    ):
        for record in records:
            key = (_KINDS[kind], record.code)
            if kind == "activity kind" and record.code in _RESERVED_KINDS:
                problems.append(
                    f"activity kind code {record.code!r} is one of klaster's own kinds "
                    f"({listing(_RESERVED_KINDS)}); choose another code"
                )
            elif key in owners:
                problems.append(
                    f"{kind} code {record.code!r} is already taken by plugin {owners[key]!r}; "
                    "choose another code (prefixing your sector's code avoids clashes)"
                )
            elif key in wanted:
                problems.append(
                    f"code {record.code!r} is declared twice ({wanted[key]} and {kind}); "
                    "variables and indicators share one set of codes"
                )
            else:
                wanted[key] = kind
    if not problems:
        owners.update(dict.fromkeys(wanted, name))
    return problems


def _reference_problems(
    data: SectorData, accepted: Sequence[tuple[str, SectorData]], known: frozenset[str]
) -> list[str]:
    sectors = {s.code for _, d in accepted for s in d.sectors}
    variables = {v.code: v for _, d in accepted for v in d.variables}
    indicators = {i.code: i for _, d in accepted for i in d.indicators}
    readable = variables.keys() | indicators.keys() | known
    problems = []
    for kind, records in (
        ("variable", data.variables),
        ("indicator", data.indicators),
        ("criterion", data.criteria),
        ("report section", data.report_sections),
    ):
        for record in records:
            if record.sector not in sectors:
                problems.append(
                    f"{kind} {record.code!r} belongs to sector {record.sector!r}, which no loaded "
                    f"plugin provides (sectors: {listing(sectors)})"
                )
    for activity_kind in data.activity_kinds:
        if activity_kind.sector is not None and activity_kind.sector not in sectors:
            problems.append(
                f"activity kind {activity_kind.code!r} belongs to sector {activity_kind.sector!r}, "
                f"which no loaded plugin provides (sectors: {listing(sectors)})"
            )
    for index, indicator in enumerate(data.indicators):
        problems.extend(
            _unknown_reference(index, indicator, code, readable, variables, indicators)
            for code in indicator.references
            if code not in readable
        )
        cycle = _cycle(indicator.code, indicators)
        if cycle:
            problems.append(f"indicator {indicator.code!r} refers to itself: {' -> '.join(cycle)}")
    for eligibility in data.eligibility_criteria:
        if eligibility.sector not in sectors:
            problems.append(
                f"eligibility criterion {eligibility.code!r} belongs to sector "
                f"{eligibility.sector!r}, which no loaded plugin provides (sectors: "
                f"{listing(sectors)}); a plugin's criterion names its sector"
            )
    for index, criterion in enumerate(data.criteria):
        problems.extend(_criterion_problems(index, criterion, variables, indicators, known))
    return problems


def _unknown_reference(
    index: int,
    indicator: Indicator,
    code: str,
    readable: Iterable[str],
    variables: Mapping[str, Variable],
    indicators: Mapping[str, Indicator],
) -> str:
    """``indicators[i].formula (indicator 'x'): unknown variable 'y' (did you mean ...?)``."""
    hint = did_you_mean(code, readable)
    if not hint:  # nothing close: say what the indicator's own sector offers
        own = [v.code for v in variables.values() if v.sector == indicator.sector]
        own += [
            i.code
            for i in indicators.values()
            if i.sector == indicator.sector and i is not indicator
        ]
        hint = f"sector {indicator.sector!r} declares: {listing(own)}"
    return (
        f"indicators[{index}].formula (indicator {indicator.code!r}): unknown variable "
        f"{code!r}, which no loaded plugin declares as a variable or indicator ({hint})"
    )


def _cycle(start: str, indicators: Mapping[str, Indicator]) -> list[str]:
    path = [start]

    def walk(code: str) -> bool:
        for ref in indicators[code].references if code in indicators else ():
            if ref == start:
                path.append(ref)
                return True
            if ref in indicators and ref not in path:
                path.append(ref)
                if walk(ref):
                    return True
                path.pop()
        return False

    return path if walk(start) else []


def _criterion_problems(
    index: int,
    criterion: ReadinessCriterion,
    variables: Mapping[str, Variable],
    indicators: Mapping[str, Indicator],
    known: frozenset[str],
) -> list[str]:
    """``criteria[i].all_of[j].reads (criterion 'x'): ...`` for each part that does not resolve."""
    problems = []
    combination = criterion.combination
    for number, condition in enumerate(criterion.conditions):
        part = f".{combination}[{number}]" if combination is not None else ""
        found = _condition_problem(condition, variables, indicators, known)
        if found is not None:
            field, problem = found
            problems.append(
                f"criteria[{index}]{part}.{field} (criterion {criterion.code!r}): {problem}"
            )
    return problems


def _condition_problem(
    condition: Condition,
    variables: Mapping[str, Variable],
    indicators: Mapping[str, Indicator],
    known: frozenset[str],
) -> tuple[str, str] | None:
    """The field at fault and the problem, or ``None`` when the condition resolves."""
    reads, threshold = condition.reads, condition.threshold
    is_number = isinstance(threshold, Decimal)
    if reads in indicators:
        if is_number:
            return None
        return "threshold", "compares an indicator (a number) with a non-number"
    variable = variables.get(reads)
    if variable is None:
        if reads in known:
            return None
        hint = did_you_mean(reads, (*variables, *indicators, *known))
        return "reads", (
            f"reads {reads!r}, which no loaded plugin declares as a variable or indicator"
            + (f" ({hint})" if hint else "")
        )
    if variable.type in (ValueType.DECIMAL, ValueType.INTEGER):
        wrong = None if is_number else f"needs a number threshold for {variable.type.value} data"
    elif variable.type is ValueType.BOOLEAN:
        wrong = None if isinstance(threshold, bool) else "needs threshold true or false"
    elif variable.type is ValueType.CATEGORY:
        ok = isinstance(threshold, str) and threshold in variable.category_codes()
        categories = listing(variable.category_codes())
        wrong = None if ok else f"needs one of the categories of {variable.code!r}: {categories}"
    else:
        kind = variable.type.value
        return "reads", f"cannot compare {kind} data; read a number, boolean or category"
    return None if wrong is None else ("threshold", wrong)


def _build(accepted: Sequence[tuple[str, SectorData]]) -> Catalogue:
    plugins_of: dict[str, list[str]] = {}
    for name, data in accepted:
        for sector in data.sectors:
            plugins_of.setdefault(sector.code, []).append(name)
    for name, data in accepted:
        records: tuple[Variable | Indicator | ReadinessCriterion, ...] = (
            *data.variables,
            *data.indicators,
            *data.criteria,
        )
        for record in records:
            names = plugins_of.setdefault(record.sector, [])
            if name not in names:
                names.append(name)
    return Catalogue(
        sectors=tuple(sorted((s for _, d in accepted for s in d.sectors), key=lambda s: s.code)),
        variables=_sorted(v for _, d in accepted for v in d.variables),
        indicators=_sorted(i for _, d in accepted for i in d.indicators),
        criteria=_sorted(c for _, d in accepted for c in d.criteria),
        activity_kinds=tuple(
            sorted((k for _, d in accepted for k in d.activity_kinds), key=lambda k: k.code)
        ),
        eligibility_criteria=tuple(
            sorted(
                (c for _, d in accepted for c in d.eligibility_criteria),
                key=lambda c: (c.sector or "", c.code),
            )
        ),
        report_sections=tuple(
            sorted((r for _, d in accepted for r in d.report_sections), key=lambda r: r.code)
        ),
        plugins_of={code: tuple(names) for code, names in plugins_of.items()},
        section_plugins={r.code: name for name, d in accepted for r in d.report_sections},
    )


def _sorted(records: Iterable[R]) -> tuple[R, ...]:
    return tuple(sorted(records, key=lambda r: (r.sector, r.code)))


def read_values(
    catalogue: Catalogue, sector: str, level: Level | str, values: Mapping[str, object]
) -> tuple[Level, dict[str, object], list[str]]:
    """Check values against the sector's variables of that level; return them normalized."""
    level = enum_value(Level, level)
    if not isinstance(level, Level):
        raise ValidationError(
            f"unknown level {level!r}: use one of {', '.join(m.value for m in Level)}",
            path="level",
        )
    known = catalogue.level_variables(sector, level)
    problems = [
        f"{code}: not a {level.value} variable of sector {sector!r} (variables: {listing(known)})"
        for code in values
        if code not in known
    ]
    normalized: dict[str, object] = {}
    for code, variable in known.items():
        try:
            value = variable.check_value(values.get(code), path=code)
        except ValidationError as exc:
            problems.append(str(exc))
            continue
        if value is not None:
            normalized[code] = value
    return level, normalized, problems


def listing(codes: Iterable[str]) -> str:
    items = sorted(set(codes))
    return ", ".join(items) if items else "none"


def select(records: tuple[S, ...], sector: str | None, level: Level | str | None) -> tuple[S, ...]:
    return tuple(
        r
        for r in records
        if (sector is None or r.sector == sector) and (level is None or r.level == level)
    )


def require(record: F | None, kind: str, code: str, records: Iterable[F]) -> F:
    if record is None:
        raise NotFoundError(
            f"no loaded plugin declares the {kind} {code!r} ({kind}s: "
            f"{listing(r.code for r in records)})",
            path=kind,
        )
    return record


def raise_problems(heading: str, problems: Iterable[str], *, path: str | None = None) -> None:
    problems = list(problems)
    if problems:
        lines = "".join(f"\n  - {problem}" for problem in problems)
        raise ValidationError(f"{heading}:{lines}", path=path)
