"""The shape of every portfolio figure: :class:`Ratio`, and what figures are broken down by."""

from __future__ import annotations

import enum
from decimal import ROUND_HALF_UP, Decimal

from attrs import frozen

from klaster.label import LabelledEnum, labelled

__all__ = ["Dimension", "Ratio", "RestructuredPolicy"]


class RestructuredPolicy(enum.StrEnum):
    """How PAR counts a loan whose schedule was restructured."""

    AT_RISK = "at_risk"
    """Always at risk while outstanding (the default, as CGAP recommends)."""
    BY_ARREARS = "by_arrears"
    """At risk only if late on its new schedule."""


class Dimension(LabelledEnum):
    """What figures can be broken down by."""

    FUND = labelled("fund", "Dana", "Fund")
    """Per fund (*dana*)."""
    GROUP = labelled("group", "Kelompok", "Group")
    """Per liable group (*kelompok*); member loans outside a group under ``None``."""
    SECTOR = labelled("sector", "Sektor", "Sector")
    """Per sector code of the financed business."""
    PRODUCT = labelled("product", "Produk", "Product")
    """Per product (qard hasan, murabahah, profit sharing)."""
    CLUSTER = labelled("cluster", "Klaster", "Cluster")
    """Per book (cluster), for several books at once."""


@frozen
class Ratio:
    """A figure with its parts: ``numerator / denominator`` over ``count`` of ``total`` loans.

    Args:
        numerator: Rupiah at risk, paid, written off, disbursed...
        denominator: Rupiah outstanding, due, average portfolio, capital...
        count: Loans in the numerator (at risk, written off...).
        total: Loans in the denominator.
    """

    numerator: Decimal
    denominator: Decimal
    count: int
    total: int

    @property
    def value(self) -> Decimal:
        """``numerator / denominator`` (0 when the denominator is 0: nothing at risk of nothing)."""
        return self.numerator / self.denominator if self.denominator else Decimal(0)

    @property
    def percent(self) -> Decimal:
        """The value in percent, rounded half up to two decimals (for reports)."""
        return (self.value * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    def _repr_html_(self) -> str:
        from klaster.finance import _render  # the statements' one rendering (imports money)
        from klaster.formatting import default_lang

        return _render.ratio_html(self, default_lang())

    def __add__(self, other: Ratio) -> Ratio:
        return Ratio(
            self.numerator + other.numerator,
            self.denominator + other.denominator,
            self.count + other.count,
            self.total + other.total,
        )


ZERO = Ratio(Decimal(0), Decimal(0), 0, 0)
"""The empty ratio (the start of a sum)."""
