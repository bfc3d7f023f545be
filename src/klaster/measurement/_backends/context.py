"""What the backends and readiness lookups read of the engine: an explicit internal interface.

:class:`~klaster.measurement.engine.Measurement` satisfies :class:`Engine`; the backends take
it as this protocol, so they never import the engine (no import cycle) and never read its
private state.
"""

from __future__ import annotations

import datetime as _dt
from decimal import Decimal
from typing import Protocol

from klaster.catalogue.indicator import Indicator
from klaster.label import Label
from klaster.measurement.compiler import Op
from klaster.measurement.core_indicators import CoreIndicator
from klaster.measurement.unit_frame import UnitFrame
from klaster.model.program import Program
from klaster.observations.values import Observations

__all__ = ["AnyIndicator", "Engine", "block_head"]

AnyIndicator = Indicator | CoreIndicator


class Engine(Protocol):
    """The engine as its helpers see it (internal)."""

    program: Program
    observations: Observations
    minimum_n: int

    def indicator(self, code: str) -> AnyIndicator:
        """The registered indicator ``code`` (raises ``NotFoundError``)."""
        ...

    def compiled(self, code: str) -> Op:
        """The compiled formula of registered indicator ``code`` (not a core one)."""
        ...

    def target(self, code: str, round_key: str) -> Decimal | None:
        """The target set for an indicator in a round kind, if any."""
        ...

    def codes(self) -> tuple[str, ...]:
        """Codes of every registered indicator."""
        ...

    def knows(self, code: str) -> bool:
        """Whether ``code`` names a registered indicator or a variable."""
        ...

    def frame(self, round_id: str) -> UnitFrame:
        """The frame of one round of one cluster."""
        ...


def block_head(
    engine: Engine, indicator: AnyIndicator, key: str, on: _dt.date | None
) -> tuple[str, Label, str | None, str | None, _dt.date | None, Decimal | None]:
    """What every row of an indicator's results block in one round shares (both backends)."""
    return (
        indicator.code,
        indicator.name,
        indicator.unit,
        key,
        on,
        engine.target(indicator.code, key),
    )
