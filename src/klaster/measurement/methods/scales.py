"""Questionnaire indices: scored items turned into an index from 0 to 100 per unit.

:class:`QuestionnaireScale` (social capital and the like) turns answers to scored items (each with
its own range, optional reverse scoring and a weight) into an index from 0 to 100 per unit, with a
stated policy for unanswered items (:class:`MissingItems`).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from decimal import Decimal
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
    Value,
    is_missing,
    mean,
    read_number,
    to_result,
)
from klaster.measurement.na import NotAvailable, bilingual

__all__ = ["MissingItems", "QuestionnaireScale", "ScaleItem", "ScaleScore", "ScaleSummary"]


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
                return bilingual(
                    f"{self.code}: every item is required; unanswered: {unanswered}",
                    f"{self.code}: semua butir wajib diisi; belum dijawab: {unanswered}",
                )
            if answered_weight < Fraction(self.min_answered) * total_weight:
                return bilingual(
                    f"{self.code}: answered items carry less than {self.min_answered} of the "
                    f"weight; unanswered: {unanswered}",
                    f"{self.code}: butir yang dijawab berbobot kurang dari {self.min_answered}; "
                    f"belum dijawab: {unanswered}",
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
            else bilingual(
                f"no unit could be scored on {self.code} ({len(unscored)} tried)",
                f"tidak ada unit yang dapat diberi skor {self.code} ({len(unscored)} dicoba)",
            )
        )
        return ScaleSummary(self.code, scores, tuple(unscored), prorated, average)
