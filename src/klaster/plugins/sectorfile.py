"""Sector files: a sector's variables, indicators and readiness criteria as TOML data.

Thresholds and bounds are program choices that field teams revise, so the built-in sectors keep
them in TOML files next to their code, and a plugin package can do the same. A sector file holds
one ``[sector]`` table and arrays of ``[[variables]]``, ``[[indicators]]``, ``[[criteria]]``,
``[[activity_kinds]]`` and ``[[eligibility_criteria]]``; their ``sector`` defaults to the file's
sector. TOML floats are read as exact ``Decimal``.

Example:
    >>> data = read_sector_toml('''
    ... [sector]
    ... code = "crafts"
    ... name = { id = "Kerajinan", en = "Crafts" }
    ... description = { id = "Anyaman bambu.", en = "Bamboo weaving." }
    ...
    ... [[variables]]
    ... code = "baskets_made"
    ... level = "member"
    ... type = "integer"
    ... label = { id = "Keranjang dibuat", en = "Baskets made" }
    ... minimum = 0
    ... ''')
    >>> data.variables[0].sector
    'crafts'
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from decimal import Decimal
from functools import cache, cached_property
from importlib import resources
from typing import Any, TypeVar

import cattrs
from attrs import field, frozen

from klaster.catalogue._recordcheck import check_records, to_tuple
from klaster.catalogue.criterion import Condition, ReadinessCriterion, Threshold
from klaster.catalogue.eligibility import (
    Comparison,
    EligibilityCriterion,
    EligibilityThreshold,
    LineRef,
)
from klaster.catalogue.indicator import Indicator
from klaster.catalogue.report_section import ReportSection
from klaster.catalogue.sector import Sector
from klaster.catalogue.variable import Variable
from klaster.documents.converter import make_base_converter
from klaster.documents.converter import problems as converter_problems
from klaster.errors import DocumentError, KlasterError
from klaster.model.activity_kinds import ActivityKind
from klaster.plugins.hookspecs import hookimpl

__all__ = ["SectorData", "SectorFile", "StaticPlugin", "load_sector_toml", "read_sector_toml"]

T = TypeVar("T")


@frozen
class SectorData:
    """Everything a plugin declares: sectors, variables, indicators, criteria, activity kinds...

    Args:
        sectors: The sectors.
        variables: Their variables.
        indicators: Their indicators.
        criteria: Their readiness criteria.
        activity_kinds: The kinds of activity they add
            (:class:`~klaster.model.activity_kinds.ActivityKind`).
        eligibility_criteria: Their eligibility criteria for applicants
            (:class:`~klaster.catalogue.eligibility.EligibilityCriterion`).
        report_sections: The report sections they add
            (:class:`~klaster.catalogue.report_section.ReportSection`).
    """

    sectors: tuple[Sector, ...] = field(
        default=(), converter=to_tuple, validator=check_records(Sector)
    )
    variables: tuple[Variable, ...] = field(
        default=(), converter=to_tuple, validator=check_records(Variable)
    )
    indicators: tuple[Indicator, ...] = field(
        default=(), converter=to_tuple, validator=check_records(Indicator)
    )
    criteria: tuple[ReadinessCriterion, ...] = field(
        default=(), converter=to_tuple, validator=check_records(ReadinessCriterion)
    )
    activity_kinds: tuple[ActivityKind, ...] = field(
        default=(), converter=to_tuple, validator=check_records(ActivityKind)
    )
    eligibility_criteria: tuple[EligibilityCriterion, ...] = field(
        default=(), converter=to_tuple, validator=check_records(EligibilityCriterion)
    )
    report_sections: tuple[ReportSection, ...] = field(
        default=(), converter=to_tuple, validator=check_records(ReportSection)
    )


@cache
def _converter() -> cattrs.Converter:
    # klaster's strict base converter (not the program document's: a sector file holds none of
    # its records, and building that one took ~30 ms of every start), plus what TOML needs: TOML
    # floats arrive as exact Decimal (read with parse_float=Decimal), and a threshold may be a
    # number, a boolean or a code. Built on first use (a sector file read), not at import.
    converter = make_base_converter(detailed=True)
    decimal_hook = converter.get_structure_hook(Decimal)

    def structure_decimal(value: Any, type_: Any) -> Any:
        return value if isinstance(value, Decimal) else decimal_hook(value, type_)

    converter.register_structure_hook(Decimal, structure_decimal)
    converter.register_structure_hook(Threshold, lambda value, _type: value)
    converter.register_structure_hook(Threshold | None, lambda value, _type: value)
    # A criterion's all_of/any_of tables are read by the criterion, so that a bad part's
    # message names the criterion: ``criteria[2].all_of[1].threshold (criterion 'x')``.
    conditions = tuple[Condition, ...]
    converter.register_structure_hook_func(lambda t: t == conditions, lambda value, _type: value)
    # An eligibility threshold may be a line: ``threshold = { line = "poverty_line" }``.
    converter.register_structure_hook(
        EligibilityThreshold,
        lambda value, _type: LineRef(**value) if isinstance(value, dict) else value,
    )
    converter.register_structure_hook(Comparison, lambda value, _type: value)
    return converter


_SECTIONS: dict[str, type] = {
    "variables": Variable,
    "indicators": Indicator,
    "criteria": ReadinessCriterion,
    "activity_kinds": ActivityKind,
    "eligibility_criteria": EligibilityCriterion,
    "report_sections": ReportSection,
}


def _structure(raw: object, cls: type[T], path: str, problems: list[str]) -> T | None:
    try:
        return _converter().structure(raw, cls)
    except KlasterError as exc:
        problems.append(f"{path}.{exc.path}: {exc.message}" if exc.path else f"{path}: {exc}")
    except cattrs.BaseValidationError as exc:
        for line in converter_problems(exc):
            where, _colon, message = line.partition(": ")
            where = path if where == "(document)" else f"{path}.{where}"
            problems.append(f"{where}: {message}")
    return None


def read_sector_toml(text: str, *, source: str = "<string>") -> SectorData:
    """Read a sector file's text.

    Args:
        text: TOML text with a ``[sector]`` table and ``[[variables]]``, ``[[indicators]]``,
            ``[[criteria]]``, ``[[activity_kinds]]``, ``[[eligibility_criteria]]``,
            ``[[report_sections]]`` arrays.
        source: Name of the file, for error messages.

    Returns:
        The records, in the file's order.

    Raises:
        DocumentError: The TOML is malformed or a record is invalid; ``problems`` lists every
            problem found, each located (``criteria[2].threshold: ...``).
    """
    try:
        raw = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        raise DocumentError(f"malformed TOML: {exc}", path=source) from None
    problems: list[str] = []
    unknown = sorted(set(raw) - {"sector", *_SECTIONS})
    if unknown:
        problems.append(
            f"unknown table(s) {', '.join(unknown)}: use sector, variables, indicators, "
            "criteria, activity_kinds, eligibility_criteria, report_sections"
        )
    sector_raw = raw.get("sector")
    if not isinstance(sector_raw, dict):
        raise DocumentError("needs one [sector] table", path=source, problems=problems)
    sector = _structure(sector_raw, Sector, "sector", problems)
    default_code = sector_raw.get("code")
    found: dict[str, list[Any]] = {}
    for section, cls in _SECTIONS.items():
        items = raw.get(section, [])
        if not isinstance(items, list):
            problems.append(f"{section}: must be an array of tables ([[{section}]])")
            items = []
        found[section] = []
        for index, item in enumerate(items):
            if isinstance(item, dict):
                item = {"sector": default_code, **item}
            record = _structure(item, cls, f"{section}[{index}]", problems)
            found[section].append(record)
    if problems:
        raise DocumentError("invalid sector file", path=source, problems=problems)
    try:
        return SectorData(
            (sector,),
            found["variables"],
            found["indicators"],
            found["criteria"],
            found["activity_kinds"],
            found["eligibility_criteria"],
            found["report_sections"],
        )
    except KlasterError as exc:
        raise DocumentError("invalid sector file", path=source, problems=[str(exc)]) from None


def load_sector_toml(package: str, resource: str) -> SectorData:
    """Read a sector file shipped inside a Python package (with :mod:`importlib.resources`).

    Args:
        package: The package holding the file, e.g. ``"klaster_sectors"``.
        resource: The file name, e.g. ``"umkm.toml"``.

    Returns:
        The records.

    Raises:
        DocumentError: As :func:`read_sector_toml`, or when the file cannot be read.
    """
    source = f"{package}/{resource}"
    try:
        text = resources.files(package).joinpath(resource).read_text(encoding="utf-8")
    except (OSError, ModuleNotFoundError) as exc:
        raise DocumentError(f"cannot read the sector file: {exc}", path=source) from None
    return read_sector_toml(text, source=source)


class StaticPlugin:
    """A plugin that declares fixed records through the six declaration hooks.

    The one way to declare sectors from data: build the :class:`SectorData` in code (tests, quick
    experiments, records read from elsewhere), or let :class:`SectorFile` read it from a TOML file
    shipped in a package.

    Args:
        data: What the plugin declares.

    Example:
        >>> plugin = StaticPlugin(SectorData())
        >>> plugin.klaster_sectors()
        ()
    """

    def __init__(self, data: SectorData) -> None:
        self._fixed = data

    def __repr__(self) -> str:
        return f"{type(self).__name__}({[s.code for s in self.data.sectors]})"

    @property
    def data(self) -> SectorData:
        """What the plugin declares."""
        return self._fixed

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

    @hookimpl
    def klaster_activity_kinds(self) -> Sequence[ActivityKind]:
        """The activity kinds of :attr:`data`."""
        return self.data.activity_kinds

    @hookimpl
    def klaster_eligibility_criteria(self) -> Sequence[EligibilityCriterion]:
        """The eligibility criteria of :attr:`data`."""
        return self.data.eligibility_criteria

    @hookimpl
    def klaster_report_sections(self) -> Sequence[ReportSection]:
        """The report sections of :attr:`data`."""
        return self.data.report_sections


class SectorFile(StaticPlugin):
    """A :class:`StaticPlugin` whose records live in one TOML file shipped in a package.

    A sector module binds the declaration hooks to its own names and adds only the checks that
    need code::

        _file = SectorFile("klaster_sectors", "umkm.toml")
        klaster_sectors = _file.klaster_sectors
        klaster_variables = _file.klaster_variables
        klaster_indicators = _file.klaster_indicators
        klaster_readiness_criteria = _file.klaster_readiness_criteria
        klaster_activity_kinds = _file.klaster_activity_kinds
        klaster_eligibility_criteria = _file.klaster_eligibility_criteria
        klaster_report_sections = _file.klaster_report_sections

    The file is read once, on the first call (plugins load lazily).

    Args:
        package: The package holding the file.
        resource: The file name.
    """

    def __init__(self, package: str, resource: str) -> None:
        self.package = package
        self.resource = resource

    def __repr__(self) -> str:
        return f"SectorFile({self.package!r}, {self.resource!r})"

    @cached_property
    def data(self) -> SectorData:
        """The records of the file (see :func:`load_sector_toml`)."""
        return load_sector_toml(self.package, self.resource)
