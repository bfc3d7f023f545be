"""Hints ("did you mean") for unknown names: one rule for every message that names a code.

The formula engine, the plugin host (hook names and parameters, an indicator's variables) and
the file readers use the same closeness, so a typo is answered the same way everywhere.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = ["close_names", "did_you_mean"]

CUTOFF = 0.75
"""How close a known name must be (``difflib`` ratio) to be suggested."""


def close_names(name: str, known: Iterable[str], *, n: int = 3) -> list[str]:
    """The known names closest to ``name``, best first (at most ``n``; may be empty).

    Example:
        >>> close_names("monthly_revenu", ["monthly_revenue", "monthly_costs"])
        ['monthly_revenue']
    """
    return difflib.get_close_matches(name, sorted(set(known)), n=n, cutoff=CUTOFF)


def did_you_mean(name: str, known: Iterable[str], *, n: int = 3) -> str:
    """``"did you mean 'a', 'b'?"`` for the closest known names, or ``""`` when none is close.

    Example:
        >>> did_you_mean("membr", ["member"])
        "did you mean 'member'?"
        >>> did_you_mean("zzz", ["member"])
        ''
    """
    close = close_names(name, known, n=n)
    return f"did you mean {', '.join(map(repr, close))}?" if close else ""
