"""The sectors' rule on members that the model runs without knowing the plugins.

A member's business type must be one its sector declares (``business_types`` of the sector's
plugin), wherever the member comes in: built with a cluster (so a program document or the
store), added or replaced by the API, or checked by an importer (:meth:`Cluster.check_member
<klaster.model.cluster.Cluster.check_member>`). The model never imports the plugins
(docs/architecture.md), so the plugins install the check here when :mod:`klaster.plugins` is
imported (which ``import klaster`` does). Only the declared business types are checked: a
plugin's own ``klaster_validate_member`` rules run in
:meth:`PluginHost.validate_program <klaster.plugins.host.PluginHost.validate_program>` and
``klaster validate``. A sector no loaded plugin provides is not checked here (``klaster validate``
reports it), and neither is a member without a business type.

After reading a program, documents and the store call :func:`report_unprovided_sectors`: the
plugins install a report that warns (strict mode: raises) when a sector of the program has no
loaded plugin, naming what to install; the sector's members are kept either way. The same
report refuses a results-framework target for an indicator neither klaster nor a loaded plugin
has (kept unchecked when a sector's plugin is missing).

Loading a store pauses the check (:func:`member_checks_paused`): what is stored was checked when
it went in, and a plugin that dropped a business type must not make a store unreadable. Saving
the program to a store checks it again (:func:`business_type_problems`), and ``klaster
validate`` reports it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Protocol

from klaster.errors import ValidationError
from klaster.model.member import Member

__all__ = [
    "MemberCheck",
    "ProgramCheck",
    "SectorReport",
    "business_type_problems",
    "business_types_checked",
    "catalogue_problems",
    "check_business_type",
    "install_check_setup",
    "install_member_check",
    "install_program_check",
    "install_sector_report",
    "member_checks_paused",
    "ready_member_check",
    "report_unprovided_sectors",
]

MemberCheck = Callable[[Member], "str | None"]
"""A check of a member's business type: the problem (naming the member by ID only) or ``None``."""


class _Members(Protocol):
    @property
    def members(self) -> Iterable[Member]: ...


SectorReport = Callable[[object, str, Sequence[str]], bool]
"""Reports a program's sectors no loaded plugin provides: ``(program, source)``; may raise."""

ProgramCheck = Callable[[object], list[str]]
"""Lists a program's codes the catalogue lacks: ``program.results...indicator: <problem>``."""

_installed: list[MemberCheck] = []
_setups: list[Callable[[], None]] = []
_program_checks: list[ProgramCheck] = []
_reports: list[SectorReport] = []
_paused: ContextVar[bool] = ContextVar("klaster_member_checks_paused", default=False)


def install_member_check(check: MemberCheck | None) -> MemberCheck | None:
    """Install the business-type check (``None`` removes it); return the one it replaces.

    Internal: :mod:`klaster.plugins` installs one backed by the shared plugin host.
    """
    previous = _installed[0] if _installed else None
    _installed.clear()
    if check is not None:
        _installed.append(check)
    return previous


def install_check_setup(setup: Callable[[], None] | None) -> None:
    """Install what readies the business-type check before its first member (``None``: none).

    Internal: :mod:`klaster.plugins` installs the shared host's plugin loading, which the check
    otherwise does on its first member.
    """
    _setups.clear()
    if setup is not None:
        _setups.append(setup)


def ready_member_check() -> None:
    """Ready the installed business-type check now, if it will check (internal; never raises).

    A loader calls it while it waits for its rows: the plugins then load in that wait rather
    than on the first member judged. Loading them later instead changes nothing but when.
    """
    if _setups and business_types_checked():
        _setups[0]()


def install_sector_report(report: SectorReport | None) -> SectorReport | None:
    """Install what reports a loaded program's missing sector plugins; return the one replaced.

    Internal: :mod:`klaster.plugins` installs one that warns (or, strict, raises) through the
    shared host (:func:`klaster.plugins.missing.report_missing`).
    """
    previous = _reports[0] if _reports else None
    _reports.clear()
    if report is not None:
        _reports.append(report)
    return previous


def install_program_check(check: ProgramCheck | None) -> ProgramCheck | None:
    """Install what finds a program's codes the catalogue lacks; return the one replaced.

    Internal: :mod:`klaster.plugins` installs one that lists the results framework's unknown
    indicator codes (:mod:`klaster.plugins.result_indicators`).
    """
    previous = _program_checks[0] if _program_checks else None
    _program_checks.clear()
    if check is not None:
        _program_checks.append(check)
    return previous


def catalogue_problems(program: object) -> list[str]:
    """The program's codes the catalogue lacks (indicators of its results framework), located.

    Reading a program warns about these and ``klaster validate`` lists them as problems.
    """
    return _program_checks[0](program) if _program_checks else []


def report_unprovided_sectors(program: object, source: str, kinds: Sequence[str] = ()) -> bool:
    """Report the sectors of a program just read that no loaded plugin provides.

    Program documents and the store call this after reading a program: its members and groups
    are kept whatever plugin is missing (and its activities of ``kinds`` no loaded plugin
    declares), and the installed report says which plugin to install.

    The installed report also checks the indicator codes of the program's results framework
    (:mod:`klaster.plugins.result_indicators`): unknown ones are warned about, located, unless
    a sector's plugin is missing (they may be its indicators: kept unchecked).

    Returns:
        Whether a sector's plugin is missing (without one, unknown ``kinds`` are errors).

    Raises:
        PluginError: In strict plugin mode, when a sector's plugin is missing.
    """
    return bool(_reports) and _reports[0](program, source, kinds)


@contextmanager
def member_checks_paused() -> Iterator[None]:
    """Skip the business-type check in this context (the store's loading; internal)."""
    token = _paused.set(True)
    try:
        yield
    finally:
        _paused.reset(token)


def business_types_checked() -> bool:
    """Whether :func:`check_business_type` checks anything now (a check installed, not paused)."""
    return bool(_installed) and not _paused.get()


def check_business_type(member: Member) -> None:
    """Raise if the installed check refuses ``member``'s business type.

    Raises:
        ValidationError: At ``business_type``, naming the member's ID, its sector and the
            sector's business types (never the refused value).
    """
    if member.business_type is None or not _installed or _paused.get():
        return
    problem = _installed[0](member)
    if problem is not None:
        raise ValidationError(problem, path="business_type")


def business_type_problems(clusters: Iterable[_Members]) -> list[str]:
    """Every member whose business type the installed check refuses, even while paused.

    Args:
        clusters: A program's clusters.

    Returns:
        ``clusters[0].members[3].business_type: <problem>`` each.
    """
    if not _installed:
        return []
    check = _installed[0]
    problems = []
    for c_index, cluster in enumerate(clusters):
        for m_index, member in enumerate(cluster.members):
            if member.business_type is None:
                continue
            problem = check(member)
            if problem is not None:
                problems.append(f"clusters[{c_index}].members[{m_index}].business_type: {problem}")
    return problems
