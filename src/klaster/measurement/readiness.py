"""Readiness for independence (*kesiapan pemandirian*): combining criteria into a decision.

Graduation programs state their rules in a few shapes (BRAC, CGAP), and klaster has one class per
shape, all evaluated the same way:

- :class:`AllOf` — every applicable criterion must pass;
- :class:`KOfN` — at least ``k`` of the applicable criteria ("any 6 of 10");
- :class:`EssentialPlusConditional` — every essential criterion must pass; the others apply only
  where relevant (a criterion whose value is not available for the unit does not apply) and must
  then pass;
- :class:`Weighted` — the weights of passed criteria over the weights of applicable ones must
  reach a score, and every ``required`` criterion must pass.

An evaluation lists every criterion with its value, threshold, outcome and the round the evidence
came from, so that a decision can be explained and audited. :func:`as_guard` turns a rule into a
lifecycle guard for the move to independence; :func:`backsliding` compares a monitoring round
after exit with the evaluation at exit.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any, Protocol, runtime_checkable

from attrs import field, frozen

from klaster._support.validate import check_text, to_str_tuple
from klaster.catalogue.criterion import ReadinessCriterion
from klaster.errors import ValidationError
from klaster.measurement.evidence import (
    ConditionResult,
    CriterionResult,
    Evidence,
    Lookup,
    check,
    describe,
)
from klaster.model.lifecycle import CheckResult, Guard

__all__ = [
    "AllOf",
    "ConditionResult",
    "Criterion",
    "CriterionResult",
    "EssentialPlusConditional",
    "Evidence",
    "KOfN",
    "Lookup",
    "Readiness",
    "Rule",
    "Weighted",
    "as_guard",
    "backsliding",
    "evaluate",
]


@runtime_checkable
class Criterion(Protocol):
    """What a rule needs of a criterion: its code, whether it is essential, its weight.

    :class:`~klaster.catalogue.criterion.ReadinessCriterion` is one; so are the eligibility
    criteria and scorecards (:mod:`klaster.catalogue.eligibility`), which the same rules combine.
    """

    @property
    def code(self) -> str:
        """The criterion's code, unique in the rule."""

    @property
    def essential(self) -> bool:
        """Whether it must pass."""

    @property
    def weight(self) -> Decimal:
        """Its weight in a weighted rule."""


def _check_criteria(_inst: object, attribute: Any, value: tuple[Criterion, ...]) -> None:
    if not value:
        raise ValidationError("a rule needs at least one criterion", path=attribute.name)
    seen: set[str] = set()
    for index, item in enumerate(value):
        if not isinstance(item, Criterion) or not isinstance(item.code, str):
            raise ValidationError(
                f"must be a criterion (a ReadinessCriterion, EligibilityCriterion or "
                f"Scorecard), got {type(item).__name__}",
                path=f"{attribute.name}[{index}]",
            )
        if item.code in seen:
            raise ValidationError(f"criterion {item.code!r} is listed twice", path=attribute.name)
        seen.add(item.code)


def _to_criteria(value: Iterable[Criterion]) -> tuple[Criterion, ...]:
    return tuple(value)


@frozen
class AllOf:
    """Ready when every applicable criterion passes (and at least one applies)."""

    criteria: tuple[Criterion, ...] = field(converter=_to_criteria, validator=_check_criteria)

    def decide(self, results: Sequence[CriterionResult]) -> tuple[bool, str]:
        """Whether ``results`` make the unit ready, and why."""
        applicable = [r for r in results if r.applies]
        failed = [r.code for r in applicable if not r.passed]
        if not applicable:
            return False, "no criterion could be checked"
        if failed:
            return False, f"failed: {', '.join(failed)}"
        return True, f"all {len(applicable)} applicable criteria met"


@frozen
class KOfN:
    """Ready when at least ``k`` applicable criteria pass ("any 6 of 10")."""

    k: int = field()
    criteria: tuple[Criterion, ...] = field(converter=_to_criteria, validator=_check_criteria)

    @k.validator
    def _check_k(self, attribute: Any, value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValidationError(f"must be a whole number of at least 1, got {value!r}", path="k")

    def __attrs_post_init__(self) -> None:
        if self.k > len(self.criteria):
            raise ValidationError(
                f"k = {self.k} but only {len(self.criteria)} criteria are listed", path="k"
            )

    def decide(self, results: Sequence[CriterionResult]) -> tuple[bool, str]:
        """Whether ``results`` make the unit ready, and why."""
        met = sum(1 for r in results if r.passed)
        return met >= self.k, f"{met} of {len(results)} met, {self.k} needed"


@frozen
class EssentialPlusConditional:
    """Ready when every essential criterion passes and every other one passes where it applies.

    An essential criterion that cannot be checked (no value) counts as failed; a conditional one
    that cannot be checked does not apply.
    """

    criteria: tuple[Criterion, ...] = field(converter=_to_criteria, validator=_check_criteria)

    def decide(self, results: Sequence[CriterionResult]) -> tuple[bool, str]:
        """Whether ``results`` make the unit ready, and why."""
        essential_failed = [r.code for r in results if r.essential and not r.passed]
        conditional_failed = [
            r.code for r in results if not r.essential and r.applies and not r.passed
        ]
        if essential_failed:
            return False, f"essential not met: {', '.join(essential_failed)}"
        if conditional_failed:
            return False, f"not met where it applies: {', '.join(conditional_failed)}"
        return True, "every essential criterion met, and every other where it applies"


@frozen
class Weighted:
    """Ready when Σ weight(passed) / Σ weight(applicable) ≥ ``score`` and ``required`` all pass.

    Args:
        criteria: The criteria with their weights.
        score: The share of applicable weight needed, between 0 and 1 (e.g. ``"0.70"``).
        required: Codes of criteria that must pass whatever the score (besides any criterion
            marked ``essential``).
    """

    criteria: tuple[Criterion, ...] = field(converter=_to_criteria, validator=_check_criteria)
    score: Decimal = field(converter=Decimal)
    required: tuple[str, ...] = field(default=(), converter=to_str_tuple)

    def __attrs_post_init__(self) -> None:
        if not Decimal(0) <= self.score <= Decimal(1):
            raise ValidationError(f"must be between 0 and 1, got {self.score}", path="score")
        codes = {c.code for c in self.criteria}
        unknown = [c for c in self.required if c not in codes]
        if unknown:
            raise ValidationError(
                f"required criteria {unknown} are not among the criteria", path="required"
            )

    def decide(self, results: Sequence[CriterionResult]) -> tuple[bool, str]:
        """Whether ``results`` make the unit ready, and why."""
        must = set(self.required)
        missing = [r.code for r in results if (r.code in must or r.essential) and not r.passed]
        total = sum((r.weight for r in results if r.applies), Decimal(0))
        if total == 0:
            return False, "no weighted criterion could be checked"
        got = sum((r.weight for r in results if r.passed), Decimal(0))
        share = got / total
        text = f"score {share:.2f} of {self.score} needed"
        if missing:
            return False, f"{text}; required not met: {', '.join(missing)}"
        return share >= self.score, text


Rule = AllOf | KOfN | EssentialPlusConditional | Weighted
"""Any readiness rule."""


@frozen
class Readiness:
    """The readiness of one unit (a member, a group or a cluster) under a rule.

    Args:
        unit_id: The unit.
        ready: The decision.
        reason: Why, in a sentence.
        results: Every criterion with its value, threshold, outcome and evidence round.
    """

    unit_id: str = field(validator=check_text)
    ready: bool
    reason: str
    results: tuple[CriterionResult, ...]

    def failed(self) -> tuple[CriterionResult, ...]:
        """The criteria checked and not met."""
        return tuple(r for r in self.results if r.passed is False)


def evaluate(rule: Rule, unit_id: str, lookup: Lookup) -> Readiness:
    """Evaluate ``rule`` for one unit, reading each criterion's value with ``lookup``.

    A composite criterion (``all_of``/``any_of``) is read part by part; its line carries each
    part's evidence (:attr:`CriterionResult.parts`).
    """
    results = []
    for criterion in rule.criteria:
        if not isinstance(criterion, ReadinessCriterion):
            raise ValidationError(
                f"criterion {criterion.code!r} is not a readiness criterion; screen eligibility "
                "rules with klaster.targeting.screen",
                path="rule.criteria",
            )
        results.append(check(criterion, unit_id, lookup))
    ready, reason = rule.decide(results)
    return Readiness(unit_id, ready, reason, tuple(results))


def as_guard(rule: Rule, lookup: Lookup, *, name: str = "readiness") -> Guard:
    """A lifecycle guard that evaluates ``rule`` for the cluster moving to independence.

    The guard yields one :class:`~klaster.model.lifecycle.CheckResult` named ``name`` carrying the
    rule's decision; its detail lists every criterion with value, threshold, outcome and evidence
    round (a composite criterion, each of its parts), so the lifecycle history keeps the whole
    evaluation.
    """

    def guard(cluster: Any, on: _dt.date) -> list[CheckResult]:
        readiness = evaluate(rule, cluster.id, lookup)
        lines = "; ".join(f"{r.code}: {describe(r)}" for r in readiness.results)
        return [CheckResult(name, readiness.ready, f"{readiness.reason} — {lines}")]

    guard.__name__ = name
    return guard


def backsliding(at_exit: Readiness, now: Readiness) -> tuple[CriterionResult, ...]:
    """Criteria met at exit and not met now (monitoring after independence)."""
    before = {r.code for r in at_exit.results if r.passed}
    return tuple(r for r in now.results if r.code in before and r.passed is False)
