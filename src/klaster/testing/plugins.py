"""The plugin test kit: isolated hosts, one-test registration, strategies, a conformance check.

A plugin package tests itself with :func:`check_plugin`, which registers it in a fresh host (no
entry points) and lists every problem the real host would report, plus a few a reviewer would
(untranslated descriptions, validation hooks that crash on a plain member)::

    import klaster_seaweed
    from klaster.testing.plugins import check_plugin

    def test_conforms():
        check_plugin(klaster_seaweed)

The strategies for plugin records are in :mod:`klaster.testing.catalogue_strategies` (they
need `hypothesis <https://hypothesis.readthedocs.io>`_: ``pip install klaster[test]``).

Example:
    >>> from klaster import Label
    >>> from klaster.catalogue import Sector
    >>> from klaster.plugins import SectorData, StaticPlugin
    >>> plugin = StaticPlugin(SectorData(sectors=[
    ...     Sector("crafts", Label("Kerajinan", "Crafts"),
    ...            Label("Anyaman bambu.", "Bamboo weaving."))]))
    >>> check_plugin(plugin)
    >>> [s.code for s in isolated_host(plugin).sectors()]
    ['crafts']
"""

from __future__ import annotations

import datetime as _dt
import importlib
import pkgutil
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from types import ModuleType

from klaster._support.aliases import moved_names
from klaster.catalogue.variable import Level, ValueType, Variable
from klaster.errors import PluginError
from klaster.model.group import Group
from klaster.model.member import Member
from klaster.plugins.default import get_host
from klaster.plugins.host import PluginHost
from klaster.plugins.info import PluginInfo, PluginStatus, PluginWarning

__all__ = ["builtin_plugins", "check_plugin", "isolated_host", "plugin_problems", "registered"]

# The record strategies moved to klaster.testing.catalogue_strategies, StaticPlugin to
# klaster.plugins; their old names here are deprecated for one release.
__getattr__ = moved_names(
    "klaster.testing.plugins",
    {
        "StaticPlugin": "klaster.plugins.StaticPlugin",
        **{
            name: f"klaster.testing.catalogue_strategies.{name}"
            for name in (
                "codes",
                "indicators",
                "labels",
                "readiness_criteria",
                "sector_data",
                "sectors",
                "static_plugins",
                "variables",
            )
        },
    },
)


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
        host: The host (default: :func:`klaster.plugins.get_host`, the installed plugins).
        name: Its name (default: the module's name or pluggy's canonical name).

    Yields:
        The plugin's :class:`~klaster.plugins.info.PluginInfo`.

    Example:
        >>> from klaster.plugins import SectorData, StaticPlugin
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


def builtin_plugins() -> list[ModuleType]:
    """The built-in sector plugins installed with klaster (``klaster_sectors.umkm``...)."""
    import klaster_sectors

    return [
        importlib.import_module(f"klaster_sectors.{found.name}")
        for found in sorted(pkgutil.iter_modules(klaster_sectors.__path__), key=lambda m: m.name)
        if not found.name.startswith("_")
    ]


def plugin_problems(
    plugin: object,
    *,
    requires: Iterable[object] = (),
    name: str | None = None,
    builtins: bool = True,
) -> list[str]:
    """Every problem :func:`check_plugin` would report, as sentences (empty when it conforms).

    Args:
        plugin: The plugin module or object.
        requires: Other plugins it builds on (e.g. another third-party sector it adds variables
            to), registered after the built-ins and before the plugin.
        name: Its name (default: the module's name).
        builtins: Register the built-in sectors first (:func:`builtin_plugins`), as every
            installation has them, so that a code that clashes with theirs is a problem.
            ``False`` checks the plugin alone.
    """
    problems: list[str] = []
    dependencies = [*(builtin_plugins() if builtins else ()), *requires]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", PluginWarning)
        host = PluginHost(entry_points=False, strict=False)
        seen: list[object] = [plugin]
        for dependency in dependencies:
            # A built-in checked itself, or named in requires as well: registered once.
            if not any(dependency is other for other in seen):
                seen.append(dependency)
                host.register(dependency)
        before = {kind.code for kind in host.activity_kinds()}
        info = host.register(plugin, name)
        if info.status is PluginStatus.LOADED:
            problems.extend(_review(host, info.name))
            problems.extend(_review_kinds(host, before))
    for warning in caught:
        message = warning.message
        if isinstance(message, PluginWarning):
            prefix = "" if message.plugin == info.name else f"required plugin {message.plugin!r}: "
            problems.extend(prefix + p for p in message.problems or (str(message),))
    return problems


def check_plugin(
    plugin: object,
    *,
    requires: Iterable[object] = (),
    name: str | None = None,
    builtins: bool = True,
) -> None:
    """Check that a plugin conforms to what klaster expects of plugins; raise listing all problems.

    It must register cleanly beside the built-in sectors (hook names and parameters as
    specified, marked with :data:`klaster.hookimpl`), return well-formed records with
    well-formed codes unique among its own and the built-ins' (and ``requires``'), and labels in
    both languages, refer only to variables and indicators that exist, and its validation hooks
    must answer (a list or tuple of texts) for a plain member, group and survey round of each of
    its sectors (those it provides and those it extends). Its activity kinds
    (``klaster_activity_kinds``) must have codes of their own (not a core kind's,
    ``mentoring_visit`` or another plugin's), belong to a loaded sector, and be translated.

    Args:
        plugin: The plugin module or object.
        requires: Other plugins it builds on, registered after the built-ins.
        name: Its name (default: the module's name).
        builtins: Register the built-in sectors first (the default); ``False`` checks the
            plugin alone.

    Raises:
        PluginError: Listing every problem found.
    """
    problems = plugin_problems(plugin, requires=requires, name=name, builtins=builtins)
    if problems:
        shown = name or getattr(plugin, "__name__", None) or repr(plugin)
        raise PluginError(f"plugin {shown!r} does not conform", problems=problems)


def _review(host: PluginHost, name: str) -> list[str]:
    problems = []
    # Its validation hooks are asked about the sectors it provides and those it extends.
    mine = [s for s in host.sectors() if name in host.sector_plugins(s.code)]
    for sector in mine:
        provided = host.sector_plugins(sector.code)[:1] == (name,)
        if provided and sector.description.id.strip() == sector.description.en.strip():
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
        if "klaster_validate_columns" in host.plugin(name).hooks:
            problems += _columns_agree(host, sector.code)
    return problems


def _columns_agree(host: PluginHost, sector: str) -> list[str]:
    """Whether the column hook finds what the per-unit hook finds, on edge samples."""
    try:
        import polars  # noqa: F401  (the column hook runs only where polars is installed)
    except ImportError:
        return []
    problems = []
    for level in Level:
        variables = [v for v in host.variables(sector, level) if v.type is not ValueType.TEXT]
        if not variables:
            continue
        rows = _edge_rows(variables)
        units = [(f"sample[{i}]", (sector,), level, row) for i, row in enumerate(rows)]
        one_by_one = host.validate_recorded(units)
        columns = {v.code: [row.get(v.code) for row in rows] for v in variables}
        ids = [f"CONFORMANCE-{i}" for i in range(len(rows))]
        batch = host.validate_recorded_columns(
            level, columns, [(sector,)] * len(rows), ids, lambda i: f"sample[{i}]"
        )
        if batch != one_by_one:
            problems.append(
                f"sector {sector!r} {level.value} values: klaster_validate_columns finds "
                f"{list(batch)} where klaster_validate_values finds {list(one_by_one)}; "
                "the two hooks must find the same problems"
            )
    return problems


def _edge_rows(variables: list[Variable]) -> list[dict[str, object]]:
    """Samples at the variables' edges: zero, minimum, maximum, and every other one missing."""
    edges = [[_sample(v), _edge(v, v.minimum), _edge(v, v.maximum)] for v in variables]
    rows: list[dict[str, object]] = [{}]
    for pick in range(3):
        for skip in (None, 0, 1):
            rows.append(
                {
                    v.code: edge[pick]
                    for n, (v, edge) in enumerate(zip(variables, edges, strict=True))
                    if skip is None or n % 2 != skip
                }
            )
    for n, variable in enumerate(variables):  # each one at its edges, the others at zero
        for value in edges[n][1:]:
            rows.append({**rows[1], variable.code: value})
    return rows


def _edge(variable: Variable, bound: Decimal | None) -> object:
    if variable.type is ValueType.BOOLEAN:
        return bound is variable.maximum
    if bound is None or variable.type not in (ValueType.DECIMAL, ValueType.INTEGER):
        return _sample(variable)
    return int(bound) if variable.type is ValueType.INTEGER else bound


def _review_kinds(host: PluginHost, before: set[str]) -> list[str]:
    problems: list[str] = []
    for kind in host.activity_kinds():
        if kind.code in before:
            continue
        texts = [("label", kind.label)]
        if kind.description is not None:
            texts.append(("description", kind.description))
        problems.extend(
            f"activity kind {kind.code!r}: the {what} is the same in Indonesian and English; "
            "translate it"
            for what, text in texts
            if text.id.strip() == text.en.strip()
        )
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
