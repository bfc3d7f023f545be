"""Hypothesis strategies for plugin records: codes, labels, sectors, variables, indicators...

Each draws well-formed records; :func:`sector_data` draws a consistent plugin's worth and
:func:`static_plugins` a :class:`~klaster.plugins.StaticPlugin` declaring it.
"""

from __future__ import annotations

import operator
import string
from collections.abc import Sequence
from decimal import Decimal

from hypothesis import strategies as st

from klaster.catalogue.criterion import Condition, Operator, ReadinessCriterion, Threshold
from klaster.catalogue.indicator import Aggregation, Direction, Indicator
from klaster.catalogue.sector import BusinessType, Sector
from klaster.catalogue.variable import Category, Level, ValueType, Variable
from klaster.label import Label
from klaster.plugins.sectorfile import SectorData, StaticPlugin

__all__ = [
    "codes",
    "indicators",
    "labels",
    "readiness_criteria",
    "sector_data",
    "sectors",
    "static_plugins",
    "variables",
]


_FIRST = st.sampled_from(string.ascii_lowercase)
_REST = st.text(string.ascii_lowercase + string.digits + "_", max_size=11)
_CODES = st.builds(operator.add, _FIRST, _REST)
_TEXT = st.text(
    st.characters(categories=("L", "N", "Zs"), codec="utf-8"), min_size=1, max_size=24
).filter(lambda t: bool(t.strip()))
_LABELS = (
    st.tuples(_TEXT, _TEXT)
    .filter(lambda pair: pair[0].strip() != pair[1].strip())
    .map(lambda pair: Label(*pair))
)


def codes(prefix: str = "") -> st.SearchStrategy[str]:
    """Well-formed codes (``"a_1"``), each starting with ``prefix`` (itself a code or empty)."""
    return _CODES.map(lambda code: prefix + code) if prefix else _CODES


def labels() -> st.SearchStrategy[Label]:
    """Labels with non-blank Indonesian and English texts that differ (as translations do)."""
    return _LABELS


@st.composite
def sectors(draw: st.DrawFn, code: str | None = None) -> Sector:
    """Sectors with up to three business types."""
    types = draw(st.lists(codes(), max_size=3, unique=True))
    return Sector(
        code=code if code is not None else draw(codes()),
        name=draw(labels()),
        description=draw(labels()),
        business_types=[BusinessType(t, draw(labels())) for t in types],
        dac_code=draw(st.none() | st.integers(10000, 99999).map(str)),
    )


_NUMBERS = st.decimals(min_value=-(10**6), max_value=10**6, places=2)


@st.composite
def variables(draw: st.DrawFn, sector: str, code: str | None = None) -> Variable:
    """Variables of ``sector`` of every type, with consistent bounds and categories."""
    type_ = draw(st.sampled_from(ValueType))
    low = high = None
    if type_ in (ValueType.DECIMAL, ValueType.INTEGER):
        numbers = st.integers(-1000, 1000).map(Decimal) if type_ is ValueType.INTEGER else _NUMBERS
        low, high = sorted(draw(st.lists(numbers, min_size=2, max_size=2)))
        low, high = draw(st.sampled_from([(low, high), (low, None), (None, high), (None, None)]))
    category_codes = (
        draw(st.lists(codes(), min_size=1, max_size=4, unique=True))
        if type_ is ValueType.CATEGORY
        else []
    )
    return Variable(
        code=code if code is not None else draw(codes()),
        sector=sector,
        level=draw(st.sampled_from(Level)),
        type=type_,
        label=draw(labels()),
        unit=draw(st.none() | st.sampled_from(["IDR", "kg", "ha", "head", "person"])),
        minimum=low,
        maximum=high,
        categories=[Category(c, draw(labels())) for c in category_codes],
        required=draw(st.booleans()),
    )


@st.composite
def indicators(
    draw: st.DrawFn, sector: str, reads: Sequence[str], code: str | None = None
) -> Indicator:
    """Indicators of ``sector`` whose formulas combine codes from ``reads`` (at least one)."""
    names = draw(st.lists(st.sampled_from(reads), min_size=1, max_size=3))
    signs = draw(
        st.lists(st.sampled_from("+-*/"), min_size=len(names) - 1, max_size=len(names) - 1)
    )
    formula = names[0] + "".join(f" {o} {n}" for o, n in zip(signs, names[1:], strict=True))
    return Indicator(
        code=code if code is not None else draw(codes()),
        sector=sector,
        name=draw(labels()),
        level=draw(st.sampled_from(Level)),
        formula=formula,
        aggregation=draw(st.sampled_from(Aggregation)),
        direction=draw(st.sampled_from(Direction)),
        unit=draw(st.none() | st.just("ratio")),
    )


@st.composite
def readiness_criteria(
    draw: st.DrawFn,
    sector: str,
    reads: Sequence[Variable | Indicator],
    code: str | None = None,
) -> ReadinessCriterion:
    """Criteria of ``sector`` reading ``reads`` with thresholds that suit them.

    Most make one comparison; some combine one to three (``all_of`` or ``any_of``).
    """
    usable = [r for r in reads if not isinstance(r, Variable) or r.type not in _UNREADABLE]
    shape = draw(st.sampled_from(["single", "single", "all_of", "any_of"]))
    conditions = [
        draw(_conditions(usable))
        for _ in range(1 if shape == "single" else draw(st.integers(1, 3)))
    ]
    if shape == "single":
        (one,) = conditions
        comparison: dict[str, object] = {
            "reads": one.reads, "operator": one.operator, "threshold": one.threshold,
        }  # fmt: skip
    else:
        comparison = {shape: conditions}
    return ReadinessCriterion(
        code=code if code is not None else draw(codes()),
        sector=sector,
        level=draw(st.sampled_from(Level)),
        label=draw(labels()),
        essential=draw(st.booleans()),
        weight=draw(st.decimals(min_value=0, max_value=10, places=1)),
        **comparison,  # type: ignore[arg-type]
    )


@st.composite
def _conditions(draw: st.DrawFn, usable: Sequence[Variable | Indicator]) -> Condition:
    target = draw(st.sampled_from(usable))
    threshold: Threshold
    if isinstance(target, Variable) and target.type is ValueType.BOOLEAN:
        threshold, compare = draw(st.booleans()), draw(st.sampled_from(_EQUALITY))
    elif isinstance(target, Variable) and target.type is ValueType.CATEGORY:
        threshold = draw(st.sampled_from(target.category_codes()))
        compare = draw(st.sampled_from(_EQUALITY))
    else:
        threshold, compare = draw(_NUMBERS), draw(st.sampled_from(Operator))
    return Condition(target.code, compare, threshold)


_UNREADABLE = (ValueType.TEXT, ValueType.DATE)
_EQUALITY = (Operator.EQ, Operator.NE)


@st.composite
def sector_data(draw: st.DrawFn, prefix: str = "") -> SectorData:
    """A consistent plugin's worth of records: one sector, its variables, indicators, criteria.

    Every code starts with ``prefix``, so plugins drawn with different prefixes never clash.
    """
    all_codes = draw(st.lists(codes(prefix), min_size=10, max_size=10, unique=True))
    sector_code, rest = all_codes[0], iter(all_codes[1:])
    sector = draw(sectors(code=sector_code))
    variable_list = [
        draw(variables(sector_code, code=next(rest))) for _ in range(draw(st.integers(0, 3)))
    ]
    numeric = [v.code for v in variable_list if v.type in (ValueType.DECIMAL, ValueType.INTEGER)]
    indicator_list = (
        [
            draw(indicators(sector_code, numeric, code=next(rest)))
            for _ in range(draw(st.integers(0, 2)))
        ]
        if numeric
        else []
    )
    readable: list[Variable | Indicator] = [*variable_list, *indicator_list]
    criteria = []
    if any(not isinstance(r, Variable) or r.type not in _UNREADABLE for r in readable):
        count = draw(st.integers(0, 2))
        criteria = [
            draw(readiness_criteria(sector_code, readable, code=next(rest))) for _ in range(count)
        ]
    return SectorData([sector], variable_list, indicator_list, criteria)


def static_plugins(prefix: str = "") -> st.SearchStrategy[StaticPlugin]:
    """:class:`StaticPlugin` s declaring a drawn :func:`sector_data`."""
    return sector_data(prefix).map(StaticPlugin)
