"""Generating an XLSForm from the variable catalogue, with the mapping that imports its exports.

The form asks the core variables and those of the chosen sectors at one level, each as its
:class:`~klaster.catalogue.variable.ValueType` asks (``decimal``, ``integer``, ``select_one`` of
the categories or of ``ya``/``tidak``, ``date``, ``text``), with its bounds as a constraint and
bilingual labels, hints and messages. The unit (member, group, cooperative) is chosen from a
searchable list: the program's units when a program is given, else the list in the form's media
file ``members.csv`` (``groups.csv``, ``cooperatives.csv``: columns ``name`` and ``label``) —
``select_one_from_file`` with the ``autocomplete`` appearance, which KoboToolbox, ODK Collect
and Enketo support.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal

from klaster._version import __version__
from klaster.catalogue.sector import Sector
from klaster.catalogue.variable import Level, ValueType, Variable
from klaster.errors import ValidationError
from klaster.formatting import format_number
from klaster.forms._choose import Selection, choose, unit_ids
from klaster.forms._mapping_text import NO, YES, mapping_text
from klaster.forms.items import ItemGroup
from klaster.forms.xlsform import Choice, SurveyRow, XLSForm
from klaster.importing.mapping import RoundDeclaration
from klaster.importing.mapping_file import parse_mapping
from klaster.label import Label
from klaster.model.program import Program
from klaster.observations.core_variables import CORE_SECTOR, variable_catalogue
from klaster.plugins.host import PluginHost

__all__ = ["IDENTITY_GROUP", "UNIT_QUESTIONS", "build_form"]

IDENTITY_GROUP = "identitas"
"""The group holding the unit question (and the sector question of a form of several sectors)."""

UNIT_QUESTIONS = {
    Level.MEMBER: ("member_id", "members"),
    Level.GROUP: ("group_id", "groups"),
    Level.COOPERATIVE: ("cooperative_id", "cooperatives"),
}
"""Per level: the unit question's name and its choice list (or media file stem)."""

_SECTOR_QUESTION = "sektor"
_TYPES = {
    ValueType.DECIMAL: "decimal",
    ValueType.INTEGER: "integer",
    ValueType.TEXT: "text",
    ValueType.DATE: "date",
}
_CORE_LABEL = Label("Rumah tangga dan kelompok", "Household and group")


def build_form(
    sectors: Iterable[str] | str,
    *,
    level: Level | str = Level.MEMBER,
    round: str | RoundDeclaration | None = None,
    variables: Iterable[str] | None = None,
    items: Iterable[ItemGroup] | None = None,
    program: Program | None = None,
    cluster: str | None = None,
    form_id: str | None = None,
    host: PluginHost | None = None,
) -> XLSForm:
    """An XLSForm asking the chosen sectors' variables at one level, and its import mapping.

    Args:
        sectors: Sector codes of installed plugins (``"umkm"``); the core variables are always
            asked.
        level: ``"member"`` (default), ``"group"`` or ``"cooperative"``.
        round: The round the answers belong to: a round ID, or a
            :class:`~klaster.importing.RoundDeclaration` of a new round; ``None`` leaves the
            mapping's round open (given when importing: one mapping for every round).
        variables: Only these variable codes (default: every variable of the sectors at the
            level).
        items: The item groups (repeats) asked once per item (default:
            :data:`~klaster.forms.DEFAULT_ITEMS` of the sectors; ``()`` for none).
        program: Lists its units (members who have not left, groups, cooperatives of the
            sectors) in the form; without one, the form reads them from a media file. The
            business types offered are those its members (who have not left) run, else every
            one of the sector's plugin.
        cluster: With a program: only this cluster's units, and the mapping's ``[cluster]``.
        form_id: The ``settings`` sheet's ``form_id`` (default from the sectors, level and
            round).
        host: The plugin host (default: the installed plugins).

    Returns:
        The form, its ``mapping`` text included (write both with :func:`save_form`).

    Raises:
        ValidationError: An unknown sector or variable (with "did you mean"), a level with no
            unit or no variable, an item group that does not fit, a cluster the program does
            not hold; located at the argument.
    """
    from klaster.plugins.default import get_host

    plugins = host if host is not None else get_host()
    catalogue = variable_catalogue(plugins)
    selection = choose(sectors, level, variables, items, plugins.sectors(), catalogue)
    decl = _round(round)
    if cluster is not None and program is None:
        raise ValidationError(
            "a cluster is chosen among a program's: give the program too", path="cluster"
        )
    units = unit_ids(program, cluster, selection) if program is not None else None
    if units is not None and not units:
        raise ValidationError(
            f"the program has no {selection.level.value} of the chosen sector(s) to list",
            path="program",
        )
    if decl is not None and decl.declared and decl.cluster_id is None and cluster is None:
        raise ValidationError(
            "a new round needs its cluster: RoundDeclaration(..., cluster_id=...) or cluster=",
            path="round",
        )
    name = form_id if form_id is not None else _form_id(selection, decl)
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.-]*", name):
        raise ValidationError(
            "must start with a letter or '_' and hold only letters, digits, '_', '-' and '.'",
            path="form_id",
        )
    used = _business_types_used(program, cluster, selection) if program is not None else {}
    survey, choices, plain, per_item, unit_column = _rows(selection, units, used)
    text = mapping_text(
        form_id=name,
        level=selection.level.value,
        unit_column=unit_column,
        round_decl=decl,
        cluster=cluster,
        plain=plain,
        items=per_item,
    )
    parse_mapping(text, name=f"{name}.toml", variables=catalogue)  # it must read as written
    return XLSForm(name, _title(selection), __version__, survey, choices, text)


def _round(round: str | RoundDeclaration | None) -> RoundDeclaration | None:
    if round is None or isinstance(round, RoundDeclaration):
        return round
    if not isinstance(round, str) or not round.strip():
        raise ValidationError(
            "must be a round ID, a RoundDeclaration or None (the round given when importing)",
            path="round",
        )
    return RoundDeclaration(round.strip())


def _form_id(selection: Selection, decl: RoundDeclaration | None) -> str:
    parts = ["klaster", *(s.code for s in selection.sectors), selection.level.value]
    if decl is not None:
        parts.append(decl.id.replace("{cluster}", "cluster"))
    return re.sub(r"[^A-Za-z0-9_]", "_", "_".join(parts))


def _title(selection: Selection) -> Label:
    names = [s.name for s in selection.sectors]
    level = selection.level.label
    return Label(
        f"Survei {', '.join(n.id for n in names)}: {level.id}",
        f"{', '.join(n.en for n in names)} survey: {level.en}",
    )


def _business_types_used(
    program: Program, cluster: str | None, selection: Selection
) -> dict[str, set[str]]:
    """Per chosen sector, the business types of its members who have not left (of ``cluster``)."""
    codes = {sector.code for sector in selection.sectors}
    clusters = [program.clusters[cluster]] if cluster is not None else list(program.clusters)
    used: dict[str, set[str]] = {}
    for each in clusters:
        for member in each.members:
            if member.left is None and member.business_type and member.sector in codes:
                used.setdefault(member.sector, set()).add(member.business_type)
    return used


def _rows(
    selection: Selection, units: tuple[str, ...] | None, used: dict[str, set[str]]
) -> tuple[
    tuple[SurveyRow, ...],
    tuple[Choice, ...],
    list[tuple[Variable, str]],
    list[tuple[ItemGroup, list[tuple[Variable, str]]]],
    str,
]:
    survey: list[SurveyRow] = []
    choices: list[Choice] = []
    question, list_name = UNIT_QUESTIONS[selection.level]
    unit_label = selection.level.label
    survey.append(SurveyRow("begin_group", IDENTITY_GROUP, Label("Identitas", "Identity")))
    if units is None:
        unit_type = f"select_one_from_file {list_name}.csv"
    else:
        unit_type = f"select_one {list_name}"
        choices += [Choice(list_name, uid, Label(uid, uid)) for uid in units]
    survey.append(
        SurveyRow(
            unit_type,
            question,
            Label(f"ID {unit_label.id}", f"{unit_label.en} ID"),
            hint=Label("Ketik untuk mencari", "Type to search"),
            required=True,
            appearance="autocomplete",
        )
    )
    several = len(selection.sectors) > 1
    if several:
        survey.append(
            SurveyRow(
                "select_one sectors", _SECTOR_QUESTION, Label("Sektor", "Sector"), required=True
            )
        )
        choices += [Choice("sectors", s.code, s.name) for s in selection.sectors]
    survey.append(SurveyRow("end_group"))
    lists: set[str] = set()
    plain: list[tuple[Variable, str]] = []
    by_group: list[tuple[ItemGroup, list[tuple[Variable, str]]]] = []
    sectors: list[tuple[str, Label]] = [(CORE_SECTOR, _CORE_LABEL)]
    sectors += [(s.code, s.name) for s in selection.sectors]
    for code, label in sectors:
        asked = [
            v for v in selection.variables if v.sector == code and selection.item_of(v.code) is None
        ]
        if not asked:
            continue
        relevant = _relevant(code) if several and code != CORE_SECTOR else None
        survey.append(SurveyRow("begin_group", code, label, relevant=relevant))
        for variable in asked:
            survey.append(_question(variable, choices, lists))
            plain.append((variable, f"{code}/{variable.code}"))
        survey.append(SurveyRow("end_group"))
    for group in selection.items:
        relevant = _relevant(group.sector) if several else None
        survey.append(SurveyRow("begin_repeat", group.name, group.label, relevant=relevant))
        sector = next(s for s in selection.sectors if s.code == group.sector)
        if group.business_type and sector.business_types:
            survey.append(_business_type(sector, choices, used.get(sector.code)))
        columns = []
        for code in group.variables:
            variable = next(v for v in selection.variables if v.code == code)
            survey.append(_question(variable, choices, lists))
            columns.append((variable, f"{group.name}/{code}"))
        survey.append(SurveyRow("end_repeat"))
        by_group.append((group, columns))
    return tuple(survey), tuple(choices), plain, by_group, f"{IDENTITY_GROUP}/{question}"


def _relevant(sector: str) -> str:
    return f"${{{_SECTOR_QUESTION}}} = '{sector}'"


def _business_type(sector: Sector, choices: list[Choice], used: set[str] | None) -> SurveyRow:
    # The program's own business types (in the plugin's order), else every one the plugin has.
    types = (
        tuple(b for b in sector.business_types if used and b.code in used) or sector.business_types
    )
    list_name = f"{sector.code}_business_types"
    choices += [Choice(list_name, b.code, b.name) for b in types]
    return SurveyRow(
        f"select_one {list_name}",
        f"{sector.code}_business_type",
        Label("Jenis usaha", "Type of business"),
    )


def _question(variable: Variable, choices: list[Choice], lists: set[str]) -> SurveyRow:
    if variable.type is ValueType.BOOLEAN:
        kind = "select_one yes_no"
        if "yes_no" not in lists:
            lists.add("yes_no")
            choices += [
                Choice("yes_no", YES, Label("Ya", "Yes")),
                Choice("yes_no", NO, Label("Tidak", "No")),
            ]
    elif variable.type is ValueType.CATEGORY:
        kind = f"select_one {variable.code}"
        if variable.code not in lists:
            lists.add(variable.code)
            choices += [Choice(variable.code, c.code, c.label) for c in variable.categories]
    else:
        kind = _TYPES[variable.type]
    constraint, message = _bounds(variable)
    return SurveyRow(
        kind,
        variable.code,
        variable.label,
        hint=_hint(variable),
        required=variable.required and variable.sector != CORE_SECTOR,
        constraint=constraint,
        constraint_message=message,
    )


def _hint(variable: Variable) -> Label | None:
    about, unit = variable.description, variable.unit
    if about is None and unit is None:
        return None
    texts = []
    for lang, word in (("id", "Satuan"), ("en", "Unit")):
        parts = [about.get(lang)] if about is not None else []
        if unit is not None:
            parts.append(f"{word}: {unit}.")
        texts.append(" ".join(parts))
    return Label(texts[0], texts[1])


def _number(value: Decimal, lang: str) -> str:
    exponent = value.normalize().as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return format_number(value, "id" if lang == "id" else "en", digits=places)


def _bounds(variable: Variable) -> tuple[str | None, Label | None]:
    low, high = variable.minimum, variable.maximum
    if low is None and high is None:
        return None, None
    parts = []
    if low is not None:
        parts.append(f". >= {low.normalize():f}")
    if high is not None:
        parts.append(f". <= {high.normalize():f}")
    texts = []
    for lang, (between, least, most) in (
        (
            "id",
            (
                "Isikan angka dari {} sampai {}",
                "Isikan angka {} atau lebih",
                "Isikan angka {} atau kurang",
            ),
        ),
        ("en", ("Enter a number from {} to {}", "Enter {} or more", "Enter {} or less")),
    ):
        if low is not None and high is not None:
            texts.append(between.format(_number(low, lang), _number(high, lang)))
        elif low is not None:
            texts.append(least.format(_number(low, lang)))
        else:
            assert high is not None
            texts.append(most.format(_number(high, lang)))
    return " and ".join(parts), Label(texts[0], texts[1])
