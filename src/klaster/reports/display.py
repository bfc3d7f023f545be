"""How an indicator's figures are shown in a report: a column kind and its decimals.

The indicator's own display (``shown_as``: its declared ``display`` and ``digits``, or the
catalogue's default) decides; an object without one is shown by its unit: shares (``ratio``) as
percentages, Rupiah (``IDR...``) as money, counts as whole numbers, the rest with two decimals.
"""

from __future__ import annotations

from typing import Final

from klaster.reports.document import Kind

__all__ = ["display_of"]

_COUNT_UNITS: Final = frozenset(
    {"member", "members", "person", "persons", "group", "groups", "cooperative", "activities"}
)
_KINDS: Final = {kind.value: kind for kind in Kind}


def display_of(indicator: object) -> tuple[Kind, int]:
    """The column kind and decimals an indicator's figures are shown with.

    The indicator's ``shown_as`` display (its declared ``display`` and ``digits``, or the default
    from its unit and aggregation) when it has one; otherwise decided from the unit here.

    Args:
        indicator: An indicator record (a plugin's ``Indicator`` or a core indicator).

    Example:
        >>> from klaster.measurement import CORE_INDICATORS
        >>> [display_of(i)[0].value for i in CORE_INDICATORS[:1]]
        ['count']
    """
    shown = getattr(indicator, "shown_as", None)
    kind = _KINDS.get(str(getattr(getattr(shown, "kind", None), "value", "")))
    digits = getattr(shown, "digits", None)
    if kind is not None and isinstance(digits, int):
        return kind, digits
    unit = (getattr(indicator, "unit", None) or "").strip().lower()
    if unit in ("ratio", "share"):
        return Kind.PERCENT, 1
    if unit.startswith(("idr", "rp", "rupiah")):
        return Kind.MONEY, 0
    if unit in _COUNT_UNITS:
        return Kind.COUNT, 0
    return Kind.NUMBER, 2
