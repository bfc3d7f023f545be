"""The compiled form of a formula: the typed operations both measurement backends execute.

:func:`klaster.measurement.compiler.compile_formula` lowers a formula tree to these nodes (see
that module for how); :mod:`klaster.measurement._backends.python.formulas` and
:mod:`klaster.measurement._backends.polars.formulas` execute them. A :class:`Load` reads a
variable in the round measured or, for the round functions (``baseline(x)``, ``previous(x)``,
``at_round(x, 'R')``...), in another round of the same unit (:class:`Shift` or a named round,
resolved per cluster by :mod:`klaster.measurement.round_refs`).
"""

from __future__ import annotations

import enum
from decimal import Decimal
from typing import Final

from attrs import evolve, frozen

from klaster.measurement.division import DIVISION_SCALE

__all__ = [
    "OPERATIONS",
    "Apply",
    "Const",
    "Divide",
    "Kind",
    "Load",
    "Op",
    "Shift",
    "in_baseline",
    "loads",
    "round_names",
    "shifted",
]


class Kind(enum.StrEnum):
    """The type of a formula's value."""

    NUMBER = "number"
    """Decimal or integer."""
    BOOLEAN = "boolean"
    """True or false."""
    TEXT = "text"
    """A category code or text."""
    DATE = "date"
    """A day."""
    ANY = "any"
    """Only ``missing()``: fits anywhere."""


@frozen(cache_hash=True)
class Const:
    """A literal: a number, a boolean, a text, or ``None`` (missing)."""

    value: Decimal | bool | str | None
    kind: Kind


class Shift(enum.Enum):
    """A round of the same unit, relative to the round being measured."""

    BASELINE = "baseline"
    """The cluster's baseline round (none in the baseline itself)."""
    PREVIOUS = "previous"
    """The cluster's round just before, by date (none in its first round)."""


@frozen(cache_hash=True)
class Load:
    """The values of variable ``code``, in the current round or in round ``at``.

    ``at`` is ``None`` (the round measured), a :class:`Shift`, or the ID or key of a round named
    in the formula (``at_round(x, 'R')``).
    """

    code: str
    kind: Kind
    at: Shift | str | None = None

    @property
    def baseline(self) -> bool:
        """Whether it reads the baseline round."""
        return self.at is Shift.BASELINE


@frozen(cache_hash=True)
class Apply:
    """Operation ``op`` (one of :data:`OPERATIONS`) on ``args``, giving values of ``kind``."""

    op: str
    args: tuple[Op, ...]
    kind: Kind


@frozen(cache_hash=True)
class Divide:
    """``top / bottom`` per unit: the exact quotient rounded half-even to ``scale`` decimals.

    Missing where either side is missing or ``bottom`` is zero.
    """

    top: Op
    bottom: Op
    scale: int = DIVISION_SCALE

    @property
    def kind(self) -> Kind:
        """Always :attr:`Kind.NUMBER`."""
        return Kind.NUMBER


Op = Const | Load | Apply | Divide
"""Any node of a compiled formula."""

OPERATIONS: Final = frozenset(
    {
        # operators
        "neg", "not", "+", "-", "*", "<", "<=", ">", ">=", "==", "!=", "and", "or", "if",
        # functions that stay functions
        "abs", "min", "max", "round", "coalesce", "is_missing",
    }
)  # fmt: skip
"""Every ``Apply.op`` the compiler emits: each backend implements exactly these."""


def in_baseline(op: Op) -> Op:
    """``op`` with every load read in the baseline round (see :func:`shifted`)."""
    return shifted(op, Shift.BASELINE)


def shifted(op: Op, at: Shift | str) -> Op:
    """``op`` with every load of the current round read in round ``at`` instead.

    A load already in another round stays there, so ``baseline(baseline(x))`` is
    ``baseline(x)`` and ``baseline(previous(x))`` is ``previous(x)``.
    """
    if isinstance(op, Load):
        return op if op.at is not None else evolve(op, at=at)
    if isinstance(op, Apply):
        return evolve(op, args=tuple(shifted(a, at) for a in op.args))
    if isinstance(op, Divide):
        return evolve(op, top=shifted(op.top, at), bottom=shifted(op.bottom, at))
    return op


def round_names(op: Op) -> tuple[str, ...]:
    """The rounds ``op`` names (``at_round(x, 'R')``...), in order of first use."""
    return tuple(dict.fromkeys(n.at for n in loads(op) if isinstance(n.at, str)))


def loads(op: Op) -> list[Load]:
    """Every load of ``op``, in order (repeated as often as it occurs)."""
    found: list[Load] = []
    stack = [op]
    while stack:
        node = stack.pop()
        if isinstance(node, Load):
            found.append(node)
        elif isinstance(node, Apply):
            stack.extend(reversed(node.args))
        elif isinstance(node, Divide):
            stack += [node.bottom, node.top]
    return found
