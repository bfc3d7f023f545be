"""The bounds of the formula language: its functions, its size limits, and its error."""

from __future__ import annotations

from typing import Final

from klaster.errors import KlasterError

__all__ = [
    "FUNCTIONS",
    "MAX_DEPTH",
    "MAX_LENGTH",
    "MAX_NODES",
    "MAX_ROUND_PLACES",
    "FormulaError",
]

MAX_LENGTH: Final = 2_000
"""Longest formula accepted, in characters."""
MAX_DEPTH: Final = 40
"""Deepest nesting of the tree accepted."""
MAX_NODES: Final = 400
"""Most nodes a formula's tree may have."""
MAX_ROUND_PLACES: Final = 18
"""``round(x, places)``: ``places`` is a whole-number literal from ``-18`` to ``18`` (the
division scale), so a result never needs more digits than a decimal holds exactly."""

FUNCTIONS: Final[dict[str, tuple[int, int]]] = {
    # name: (fewest, most) arguments
    "abs": (1, 1),
    "min": (2, 8),
    "max": (2, 8),
    "round": (1, 2),
    "missing": (0, 0),
    "is_missing": (1, 1),
    "coalesce": (2, 8),
    "baseline": (1, 1),
    "change": (1, 1),
    "pct_change": (1, 1),
    "previous": (1, 1),
    "change_prev": (1, 1),
    "pct_change_prev": (1, 1),
    "at_round": (2, 2),
    "change_since": (2, 2),
    "pct_change_since": (2, 2),
}
"""Functions a formula may call, with their number of arguments.

``baseline(x)`` is ``x`` in the baseline round of the same unit; ``change(x)`` is
``x - baseline(x)``; ``pct_change(x)`` is ``change(x) / baseline(x) * 100``; ``previous(x)``,
``change_prev(x)`` and ``pct_change_prev(x)`` the same with the unit's previous round (by date);
``at_round(x, 'R')``, ``change_since(x, 'R')`` and ``pct_change_since(x, 'R')`` with round ``R``
(an ID or key, quoted); ``missing()`` is a missing value and ``is_missing(x)`` tests for one;
``coalesce(a, b, ...)`` is the first non-missing argument. ``docs/formulas.md`` describes each.
"""


class FormulaError(KlasterError, ValueError):
    """A formula does not parse, is too large, or calls an unknown function.

    Attributes:
        formula: The formula text.
        position: 0-based character offset of the problem.
    """

    def __init__(self, message: str, *, formula: str, position: int, path: str | None = None):
        self.formula = formula
        self.position = position
        caret = f"\n    {formula}\n    {' ' * position}^" if len(formula) <= 120 else ""
        super().__init__(f"{message} at position {position}{caret}", path=path)
