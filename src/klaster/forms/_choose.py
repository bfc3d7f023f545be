"""What a form asks: the sectors, level, variables, item groups and units, each checked and located.

Every problem raises a :class:`~klaster.errors.ValidationError` naming the argument
(``sectors[1]``, ``level``, ``variables[0]``, ``items[0].variables[2]``, ``cluster``) and what
would be valid, with a "did you mean" for an unknown name; nothing is written before the form is
whole.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from attrs import frozen

from klaster._support.suggest import did_you_mean
from klaster.catalogue.sector import Sector
from klaster.catalogue.variable import Level, ValueType, Variable
from klaster.errors import ValidationError
from klaster.forms.items import DEFAULT_ITEMS, ItemGroup
from klaster.model.program import Program
from klaster.observations.core_variables import CORE_SECTOR

__all__ = ["Selection", "choose", "unit_ids"]

_SURVEYED = (Level.MEMBER, Level.GROUP, Level.COOPERATIVE)
_PER_ITEM = (ValueType.DECIMAL, ValueType.INTEGER, ValueType.BOOLEAN)


def _known(names: Iterable[str]) -> str:
    return ", ".join(repr(name) for name in sorted(names))


def _unknown(what: str, name: str, known: Iterable[str]) -> str:
    known = tuple(known)
    hint = did_you_mean(name, known)
    return f"unknown {what} {name!r}" + (f" ({hint})" if hint else "") + f"; valid: {_known(known)}"


@frozen
class Selection:
    """The checked choice of what a form asks (internal to :mod:`klaster.forms`).

    Args:
        sectors: The chosen sectors, in the order given.
        level: The unit level each submission is about.
        variables: The variables asked, core first, then by sector in catalogue order.
        items: The item groups (repeats), each with only the chosen variables.
    """

    sectors: tuple[Sector, ...]
    level: Level
    variables: tuple[Variable, ...]
    items: tuple[ItemGroup, ...]

    def item_of(self, code: str) -> ItemGroup | None:
        """The item group asking ``code``, if any."""
        for group in self.items:
            if code in group.variables:
                return group
        return None


def choose(
    sectors: Iterable[str] | str,
    level: Level | str,
    variables: Iterable[str] | None,
    items: Iterable[ItemGroup] | None,
    known_sectors: Iterable[Sector],
    catalogue: Mapping[str, Variable],
) -> Selection:
    """Check the arguments of :func:`klaster.forms.build_form` against the catalogue.

    Raises:
        ValidationError: Located at the argument that is wrong.
    """
    installed = {sector.code: sector for sector in known_sectors}
    chosen = _sectors(sectors, installed)
    unit_level = _level(level)
    codes = {sector.code for sector in chosen} | {CORE_SECTOR}
    fits = [v for v in catalogue.values() if v.level is unit_level and v.sector in codes]
    if variables is not None:
        fits = _variables(variables, catalogue, unit_level, codes)
    if not fits:
        levels = sorted(
            {v.level.value for v in catalogue.values() if v.sector in codes}
            & {lv.value for lv in _SURVEYED}
        )
        raise ValidationError(
            f"no variable of sector(s) {_known(codes)} is recorded per {unit_level.value}; "
            f"levels with variables: {', '.join(levels) or 'none'}",
            path="level",
        )
    # Core first, then each sector in the order given, each in catalogue order.
    order = [CORE_SECTOR, *(sector.code for sector in chosen)]
    fits.sort(key=lambda v: order.index(v.sector))
    asked = {v.code: v for v in fits}
    return Selection(chosen, unit_level, tuple(fits), _items(items, chosen, asked))


def _sectors(sectors: Iterable[str] | str, installed: Mapping[str, Sector]) -> tuple[Sector, ...]:
    given = (sectors,) if isinstance(sectors, str) else tuple(sectors)
    if not given:
        raise ValidationError(
            f"choose at least one sector; installed: {_known(installed)}", path="sectors"
        )
    found: list[Sector] = []
    for index, code in enumerate(given):
        where = f"sectors[{index}]"
        if not isinstance(code, str):
            raise ValidationError(f"must be a sector code, got {type(code).__name__}", path=where)
        if code == CORE_SECTOR:
            raise ValidationError(
                "the core variables are in every form; choose the sectors besides them",
                path=where,
            )
        if code not in installed:
            raise ValidationError(_unknown("sector", code, installed), path=where)
        if installed[code] in found:
            raise ValidationError(f"sector {code!r} is chosen twice", path=where)
        found.append(installed[code])
    return tuple(found)


def _level(level: Level | str) -> Level:
    valid = ", ".join(repr(lv.value) for lv in _SURVEYED)
    found = next((lv for lv in Level if lv is level or lv.value == level), None)
    if found is None:
        shown = level if isinstance(level, str) else type(level).__name__
        raise ValidationError(
            _unknown("level", shown, [lv.value for lv in _SURVEYED]), path="level"
        )
    if found not in _SURVEYED:
        raise ValidationError(
            f"a form is filled about one unit; the {found.value} level has no unit to ask "
            f"about (its values are computed from its members'); valid: {valid}",
            path="level",
        )
    return found


def _variables(
    codes: Iterable[str],
    catalogue: Mapping[str, Variable],
    level: Level,
    sectors: set[str],
) -> list[Variable]:
    found: list[Variable] = []
    for index, code in enumerate((codes,) if isinstance(codes, str) else codes):
        where = f"variables[{index}]"
        variable = catalogue.get(code) if isinstance(code, str) else None
        if variable is None:
            shown = code if isinstance(code, str) else type(code).__name__
            fitting = [c for c, v in catalogue.items() if v.level is level and v.sector in sectors]
            raise ValidationError(_unknown("variable", shown, fitting), path=where)
        if variable.sector not in sectors:
            raise ValidationError(
                f"variable {code!r} is of sector {variable.sector!r}, which the form does not "
                f"cover; its sectors: {_known(sectors)}",
                path=where,
            )
        if variable.level is not level:
            raise ValidationError(
                f"variable {code!r} is recorded per {variable.level.value}, and the form asks "
                f"about one {level.value}",
                path=where,
            )
        if variable in found:
            raise ValidationError(f"variable {code!r} is chosen twice", path=where)
        found.append(variable)
    return found


def _items(
    items: Iterable[ItemGroup] | None,
    sectors: tuple[Sector, ...],
    asked: Mapping[str, Variable],
) -> tuple[ItemGroup, ...]:
    if items is None:  # the defaults, with only the variables the form asks
        found = []
        for sector in sectors:
            group = DEFAULT_ITEMS.get(sector.code)
            if group is None:
                continue
            codes = tuple(code for code in group.variables if code in asked)
            if codes:
                found.append(
                    ItemGroup(group.name, group.sector, group.label, codes, group.business_type)
                )
        return tuple(found)
    found = list(items)
    seen: dict[str, str] = {}
    names = {sector.code for sector in sectors}
    for index, group in enumerate(found):
        where = f"items[{index}]"
        if not isinstance(group, ItemGroup):
            raise ValidationError(f"must be an ItemGroup, got {type(group).__name__}", path=where)
        if group.sector not in names:
            raise ValidationError(_unknown("sector", group.sector, names), path=f"{where}.sector")
        if group.name in asked or group.name in {g.name for g in found[:index]}:
            raise ValidationError(
                f"the name {group.name!r} is taken by a variable or another item group",
                path=f"{where}.name",
            )
        for position, code in enumerate(group.variables):
            path = f"{where}.variables[{position}]"
            variable = asked.get(code)
            if variable is None:
                raise ValidationError(_unknown("variable of the form", code, asked), path=path)
            if variable.sector != group.sector:
                raise ValidationError(
                    f"variable {code!r} is of sector {variable.sector!r}, not {group.sector!r}",
                    path=path,
                )
            if variable.type not in _PER_ITEM:
                raise ValidationError(
                    f"variable {code!r} is a {variable.type.value}: only numbers (summed) and "
                    "yes/no answers (yes when any item says yes) can be asked per item",
                    path=path,
                )
            if code in seen:
                raise ValidationError(
                    f"variable {code!r} is already asked per item in {seen[code]!r}", path=path
                )
            seen[code] = group.name
    return tuple(found)


def unit_ids(program: Program, cluster: str | None, choice: Selection) -> tuple[str, ...]:
    """The IDs of the units a form of ``choice`` may be about, in ``program`` (or one cluster).

    Members who have left are not listed; groups of the chosen sectors and every cooperative
    serving one of them are.

    Raises:
        ValidationError: ``cluster`` is not one of the program's, or no cluster of the program
            has one of the chosen sectors.
    """
    codes = {sector.code for sector in choice.sectors}
    if cluster is not None:
        if cluster not in program.clusters:
            raise ValidationError(
                _unknown("cluster", cluster, program.clusters.ids()), path="cluster"
            )
        clusters = [program.clusters[cluster]]
    else:
        clusters = list(program.clusters)
    clusters = [c for c in clusters if codes & set(c.sector_codes)]
    if not clusters:
        raise ValidationError(
            f"no cluster of program {program.id!r}"
            + (f" ({cluster!r})" if cluster else "")
            + f" works in sector(s) {_known(codes)}",
            path="sectors",
        )
    found: list[str] = []
    for c in clusters:
        if choice.level is Level.MEMBER:
            found += [m.id for m in c.members if m.sector in codes and m.left is None]
        elif choice.level is Level.GROUP:
            found += [g.id for g in c.groups if g.sector in codes]
        else:
            found += [k.id for k in c.cooperatives if codes & set(k.sectors)]
    return tuple(found)
