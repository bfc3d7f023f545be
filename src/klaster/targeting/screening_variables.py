"""Screening variables: what an application form asks, and what eligibility rules may read.

The core screening variables (:data:`SCREENING_VARIABLES`) are the household economy
(``monthly_income``, ``monthly_expenditure`` and ``household_size`` of the survey catalogue,
:mod:`klaster.observations.core_variables`, so a baseline and a screening mean the same thing),
assets, land, debt, the house (floor, wall, roof) and the *asnaf* category. The installed sector
plugins' member variables join them (:func:`screening_catalogue`): the livestock plugin's
``has_animal_space``, for instance.
"""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING, Final

from klaster.catalogue.variable import Category, Level, ValueType, Variable
from klaster.label import Label
from klaster.observations.core_variables import CORE_SECTOR, core_variables

if TYPE_CHECKING:
    from klaster.plugins.host import PluginHost

__all__ = [
    "ASNAF",
    "HOUSEHOLD_SIZE",
    "SCREENING_VARIABLES",
    "did_you_mean",
    "screening_catalogue",
]

HOUSEHOLD_SIZE: Final = "household_size"
"""The variable read from the applicant record rather than from its answers."""

ASNAF: Final[tuple[Category, ...]] = (
    Category("fakir", Label("Fakir", "The destitute (fakir)")),
    Category("miskin", Label("Miskin", "The poor (miskin)")),
    Category("amil", Label("Amil", "Zakat administrators (amil)")),
    Category("muallaf", Label("Mualaf", "New Muslims (muallaf)")),
    Category("riqab", Label("Riqab", "Those in bondage (riqab)")),
    Category("gharim", Label("Gharim (gharimin)", "Debtors (gharim)")),
    Category("fisabilillah", Label("Fi sabilillah", "In the cause of God")),
    Category("ibnu_sabil", Label("Ibnu sabil", "Stranded travellers (ibnu sabil)")),
)
"""The eight *asnaf* (QS At-Taubah 60), with the codes of ``klaster.finance.Asnaf``."""

_MONEY_MAX = 100_000_000_000


def _money(code: str, label: Label, description: Label) -> Variable:
    return Variable(
        code,
        CORE_SECTOR,
        Level.MEMBER,
        ValueType.DECIMAL,
        label,
        unit="IDR",
        minimum=0,
        maximum=_MONEY_MAX,
        description=description,
    )


def _house(code: str, label: Label, categories: tuple[tuple[str, str, str], ...]) -> Variable:
    return Variable(
        code,
        CORE_SECTOR,
        Level.MEMBER,
        ValueType.CATEGORY,
        label,
        categories=tuple(Category(c, Label(i, e)) for c, i, e in categories),
    )


_CORE = core_variables()

SCREENING_VARIABLES: Final[tuple[Variable, ...]] = (
    _CORE["monthly_income"],
    _CORE["monthly_expenditure"],
    _CORE[HOUSEHOLD_SIZE],
    _money(
        "assets_value",
        Label("Nilai aset rumah tangga", "Value of household assets"),
        Label(
            "Nilai jual aset (ternak, kendaraan, emas, alat usaha), tanpa rumah yang ditempati.",
            "Sale value of assets (livestock, vehicles, gold, tools), not the home lived in.",
        ),
    ),
    _money(
        "debt",
        Label("Utang rumah tangga", "Household debt"),
        Label("Sisa utang yang belum dibayar.", "Debt still to be repaid."),
    ),
    Variable(
        "land_area",
        CORE_SECTOR,
        Level.MEMBER,
        ValueType.DECIMAL,
        Label("Luas lahan garapan", "Land farmed"),
        unit="ha",
        minimum=0,
        maximum=10_000,
    ),
    _house(
        "house_floor",
        Label("Lantai rumah", "House floor"),
        (
            ("earth", "Tanah", "Earth"),
            ("bamboo", "Bambu", "Bamboo"),
            ("wood", "Kayu / papan", "Wood"),
            ("cement", "Semen / plester", "Cement"),
            ("tile", "Keramik / ubin", "Tile"),
        ),
    ),
    _house(
        "house_wall",
        Label("Dinding rumah", "House wall"),
        (
            ("bamboo", "Bambu / anyaman", "Bamboo"),
            ("wood", "Kayu / papan", "Wood"),
            ("brick", "Tembok / bata", "Brick"),
        ),
    ),
    _house(
        "house_roof",
        Label("Atap rumah", "House roof"),
        (
            ("thatch", "Ijuk / rumbia / daun", "Thatch"),
            ("zinc", "Seng", "Zinc"),
            ("tile", "Genteng", "Tile"),
            ("concrete", "Beton", "Concrete"),
        ),
    ),
    Variable(
        "asnaf",
        CORE_SECTOR,
        Level.MEMBER,
        ValueType.CATEGORY,
        Label("Golongan asnaf", "Asnaf category"),
        categories=ASNAF,
        description=Label(
            "Golongan penerima zakat (delapan asnaf).", "Category of zakat recipient (the eight)."
        ),
    ),
)
"""The core screening variables."""


def screening_catalogue(host: PluginHost | None = None) -> dict[str, Variable]:
    """The screening variables by code: the core ones and the plugins' member variables.

    Args:
        host: The plugin host (default: :func:`klaster.plugins.get_host`).

    Example:
        >>> catalogue = screening_catalogue()
        >>> catalogue["asnaf"].category_codes()[:2], catalogue["has_animal_space"].type.value
        (('fakir', 'miskin'), 'boolean')
    """
    from klaster.plugins.default import get_host

    found = host if host is not None else get_host()
    plugins = {v.code: v for v in found.variables(level=Level.MEMBER)}
    return {**plugins, **{v.code: v for v in SCREENING_VARIABLES}}


def did_you_mean(code: str, known: object) -> str:
    """`` (did you mean 'x'?)`` for the nearest known code, or an empty text."""
    close = difflib.get_close_matches(code, list(known), n=1)  # type: ignore[call-overload]
    return f" (did you mean {close[0]!r}?)" if close else ""
