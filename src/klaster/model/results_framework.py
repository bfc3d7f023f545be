"""The results framework: outcomes and outputs, their indicators, baselines and targets, versioned.

A :class:`ResultsFramework` is one version of what a program promised: its results
(:class:`Result`: outcomes, and outputs under them), each with indicators
(:class:`ResultIndicator`) naming an indicator code, a baseline and targets (:class:`Target`) per
period or survey round, disaggregation and cluster. ``program.results`` keeps every version
(:class:`ResultsHistory`, append-only); ``program.revise_framework`` records a new one after
checking it in the program's context (:func:`check_in_program`): clusters named must exist, and
each period must lie inside the program (:func:`program_window`). The records are pure data:
indicator codes are strings, checked against the catalogue when a
:class:`~klaster.measurement.Measurement` assesses them.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from attrs import define, field, frozen

from klaster._support.validate import (
    check_code,
    check_date,
    check_decimal,
    check_each,
    check_enum,
    check_id,
    check_optional_date,
    check_optional_decimal,
    check_optional_id,
    check_optional_text,
    check_text,
    enum_value,
    int_at_least,
    require_code,
    to_date,
    to_decimal,
    to_optional_date,
    to_optional_decimal,
)
from klaster.errors import InvalidReferenceError, ValidationError
from klaster.label import LabelledEnum, labelled

__all__ = [
    "Result",
    "ResultIndicator",
    "ResultLevel",
    "ResultsFramework",
    "ResultsHistory",
    "Target",
]

# The round kinds of klaster.observations.RoundKind (the model cannot import observations; a test
# keeps the two in step): a round key is a kind, or a kind and its ordinal ("midline_2").
ROUND_KEY = re.compile(r"^(baseline|midline|endline|monitoring)(_[1-9][0-9]{0,3})?\Z")


class ResultLevel(LabelledEnum):
    """The level of a result in the chain: outputs lead to outcomes."""

    OUTCOME = labelled("outcome", "Hasil (outcome)", "Outcome")
    """A change in the members' lives or businesses (income, poverty, a legal cooperative)."""
    OUTPUT = labelled("output", "Keluaran (output)", "Output")
    """What the program delivers (members trained, groups formed, visits made)."""


def _to_level(value: ResultLevel | str) -> ResultLevel:
    return enum_value(ResultLevel, value)


def _to_by(value: Mapping[str, str] | Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    pairs = value.items() if isinstance(value, Mapping) else value
    try:
        return tuple(sorted((k, v) for k, v in pairs))
    except (TypeError, ValueError):
        return value  # type: ignore[return-value]  # refused with its path by _check_by


def _check_by(_inst: object, attribute: Any, value: Any) -> None:
    if not isinstance(value, tuple) or any(
        not (isinstance(p, tuple) and len(p) == 2) for p in value
    ):
        raise ValidationError(
            "must map dimensions to categories, e.g. {'sector': 'farming'}", path=attribute.name
        )
    for dimension, category in value:
        require_code(dimension, f"{attribute.name}.{dimension!s}")
        if dimension == "cluster":
            raise ValidationError(
                "a cluster is named by cluster_id, not as a disaggregation",
                path=f"{attribute.name}.cluster",
            )
        if not isinstance(category, str) or not category.strip():
            raise ValidationError(
                "must be a non-empty category", path=f"{attribute.name}.{dimension}"
            )


def _check_round_key(_inst: object, attribute: Any, value: Any) -> None:
    if value is not None and (not isinstance(value, str) or not ROUND_KEY.match(value)):
        raise ValidationError(
            f"invalid round {value!r}: use baseline, midline, endline or monitoring, "
            "optionally with the ordinal of a repeated round ('midline_2')",
            path=attribute.name,
        )


def _tuple(value: Iterable[Any]) -> tuple[Any, ...]:
    return tuple(value)


@frozen
class Target:
    """A target value of an indicator for a period or a survey round.

    Args:
        value: The value to reach (``Decimal``, ``int`` or a string such as ``"0.80"``; never a
            float).
        start: First day of the period (with ``end``), or ``None`` for a round target.
        end: Last day of the period.
        round_key: A round key instead of a period: ``"endline"``, ``"midline_2"``...
        by: The disaggregation the target is for, dimension → category, as the measurement's
            ``by`` names them (``{"sector": "farming"}``); empty for the total.
        cluster_id: The cluster, or ``None`` for a program-level target.

    Example:
        >>> Target("0.80", round_key="endline", by={"sector": "farming"}).by
        (('sector', 'farming'),)
    """

    value: Decimal = field(converter=to_decimal, validator=check_decimal)
    start: _dt.date | None = field(
        default=None, converter=to_optional_date, validator=check_optional_date
    )
    end: _dt.date | None = field(
        default=None, converter=to_optional_date, validator=check_optional_date
    )
    round_key: str | None = field(default=None, validator=_check_round_key)
    by: tuple[tuple[str, str], ...] = field(default=(), converter=_to_by, validator=_check_by)
    cluster_id: str | None = field(default=None, validator=check_optional_id)

    def __attrs_post_init__(self) -> None:
        if self.round_key is None and (self.start is None or self.end is None):
            raise ValidationError("give a period (start and end) or a round_key", path="start")
        if self.round_key is not None and (self.start is not None or self.end is not None):
            raise ValidationError("give a period or a round_key, not both", path="round_key")
        if self.start is not None and self.end is not None and self.end < self.start:
            raise ValidationError(
                f"end ({self.end}) is before start ({self.start}); it must be on or after it",
                path="end",
            )

    @property
    def key(self) -> tuple[Any, ...]:
        """What makes two targets of one indicator the same target (period, cells, cluster)."""
        return (self.start, self.end, self.round_key, self.by, self.cluster_id)


@frozen
class ResultIndicator:
    """An indicator of a result: its baseline and targets.

    Args:
        indicator: The indicator's code (``"members_trained_12m"``); checked against the
            catalogue when assessed.
        targets: Targets per period or round, disaggregation and cluster (each cell once).
        baseline: The baseline value of the program total, if stated.
        baseline_round: The round whose measured figures are the baselines (``"baseline"``);
            rows of clusters and disaggregations use it, the stated ``baseline`` being the total's.
        baseline_on: The day the stated baseline refers to.
        unit: Unit of the values (``"share"``, ``"Rp"``), for reports.
        level: The level of the indicator's units (``"member"``, ``"group"``), for reports.
    """

    indicator: str = field(validator=check_code)
    targets: tuple[Target, ...] = field(default=(), converter=_tuple, validator=check_each(Target))
    baseline: Decimal | None = field(
        default=None, converter=to_optional_decimal, validator=check_optional_decimal
    )
    baseline_round: str | None = field(default=None, validator=_check_round_key)
    baseline_on: _dt.date | None = field(
        default=None, converter=to_optional_date, validator=check_optional_date
    )
    unit: str | None = field(default=None, validator=check_optional_text)
    level: str | None = field(default=None, validator=check_optional_text)

    def __attrs_post_init__(self) -> None:
        seen: dict[tuple[Any, ...], int] = {}
        for index, target in enumerate(self.targets):
            first = seen.setdefault(target.key, index)
            if first != index:
                raise ValidationError(
                    f"the same period or round, disaggregation and cluster as targets[{first}]; "
                    "give each cell one target",
                    path=f"targets[{index}]",
                )


@frozen
class Result:
    """An outcome or output of the program with its indicators.

    Args:
        id: Stable ID (``"oc1"``, ``"op1.2"``).
        level: ``outcome`` or ``output``.
        statement: The result as the program states it (Indonesian, or the working language).
        indicators: Its indicators (each code once).
        parent_id: The result it contributes to (an output's outcome), or ``None``.
        statement_en: The statement in English, if any.
    """

    id: str = field(validator=check_id)
    level: ResultLevel = field(converter=_to_level, validator=check_enum(ResultLevel))
    statement: str = field(validator=check_text)
    indicators: tuple[ResultIndicator, ...] = field(
        default=(), converter=_tuple, validator=check_each(ResultIndicator)
    )
    parent_id: str | None = field(default=None, validator=check_optional_id)
    statement_en: str | None = field(default=None, validator=check_optional_text)

    def __attrs_post_init__(self) -> None:
        codes = [i.indicator for i in self.indicators]
        for index, code in enumerate(codes):
            if codes.index(code) != index:
                raise ValidationError(
                    f"indicator {code!r} is listed twice in this result",
                    path=f"indicators[{index}].indicator",
                )


@frozen
class ResultsFramework:
    """One version of a program's results framework.

    Args:
        version: Its number: 1 for the first, one more for each revision.
        recorded_on: The day it was agreed.
        reason: Why it was recorded or revised (``"mid-term review"``).
        results: Outcomes and outputs; IDs unique, parents among them, no output above an
            outcome, no cycle.
    """

    version: int = field(validator=int_at_least(1))
    recorded_on: _dt.date = field(converter=to_date, validator=check_date)
    reason: str = field(validator=check_text)
    results: tuple[Result, ...] = field(default=(), converter=_tuple, validator=check_each(Result))

    def __attrs_post_init__(self) -> None:
        index_of: dict[str, int] = {}
        for index, result in enumerate(self.results):
            if index_of.setdefault(result.id, index) != index:
                raise ValidationError(
                    f"duplicate result ID {result.id!r}", path=f"results[{index}].id"
                )
        for index, result in enumerate(self.results):
            where = f"results[{index}].parent_id"
            parent = result.parent_id
            if parent is None:
                continue
            if parent not in index_of:
                raise InvalidReferenceError(
                    f"unknown parent result {parent!r}; results here: {', '.join(index_of)}",
                    path=where,
                )
            if result.level is ResultLevel.OUTCOME and (
                self.results[index_of[parent]].level is ResultLevel.OUTPUT
            ):
                raise ValidationError("an outcome cannot sit under an output", path=where)
            seen = {result.id}
            while parent is not None:
                if parent in seen:
                    raise ValidationError(f"parents form a cycle through {parent!r}", path=where)
                seen.add(parent)
                parent = self.results[index_of[parent]].parent_id

    def result(self, result_id: str) -> Result | None:
        """The result ``result_id``, or ``None``."""
        return next((r for r in self.results if r.id == result_id), None)


@define(eq=True)
class ResultsHistory:
    """Every version of a program's results framework, oldest first (``program.results``).

    Versions are numbered 1, 2, ... and recorded in date order; the history is only ever
    extended (:meth:`Program.revise_framework <klaster.model.program.Program.revise_framework>`).
    """

    versions: tuple[ResultsFramework, ...] = field(
        factory=tuple, converter=_tuple, validator=check_each(ResultsFramework)
    )

    def __attrs_post_init__(self) -> None:
        for index, framework in enumerate(self.versions):
            if framework.version != index + 1:
                raise ValidationError(
                    f"version {framework.version} is in place {index + 1}; versions are numbered "
                    "1, 2, ... in order",
                    path=f"versions[{index}].version",
                )
            if index and framework.recorded_on < self.versions[index - 1].recorded_on:
                raise ValidationError(
                    f"recorded on {framework.recorded_on}, before version {index} "
                    f"({self.versions[index - 1].recorded_on}); revisions come in date order",
                    path=f"versions[{index}].recorded_on",
                )

    def __len__(self) -> int:
        return len(self.versions)

    @property
    def current(self) -> ResultsFramework | None:
        """The latest version, or ``None`` when no framework was recorded."""
        return self.versions[-1] if self.versions else None


def append_version(history: ResultsHistory, framework: ResultsFramework) -> None:
    """Add ``framework`` as the newest version (internal: for the owning ``Program`` only).

    Raises:
        ValidationError: Not numbered after the last version, or recorded before it.
    """
    history.versions = ResultsHistory((*history.versions, framework)).versions
