"""What an activity or a mentoring-visit form's mapping must say, and the kinds of its fields.

Both forms map ``[fields]`` (the record's fields) and at most one ``[[repeats]]`` group whose
``[repeats.fields]`` give one participant (activity) or one member or group visited (visit) per
row. Checked with the rest of the mapping, every problem located by its key path.
"""

from __future__ import annotations

from typing import Any

from klaster.importing._toml_tables import TableReader, unknown
from klaster.importing.mapping import (
    ACTIVITY_FIELDS,
    PARTICIPANT_FIELDS,
    VISIT_FIELDS,
    ColumnRule,
    FormKind,
    ImportMapping,
)
from klaster.model.activity import ActivityStatus, ParticipantKind

__all__ = [
    "DATE_FIELDS",
    "INT_FIELDS",
    "KIND_ANSWERS",
    "LIST_FIELDS",
    "TEXT_LIST_FIELDS",
    "check_fieldwork_shape",
    "record_fields",
    "subject_kinds",
]

DATE_FIELDS = ("planned_on", "held_on", "on")
"""Fields read as dates (ISO, or the rule's ``date_format``)."""
INT_FIELDS = ("headcount",)
"""Fields read as whole numbers."""
LIST_FIELDS = ("organiser_ids", "facilitator_ids", "topics", "member_ids", "group_ids")
"""Fields read as a select-multiple: the answers separated by blanks, each mapped by ``values``."""
TEXT_LIST_FIELDS = ("follow_up",)
"""Fields holding one free text, kept as a list of one item."""
KIND_ANSWERS = {
    "mitra": "member",
    "anggota": "member",
    "kelompok": "group",
    "pengurus": "board",
    "pengurus_koperasi": "board",
    "koperasi": "board",
    "tamu": "person",
    "pihak_luar": "person",
    "undangan": "person",
}
"""Answers read as a participant kind without a ``values`` map (compared without case), besides
the kinds themselves (``member``, ``group``, ``board``, ``person``)."""
_NOT_FOR_FIELDS = ("option", "aggregate", "scale")


def record_fields(form: FormKind) -> tuple[str, ...]:
    """The ``[fields]`` targets of an activity or visit form."""
    return ACTIVITY_FIELDS if form is FormKind.ACTIVITY else VISIT_FIELDS


def subject_kinds(form: FormKind) -> tuple[str, ...]:
    """The participant kinds a form's repeat rows may name."""
    if form is FormKind.VISIT:
        return (ParticipantKind.MEMBER.value, ParticipantKind.GROUP.value)
    return tuple(k.value for k in ParticipantKind)


def check_fieldwork_shape(p: TableReader, mapping: ImportMapping, top: dict[str, Any]) -> None:
    """What an activity or visit form requires and refuses (located problems in ``p``)."""
    form = mapping.form
    for key in ("level", "unit", "round", "variables"):
        if key in top:
            p.problem(key, f"is for survey forms; an {form.value} form has [fields] (and repeats)")
    if form is FormKind.VISIT and mapping.cluster_id is None and mapping.cluster_column is None:
        p.problem("cluster", "is required: id = '<cluster>' or column = '<column>'")
    allowed = record_fields(form)
    names = {rule.target for rule in mapping.fields}
    required = ("kind", "title") if form is FormKind.ACTIVITY else ("facilitator_id", "on")
    for name in required:
        if name not in names:
            p.problem(f"fields.{name}", "is required: map it to a column or give a value")
    for rule in mapping.fields:
        if rule.target not in allowed:
            p.problem(rule.where, unknown(f"{form.value} field", rule.target, allowed))
            continue
        _check_rule(p, rule)
        if rule.target == "status":
            _check_choices(p, rule, tuple(s.value for s in ActivityStatus))
    ids = next((r for r in mapping.fields if r.target == "id"), None)
    if ids is not None and ids.column is None:
        p.problem(ids.where, f"each {form.value} needs its own ID: give a column")
    if ids is None and mapping.submission == "@unit":
        p.problem(
            "submission",
            f"'@unit' takes each row's ID from fields.id: map the {form.value}'s ID to a column",
        )
    if len(mapping.repeats) > 1:
        p.problem("repeats", f"an {form.value} form reads one repeat group (its participants)")
    for repeat in mapping.repeats:
        _check_repeat(p, form, repeat.where, repeat.fields, repeat.variables, repeat.unit)
    if form is FormKind.VISIT and not mapping.repeats and not names & {"member_ids", "group_ids"}:
        p.problem(
            "fields",
            "map member_ids or group_ids (a select-multiple), or a [[repeats]] group listing "
            "the members and groups visited",
        )


def _check_repeat(
    p: TableReader,
    form: FormKind,
    where: str,
    fields: tuple[ColumnRule, ...],
    variables: tuple[ColumnRule, ...],
    unit: str | None,
) -> None:
    if variables:
        p.problem(f"{where}.variables", "is for survey forms: map the rows' [repeats.fields]")
    if unit is not None:
        p.problem(f"{where}.unit", "is for survey forms: map fields.kind and fields.id")
    allowed = PARTICIPANT_FIELDS if form is FormKind.ACTIVITY else ("kind", "id")
    names = {rule.target for rule in fields}
    for name in ("kind", "id"):
        if name not in names:
            p.problem(
                f"{where}.fields.{name}", "is required: map it to a column (kind: or a value)"
            )
    for rule in fields:
        if rule.target not in allowed:
            p.problem(rule.where, unknown("participant field", rule.target, allowed))
            continue
        _check_rule(p, rule)
        if rule.target == "kind":
            _check_choices(p, rule, subject_kinds(form))
        elif rule.column is None:
            p.problem(rule.where, "is read from each row: give a column")


def _check_rule(p: TableReader, rule: ColumnRule) -> None:
    for key in _NOT_FOR_FIELDS:
        if getattr(rule, key) is not None:
            p.problem(f"{rule.where}.{key}", "is for variables of survey forms")
    if rule.count:
        p.problem(f"{rule.where}.count", "is for variables of survey forms")
    if rule.date_format is not None and rule.target not in DATE_FIELDS:
        p.problem(f"{rule.where}.date_format", "is for the date fields planned_on, held_on, on")


def _check_choices(p: TableReader, rule: ColumnRule, valid: tuple[str, ...]) -> None:
    given = [(f"{rule.where}.value", rule.value)] if rule.value is not None else []
    given += [(f"{rule.where}.values.{k}", v) for k, v in rule.values.items()]
    for path, value in given:
        if value not in valid:
            p.problem(path, f"must be one of {', '.join(map(repr, valid))}, got {value!r}")
