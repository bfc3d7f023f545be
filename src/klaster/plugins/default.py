"""The shared host of the installed plugins, created on first use."""

from __future__ import annotations

import contextlib
import threading
import warnings
from collections.abc import Sequence
from typing import Any

from klaster.errors import KlasterWarning, PluginError
from klaster.model.activity_kinds import ActivityKind, install_kind_source
from klaster.model.member import Member
from klaster.model.program import Program
from klaster.model.sector_rules import (
    install_check_setup,
    install_member_check,
    install_program_check,
    install_sector_report,
)
from klaster.plugins.host import PluginHost
from klaster.plugins.info import PluginInfo
from klaster.plugins.missing import program_sectors, report_missing, unprovided_sectors
from klaster.plugins.result_indicators import unknown_indicators

__all__ = ["get_host"]

_default: PluginHost | None = None
_default_lock = threading.Lock()


def get_host() -> PluginHost:
    """The host of the installed plugins, created on first use (loading waits for a question).

    Example:
        >>> from klaster.plugins import get_host
        >>> get_host() is get_host()
        True
    """
    global _default
    with _default_lock:
        if _default is None:
            _default = PluginHost()
        return _default


def business_type_problem(member: Member) -> str | None:
    """The shared host's :meth:`~PluginHost.business_type_problem` (what the model runs)."""
    try:
        return get_host().business_type_problem(member)
    except PluginError:
        # Strict mode, a plugin failed to load: that error is raised where the host is used
        # (``klaster`` commands show its problems), not disguised as a bad document or record.
        return None


def load_for_checks() -> None:
    """Load the shared host's plugins now (what the model's check would do on its first member)."""
    # (strict mode, a plugin failed: raised where the host is used, as below)
    with contextlib.suppress(PluginError):
        get_host().plugins()


def plugin_activity_kinds() -> tuple[ActivityKind, ...]:
    """The shared host's :meth:`~PluginHost.activity_kinds` (the model's plugin kinds)."""
    try:
        return get_host().activity_kinds()
    except PluginError:
        # As above: a failed strict load is reported where the host is used; until then only
        # the core kinds are known.
        return ()


def report_missing_sectors(program: object, source: str, kinds: Sequence[str] = ()) -> bool:
    """Warn (strict: raise) about a program's sectors the shared host's plugins do not provide.

    Returns:
        Whether a sector has no loaded plugin (activities of unknown ``kinds`` are then kept).

    Raises:
        PluginError: In strict mode, naming the sectors and what to install.
    """
    if not isinstance(program, Program):
        return False
    try:
        host = get_host()
        missing = unprovided_sectors(host, program_sectors(program))
    except PluginError:
        return False  # a failed strict load is raised where the host is used, as above
    unknown = [] if missing else result_indicator_problems(program)
    if unknown:  # warned, not refused: a Measurement may register the indicator at run time
        warn_unknown_indicators(source, unknown)
    report_missing(host, missing, source=source, kinds=kinds if missing else ())
    return bool(missing)


def warn_unknown_indicators(source: str, problems: Sequence[str]) -> None:
    """One located warning for the results framework's indicator codes no catalogue has.

    Not an error: an analyst's ``Measurement.add_indicator`` may supply the code when the
    targets are assessed (:func:`klaster.measurement.assess` refuses it if nothing does), and a
    program that cannot be read cannot be mended. ``klaster validate`` counts them as problems.
    """
    warnings.warn(
        f"{source}: the results framework names indicators klaster and its plugins do not have "
        "(assessing their targets needs them registered):\n"
        + "\n".join(f"  - {p}" for p in problems),
        KlasterWarning,
        stacklevel=3,
    )


def result_indicator_problems(program: object) -> list[str]:
    """The unknown indicator codes of a program's results framework, located.

    None when a sector's plugin is missing: the codes may be its indicators.
    """
    if not isinstance(program, Program):
        return []
    try:
        host = get_host()
        if unprovided_sectors(host, program_sectors(program)):
            return []
        return unknown_indicators(program, (i.code for i in host.indicators()))
    except PluginError:
        return []  # a failed strict load is raised where the host is used, as above


# The model cannot import the plugins: it runs the check installed here on every member, asks
# the source installed here for the plugins' activity kinds, and reports a program read from a
# document or the store whose sector plugins are missing through the report installed here (which
# also refuses a results framework's unknown indicators; the store's saving asks the same check).
install_member_check(business_type_problem)
install_check_setup(load_for_checks)
install_kind_source(plugin_activity_kinds)
install_sector_report(report_missing_sectors)
install_program_check(result_indicator_problems)


def list_plugins() -> tuple[PluginInfo, ...]:
    """Deprecated: use ``klaster.plugins.get_host().plugins()``."""
    warnings.warn(
        "list_plugins() is deprecated and will be removed in the next release; "
        "use klaster.plugins.get_host().plugins()",
        DeprecationWarning,
        stacklevel=2,
    )
    return get_host().plugins()


def plugins_json() -> list[dict[str, Any]]:
    """Deprecated: use ``[info.to_dict() for info in klaster.plugins.get_host().plugins()]``."""
    warnings.warn(
        "plugins_json() is deprecated and will be removed in the next release; "
        "use [info.to_dict() for info in klaster.plugins.get_host().plugins()]",
        DeprecationWarning,
        stacklevel=2,
    )
    return [info.to_dict() for info in get_host().plugins()]
