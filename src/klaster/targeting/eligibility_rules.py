"""Eligibility rules: criteria and scorecards combined by one of the readiness engine's forms.

:class:`EligibilityRules` holds the criteria
(:class:`~klaster.catalogue.eligibility.EligibilityCriterion`) and scorecards
(:class:`~klaster.catalogue.scorecard.Scorecard`) and the :class:`Form` that combines them —
the same :class:`~klaster.measurement.readiness.AllOf`,
:class:`~klaster.measurement.readiness.KOfN`,
:class:`~klaster.measurement.readiness.EssentialPlusConditional` and
:class:`~klaster.measurement.readiness.Weighted` rules as readiness for independence, so a
decision reads the same way. :func:`rule_problems` checks the rules against the screening
variables (unknown variable, a category compared with a number...).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from attrs import field, frozen

from klaster._support.validate import (
    check_bool,
    check_enum,
    enum_value,
    to_optional_decimal,
    to_str_tuple,
)
from klaster.catalogue.eligibility import EligibilityCriterion, LineRef, Membership
from klaster.catalogue.scorecard import Scorecard
from klaster.catalogue.variable import ValueType, Variable
from klaster.errors import ValidationError
from klaster.label import Label, LabelledEnum, check_optional_label, labelled, to_optional_label
from klaster.measurement.readiness import AllOf, EssentialPlusConditional, KOfN, Rule, Weighted
from klaster.targeting.screening_variables import HOUSEHOLD_SIZE, did_you_mean

__all__ = ["EligibilityRules", "Form", "rule_problems"]


class Form(LabelledEnum):
    """How criteria and scorecards combine into a decision."""

    ALL_OF = labelled("all_of", "Semua syarat", "All of")
    """Every applicable criterion must pass."""
    K_OF_N = labelled("k_of_n", "Sedikitnya k syarat", "At least k of n")
    """At least ``k`` criteria must pass."""
    ESSENTIAL_PLUS_CONDITIONAL = labelled(
        "essential_plus_conditional", "Syarat utama + bersyarat", "Essential plus conditional"
    )
    """Every essential criterion passes; the others wherever they apply."""
    WEIGHTED = labelled("weighted", "Berbobot", "Weighted")
    """The passed weight over the applicable weight reaches ``score``; required ones pass."""


Item = EligibilityCriterion | Scorecard
"""A criterion or a scorecard: what a rule combines."""


def _check_items(cls: type) -> Any:
    def check(_inst: object, attribute: Any, value: tuple[Any, ...]) -> None:
        for index, item in enumerate(value):
            if not isinstance(item, cls):
                raise ValidationError(
                    f"must be a {cls.__name__}, got {type(item).__name__}",
                    path=f"{attribute.name}[{index}]",
                )

    return check


def _to_criteria(value: Iterable[EligibilityCriterion]) -> tuple[EligibilityCriterion, ...]:
    return tuple(value)


def _to_scorecards(value: Iterable[Scorecard]) -> tuple[Scorecard, ...]:
    return tuple(value)


def _to_form(value: Form | str) -> Form:
    return enum_value(Form, value)


@frozen
class EligibilityRules:
    """A program's eligibility rules.

    Args:
        form: The :class:`Form`.
        criteria: The criteria.
        scorecards: The scorecards (each one criterion of the rule: its total vs its cut-off).
        k: For ``k_of_n``: how many must pass.
        score: For ``weighted``: the share of applicable weight needed (0 to 1).
        required: For ``weighted``: codes that must pass whatever the score.
        sector_criteria: Add the sector plugins' eligibility criteria for applicants of their
            sector (each essential one must pass, the others wherever they apply).
        name: A bilingual name for reports.

    Raises:
        ValidationError: Located (``criteria[2]``, ``k``, ``score``...).
    """

    form: Form = field(converter=_to_form, validator=check_enum(Form))
    criteria: tuple[EligibilityCriterion, ...] = field(
        default=(), converter=_to_criteria, validator=_check_items(EligibilityCriterion)
    )
    scorecards: tuple[Scorecard, ...] = field(
        default=(), converter=_to_scorecards, validator=_check_items(Scorecard)
    )
    k: int | None = field(default=None)
    score: Decimal | None = field(default=None, converter=to_optional_decimal)
    required: tuple[str, ...] = field(default=(), converter=to_str_tuple)
    sector_criteria: bool = field(default=True, validator=check_bool)
    name: Label | None = field(
        default=None, converter=to_optional_label, validator=check_optional_label
    )
    rule: Rule = field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "rule", _build(self))

    @property
    def items(self) -> tuple[Item, ...]:
        """The criteria, then the scorecards, in the rule's order."""
        return (*self.criteria, *self.scorecards)


def _build(rules: EligibilityRules) -> Rule:
    items = rules.items
    if not items:
        raise ValidationError(
            "eligibility rules need at least one criterion or scorecard", path="criteria"
        )
    if rules.k is not None and rules.form is not Form.K_OF_N:
        raise ValidationError(f"k is for the k_of_n form, not {rules.form.value}", path="k")
    if rules.form is not Form.WEIGHTED and (rules.score is not None or rules.required):
        path = "score" if rules.score is not None else "required"
        raise ValidationError(f"{path} is for the weighted form, not {rules.form.value}", path=path)
    seen: dict[str, str] = {}
    groups: tuple[tuple[str, tuple[Item, ...]], ...] = (
        ("criteria", rules.criteria),
        ("scorecards", rules.scorecards),
    )
    for kind, records in groups:
        for index, record in enumerate(records):
            if record.code in seen:
                raise ValidationError(
                    f"code {record.code!r} is already used by {seen[record.code]}",
                    path=f"{kind}[{index}].code",
                )
            seen[record.code] = f"{kind}[{index}]"
    if rules.form is Form.ALL_OF:
        return AllOf(items)
    if rules.form is Form.ESSENTIAL_PLUS_CONDITIONAL:
        return EssentialPlusConditional(items)
    if rules.form is Form.K_OF_N:
        if rules.k is None or isinstance(rules.k, bool) or not isinstance(rules.k, int):
            raise ValidationError("the k_of_n form needs k, a whole number", path="k")
        return KOfN(rules.k, items)
    if rules.score is None:
        raise ValidationError("the weighted form needs score, between 0 and 1", path="score")
    if sum((i.weight for i in items), Decimal(0)) == 0:
        raise ValidationError("the weights add up to 0; give some weight", path="criteria")
    return Weighted(items, rules.score, rules.required)


_NUMERIC = (ValueType.DECIMAL, ValueType.INTEGER)


def rule_problems(items: Iterable[Item], catalogue: Mapping[str, Variable]) -> list[str]:
    """What is wrong with criteria and scorecards given the screening variables, located.

    Each problem reads ``criteria[2].reads: ...`` or ``scorecards[0].items[3].points: ...``.
    """
    problems: list[str] = []
    counters = {"criteria": 0, "scorecards": 0}
    for item in items:
        kind = "criteria" if isinstance(item, EligibilityCriterion) else "scorecards"
        where = f"{kind}[{counters[kind]}]"
        counters[kind] += 1
        if isinstance(item, EligibilityCriterion):
            problem = _criterion_problem(item, catalogue)
            if problem:
                problems.append(f"{where}.{problem}")
            continue
        for index, line in enumerate(item.items):
            variable, problem = _variable(line.reads, catalogue)
            if problem or variable is None:
                problems.append(f"{where}.items[{index}].{problem}")
                continue
            problem = _score_problem(line.points, bool(line.bands), line.per_capita, variable)
            if problem:
                problems.append(f"{where}.items[{index}].{problem}")
    return problems


def _variable(code: str, catalogue: Mapping[str, Variable]) -> tuple[Variable | None, str]:
    variable = catalogue.get(code)
    if variable is None:
        hint = did_you_mean(code, catalogue)
        return None, f"reads: unknown screening variable {code!r}{hint}"
    if variable.type in (ValueType.TEXT, ValueType.DATE):
        return (
            None,
            f"reads: {code!r} is {variable.type.value} data; read a number, yes/no or category",
        )
    return variable, ""


def _criterion_problem(c: EligibilityCriterion, catalogue: Mapping[str, Variable]) -> str:
    variable, problem = _variable(c.reads, catalogue)
    if variable is None:
        return problem
    kind = variable.type
    threshold = c.threshold
    if isinstance(threshold, Decimal | LineRef):
        if kind not in _NUMERIC:
            return (
                f"threshold: {c.reads!r} is {kind.value} data and cannot be compared with a "
                "number; use true/false or category codes"
            )
        return ""
    if c.per_capita:
        return "per_capita: only a number is divided by the household size"
    if isinstance(threshold, bool):
        if kind is not ValueType.BOOLEAN:
            return f"threshold: {c.reads!r} is {kind.value} data, not yes/no"
        return ""
    if kind is not ValueType.CATEGORY:
        return f"threshold: {c.reads!r} is {kind.value} data; compare it with a number"
    unknown = [code for code in c.categories if code not in variable.category_codes()]
    if unknown:
        codes = ", ".join(variable.category_codes())
        op = "in" if isinstance(c.operator, Membership) else "=="
        return f"threshold: {', '.join(unknown)} not categories of {c.reads!r} ({op} {codes})"
    return ""


def _score_problem(
    points: tuple[tuple[str | bool, Decimal], ...],
    bands: bool,
    per_capita: bool,
    variable: Variable,
) -> str:
    kind = variable.type
    if bands or per_capita:
        if kind not in _NUMERIC:
            return f"bands: {variable.code!r} is {kind.value} data; give points per answer"
        return ""
    if kind in _NUMERIC:
        return f"points: {variable.code!r} is {kind.value} data; give bands of numbers"
    for key, _points in points:
        if kind is ValueType.BOOLEAN and not isinstance(key, bool):
            return f"points: {variable.code!r} is yes/no; give points for true and false"
        if kind is ValueType.CATEGORY and key not in variable.category_codes():
            codes = ", ".join(variable.category_codes())
            return f"points: {key!r} is not a category of {variable.code!r} ({codes})"
    return ""


def reads_household_size(code: str) -> bool:
    """Whether ``code`` is read from the applicant record (``household_size``)."""
    return code == HOUSEHOLD_SIZE
