"""The built-in plugins' column rules run as one polars query per batch (internal).

Each plugin's ``klaster_validate_columns`` states its rules as polars expressions over the
columns it reads; :func:`row_problems` evaluates them all in one ``select`` (one pass, not one
query per operation) and turns each rule's true rows into ``(row, problem)`` pairs. A null (a
value not recorded) never makes a rule true, as a missing value never does in the per-unit hook.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["row_problems"]


def row_problems(
    columns: Mapping[str, Any], rules: Sequence[tuple[Any, str]]
) -> list[tuple[int, str]]:
    """``(row, text)`` for each row where a rule's expression is true, rule by rule.

    Args:
        columns: Code to polars Series (those the expressions read).
        rules: ``(expression, problem text)`` in the per-unit hook's order.
    """
    if not rules:
        return []
    import numpy as np
    import polars as pl

    masks = (
        pl.DataFrame(dict(columns))
        .select(rule.fill_null(False).alias(f"rule{n}") for n, (rule, _) in enumerate(rules))
        .to_numpy()
    )
    return [
        (row, text)
        for n, (_, text) in enumerate(rules)
        for row in np.flatnonzero(masks[:, n]).tolist()
    ]
