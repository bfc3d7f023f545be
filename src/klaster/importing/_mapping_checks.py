"""Checking a mapping as a whole: what its form kind requires, and its rules against a catalogue.

Both add located problems to a :class:`~klaster.importing._toml_tables.TableReader`, so that a
mapping's every mistake is reported at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from klaster.catalogue.variable import ValueType, Variable
from klaster.errors import KlasterError
from klaster.importing._fieldwork_mapping import check_fieldwork_shape
from klaster.importing._toml_tables import TableReader, unknown
from klaster.importing.mapping import (
    APPLICANT_FIELDS,
    MEMBER_FIELDS,
    ROSTER_FIELDS,
    Aggregate,
    ColumnRule,
    FormKind,
    ImportMapping,
)

__all__ = ["check_against", "check_round_shape", "check_shape"]

_REQUIRED_FIELDS = ("id", "name", "sex", "household_size", "village", "sector", "joined")
_DATE_FIELDS = ("joined", "left", "applied_on", "group_formed", "group_joined", "group_left")
_NUMERIC = (ValueType.DECIMAL, ValueType.INTEGER)
_AGGREGATE_TYPES = {
    Aggregate.SUM: _NUMERIC,
    Aggregate.MAX: _NUMERIC,
    Aggregate.MIN: _NUMERIC,
    Aggregate.COUNT: (ValueType.INTEGER,),
    Aggregate.ANY: (ValueType.BOOLEAN,),
    Aggregate.ALL: (ValueType.BOOLEAN,),
}


def check_shape(p: TableReader, mapping: ImportMapping, top: dict[str, Any]) -> None:
    """What the form kind requires and refuses."""
    if mapping.cluster_id is not None and mapping.cluster_column is not None:
        p.problem("cluster", "give either id (one cluster) or column (each row's), not both")
    if mapping.form in (FormKind.REGISTRATION, FormKind.ROSTER):
        for key in ("level", "unit", "round", "variables", "repeats"):
            if key in top:
                p.problem(
                    key, f"is for survey forms; a {mapping.form.value} form has [fields] only"
                )
        if mapping.cluster_id is None and mapping.cluster_column is None:
            p.problem("cluster", "is required: id = '<cluster>' or column = '<column>'")
        roster = mapping.form is FormKind.ROSTER
        _check_fields(p, mapping.fields, ROSTER_FIELDS if roster else MEMBER_FIELDS)
        return
    if mapping.form is FormKind.SCREENING:
        for key in ("level", "unit", "round", "repeats"):
            if key in top:
                p.problem(key, "is for survey forms; a screening form has [fields] and [variables]")
        if mapping.cluster_id is None and mapping.cluster_column is None:
            p.problem("cluster", "is required: id = '<cluster>' or column = '<column>'")
        required = (*_REQUIRED_FIELDS[:-1], "applied_on")
        _check_fields(p, mapping.fields, APPLICANT_FIELDS, required, "applicant field")
        for rule in mapping.variables:
            if rule.aggregate is not None:
                p.problem(f"{rule.where}.aggregate", "is for variables of a [[repeats]] group")
        return
    if mapping.form in (FormKind.ACTIVITY, FormKind.VISIT):
        check_fieldwork_shape(p, mapping, top)
        return
    if "fields" in top:
        p.problem("fields", "is for registration forms; a survey maps [variables]")
    if "unit" not in top:
        p.problem("unit", f"is required: the column with the {mapping.level.value} ID")
    check_round_shape(p, mapping)
    if not mapping.variables and not mapping.repeats:
        p.problem("variables", "map at least one variable ([variables] or [[repeats]])")
    for repeat in mapping.repeats:
        if repeat.fields:
            p.problem(f"{repeat.where}.fields", "is for activity and visit forms")
        for rule in repeat.variables:
            if repeat.unit is None and rule.aggregate is None:
                p.problem(
                    rule.where,
                    "needs aggregate = 'sum', 'count', 'max', 'min', 'any' or 'all' (or give "
                    f"{repeat.where}.unit: one row per unit)",
                )
            if repeat.unit is not None and rule.aggregate is not None:
                p.problem(
                    f"{rule.where}.aggregate",
                    "a repeat with unit gives one row per unit; remove aggregate",
                )
            if rule.aggregate is None and rule.column is None:
                p.problem(rule.where, "needs a column")
    for rule in mapping.variables:
        if rule.aggregate is not None:
            p.problem(f"{rule.where}.aggregate", "is for variables of a [[repeats]] group")


def check_round_shape(p: TableReader, mapping: ImportMapping) -> None:
    """A survey's round against its cluster; no round is the round left open (given on import)."""
    if mapping.round is None:
        return
    if "{cluster}" in mapping.round.id:
        if mapping.cluster_id is None and mapping.cluster_column is None:
            p.problem("round.id", "uses {cluster}: give [cluster] id or column")
    elif mapping.cluster_column is not None:
        p.problem(
            "cluster.column",
            "a survey's rows belong to its round's cluster: put {cluster} in round.id "
            "(one round per cluster) or give cluster.id",
        )
    elif mapping.round.declared and mapping.round.cluster_id is None and mapping.cluster_id is None:
        p.problem("round.cluster", "a new round needs its cluster: round.cluster or [cluster] id")


def _check_fields(
    p: TableReader,
    fields: tuple[ColumnRule, ...],
    known: tuple[str, ...] = MEMBER_FIELDS,
    required_fields: tuple[str, ...] = _REQUIRED_FIELDS,
    noun: str = "member field",
) -> None:
    names = {rule.target for rule in fields}
    for required in required_fields:
        if required not in names:
            p.problem(f"fields.{required}", "is required: map it to a column or give a value")
    for rule in fields:
        if rule.target not in known:
            p.problem(rule.where, unknown(noun, rule.target, known))
            continue
        for key, wrong in (("option", rule.option), ("aggregate", rule.aggregate)):
            if wrong is not None:
                p.problem(f"{rule.where}.{key}", "is for variables, not member fields")
        if rule.count:
            p.problem(f"{rule.where}.count", "is for variables, not member fields")
        if rule.scale is not None:
            p.problem(f"{rule.where}.scale", "is for numeric variables, not member fields")
        if rule.date_format is not None and rule.target not in _DATE_FIELDS:
            p.problem(
                f"{rule.where}.date_format", "is for the date fields joined, left, applied_on"
            )
        if rule.target == "id" and rule.column is None:
            p.problem(rule.where, f"each new {noun.split()[0]} needs its own ID: give a column")


def check_against(mapping: ImportMapping, catalogue: Mapping[str, Variable]) -> list[str]:
    """The mapping's variable rules checked against a catalogue (located messages)."""
    p = TableReader(mapping.name)
    main = [(rule, mapping.level) for rule in mapping.variables]
    for repeat in mapping.repeats:
        level = repeat.level if repeat.unit is not None else mapping.level
        main += [(rule, level) for rule in repeat.variables]
    for rule, level in main:
        variable = catalogue.get(rule.target)
        if variable is None:
            message = unknown("variable code", rule.target, tuple(catalogue))
            hint = _missing_plugin()
            if hint is not None:  # before the long list of valid codes, where it is read
                head, _, valid = message.partition("; valid: ")
                message = f"{head}; {hint}; valid: {valid}"
            p.problem(rule.where, message)
            continue
        if variable.level is not level:
            p.problem(
                rule.where,
                f"{rule.target} is a {variable.level.value} variable; these rows describe "
                f"{level.value}s",
            )
        _check_variable_rule(p, rule, variable)
    return p.problems


def _missing_plugin() -> str | None:
    """The missing-plugin hint when a plugin is installed but not loaded (else: a typo)."""
    from klaster.plugins.default import get_host  # the plugins layer, loaded on use
    from klaster.plugins.missing import undeclared_hint

    return undeclared_hint(get_host(), typo=True)


def _check_variable_rule(p: TableReader, rule: ColumnRule, variable: Variable) -> None:
    kind = variable.type
    if rule.scale is not None:
        if kind not in _NUMERIC:
            p.problem(f"{rule.where}.scale", f"only numbers are scaled; {rule.target} is {kind}")
        elif kind is ValueType.INTEGER and rule.scale != rule.scale.to_integral_value():
            p.problem(f"{rule.where}.scale", "an integer variable needs a whole-number scale")
    if rule.date_format is not None and kind is not ValueType.DATE:
        p.problem(f"{rule.where}.date_format", f"only dates have a format; {rule.target} is {kind}")
    if rule.option is not None:
        if rule.count:
            p.problem(rule.where, "give option (one choice, yes/no) or count, not both")
        if kind is not ValueType.BOOLEAN:
            p.problem(f"{rule.where}.option", f"feeds a boolean variable; {rule.target} is {kind}")
    if rule.count and kind is not ValueType.INTEGER:
        p.problem(f"{rule.where}.count", f"feeds an integer variable; {rule.target} is {kind}")
    if rule.aggregate is not None and kind not in _AGGREGATE_TYPES[rule.aggregate]:
        allowed = " or ".join(t.value for t in _AGGREGATE_TYPES[rule.aggregate])
        p.problem(
            f"{rule.where}.aggregate",
            f"{rule.aggregate.value} gives a {allowed} value; {rule.target} is {kind}",
        )
    checked = [(f"{rule.where}.values.{answer}", value) for answer, value in rule.values.items()]
    if rule.value is not None:
        checked.append((f"{rule.where}.value", rule.value))
    for path, value in checked:
        if isinstance(value, float | dict | list):
            continue  # reported by the parser
        try:
            variable.check_value(value)
        except KlasterError as exc:
            p.problem(path, exc.message)
