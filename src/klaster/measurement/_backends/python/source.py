"""Where the pure-Python backend reads a frame's values: scaled integers, texts and dates.

:class:`FrameSource` gives :class:`~klaster.measurement._backends.python.formulas.Execution` a
variable's column of one frame at one level (or of the units at some positions only), in the
current round or another round of the same units (the baseline, the previous or a named round:
:mod:`klaster.measurement.round_refs`); :func:`unit_values` runs a compiled formula and gives
its values as ``Decimal``, ``bool``, text or date.
"""

from __future__ import annotations

from typing import Any

from klaster.catalogue.variable import Level
from klaster.errors import InvalidReferenceError, NotFoundError
from klaster.measurement._backends.partials import pick
from klaster.measurement._backends.python.fixedpoint import NUMBER, Scaled, unscale
from klaster.measurement._backends.python.formulas import Execution
from klaster.measurement.compiler import Kind, Op, Shift
from klaster.measurement.round_refs import round_at
from klaster.measurement.unit_frame import UnitFrame

__all__ = ["FrameSource", "run", "unit_values"]

_SCALED = (Kind.NUMBER, Kind.BOOLEAN)


class FrameSource:
    """A frame's columns at one level (the units at ``keep`` only, if given)."""

    def __init__(self, frame: UnitFrame, level: Level, keep: list[int] | None = None) -> None:
        self.frame = frame
        self.level = level
        self.keep = keep
        self.length = len(frame.unit_ids(level)) if keep is None else len(keep)

    def load(self, code: str, kind: Kind, at: Shift | str | None) -> Scaled:
        """Variable ``code`` as a column (in round ``at``: all missing if the cluster has none)."""
        frame = self.frame
        if at is not None:
            other = round_at(frame, at)
            if other is None:
                return Scaled([None] * self.length, 0, 0, kind)
            frame = frame.for_round(other)
        try:
            if kind in _SCALED:
                data = frame.scaled(code, self.level)
                if self.keep is None:
                    return data
                return Scaled(pick(data.values, self.keep), data.scale, data.bound, data.kind)
            values = frame.column(code, self.level)
        except NotFoundError:
            raise InvalidReferenceError(
                f"{code!r} is not a variable at the {self.level.value} level"
            ) from None
        return Scaled(values if self.keep is None else pick(values, self.keep), 0, 0, kind)


def run(op: Op, frame: UnitFrame, level: Level, keep: list[int] | None = None) -> Scaled:
    """``op``'s column over the units of ``frame`` at ``level`` (or those at ``keep``)."""
    return Execution(FrameSource(frame, level, keep)).run(op)


def unit_values(op: Op, frame: UnitFrame, level: Level, keep: list[int] | None = None) -> list[Any]:
    """``op``'s value per unit: ``Decimal`` numbers, booleans, texts, dates; ``None`` if missing."""
    found = run(op, frame, level, keep)
    if found.kind != NUMBER:
        return found.values
    scale = found.scale
    return [None if v is None else unscale(v, scale) for v in found.values]
