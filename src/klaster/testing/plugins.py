"""The plugin test kit: isolated hosts, one-test registration, strategies, a conformance check.

A plugin package tests itself with :func:`check_plugin`, which registers it in a fresh host (no
entry points) and lists every problem the real host would report, plus a few a reviewer would
(untranslated descriptions, validation hooks that crash on a plain member)::

    import klaster_seaweed
    from klaster.testing.plugins import check_plugin

    def test_conforms():
        check_plugin(klaster_seaweed)

Requires `hypothesis <https://hypothesis.readthedocs.io>`_ for the strategies
(``pip install klaster[test]``).

Example:
    >>> from klaster.label import Label
    >>> from klaster.catalogue.sector import Sector
    >>> from klaster.plugins.sectorfile import SectorData
    >>> plugin = StaticPlugin(SectorData(sectors=[
    ...     Sector("crafts", Label("Kerajinan", "Crafts"),
    ...            Label("Anyaman bambu.", "Bamboo weaving."))]))
    >>> check_plugin(plugin)
    >>> [s.code for s in isolated_host(plugin).sectors()]
    ['crafts']
"""

from __future__ import annotations

import datetime as _dt
import operator
import string
import warnings
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal

from hypothesis import strategies as st

from klaster.catalogue.criterion import Operator, ReadinessCriterion, Threshold
from klaster.catalogue.indicator import Aggregation, Direction, Indicator
from klaster.catalogue.sector import BusinessType, Sector
from klaster.catalogue.variable import Category, Level, ValueType, Variable
from klaster.errors import PluginError
from klaster.label import Label
from klaster.model.group import Group
from klaster.model.member import Member
from klaster.plugins.hookspecs import hookimpl
from klaster.plugins.host import PluginHost, get_host
from klaster.plugins.info import PluginInfo, PluginStatus, PluginWarning
from klaster.plugins.sectorfile import SectorData

__all__ = [
    "StaticPlugin",
    "check_plugin",
    "codes",
    "indicators",
    "isolated_host",
    "labels",
    "plugin_problems",
    "readiness_criteria",
    "registered",
    "sector_data",
    "sectors",
    "static_plugins",
    "variables",
]


class StaticPlugin:
    """A plugin that declares fixed records: for tests and quick experiments.

    Args:
        data: What the plugin declares.

    Example:
        >>> plugin = StaticPlugin(SectorData())
        >>> plugin.klaster_sectors()
        ()
    """

    def __init__(self, data: SectorData) -> None:
        self.data = data

    def __repr__(self) -> str:
        return f"StaticPlugin({[s.code for s in self.data.sectors]})"

    @hookimpl
    def klaster_sectors(self) -> Sequence[Sector]:
        """The sectors of :attr:`data`."""
        return self.data.sectors

    @hookimpl
    def klaster_variables(self) -> Sequence[Variable]:
        """The variables of :attr:`data`."""
        return self.data.variables

    @hookimpl
    def klaster_indicators(self) -> Sequence[Indicator]:
        """The indicators of :attr:`data`."""
        return self.data.indicators

    @hookimpl
    def klaster_readiness_criteria(self) -> Sequence[ReadinessCriterion]:
        """The readiness criteria of :attr:`data`."""
        return self.data.criteria


# -- hosts ----------------------------------------------------------------------------------------


def isolated_host(
    *plugins: object, strict: bool = True, known_names: Iterable[str] = ()
) -> PluginHost:
    """A host that loads no entry points, with ``plugins`` registered in order.

    Args:
        plugins: Plugin modules or objects to register.
        strict: Raise :class:`~klaster.errors.PluginError` on any plugin problem (the default,
            so that a broken plugin fails the test at once).
        known_names: Codes outside plugins that formulas may read.
    """
    host = PluginHost(entry_points=False, strict=strict, known_names=known_names)
    for plugin in plugins:
        host.register(plugin)
    return host


@contextmanager
def registered(
    plugin: object, *, host: PluginHost | None = None, name: str | None = None
) -> Iterator[PluginInfo]:
    """Register a plugin for the duration of a ``with`` block, then unregister it.

    Args:
        plugin: The plugin module or object.
        host: The host (default: :func:`klaster.plugins.host.get_host`, the installed plugins).
        name: Its name (default: the module's name or pluggy's canonical name).

    Yields:
        The plugin's :class:`~klaster.plugins.info.PluginInfo`.

    Example:
        >>> host = isolated_host()
        >>> with registered(StaticPlugin(SectorData()), host=host, name="empty") as info:
        ...     info.status.value
        'loaded'
        >>> [p.name for p in host.plugins()]
        []
    """
    target = host if host is not None else get_host()
    info = target.register(plugin, name)
    try:
        yield info
    finally:
        still = [p for p in target.plugins() if p.name == info.name]
        if any(p.status is PluginStatus.LOADED for p in still):
            target.unregister(info.name)


# -- conformance ----------------------------------------------------------------------------------

_SAMPLE_DAY = _dt.date(2011, 7, 6)


def plugin_problems(
    plugin: object, *, requires: Iterable[object] = (), name: str | None = None
) -> list[str]:
    """Every problem :func:`check_plugin` would report, as sentences (empty when it conforms).

    Args:
        plugin: The plugin module or object.
        requires: Plugins it builds on (e.g. ``klaster_sectors.umkm`` for a plugin adding
            variables to UMKM), registered first.
        name: Its name (default: the module's name).
    """
    problems: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", PluginWarning)
        host = PluginHost(entry_points=False, strict=False)
        for dependency in requires:
            host.register(dependency)
        info = host.register(plugin, name)
        if info.status is PluginStatus.LOADED:
            problems.extend(_review(host, info.name))
    for warning in caught:
        message = warning.message
        if isinstance(message, PluginWarning):
            prefix = "" if message.plugin == info.name else f"required plugin {message.plugin!r}: "
            problems.extend(prefix + p for p in message.problems or (str(message),))
    return problems


def check_plugin(
    plugin: object, *, requires: Iterable[object] = (), name: str | None = None
) -> None:
    """Check that a plugin conforms to what klaster expects of plugins; raise listing all problems.

    It must register cleanly (hook names and parameters as specified, marked with
    :data:`~klaster.plugins.hookspecs.hookimpl`), return well-formed records with well-formed unique
    codes and labels in both languages, refer only to variables and indicators that exist, and
    its validation hooks must answer (a list of texts) for a plain member, group and survey round
    of each of its sectors.

    Args:
        plugin: The plugin module or object.
        requires: Plugins it builds on, registered first.
        name: Its name (default: the module's name).

    Raises:
        PluginError: Listing every problem found.
    """
    problems = plugin_problems(plugin, requires=requires, name=name)
    if problems:
        shown = name or getattr(plugin, "__name__", None) or repr(plugin)
        lines = "".join(f"\n  - {p}" for p in problems)
        raise PluginError(f"plugin {shown!r} does not conform:{lines}")


def _review(host: PluginHost, name: str) -> list[str]:
    problems = []
    mine = [s for s in host.sectors() if host.sector_plugins(s.code)[:1] == (name,)]
    for sector in mine:
        if sector.description.id.strip() == sector.description.en.strip():
            problems.append(
                f"sector {sector.code!r}: the description is the same in Indonesian and English; "
                "translate it"
            )
        business_type = sector.business_types[0].code if sector.business_types else None
        member = Member(
            id="CONFORMANCE-M1",
            name="Contoh",
            sex="female",
            household_size=1,
            village="Contoh",
            sector=sector.code,
            joined=_SAMPLE_DAY,
            business_type=business_type,
        )
        host.validate_member(member)
        group = Group(id="CONFORMANCE-G1", name="Contoh", sector=sector.code, formed=_SAMPLE_DAY)
        host.validate_group(group)
        for level in Level:
            sample = {v.code: _sample(v) for v in host.variables(sector.code, level)}
            if sample:
                host.validate_values(sector.code, level, sample)
    return problems


def _sample(variable: Variable) -> object:
    if variable.type is ValueType.DECIMAL:
        return _clip(Decimal(0), variable)
    if variable.type is ValueType.INTEGER:
        return int(_clip(Decimal(0), variable))
    if variable.type is ValueType.BOOLEAN:
        return False
    if variable.type is ValueType.CATEGORY:
        return variable.categories[0].code
    if variable.type is ValueType.TEXT:
        return "contoh"
    return _SAMPLE_DAY


def _clip(value: Decimal, variable: Variable) -> Decimal:
    if variable.minimum is not None and value < variable.minimum:
        return variable.minimum
    if variable.maximum is not None and value > variable.maximum:
        return variable.maximum
    return value


# -- strategies -----------------------------------------------------------------------------------


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
    """Criteria of ``sector`` reading one of ``reads`` with a threshold that suits it."""
    usable = [r for r in reads if not isinstance(r, Variable) or r.type not in _UNREADABLE]
    target = draw(st.sampled_from(usable))
    threshold: Threshold
    if isinstance(target, Variable) and target.type is ValueType.BOOLEAN:
        threshold, compare = draw(st.booleans()), draw(st.sampled_from(_EQUALITY))
    elif isinstance(target, Variable) and target.type is ValueType.CATEGORY:
        threshold = draw(st.sampled_from(target.category_codes()))
        compare = draw(st.sampled_from(_EQUALITY))
    else:
        threshold, compare = draw(_NUMBERS), draw(st.sampled_from(Operator))
    return ReadinessCriterion(
        code=code if code is not None else draw(codes()),
        sector=sector,
        level=draw(st.sampled_from(Level)),
        label=draw(labels()),
        reads=target.code,
        operator=compare,
        threshold=threshold,
        essential=draw(st.booleans()),
        weight=draw(st.decimals(min_value=0, max_value=10, places=1)),
    )


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
