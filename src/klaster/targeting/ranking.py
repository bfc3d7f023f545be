"""Ranking candidate regions by a :class:`~klaster.targeting.RankingRule`, explained row by row.

:func:`rank` decides, for every candidate of the rule's level, in this order:

1. **excluded**: the rule names its code in ``exclusions`` (the reason is the rule's);
2. **not ranked**: a figure the rule reads (a weighted or cut-off indicator) is missing;
3. **below threshold**: a figure fails a cut-off (``poverty_rate 12.4 fails >= 15``);
4. the others are **ranked**: each weighted indicator is normalised min–max over the ranked
   regions only — ``(value - min) / (max - min)`` when higher is better,
   ``(max - value) / (max - min)`` when lower is better, rounded half-even to
   :data:`NORMALISED_PLACES` decimals, and 1 for every region when all have the same value (the
   indicator does not tell them apart). A part's points are ``weight × normalised``, exact; the
   total is their sum, between 0 and 1 because the weights add up to 1.

Regions are ranked by total, highest first; **ties** go to the lower Kemendagri code (the
reason says so), so the order never depends on the order of the input. The first ``select``
are **selected** (in each parent region with ``per_parent``); the other ranked regions are
**not selected**. Because regions that are excluded, not ranked or below a threshold take no
part in the normalisation, adding one never changes another region's decision.

A candidate of another level is context (the kabupaten's own figures) and gets no row.
"""

from __future__ import annotations

import decimal
from collections.abc import Iterable
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from klaster.catalogue.indicator import Direction
from klaster.errors import ValidationError
from klaster.model.location_choice import (
    LocationDecision,
    RankedRegion,
    ScorePart,
)
from klaster.targeting.candidates import (
    STAT_INDICATORS,
    CandidateRegion,
    Figure,
    indicators_of,
    stat_value,
    unknown_indicator,
)
from klaster.targeting.ranking_rule import RankingRule
from klaster.targeting.ranking_table import RankingTable, plain_number

__all__ = ["NORMALISED_PLACES", "rank"]

NORMALISED_PLACES = 6
"""Normalised values are rounded half-even to this many decimals (``0.333333``)."""

_QUANTUM = Decimal(1).scaleb(-NORMALISED_PLACES)
# Values are bounded (30 digits each side of the point): 80 digits hold every difference,
# product and sum exactly.
_EXACT = decimal.Context(prec=80, rounding=ROUND_HALF_EVEN)


def rank(candidates: Iterable[CandidateRegion], rule: RankingRule) -> RankingTable:
    """Rank the candidates of the rule's level and decide on each (see the module documentation).

    Args:
        candidates: The candidate regions (any order; other levels are ignored).
        rule: The :class:`~klaster.targeting.RankingRule`.

    Returns:
        One row per candidate of the rule's level: ranked rows by rank, then the others by code.

    Raises:
        ValidationError: No candidate of the rule's level, a code listed twice, the rule names an
            indicator no candidate has (``weights[1].indicator: unknown indicator ... did you
            mean ...``) or an exclusion no candidate has, or the poverty statistics read are of
            more than one kind and the rule names no ``stat_kind``.

    Example:
        >>> from klaster.targeting import CandidateRegion, RankingRule, RegionIndicator, Weight
        >>> def region(code, score):
        ...     return CandidateRegion(code, code, "kecamatan",
        ...         indicators=[RegionIndicator("potential", score, 2010, "survey")])
        >>> rule = RankingRule("potential", "kecamatan", [Weight("potential", 1)], select=1)
        >>> table = rank([region("73.03.01", 2), region("73.03.02", 4)], rule)
        >>> [(row.code, row.rank, row.decision.value) for row in table]
        [('73.03.02', 1, 'selected'), ('73.03.01', 2, 'not_selected')]
    """
    if not isinstance(rule, RankingRule):
        raise ValidationError(f"must be a RankingRule, got {type(rule).__name__}", path="rule")
    listed = _at_level(candidates, rule)
    _check_rule(listed, rule)
    figures = {
        c.code: {ind: c.figure(ind, rule.stat_kind) for ind in rule.indicators()} for c in listed
    }
    _check_kinds(listed, rule)
    excluded = {e.code: e.reason for e in rule.exclusions}
    rows: dict[str, RankedRegion] = {}
    eligible: list[CandidateRegion] = []
    for candidate in listed:
        own = figures[candidate.code]
        decision, reason = _unranked(candidate, own, rule, excluded)
        if decision is None:
            eligible.append(candidate)
        else:
            rows[candidate.code] = RankedRegion(
                candidate.code,
                candidate.name,
                decision,
                reason,
                _parts(own, rule),
                parent=candidate.parent,
            )
    ranked = _ranked(eligible, figures, rule)
    order = [row.code for row in ranked] + sorted(rows)
    rows.update({row.code: row for row in ranked})
    return RankingTable(tuple(rows[code] for code in order), rule)


def _at_level(candidates: Iterable[CandidateRegion], rule: RankingRule) -> list[CandidateRegion]:
    every = list(candidates)
    seen: dict[str, int] = {}
    for index, candidate in enumerate(every):
        if not isinstance(candidate, CandidateRegion):
            raise ValidationError(
                f"must be a CandidateRegion, got {type(candidate).__name__}",
                path=f"candidates[{index}]",
            )
        if candidate.code in seen:
            raise ValidationError(
                f"region {candidate.code!r} is listed twice "
                f"(also candidates[{seen[candidate.code]}])",
                path=f"candidates[{index}].code",
            )
        seen[candidate.code] = index
    listed = [c for c in every if c.level is rule.level]
    if not listed:
        levels = sorted({c.level.value for c in every})
        raise ValidationError(
            f"no candidate is a {rule.level.value}; the candidates are "
            f"{', '.join(levels) or 'none'}: set the rule's level to one of them",
            path="level",
        )
    return listed


def _check_rule(listed: list[CandidateRegion], rule: RankingRule) -> None:
    known = indicators_of(listed)
    named = [("weights", i, w.indicator) for i, w in enumerate(rule.weights)]
    named += [("thresholds", i, t.indicator) for i, t in enumerate(rule.thresholds)]
    for what, index, indicator in named:
        if indicator not in known:
            raise ValidationError(
                unknown_indicator(indicator, known), path=f"{what}[{index}].indicator"
            )
    codes = {c.code for c in listed}
    for index, exclusion in enumerate(rule.exclusions):
        if exclusion.code not in codes:
            raise ValidationError(
                f"{exclusion.code!r} is not a {rule.level.value} among the candidates; "
                f"they are {', '.join(sorted(codes))}",
                path=f"exclusions[{index}].code",
            )


def _check_kinds(listed: list[CandidateRegion], rule: RankingRule) -> None:
    # Any two kinds among the candidates' statistics (even within one region) would make the
    # figure read depend on which kind happens to be latest: the rule must name the kind.
    if rule.stat_kind is not None:
        return
    for indicator in rule.indicators():
        if indicator not in STAT_INDICATORS:
            continue
        kinds = {
            stat.kind.value
            for candidate in listed
            for stat in candidate.stats
            if stat_value(stat, indicator) is not None
        }
        if len(kinds) > 1:
            raise ValidationError(
                f"the candidates' {indicator} figures are of different kinds "
                f"({', '.join(sorted(kinds))}), which must not be compared; name the kind to "
                "read with stat_kind",
                path="stat_kind",
            )


def _unranked(
    candidate: CandidateRegion,
    own: dict[str, Figure | None],
    rule: RankingRule,
    excluded: dict[str, str],
) -> tuple[LocationDecision | None, str]:
    if candidate.code in excluded:
        return LocationDecision.EXCLUDED, f"excluded by the rule: {excluded[candidate.code]}"
    missing = [
        indicator
        + (f" ({rule.stat_kind.value})" if rule.stat_kind and indicator in STAT_INDICATORS else "")
        for indicator, figure in own.items()
        if figure is None
    ]
    if missing:
        return LocationDecision.NOT_RANKED, (
            f"no figure of {', '.join(missing)}: a region is ranked only with every figure the "
            "rule reads"
        )
    failed = [t for t in rule.thresholds if not t.passes(own[t.indicator].value)]  # type: ignore[union-attr]
    if failed:
        return LocationDecision.BELOW_THRESHOLD, "; ".join(
            f"{t.indicator} {own[t.indicator].value} fails the cut-off {t.operator.value} "  # type: ignore[union-attr]
            f"{t.value}" + (f" ({t.note})" if t.note else "")
            for t in failed
        )
    return None, ""


def _part(indicator: str, figure: Figure | None, weight: Decimal | None, **score: Any) -> ScorePart:
    if figure is None:
        return ScorePart(indicator, weight=weight, **score)
    return ScorePart(
        indicator,
        figure.value,
        weight,
        year=figure.year,
        source=figure.source,
        synthetic=figure.synthetic,
        **score,
    )


def _parts(own: dict[str, Figure | None], rule: RankingRule) -> list[ScorePart]:
    weights = {w.indicator: w.weight for w in rule.weights}
    return [_part(ind, own[ind], weights.get(ind)) for ind in rule.indicators()]


def _normalised(value: Decimal, low: Decimal, high: Decimal, direction: Direction) -> Decimal:
    if high == low:
        return Decimal(1).quantize(_QUANTUM)
    if direction is Direction.HIGHER:
        above = _EXACT.subtract(value, low)
    else:
        above = _EXACT.subtract(high, value)
    share = _EXACT.divide(above, _EXACT.subtract(high, low))
    return share.quantize(_QUANTUM, rounding=ROUND_HALF_EVEN, context=_EXACT)


def _ranked(
    eligible: list[CandidateRegion],
    figures: dict[str, dict[str, Figure | None]],
    rule: RankingRule,
) -> list[RankedRegion]:
    if not eligible:
        return []
    scores: dict[str, list[ScorePart]] = {c.code: [] for c in eligible}
    totals = dict.fromkeys(scores, Decimal(0))
    for weight in rule.weights:
        values = {code: figures[code][weight.indicator].value for code in scores}  # type: ignore[union-attr]
        low, high = min(values.values()), max(values.values())
        for code, value in values.items():
            normal = _normalised(value, low, high, weight.direction)
            points = _EXACT.multiply(weight.weight, normal)
            totals[code] = _EXACT.add(totals[code], points)
            figure = figures[code][weight.indicator]
            scores[code].append(
                _part(weight.indicator, figure, weight.weight, normalised=normal, points=points)
            )
    weighted = {w.indicator for w in rule.weights}
    for code in scores:
        scores[code] += [p for p in _parts(figures[code], rule) if p.indicator not in weighted]
    order = sorted(eligible, key=lambda c: (-totals[c.code], c.code))
    chosen = _selection(order, rule)
    rows = []
    for position, candidate in enumerate(order, start=1):
        code = candidate.code
        decision = LocationDecision.SELECTED if code in chosen else LocationDecision.NOT_SELECTED
        reason = _reason(position, order, totals, chosen.get(code), rule)
        rows.append(
            RankedRegion(
                code,
                candidate.name,
                decision,
                reason,
                scores[code],
                totals[code],
                position,
                candidate.parent,
            )
        )
    return rows


def _selection(order: list[CandidateRegion], rule: RankingRule) -> dict[str, int]:
    """Code → its place among the selected (in its parent region with ``per_parent``)."""
    taken: dict[str | None, int] = {}
    chosen: dict[str, int] = {}
    for candidate in order:
        group = candidate.parent if rule.per_parent else None
        if taken.get(group, 0) < rule.select:
            taken[group] = taken.get(group, 0) + 1
            chosen[candidate.code] = taken[group]
    return chosen


def _reason(
    position: int,
    order: list[CandidateRegion],
    totals: dict[str, Decimal],
    place: int | None,
    rule: RankingRule,
) -> str:
    code = order[position - 1].code
    text = f"rank {position} of {len(order)}, total {plain_number(totals[code])}"
    group = " in its parent region" if rule.per_parent else ""
    if place is not None:
        text += f"; within the {rule.select} the rule selects{group}"
    else:
        text += f"; below the {rule.select} the rule selects{group}"
    tied = [c.code for c in order if c.code != code and totals[c.code] == totals[code]]
    if tied:
        text += f"; tied on total with {', '.join(tied)}: ties go to the lower code"
    return text
