"""The evidence of a readiness evaluation: what each criterion read, compared and concluded.

A criterion is checked for one unit by reading its value through a :data:`Lookup` (the engine's
figures of one round, or any function of the same shape). A composite criterion (``all_of`` or
``any_of`` over :class:`~klaster.catalogue.criterion.Condition` s) is read part by part: each part
keeps its own value, threshold, outcome, round and sector in :attr:`CriterionResult.parts`, and
the criterion's outcome is :meth:`~klaster.catalogue.criterion.ReadinessCriterion.decide` of
theirs. :func:`describe` is the one wording of a result line (the lifecycle guard's detail).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from attrs import frozen

from klaster.catalogue.criterion import ReadinessCriterion
from klaster.label import Label
from klaster.measurement.na import NotAvailable, bilingual

__all__ = ["ConditionResult", "CriterionResult", "Evidence", "Lookup", "check", "describe"]


@frozen
class Evidence:
    """The value a criterion read for one unit, the round it comes from and whose figure it is.

    Args:
        value: The value read.
        round_id: The round of the evidence.
        sector: The sector whose units the figure is of (a sector's cluster criterion reads
            that sector's members, not the whole cluster); ``None``: the unit's own figure.
    """

    value: Any
    round_id: str | None = None
    sector: str | None = None


Lookup = Callable[[ReadinessCriterion, str], Evidence | NotAvailable]
"""``lookup(criterion, unit_id)``: the value of ``criterion.reads`` for the unit, or why not.

A composite criterion is looked up part by part (:meth:`ReadinessCriterion.parts`): the lookup
always receives a one-comparison criterion, so ``criterion.reads`` is set.
"""


@frozen
class ConditionResult:
    """One part of a composite criterion's result: one comparison with its evidence.

    Args:
        reads: The indicator or variable read.
        operator: Comparison (``">="``...).
        threshold: What the value is compared with.
        value: The value read, or :class:`NotAvailable` (then the part is not checked).
        passed: ``True``/``False``, or ``None`` when the part could not be checked.
        round_id: The round the evidence comes from.
        sector: The sector whose units the value is of (see :class:`Evidence`), else ``None``.
    """

    reads: str
    operator: str
    threshold: Any
    value: Any
    passed: bool | None
    round_id: str | None = None
    sector: str | None = None


@frozen
class CriterionResult:
    """One line of an evaluation.

    Args:
        code: Criterion code.
        label: Bilingual statement of the criterion.
        reads: The indicator or variable read; for a composite, the parts' codes joined by
            ``" and "`` (``all_of``) or ``" or "`` (``any_of``).
        operator: Comparison (``">="``...); ``"all_of"`` or ``"any_of"`` for a composite.
        threshold: What the value is compared with (``None`` for a composite: see ``parts``).
        value: The value read, or :class:`NotAvailable` (then the criterion does not apply); for
            a composite, ``None`` when it applies (the values are in ``parts``).
        passed: ``True``/``False``, or ``None`` when it does not apply.
        round_id: The round the evidence comes from (a composite's, when its parts agree).
        essential: Whether the criterion is essential (or required).
        weight: Its weight in a weighted score.
        sector: The sector whose units the value is of (see :class:`Evidence`), else ``None``.
        parts: A composite's parts, each with its own evidence (empty for one comparison).
    """

    code: str
    label: Label
    reads: str
    operator: str
    threshold: Any
    value: Any
    passed: bool | None
    round_id: str | None
    essential: bool
    weight: Decimal
    sector: str | None = None
    parts: tuple[ConditionResult, ...] = ()

    @property
    def applies(self) -> bool:
        """Whether the criterion could be checked for this unit."""
        return self.passed is not None


def check(criterion: ReadinessCriterion, unit_id: str, lookup: Lookup) -> CriterionResult:
    """``criterion`` checked for one unit, reading each value with ``lookup``."""
    parts = tuple(_part(view, unit_id, lookup) for view in criterion.parts())
    passed = criterion.decide([p.passed for p in parts])
    if criterion.combination is None:
        (one,) = parts
        value, reads, operator, threshold = one.value, one.reads, one.operator, one.threshold
        round_id, sector, parts = one.round_id, one.sector, ()
    else:
        joiner = " and " if criterion.combination == "all_of" else " or "
        reads, threshold = joiner.join(p.reads for p in parts), None
        operator = criterion.combination
        value = None if passed is not None else _why_not(parts)
        # The round of the evidence found; the sector only when every part's figure is of it.
        rounds = {p.round_id for p in parts if p.round_id is not None}
        round_id = rounds.pop() if len(rounds) == 1 else None
        sectors = {p.sector for p in parts}
        sector = sectors.pop() if len(sectors) == 1 else None
    return CriterionResult(
        code=criterion.code,
        label=criterion.label,
        reads=reads,
        operator=operator,
        threshold=threshold,
        value=value,
        passed=passed,
        round_id=round_id,
        essential=criterion.essential,
        weight=criterion.weight,
        sector=sector,
        parts=parts,
    )


def _part(view: ReadinessCriterion, unit_id: str, lookup: Lookup) -> ConditionResult:
    (condition,) = view.conditions
    found = lookup(view, unit_id)
    value: Any = found
    passed = round_id = sector = None
    if not isinstance(found, NotAvailable):
        value, round_id, sector = found.value, found.round_id, found.sector
        passed = view.is_met(value) if value is not None else None
    return ConditionResult(
        condition.reads,
        condition.operator.value,
        condition.threshold,
        value,
        passed,
        round_id,
        sector,
    )


def _why_not(parts: tuple[ConditionResult, ...]) -> NotAvailable:
    unchecked = [p.reads for p in parts if p.passed is None]
    missing = ", ".join(unchecked)
    return bilingual(
        f"not every part could be checked: no value of {missing}",
        f"tidak semua bagian dapat diperiksa: tidak ada nilai {missing}",
    )


def describe(result: CriterionResult) -> str:
    """A result line in words: ``reads = value op threshold: outcome (round R)``.

    A composite lists its parts: ``all of (a = 0.75 >= 0.70: met, b = n/a < 0.40: not
    applicable): not applicable (round R)``.
    """
    round_text = f" (round {result.round_id})" if result.round_id else ""
    outcome = _OUTCOME[result.passed]
    if not result.parts:
        read = _comparison(result.reads, result.sector, result.value, result.operator)
        return f"{read} {result.threshold}: {outcome}{round_text}"
    parts = ", ".join(
        f"{_comparison(p.reads, p.sector, p.value, p.operator)} {p.threshold}: {_OUTCOME[p.passed]}"
        for p in result.parts
    )
    combined = "all of" if result.operator == "all_of" else "any of"
    return f"{combined} ({parts}): {outcome}{round_text}"


_OUTCOME = {True: "met", False: "not met", None: "not applicable"}


def _comparison(reads: str, sector: str | None, value: Any, operator: str) -> str:
    shown = str(value) if not isinstance(value, NotAvailable) else "n/a"
    of = f" of sector {sector}" if sector else ""
    return f"{reads}{of} = {shown} {operator}"
