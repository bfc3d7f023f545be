"""Reading a mapping's TOML into an ImportMapping, collecting every problem with its key path."""

from __future__ import annotations

import datetime as _dt
import difflib
import tomllib
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from klaster.catalogue.variable import Level, ValueType, Variable
from klaster.errors import ImportDataError, KlasterError
from klaster.importing.mapping import (
    MAPPING_VERSION,
    MEMBER_FIELDS,
    Aggregate,
    ColumnRule,
    FormKind,
    ImportMapping,
    RepeatMapping,
    RoundDeclaration,
)
from klaster.label import Label
from klaster.observations.rounds import RoundKind

_TOP = (
    "mapping_version",
    "form",
    "level",
    "unit",
    "submission",
    "source",
    "cluster",
    "round",
    "fields",
    "variables",
    "repeats",
)
_SOURCE = ("delimiter", "decimal", "sheet", "max_rows")
_CLUSTER = ("id", "column")
_ROUND = ("id", "kind", "on", "cluster", "label", "note")
_RULE = (
    "column",
    "value",
    "values",
    "scale",
    "date_format",
    "option",
    "count",
    "aggregate",
    "missing",
)
_REPEAT = ("name", "sheet", "file", "parent_column", "parent_key", "unit", "level", "variables")
_DELIMITERS = {";": ";", ",": ",", "\t": "\t", "tab": "\t", "|": "|"}
_SCALES = {"rupiah": Decimal(1), "ribu": Decimal(1000), "juta": Decimal(1_000_000)}
_REQUIRED_FIELDS = ("id", "name", "sex", "household_size", "village", "sector", "joined")
_INT_FIELDS = ("household_size", "birth_year")
_DATE_FIELDS = ("joined", "left")
_UNIT_LEVELS = (Level.MEMBER, Level.GROUP, Level.COOPERATIVE)
_NUMERIC = (ValueType.DECIMAL, ValueType.INTEGER)
_AGGREGATE_TYPES = {
    Aggregate.SUM: _NUMERIC,
    Aggregate.MAX: _NUMERIC,
    Aggregate.MIN: _NUMERIC,
    Aggregate.COUNT: (ValueType.INTEGER,),
    Aggregate.ANY: (ValueType.BOOLEAN,),
    Aggregate.ALL: (ValueType.BOOLEAN,),
}


class _Parser:
    def __init__(self, name: str) -> None:
        self.name = name
        self.problems: list[str] = []

    def problem(self, path: str, message: str) -> None:
        self.problems.append(
            f"{self.name} {path}: {message}" if path else f"{self.name}: {message}"
        )

    def table(self, raw: object, path: str, allowed: tuple[str, ...]) -> dict[str, Any]:
        if not isinstance(raw, dict):
            self.problem(path, f"must be a table, got {_kind(raw)}")
            return {}
        for key in raw:
            if key not in allowed:
                self.problem(f"{path}.{key}" if path else key, _unknown("key", key, allowed))
        return raw

    def text(self, raw: dict[str, Any], key: str, path: str) -> str | None:
        value = raw.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            self.problem(_join(path, key), f"must be a non-empty string, got {_kind(value)}")
            return None
        return value

    def choice(self, raw: dict[str, Any], key: str, path: str, options: tuple[str, ...]) -> str:
        value = raw.get(key)
        if value not in options:
            self.problem(
                _join(path, key), f"must be one of {', '.join(map(repr, options))}, got {value!r}"
            )
            return options[0]
        return str(value)


def parse(text: str, name: str, catalogue: Mapping[str, Variable]) -> ImportMapping:
    """Parse and check a mapping; raise ImportDataError listing every problem."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ImportDataError(
            f"{name}: not a valid TOML file ({exc}); see docs/importing.md for the format"
        ) from None
    p = _Parser(name)
    top = p.table(raw, "", _TOP)
    version = top.get("mapping_version")
    if version != MAPPING_VERSION:
        hint = (
            "add mapping_version = 1 at the top"
            if version is None
            else f"this klaster reads mapping_version {MAPPING_VERSION}"
        )
        p.problem("mapping_version", f"must be {MAPPING_VERSION}, got {version!r}; {hint}")
    form = FormKind(p.choice(top, "form", "", tuple(k.value for k in FormKind)))
    source = p.table(top.get("source", {}), "source", _SOURCE)
    cluster = p.table(top.get("cluster", {}), "cluster", _CLUSTER)
    mapping = ImportMapping(
        name=name,
        form=form,
        level=_level(p, top),
        unit=p.text(top, "unit", ""),
        submission=p.text(top, "submission", ""),
        cluster_id=p.text(cluster, "id", "cluster"),
        cluster_column=p.text(cluster, "column", "cluster"),
        round=_round(p, top.get("round")),
        delimiter=_delimiter(p, source),
        decimal_comma="decimal" in source
        and p.choice(source, "decimal", "source", (".", ",")) == ",",
        sheet=p.text(source, "sheet", "source"),
        max_rows=_max_rows(p, source),
        fields=_rules(p, top.get("fields"), "fields"),
        variables=_rules(p, top.get("variables"), "variables"),
        repeats=_repeats(p, top.get("repeats")),
    )
    _check_shape(p, mapping, top)
    p.problems += check_against(mapping, catalogue)
    if p.problems:
        raise ImportDataError(f"{name}: the mapping cannot be used", problems=p.problems)
    return mapping


def _level(p: _Parser, top: dict[str, Any]) -> Level:
    if "level" not in top:
        return Level.MEMBER
    return Level(p.choice(top, "level", "", tuple(level.value for level in _UNIT_LEVELS)))


def _delimiter(p: _Parser, source: dict[str, Any]) -> str | None:
    value = source.get("delimiter")
    if value is None or value == "auto":
        return None
    found = _DELIMITERS.get(value) if isinstance(value, str) else None
    if found is None:
        p.problem(
            "source.delimiter",
            f"must be one of ';', ',', '\\t' (or 'tab'), '|' or 'auto', got {value!r}",
        )
    return found


def _max_rows(p: _Parser, source: dict[str, Any]) -> int | None:
    value = source.get("max_rows")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        p.problem("source.max_rows", f"must be a whole number of at least 1, got {value!r}")
        return None
    return value


def _round(p: _Parser, raw: object) -> RoundDeclaration | None:
    if raw is None:
        return None
    table = p.table(raw, "round", _ROUND)
    round_id = p.text(table, "id", "round")
    if round_id is None:
        p.problem("round.id", "is required: an existing round's ID or the ID of a new one")
        round_id = "?"
    kind = None
    if "kind" in table:
        kind = RoundKind(p.choice(table, "kind", "round", tuple(k.value for k in RoundKind)))
    on = table.get("on")
    if isinstance(on, str):
        try:
            on = _dt.date.fromisoformat(on)
        except ValueError:
            p.problem("round.on", "must be a date (2015-03-02)")
            on = None
    elif on is not None and (not isinstance(on, _dt.date) or isinstance(on, _dt.datetime)):
        p.problem("round.on", f"must be a date (2015-03-02), got {_kind(on)}")
        on = None
    if ("kind" in table) != ("on" in table):
        p.problem("round", "declare a new round with both kind and on, or give only its id")
    label = None
    if "label" in table:
        value = table["label"]
        try:
            label = Label(value["id"], value["en"])
        except (KeyError, TypeError, KlasterError):
            p.problem("round.label", 'must be { id = "...", en = "..." } with two non-empty texts')
    return RoundDeclaration(
        id=round_id,
        kind=kind,
        on=on,
        cluster_id=p.text(table, "cluster", "round"),
        label=label,
        note=p.text(table, "note", "round"),
    )


def _rules(p: _Parser, raw: object, path: str) -> tuple[ColumnRule, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        p.problem(path, f"must be a table of targets, got {_kind(raw)}")
        return ()
    return tuple(_rule(p, target, spec, f"{path}.{target}") for target, spec in raw.items())


def _rule(p: _Parser, target: str, spec: object, path: str) -> ColumnRule:
    if isinstance(spec, str):  # the short form: target = "column"
        spec = {"column": spec}
    table = p.table(spec, path, _RULE)
    column = p.text(table, "column", path)
    value = table.get("value")
    if (column is None) == (value is None):
        p.problem(path, "give exactly one of column (read from the file) or value (fixed)")
    values = table.get("values", {})
    if not isinstance(values, dict):
        p.problem(
            f"{path}.values",
            f"must be a table of answers, e.g. {{ ya = true }}, got {_kind(values)}",
        )
        values = {}
    for answer, mapped in values.items():
        if isinstance(mapped, float | dict | list):
            p.problem(f"{path}.values.{answer}", _no_float(mapped))
    if isinstance(value, float | dict | list):
        p.problem(f"{path}.value", _no_float(value))
    missing = table.get("missing", [])
    if not isinstance(missing, list) or not all(isinstance(m, str) for m in missing):
        p.problem(f"{path}.missing", 'must be a list of answers, e.g. ["n/a", "-99"]')
        missing = []
    count = table.get("count", False)
    if not isinstance(count, bool):
        p.problem(f"{path}.count", f"must be true or false, got {_kind(count)}")
        count = False
    aggregate = None
    if "aggregate" in table:
        aggregate = Aggregate(p.choice(table, "aggregate", path, tuple(a.value for a in Aggregate)))
    return ColumnRule(
        target=target,
        column=column,
        value=value,
        values=values,
        scale=_scale(p, table.get("scale"), f"{path}.scale"),
        date_format=p.text(table, "date_format", path),
        option=p.text(table, "option", path),
        count=count,
        aggregate=aggregate,
        missing=tuple(m.strip() for m in missing),
        where=path,
    )


def _scale(p: _Parser, raw: object, path: str) -> Decimal | None:
    if raw is None:
        return None
    found: Decimal | None = None
    if isinstance(raw, str):
        found = _SCALES.get(raw.strip().lower())
        if found is None:
            try:
                found = Decimal(raw)
            except InvalidOperation:
                found = None
    elif isinstance(raw, int) and not isinstance(raw, bool):
        found = Decimal(raw)
    if found is None or not found.is_finite() or found <= 0:
        p.problem(
            path,
            f"must be 'ribu' (x1000), 'juta' (x1000000), 'rupiah' (x1), a whole number or a "
            f"decimal string such as '0.001', above 0; got {raw!r}",
        )
        return None
    return found


def _repeats(p: _Parser, raw: object) -> tuple[RepeatMapping, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        p.problem("repeats", "must be an array of tables: [[repeats]]")
        return ()
    found: list[RepeatMapping] = []
    names: set[str] = set()
    for index, item in enumerate(raw):
        path = f"repeats[{index}]"
        table = p.table(item, path, _REPEAT)
        name = p.text(table, "name", path)
        if name is None:
            p.problem(f"{path}.name", "is required (the repeat group's name)")
            name = f"repeat{index}"
        elif name in names:
            p.problem(f"{path}.name", f"repeat {name!r} is declared twice")
        names.add(name)
        level = Level.MEMBER
        if "level" in table:
            level = Level(p.choice(table, "level", path, tuple(v.value for v in _UNIT_LEVELS)))
        found.append(
            RepeatMapping(
                name=name,
                sheet=p.text(table, "sheet", path),
                file=p.text(table, "file", path),
                parent_column=p.text(table, "parent_column", path),
                parent_key=p.text(table, "parent_key", path),
                unit=p.text(table, "unit", path),
                level=level,
                variables=_rules(p, table.get("variables"), f"{path}.variables"),
                where=path,
            )
        )
    return tuple(found)


def _check_shape(p: _Parser, mapping: ImportMapping, top: dict[str, Any]) -> None:
    """What the form kind requires and refuses."""
    if mapping.cluster_id is not None and mapping.cluster_column is not None:
        p.problem("cluster", "give either id (one cluster) or column (each row's), not both")
    if mapping.form is FormKind.REGISTRATION:
        for key in ("level", "unit", "round", "variables", "repeats"):
            if key in top:
                p.problem(key, "is for survey forms; a registration form has [fields] only")
        if mapping.cluster_id is None and mapping.cluster_column is None:
            p.problem("cluster", "is required: id = '<cluster>' or column = '<column>'")
        _check_fields(p, mapping.fields)
        return
    if "fields" in top:
        p.problem("fields", "is for registration forms; a survey maps [variables]")
    if "unit" not in top:
        p.problem("unit", f"is required: the column with the {mapping.level.value} ID")
    if mapping.round is None:
        p.problem("round", "is required: [round] id = '<existing round>' or a new round")
    elif "{cluster}" in mapping.round.id:
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
    if not mapping.variables and not mapping.repeats:
        p.problem("variables", "map at least one variable ([variables] or [[repeats]])")
    for repeat in mapping.repeats:
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


def _check_fields(p: _Parser, fields: tuple[ColumnRule, ...]) -> None:
    names = {rule.target for rule in fields}
    for required in _REQUIRED_FIELDS:
        if required not in names:
            p.problem(f"fields.{required}", "is required: map it to a column or give a value")
    for rule in fields:
        if rule.target not in MEMBER_FIELDS:
            p.problem(rule.where, _unknown("member field", rule.target, MEMBER_FIELDS))
            continue
        for key, wrong in (("option", rule.option), ("aggregate", rule.aggregate)):
            if wrong is not None:
                p.problem(f"{rule.where}.{key}", "is for variables, not member fields")
        if rule.count:
            p.problem(f"{rule.where}.count", "is for variables, not member fields")
        if rule.scale is not None:
            p.problem(f"{rule.where}.scale", "is for numeric variables, not member fields")
        if rule.date_format is not None and rule.target not in _DATE_FIELDS:
            p.problem(f"{rule.where}.date_format", "is for the date fields joined and left")
        if rule.target == "id" and rule.column is None:
            p.problem(rule.where, "each new member needs its own ID: give a column")


def check_against(mapping: ImportMapping, catalogue: Mapping[str, Variable]) -> list[str]:
    """The mapping's variable rules checked against a catalogue (located messages)."""
    p = _Parser(mapping.name)
    main = [(rule, mapping.level) for rule in mapping.variables]
    for repeat in mapping.repeats:
        level = repeat.level if repeat.unit is not None else mapping.level
        main += [(rule, level) for rule in repeat.variables]
    for rule, level in main:
        variable = catalogue.get(rule.target)
        if variable is None:
            p.problem(rule.where, _unknown("variable code", rule.target, tuple(catalogue)))
            continue
        if variable.level is not level:
            p.problem(
                rule.where,
                f"{rule.target} is a {variable.level.value} variable; these rows describe "
                f"{level.value}s",
            )
        _check_variable_rule(p, rule, variable)
    return p.problems


def _check_variable_rule(p: _Parser, rule: ColumnRule, variable: Variable) -> None:
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


def _unknown(what: str, name: object, valid: tuple[str, ...] | list[str]) -> str:
    text = f"unknown {what} {name!r}"
    close = difflib.get_close_matches(str(name), list(valid), n=3)
    if close:
        text += f" (did you mean {', '.join(map(repr, close))}?)"
    shown = list(valid)[:40]
    more = f" and {len(valid) - len(shown)} more" if len(valid) > len(shown) else ""
    return f"{text}; valid: {', '.join(shown)}{more}"


def _no_float(value: object) -> str:
    if isinstance(value, float):
        return "a float is not exact: write the number as a string ('12.5') or a whole number"
    return f"must be a single value (text, number, true/false or a date), got {_kind(value)}"


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _kind(value: object) -> str:
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array"
    return type(value).__name__
