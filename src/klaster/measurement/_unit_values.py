"""Where formulas read a frame's values: as ``Decimal`` columns or as exact scaled integers.

:class:`LazyColumns` feeds the ``Decimal`` evaluator (:class:`~klaster.measurement.evaluate.
Evaluator`) a variable's column, or another indicator's unit values, only when the formula asks
for it; :class:`FixedSource` feeds fixed-point evaluation
(:class:`~klaster.measurement._backends.python.fixedpoint.Evaluation`) the store's scaled integers.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from klaster.catalogue.formula import Expr
from klaster.catalogue.indicator import Indicator
from klaster.catalogue.variable import Level, ValueType
from klaster.errors import InvalidReferenceError, NotFoundError
from klaster.measurement._backends.partials import pick
from klaster.measurement._backends.python.fixedpoint import Scaled, unscale
from klaster.measurement.evaluate import Evaluator
from klaster.measurement.unit_frame import UnitFrame

if TYPE_CHECKING:
    from klaster.measurement.engine import Measurement

__all__ = ["FixedSource", "LazyColumns", "evaluate", "indicator_values"]

_SCALED_TYPES = (ValueType.DECIMAL, ValueType.INTEGER, ValueType.BOOLEAN)


def evaluate(
    engine: Measurement, tree: Expr, frame: UnitFrame, level: Level, keep: list[int] | None = None
) -> list[Any]:
    """``tree``'s value for each unit of ``frame`` at ``level`` (or those at ``keep``)."""
    columns = LazyColumns(engine, frame, level, baseline=False, keep=keep)
    base = LazyColumns(engine, frame, level, baseline=True, keep=keep) if frame.baseline else None
    length = len(frame.unit_ids(level)) if keep is None else len(keep)
    return Evaluator(columns, base, length=length).run(tree)


def indicator_values(
    engine: Measurement,
    indicator: Indicator,
    frame: UnitFrame,
    level: Level,
    keep: list[int] | None = None,
) -> list[Any]:
    """An indicator's unit values, evaluated once per frame however many formulas name it."""
    # The kept positions are stored with the values, so their id cannot be reused meanwhile.
    key = ("values", indicator.code, level, id(keep))
    found = frame._cache.get(key)
    if found is None or found[0] is not keep:
        values = evaluate(engine, engine._trees[indicator.code], frame, level, keep)
        found = frame._cache[key] = (keep, values)
    return found[1]


class LazyColumns(Mapping[str, Sequence[Any]]):
    """Columns read from the observations (or other indicators) only when a formula asks."""

    def __init__(
        self,
        engine: Measurement,
        frame: UnitFrame,
        level: Level,
        *,
        baseline: bool,
        keep: list[int] | None = None,
    ) -> None:
        self.engine = engine
        self.frame = frame.for_baseline() if baseline else frame
        self.level = level
        self.keep = keep  # positions of the units evaluated (None: all surveyed units)
        self.cache: dict[str, Sequence[Any]] = {}

    def __getitem__(self, code: str) -> Sequence[Any]:
        found = self.cache.get(code)
        if found is None:
            found = self.cache[code] = self._load(code)
        return found

    def _load(self, code: str) -> Sequence[Any]:
        indicator = self.engine._by_code.get(code)
        if isinstance(indicator, Indicator):
            return indicator_values(self.engine, indicator, self.frame, self.level, self.keep)
        try:
            if self.keep is None:
                return self.frame.column(code, self.level)
            variable = self.engine.observations.variable(code)
            if variable.level is self.level and variable.type in _SCALED_TYPES:
                # Only the kept units' values become Decimals (as UnitFrame.column makes them).
                data = self.frame.scaled(code, self.level)
                kept = pick(data.values, self.keep)
                if variable.type is ValueType.BOOLEAN:
                    return kept
                return [None if v is None else unscale(v, data.scale) for v in kept]
            return pick(self.frame.column(code, self.level), self.keep)
        except NotFoundError:
            raise InvalidReferenceError(
                f"{code!r} is not a variable at the {self.level.value} level"
            ) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self.cache)

    def __len__(self) -> int:
        return len(self.cache)


class FixedSource:
    """A frame's columns as scaled integers, for fixed-point evaluation."""

    def __init__(self, frame: UnitFrame, level: Level, length: int) -> None:
        self.frame = frame
        self.level = level
        self.length = length

    def scaled(self, code: str) -> Scaled:
        """The scaled values of variable ``code``."""
        try:
            return self.frame.scaled(code, self.level)
        except NotFoundError:
            raise InvalidReferenceError(
                f"{code!r} is not a variable at the {self.level.value} level"
            ) from None

    def baseline(self) -> FixedSource | None:
        """The same units in the baseline round, or ``None`` without one."""
        if self.frame.baseline is None:
            return None
        return FixedSource(self.frame.for_baseline(), self.level, self.length)
