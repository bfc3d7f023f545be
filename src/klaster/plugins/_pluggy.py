"""The pluggy side of the plugin host: finding, registering and calling one plugin at a time.

Each function deals with one plugin and returns its problems as sentences instead of raising, so
the host can report a broken plugin (warning or, in strict mode, ``PluginError``) and go on with
the others. Hooks are called one implementation at a time rather than through ``pm.hook``: a
plugin that raises must not take the others' answers down with it.
"""

from __future__ import annotations

import importlib.metadata as metadata
import inspect
from collections.abc import Mapping, Sequence
from typing import Any

import attrs
import pluggy
from attrs import frozen

from klaster._support.suggest import did_you_mean
from klaster.catalogue.criterion import ReadinessCriterion
from klaster.catalogue.eligibility import EligibilityCriterion
from klaster.catalogue.indicator import Indicator
from klaster.catalogue.report_section import ReportSection
from klaster.catalogue.sector import Sector
from klaster.catalogue.variable import Variable
from klaster.errors import KlasterError
from klaster.model.activity_kinds import ActivityKind
from klaster.plugins import hookspecs, tracing
from klaster.plugins.sectorfile import SectorData
from klaster.plugins.settings import trace_from_environment

DECLARING_HOOKS: dict[str, type] = {
    "klaster_sectors": Sector,
    "klaster_variables": Variable,
    "klaster_indicators": Indicator,
    "klaster_readiness_criteria": ReadinessCriterion,
    "klaster_activity_kinds": ActivityKind,
    "klaster_eligibility_criteria": EligibilityCriterion,
    "klaster_report_sections": ReportSection,
}
HOOK_NAMES = tuple(
    name
    for name in dir(hookspecs)
    if name.startswith("klaster_") and callable(getattr(hookspecs, name))
)
HOOK_PARAMETERS = {
    name: tuple(inspect.signature(getattr(hookspecs, name)).parameters) for name in HOOK_NAMES
}
BUILTIN_DISTRIBUTION = "klaster"


@frozen
class Origin:
    """Where a plugin comes from: its distribution, version and entry point value (or module)."""

    source: str
    distribution: str | None = None
    version: str | None = None

    def describe(self, name: str) -> str:
        if self.distribution is None:
            return f"plugin {name!r} ({self.source})"
        return f"plugin {name!r} (distribution {self.distribution} {self.version or '?'})"


def new_manager() -> pluggy.PluginManager:
    manager = pluggy.PluginManager(hookspecs.PROJECT)
    manager.add_hookspecs(hookspecs)
    if trace_from_environment():
        tracing.trace(manager)
    return manager


def origin_of_object(plugin: object) -> Origin:
    module = getattr(plugin, "__name__", None) if inspect.ismodule(plugin) else None
    return Origin(source=module or f"{type(plugin).__module__}.{type(plugin).__qualname__}")


def origin_of_entry_point(entry_point: metadata.EntryPoint) -> Origin:
    dist = entry_point.dist
    if dist is None:
        return Origin(source=entry_point.value)
    return Origin(source=entry_point.value, distribution=dist.name, version=dist.version)


# -- entry points ---------------------------------------------------------------------------------


def discover(group: str) -> list[metadata.EntryPoint]:
    """The group's entry points, klaster's own first (so no plugin can take a built-in's codes)."""

    def order(ep: metadata.EntryPoint) -> tuple[bool, str, str]:
        dist = ep.dist.name if ep.dist is not None else ""
        return (_normal(dist) != BUILTIN_DISTRIBUTION, ep.name, dist)

    return sorted(metadata.entry_points(group=group), key=order)


def _normal(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def name_list(value: str | None) -> list[str] | None:
    """Read a comma-separated environment variable; ``None`` when it is not set."""
    if value is None:
        return None
    return [part.strip() for part in value.split(",") if part.strip()]


def load_entry_point(entry_point: metadata.EntryPoint) -> tuple[object, list[str]]:
    try:
        return entry_point.load(), []
    except Exception as exc:  # any error in third-party import code is that plugin's problem
        return None, [f"cannot be imported ({entry_point.value}): {type(exc).__name__}: {exc}"]


# -- registration ---------------------------------------------------------------------------------


def register(manager: pluggy.PluginManager, plugin: object, name: str) -> list[str]:
    """Register ``plugin`` and check its hooks; on problems leave the manager as it was."""
    if manager.has_plugin(name):
        return [f"the name {name!r} is already taken by another plugin"]
    if manager.is_registered(plugin):
        return [f"this object is already registered as {manager.get_name(plugin)!r}"]
    unmarked = [
        attr
        for attr in dir(plugin)
        if attr.startswith("klaster_")
        and callable(inspect.getattr_static(plugin, attr, None))
        and manager.parse_hookimpl_opts(plugin, attr) is None
    ]
    wrong = parameter_problems(manager, plugin, name)
    if wrong:
        return wrong
    try:
        manager.register(plugin, name)
    except pluggy.PluginValidationError as exc:  # what the check above does not foresee
        return [f"a hook does not match its specification: {_flat(exc)}"]
    problems = []
    try:
        manager.check_pending()
    except pluggy.PluginValidationError:
        for hook in unknown_hooks(manager, plugin):
            hint = did_you_mean(hook, HOOK_NAMES, n=1)
            problems.append(
                f"unknown hook {hook!r}" + (f" ({hint})" if hint else f"; the hooks are {_hooks()}")
            )
    for hook_name, impl in implementations(manager, plugin).items():
        if impl.wrapper or impl.hookwrapper:
            problems.append(f"{hook_name} is a wrapper; klaster hooks take plain functions only")
    if {"klaster_validate_columns"} & set(implementations(manager, plugin)) and not {
        "klaster_validate_values"
    } & set(implementations(manager, plugin)):
        problems.append(
            "implements klaster_validate_columns but not klaster_validate_values: the per-unit "
            "hook is the reference (checking one record runs it); implement both"
        )
    problems.extend(
        f"{attr} looks like a hook but is not marked with @klaster.hookimpl" for attr in unmarked
    )
    if not problems and not implementations(manager, plugin):
        problems.append(f"implements no klaster hook; the hooks are {_hooks()}")
    if problems:
        manager.unregister(name=name)
    return problems


def parameter_problems(manager: pluggy.PluginManager, plugin: object, name: str) -> list[str]:
    """Hook implementations naming a parameter their specification lacks, said plainly.

    pluggy refuses them too, but with its own wording; this names the hook and the parameter,
    lists the hook's parameters and suggests the closest.
    """
    problems = []
    for hook in HOOK_NAMES:
        opts = manager.parse_hookimpl_opts(plugin, hook)
        if opts is None:
            continue
        function = getattr(plugin, hook)
        allowed = HOOK_PARAMETERS[hook]
        for argument in pluggy.HookImpl(plugin, name, function, opts).argnames:
            if argument in allowed:
                continue
            hint = did_you_mean(argument, allowed)
            problems.append(
                f"{hook} has no parameter {argument!r}"
                + (f" ({hint})" if hint else "")
                + f"; its parameters are {hook}({', '.join(allowed)}), and an implementation "
                "may take fewer"
            )
    return problems


def _hooks() -> str:
    return ", ".join(HOOK_NAMES)


def _flat(exc: Exception) -> str:
    return " ".join(str(exc).split())


def unknown_hooks(manager: pluggy.PluginManager, plugin: object) -> list[str]:
    callers = manager.get_hookcallers(plugin) or []
    return sorted(
        caller.name
        for caller in callers
        if not caller.has_spec()
        and any(i.plugin is plugin and not i.optionalhook for i in caller.get_hookimpls())
    )


def implementations(manager: pluggy.PluginManager, plugin: object) -> dict[str, pluggy.HookImpl]:
    """The plugin's implementations of klaster hooks, by hook name."""
    found = {}
    for caller in manager.get_hookcallers(plugin) or []:
        if caller.has_spec():
            for impl in caller.get_hookimpls():
                if impl.plugin is plugin:
                    found[caller.name] = impl
    return dict(sorted(found.items()))


# -- calling --------------------------------------------------------------------------------------


class HookFailure(Exception):
    """A plugin's hook raised or returned something malformed (``str(self)`` says what)."""


def call(
    impl: pluggy.HookImpl,
    hook_name: str,
    arguments: Mapping[str, object],
    manager: pluggy.PluginManager | None = None,
) -> Any:
    try:
        if manager is not None and tracing.is_traced(manager):
            return tracing.call_traced(manager, impl, hook_name, arguments)
        return impl.function(**{arg: arguments[arg] for arg in impl.argnames})
    except Exception as exc:  # a plugin's bug must not stop klaster or the other plugins
        raise HookFailure(f"{hook_name} raised {type(exc).__name__}") from exc


def declarations(manager: pluggy.PluginManager, plugin: object) -> tuple[SectorData, list[str]]:
    """Call the plugin's declaring hooks once and check every record they return."""
    found: dict[str, list[Any]] = {hook: [] for hook in DECLARING_HOOKS}
    problems = []
    impls = implementations(manager, plugin)
    for hook_name, cls in DECLARING_HOOKS.items():
        impl = impls.get(hook_name)
        if impl is None:
            continue
        try:
            result = call(impl, hook_name, {}, manager)
        except HookFailure as failure:
            cause = failure.__cause__
            problems.append(f"{failure}: {cause}")
            continue
        problems.extend(_record_problems(hook_name, result, cls, found[hook_name]))
    if problems:
        return SectorData(), problems
    try:
        data = SectorData(*found.values())
    except KlasterError as exc:
        return SectorData(), [f"declares a code twice: {exc}"]
    return data, []


def _record_problems(hook_name: str, result: object, cls: type[Any], into: list[Any]) -> list[str]:
    if not isinstance(result, Sequence) or isinstance(result, str | bytes):
        return [
            f"{hook_name} returned {_kind(result)}; return a list or tuple of {cls.__name__} "
            "records"
        ]
    problems = []
    for index, record in enumerate(result):
        if type(record) is not cls:
            problems.append(
                f"{hook_name}()[{index}] is a {type(record).__name__}, not a {cls.__name__}"
            )
            continue
        try:
            attrs.validate(record)
        except KlasterError as exc:
            problems.append(f"{hook_name}()[{index}] ({record.code!r}): {exc}")
            continue
        into.append(record)
    return problems


def _kind(result: object) -> str:
    """What a hook returned, for the message: ``a generator``, ``a dict``, ``None``."""
    return "None" if result is None else f"a {type(result).__name__}"


def checks(
    impl: pluggy.HookImpl,
    hook_name: str,
    arguments: Mapping[str, object],
    manager: pluggy.PluginManager | None = None,
) -> list[str]:
    """Call a ``klaster_validate_*`` implementation; its problems, or :class:`HookFailure`.

    ``manager``: the implementation's, so that a traced manager's monitoring sees the call.
    """
    result = call(impl, hook_name, arguments, manager)
    if (result is None or type(result) is list) and not result:
        return []  # nothing found: most units, checked without the ABC test below
    if isinstance(result, str) or not isinstance(result, Sequence | type(None)):
        raise HookFailure(f"{hook_name} returned {_kind(result)}; return a list or tuple of texts")
    problems = list(result or [])
    if not all(isinstance(p, str) and p.strip() for p in problems):
        raise HookFailure(f"{hook_name} returned a list with items that are not texts")
    return problems
