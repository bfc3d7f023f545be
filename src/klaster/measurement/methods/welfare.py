"""Welfare statistics: income per capita, paired income change, and questionnaire indices.

**Paired change.** A program's claim "income rose 50% over the baseline" is only about the
members observed in *both* rounds: comparing the mean of everyone at baseline with the mean of
whoever was found at endline mixes a change in income with a change in who answered.
:func:`paired_change` uses the paired members only and reports how many were lost on each side.

It reports two percentages that answer different questions and are routinely confused:

* :attr:`PairedChange.pct_change_of_means`: the change of the mean income, ``(mean after −
  mean before) / mean before × 100``. It is a ratio of sums (``Σ after / Σ before − 1``): "the
  members' total income rose by x%". Large incomes weigh more.
* :attr:`PairedChange.mean_of_pct_changes`: the mean over members of each member's own percent
  change: "the typical member's income rose by x%". Members with a baseline of zero or less have
  no percent change and are left out (and counted); a few members starting from very little can
  dominate it.

**Questionnaire indices** (social capital and the like): :class:`QuestionnaireScale` turns answers
to scored items (each with its own range, optional reverse scoring and a weight) into an index
from 0 to 100 per unit, with a stated policy for unanswered items (:class:`MissingItems`).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, localcontext
from fractions import Fraction
from types import MappingProxyType
from typing import Any

from attrs import field, frozen

from klaster._support.validate import (
    check_code,
    check_decimal,
    check_enum,
    enum_value,
    require_id,
    to_decimal,
)
from klaster.errors import DuplicateIdError, ValidationError
from klaster.label import Label, check_label, to_label
from klaster.measurement.methods.exactmath import (
    EXACT,
    Value,
    check_household_size,
    check_length,
    divide,
    is_missing,
    mean,
    median,
    plain_number,
    read_number,
    term,
    to_result,
)
from klaster.measurement.na import NotAvailable

__all__ = [
    "ChangeMeasure",
    "MissingItems",
    "PairedChange",
    "QuestionnaireScale",
    "ScaleItem",
    "ScaleScore",
    "ScaleSummary",
    "paired_change",
    "per_capita",
    "per_capita_incomes",
]


# -- income per capita -----------------------------------------------------------------------------
def per_capita(income: Value, household_size: int | None) -> Decimal | NotAvailable:
    """Household income divided by household size (Rupiah per person, same period).

    The quotient is kept to 28 significant digits, not rounded to whole rupiah: rounding could
    move a household across a poverty line (1,651,373 / 3 is just *below* 550,458).

    Args:
        income: Household income; ``None``/:class:`NotAvailable` when missing.
        household_size: People in the household; ``None`` when unknown.

    Returns:
        The per-capita income, or :class:`NotAvailable` when either value is missing.

    Raises:
        ValidationError: A float income, a size that is not a whole number of at least 1.

    Example:
        >>> per_capita(1_651_373, 3) < 550_458
        True
    """
    if is_missing(income):
        return NotAvailable("household income missing")
    if household_size is None:
        return NotAvailable("household size missing")
    amount = read_number(income, "income")
    check_household_size(household_size, "household_size")
    return divide(amount, household_size)


def per_capita_incomes(
    incomes: Sequence[Value], household_sizes: Sequence[int | None]
) -> tuple[Decimal | NotAvailable, ...]:
    """:func:`per_capita` for every unit of two parallel sequences.

    Errors are located (``incomes[3]``, ``household_sizes[3]``).

    Example:
        >>> per_capita_incomes([1_200_000, None], [4, 2])
        (Decimal('300000'), NotAvailable(reason='household income missing'))
    """
    check_length(household_sizes, len(incomes), "household_sizes", "incomes")
    result: list[Decimal | NotAvailable] = []
    for index, (income, size) in enumerate(zip(incomes, household_sizes, strict=True)):
        if (
            (type(income) is int or (type(income) is Decimal and income.is_finite()))
            and type(size) is int
            and size >= 1
        ):
            result.append(divide(income, size))
            continue
        try:
            result.append(per_capita(income, size))
        except ValidationError as exc:
            where = "incomes" if exc.path == "income" else "household_sizes"
            raise ValidationError(exc.message, path=f"{where}[{index}]") from None
    return tuple(result)


# -- paired change ---------------------------------------------------------------------------------
class ChangeMeasure(enum.StrEnum):
    """The statistics of a paired change, named for a report."""

    MEAN_CHANGE = "mean_change"
    """Mean of the members' changes (= change of the mean)."""
    MEDIAN_CHANGE = "median_change"
    """Median of the members' changes (not the change of the medians)."""
    PCT_CHANGE_OF_MEANS = "pct_change_of_means"
    """Percent change of the mean (a ratio of sums)."""
    MEAN_OF_PCT_CHANGES = "mean_of_pct_changes"
    """Mean of the members' percent changes."""

    @property
    def label(self) -> Label:
        """The statistic's name in Indonesian and English."""
        return {
            ChangeMeasure.MEAN_CHANGE: Label("Rata-rata perubahan", "Mean change"),
            ChangeMeasure.MEDIAN_CHANGE: Label("Median perubahan", "Median change"),
            ChangeMeasure.PCT_CHANGE_OF_MEANS: Label(
                "Persentase perubahan rata-rata", "Percent change of the mean"
            ),
            ChangeMeasure.MEAN_OF_PCT_CHANGES: Label(
                "Rata-rata persentase perubahan per anggota", "Mean of members' percent changes"
            ),
        }[self]


@frozen
class PairedChange:
    """The change of a value between two rounds over the units observed in both.

    Args:
        n: Units with a value in both rounds (the pairs).
        baseline_only: Units with a value at baseline but none at follow-up: absent at
            follow-up or not answering. The attrition from the baseline.
        followup_only: Units with a value at follow-up but none at baseline (joined later, or
            baseline missing).
        mean_baseline: Mean at baseline, over the pairs.
        mean_followup: Mean at follow-up, over the pairs.
        mean_change: ``mean_followup − mean_baseline`` (equal to the mean of the changes).
        median_change: The median of the units' changes (not the difference of the medians).
        pct_change_of_means: ``mean_change / mean_baseline × 100``, a ratio of sums; not
            available when the baseline mean is zero or less.
        mean_of_pct_changes: The mean over units of ``(after − before) / before × 100``, over
            the pairs with a baseline above zero; not available when there are none. Each
            unit's ratio is taken to 50 significant digits before the exact sum (an exact
            rational sum over a million distinct baselines would not finish).
        pct_units: Pairs that entered ``mean_of_pct_changes``.
        pct_excluded: Pairs left out of it for a baseline of zero or less.
    """

    n: int
    baseline_only: int
    followup_only: int
    mean_baseline: Decimal
    mean_followup: Decimal
    mean_change: Decimal
    median_change: Decimal
    pct_change_of_means: Decimal | NotAvailable
    mean_of_pct_changes: Decimal | NotAvailable
    pct_units: int
    pct_excluded: int

    def measure(self, which: ChangeMeasure | str) -> Decimal | NotAvailable:
        """One statistic by name (see :class:`ChangeMeasure`)."""
        return {
            ChangeMeasure.MEAN_CHANGE: self.mean_change,
            ChangeMeasure.MEDIAN_CHANGE: self.median_change,
            ChangeMeasure.PCT_CHANGE_OF_MEANS: self.pct_change_of_means,
            ChangeMeasure.MEAN_OF_PCT_CHANGES: self.mean_of_pct_changes,
        }[ChangeMeasure(which)]


def _observed(values: Mapping[str, Value], name: str) -> dict[str, Decimal | int]:
    if not isinstance(values, Mapping):
        raise ValidationError(
            f"must be a mapping of unit ID to value, got {type(values).__name__}", path=name
        )
    found: dict[str, Decimal | int] = {}
    for unit, value in values.items():
        require_id(unit, f"{name} key")
        number = plain_number(value)
        if number is not None:
            found[unit] = number
        elif not is_missing(value):
            found[unit] = read_number(value, f"{name}[{unit!r}]")
    return found


def paired_change(
    baseline: Mapping[str, Value], followup: Mapping[str, Value]
) -> PairedChange | NotAvailable:
    """Change of a value (income) from baseline to follow-up, over units observed in both.

    Args:
        baseline: Value per unit ID at baseline; ``None``/:class:`NotAvailable` when missing.
        followup: Value per unit ID at follow-up (midline, endline, monitoring).

    Returns:
        A :class:`PairedChange`, or :class:`NotAvailable` when no unit has both values.

    Raises:
        ValidationError: A bad ID, a float or non-number (located by unit ID; the value is not
            repeated).

    Example:
        >>> before = {"M1": 1_000_000, "M2": 100_000, "M3": 800_000}
        >>> after = {"M1": 1_200_000, "M2": 300_000, "M4": 900_000}
        >>> c = paired_change(before, after)
        >>> c.n, c.baseline_only, c.followup_only
        (2, 1, 1)
        >>> c.pct_change_of_means, c.mean_of_pct_changes
        (Decimal('36.36363636363636363636363636'), Decimal('110.0'))
    """
    before = _observed(baseline, "baseline")
    after = _observed(followup, "followup")
    pairs = [(value, after[unit]) for unit, value in before.items() if unit in after]
    n = len(pairs)
    if n == 0:
        return NotAvailable(
            f"no unit has a value in both rounds ({len(before)} at baseline, {len(after)} at "
            "follow-up)"
        )
    with localcontext(EXACT):  # exact sums and differences
        total_before = sum(b for b, _ in pairs)
        total_after = sum(a for _, a in pairs)
        changes = [a - b for b, a in pairs]
        total_change = total_after - total_before
        ratio_sum = Decimal(0)
        pct_units = 0
        for b, a in pairs:
            if b > 0:
                ratio_sum += term(a - b, b)
                pct_units += 1
        pct_of_means: Decimal | NotAvailable
        if total_before > 0:
            # Ratio of sums: the n in both means cancels.
            pct_of_means = divide(total_change * 100, total_before)
        else:
            pct_of_means = NotAvailable("the baseline mean is zero or less: no percent change")
        mean_of_pct: Decimal | NotAvailable
        if pct_units:
            mean_of_pct = divide(ratio_sum * 100, pct_units)
        else:
            mean_of_pct = NotAvailable("no paired unit has a baseline above zero")
    return PairedChange(
        n=n,
        baseline_only=len(before) - n,
        followup_only=len(after) - n,
        mean_baseline=divide(total_before, n),
        mean_followup=divide(total_after, n),
        mean_change=divide(total_change, n),
        median_change=Decimal(median(changes)),
        pct_change_of_means=pct_of_means,
        mean_of_pct_changes=mean_of_pct,
        pct_units=pct_units,
        pct_excluded=n - pct_units,
    )


# -- questionnaire indices -------------------------------------------------------------------------
class MissingItems(enum.StrEnum):
    """What to do when a unit left some items of a scale unanswered."""

    REQUIRE_ALL = "require_all"
    """No index unless every item is answered (the default: nothing is imputed)."""
    PRORATE = "prorate"
    """Index over the answered items (weights rescaled), if they carry at least
    :attr:`QuestionnaireScale.min_answered` of the total weight."""


def _to_missing(value: MissingItems | str) -> MissingItems:
    return enum_value(MissingItems, value)


def _check_weight(inst: object, attribute: Any, value: Any) -> None:
    check_decimal(inst, attribute, value)
    if value <= 0:
        raise ValidationError(f"must be more than zero, got {value}", path=attribute.name)


def _check_maximum(inst: ScaleItem, attribute: Any, value: Any) -> None:
    check_decimal(inst, attribute, value)
    if value <= inst.minimum:
        raise ValidationError(
            f"must be above the minimum ({inst.minimum}), got {value}", path=attribute.name
        )


@frozen
class ScaleItem:
    """One scored question of a scale.

    Args:
        code: The item's code (``"trust_members"``), the key of the answers.
        label: The question, in Indonesian and English.
        minimum: The lowest answer (e.g. 1 on a 1–5 Likert item).
        maximum: The highest answer.
        reverse: Whether a high answer means *less* of what the scale measures ("I rarely meet
            other members"); the item is then scored ``maximum − answer``.
        weight: The item's weight in the index.

    Example:
        >>> item = ScaleItem("meets_alone", Label("Jarang bertemu", "Rarely meets"), reverse=True)
        >>> item.normalised(Decimal(2))
        Fraction(3, 4)
    """

    code: str = field(validator=check_code)
    label: Label = field(converter=to_label, validator=check_label)
    minimum: Decimal = field(default=Decimal(1), converter=to_decimal, validator=check_decimal)
    maximum: Decimal = field(default=Decimal(5), converter=to_decimal, validator=_check_maximum)
    reverse: bool = False
    weight: Decimal = field(default=Decimal(1), converter=to_decimal, validator=_check_weight)

    def normalised(self, answer: Decimal) -> Fraction:
        """An answer mapped to 0–1 (1 = most of what the scale measures), reverse applied."""
        span = Fraction(self.maximum) - Fraction(self.minimum)
        position = (Fraction(answer) - Fraction(self.minimum)) / span
        return 1 - position if self.reverse else position


def _to_items(value: Iterable[ScaleItem]) -> tuple[ScaleItem, ...]:
    return tuple(value)


def _check_items(_inst: object, attribute: Any, value: tuple[ScaleItem, ...]) -> None:
    if not value:
        raise ValidationError("a scale needs at least one item", path=attribute.name)
    seen: dict[str, int] = {}
    for index, item in enumerate(value):
        where = f"{attribute.name}[{index}]"
        if not isinstance(item, ScaleItem):
            raise ValidationError(f"must be a ScaleItem, got {type(item).__name__}", path=where)
        if item.code in seen:
            raise DuplicateIdError(
                f"item code {item.code!r} is already {attribute.name}[{seen[item.code]}]",
                path=f"{where}.code",
            )
        seen[item.code] = index


def _check_share(inst: object, attribute: Any, value: Any) -> None:
    check_decimal(inst, attribute, value)
    if not 0 < value <= 1:
        raise ValidationError(
            f"must be a share above 0 and at most 1, got {value}", path=attribute.name
        )


@frozen
class ScaleScore:
    """One unit's index on a scale.

    Args:
        value: The index, 0 (least) to 100 (most), 28 significant digits.
        answered: Items answered.
        missing: Codes of the items not answered (prorated over, under
            :attr:`MissingItems.PRORATE`).
    """

    value: Decimal
    answered: int
    missing: tuple[str, ...] = ()


def _to_scores(value: Mapping[str, Decimal]) -> Mapping[str, Decimal]:
    return MappingProxyType(dict(value))


@frozen
class ScaleSummary:
    """A scale scored for many units.

    Args:
        scale: The scale's code.
        scores: Index per unit ID (only units that could be scored).
        unscored: IDs of units with too few answers, per the scale's missing-item policy.
        prorated: Units scored from some but not all items.
        mean: Mean index over the scored units, or :class:`NotAvailable` when none.
    """

    scale: str
    scores: Mapping[str, Decimal] = field(converter=_to_scores)
    unscored: tuple[str, ...]
    prorated: int
    mean: Decimal | NotAvailable

    @property
    def n(self) -> int:
        """Units scored."""
        return len(self.scores)


@frozen
class QuestionnaireScale:
    """A scored questionnaire: items → an index from 0 to 100 per unit.

    Each answer is mapped to 0–1 over its item's range (reverse-scored items flipped), then the
    index is ``100 × Σ weight × normalised / Σ weight`` over the items used. Answers outside an
    item's range and unknown item codes are errors; unanswered items follow ``missing``.

    Args:
        code: The scale's code (``"social_capital"``).
        label: Its name in Indonesian and English.
        items: The items (:class:`ScaleItem`), unique codes.
        missing: :class:`MissingItems` policy; :attr:`MissingItems.REQUIRE_ALL` by default.
        min_answered: Under :attr:`MissingItems.PRORATE`, the smallest share of the total item
            weight that must be answered (default 0.5).

    Example:
        >>> scale = QuestionnaireScale("social_capital", Label("Modal sosial", "Social capital"),
        ...     [ScaleItem("trust", Label("Percaya sesama anggota", "Trusts other members")),
        ...      ScaleItem("meets", Label("Rapat kelompok", "Attends group meetings"), 0, 4)])
        >>> scale.score({"trust": 4, "meets": 4}).value
        Decimal('87.5')
    """

    code: str = field(validator=check_code)
    label: Label = field(converter=to_label, validator=check_label)
    items: tuple[ScaleItem, ...] = field(converter=_to_items, validator=_check_items)
    missing: MissingItems = field(
        default=MissingItems.REQUIRE_ALL, converter=_to_missing, validator=check_enum(MissingItems)
    )
    min_answered: Decimal = field(
        default=Decimal("0.5"), converter=to_decimal, validator=_check_share
    )

    def score(
        self, answers: Mapping[str, Value], *, unit: str | None = None
    ) -> ScaleScore | NotAvailable:
        """Score one unit's answers.

        Args:
            answers: Answer per item code; ``None``/:class:`NotAvailable` (or no key) when not
                answered.
            unit: The unit's ID, used to locate errors.

        Returns:
            A :class:`ScaleScore`, or :class:`NotAvailable` naming the unanswered items when the
            policy does not allow an index.

        Raises:
            ValidationError: An unknown item code, an answer that is no number or is outside its
                item's range (the answer itself is not repeated).
        """
        where = f"answers[{unit!r}]" if unit is not None else "answers"
        if not isinstance(answers, Mapping):
            raise ValidationError(
                f"must map item codes to answers, got {type(answers).__name__}", path=where
            )
        known = {item.code for item in self.items}
        for key in answers:
            if key not in known:
                raise ValidationError(
                    f"unknown item {key!r}: the items of {self.code!r} are "
                    + ", ".join(item.code for item in self.items),
                    path=where,
                )
        weighted = Fraction(0)
        answered_weight = Fraction(0)
        total_weight = Fraction(0)
        missing: list[str] = []
        for item in self.items:
            total_weight += Fraction(item.weight)
            raw = answers.get(item.code)
            if is_missing(raw):
                missing.append(item.code)
                continue
            answer = read_number(raw, f"{where}[{item.code!r}]")
            if not item.minimum <= answer <= item.maximum:
                raise ValidationError(
                    f"outside the item's range {item.minimum}-{item.maximum}",
                    path=f"{where}[{item.code!r}]",
                )
            weighted += Fraction(item.weight) * item.normalised(answer)
            answered_weight += Fraction(item.weight)
        if missing:
            unanswered = ", ".join(missing)
            if self.missing is MissingItems.REQUIRE_ALL:
                return NotAvailable(
                    f"{self.code}: every item is required; unanswered: {unanswered}"
                )
            if answered_weight < Fraction(self.min_answered) * total_weight:
                return NotAvailable(
                    f"{self.code}: answered items carry less than {self.min_answered} of the "
                    f"weight; unanswered: {unanswered}"
                )
        return ScaleScore(
            to_result(weighted / answered_weight * 100),
            len(self.items) - len(missing),
            tuple(missing),
        )

    def score_units(self, answers: Mapping[str, Mapping[str, Value]]) -> ScaleSummary:
        """Score every unit and average the indices.

        Args:
            answers: Per unit ID, the answers by item code.

        Returns:
            The :class:`ScaleSummary`.
        """
        scores: dict[str, Decimal] = {}
        unscored: list[str] = []
        prorated = 0
        for unit, unit_answers in answers.items():
            require_id(unit, "answers key")
            result = self.score(unit_answers, unit=unit)
            if isinstance(result, NotAvailable):
                unscored.append(unit)
                continue
            scores[unit] = result.value
            prorated += bool(result.missing)
        average: Decimal | NotAvailable = (
            mean(list(scores.values()))
            if scores
            else NotAvailable(f"no unit could be scored on {self.code} ({len(unscored)} tried)")
        )
        return ScaleSummary(self.code, scores, tuple(unscored), prorated, average)
